"""Voice notes typed up on the dashboard: a person sends one to the bot, staff listen to it
(fetched from the fake Bot API) and type it up, and the words count like typed ones —
themed, screened for safeguarding, erased by /delete. Roles and the audit log throughout."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest
from sqlalchemy import func, select

from analysis.models import AuditEvent
from bot.app import create_app
from bot.dashboard import voice_notes
from bot.dashboard.auth import Accounts, Staff
from bot.services import build_services
from bot.telegram.models import VoiceNote
from config.settings import Settings
from surveys.models import Answer, AnswerAnalysis, AnswerTag, SafeguardingAlert
from surveys.service import CannotRewrite
from tests.telegram.answers import current_answers, participant_id
from tests.telegram.harness import SURVEYS, BotHarness, Person
from tests.telegram.test_telegram_safeguarding import DISCLOSURE, SAFEGUARDING_CHAT
from tests.telegram.test_telegram_unexpected import VOICE, at_first_question
from tests.vic._dashboard import PASSWORD, ROLES, Browser

MARKER = "[voice note, waiting to be typed up]"
AUDIO = b"OggS\x00\x02" + bytes(range(256)) * 400  # ~100 KB: more than one chunk on the way
WORDS = "We waited two years for the EHC assessment and school would not take him back"
USER = 708


@dataclass
class Site:
    bot: BotHarness
    person: Person
    note_id: int
    http: aiohttp.ClientSession

    async def staff(self, role: str) -> Browser:
        browser = Browser(self.http)  # type: ignore[arg-type]  (the same get/post as a TestClient)
        response = await browser.sign_in(role)
        assert response.status == 303, await response.text()
        return browser

    async def type_up(self, browser: Browser, text: str):  # type: ignore[no-untyped-def]
        path = f"/dashboard/voice-notes/{self.note_id}"
        csrf = await browser.csrf(path)
        return await browser.post(path, {"csrf": csrf, "transcript": text})

    async def drain(self) -> None:
        assert self.bot.services is not None
        await self.bot.services.survey_service.drain()


async def _add_staff(bot: BotHarness) -> None:
    assert bot.services is not None
    accounts = Accounts(bot.services.db, bot.services.settings)
    for role in ROLES:
        await accounts.add(role, PASSWORD, role, f"Test {role}")


@pytest.fixture
async def site(make_bot) -> AsyncIterator[Site]:  # noqa: ANN001 - the conftest factory
    bot: BotHarness = await make_bot(
        "webhook", safeguarding_chat_id=SAFEGUARDING_CHAT, public_url="https://voice.example.org"
    )
    await _add_staff(bot)
    person = await at_first_question(bot, USER)
    await person.send("3")  # not in school: "why not?" is free text
    await person.send(voice=VOICE)
    bot.fake.files[VOICE["file_id"]] = AUDIO
    assert bot.services is not None and bot.server is not None
    async with bot.services.db.reading() as session:
        note_id = await session.scalar(select(VoiceNote.id))
    async with aiohttp.ClientSession(base_url=str(bot.server.make_url("/"))) as http:
        yield Site(bot, person, int(note_id), http)


async def audit_events(bot: BotHarness, action: str) -> list[AuditEvent]:
    assert bot.services is not None
    async with bot.services.db.reading() as session:
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        return list((await session.scalars(query)).all())


# --------------------------------------------------------------------------- who may


async def test_only_analysts_and_the_safeguarding_lead_may_listen_or_type(site: Site) -> None:
    note = f"/dashboard/voice-notes/{site.note_id}"
    pages = ("/dashboard/voice-notes", note, note + "/audio", note + "/unclear")
    signed_out = Browser(site.http)  # type: ignore[arg-type]
    for path in pages:
        response = await signed_out.get(path)
        assert response.status == 303 and response.headers["Location"] == "/dashboard/signin"
    assert (await signed_out.post(note, {"transcript": WORDS})).status == 401
    assert (await signed_out.post(note + "/unclear")).status == 401

    for role in ("viewer", "admin"):
        browser = await site.staff(role)
        for path in pages:
            assert (await browser.get(path)).status == 403, (role, path)
        csrf = await browser.csrf()
        assert (await browser.post(note, {"csrf": csrf, "transcript": WORDS})).status == 403
        assert (await browser.post(note + "/unclear", {"csrf": csrf})).status == 403
        menu = await (await browser.get("/dashboard/")).text()
        assert "Voice notes" not in menu and "waiting to be typed up" not in menu
    assert await current_answers(site.bot, USER) == {
        "school": "none",
        "why_not": MARKER,
    }, "a refused form changes nothing"
    assert await audit_events(site.bot, "voice_note_unclear") == []

    for role in ("analyst", "safeguarding_lead"):
        browser = await site.staff(role)
        overview = await (await browser.get("/dashboard/")).text()
        assert 'href="/dashboard/voice-notes"' in overview
        assert "1 voice note waiting to be typed up" in overview
        assert (await browser.get("/dashboard/voice-notes")).status == 200


# --------------------------------------------------------------------------- what staff see


async def test_the_list_says_where_and_when_never_who(site: Site) -> None:
    analyst = await site.staff("analyst")
    page = await (await analyst.get("/dashboard/voice-notes")).text()
    assert "Every kind of question" in page  # the survey
    assert "Why isn&#39;t your child in school?" in page  # the question
    assert "0:07" in page  # how long
    assert f'href="/dashboard/voice-notes/{site.note_id}"' in page
    for who in (participant_id(site.bot, USER), "Sam", "sam_t", str(USER), VOICE["file_id"]):
        assert who not in page, who
    one = await (await analyst.get(f"/dashboard/voice-notes/{site.note_id}")).text()
    for who in (participant_id(site.bot, USER), "sam_t", VOICE["file_id"]):
        assert who not in one, who


async def test_the_recording_comes_from_telegram_uncached_and_is_audited(site: Site) -> None:
    analyst = await site.staff("analyst")
    page = await (await analyst.get(f"/dashboard/voice-notes/{site.note_id}")).text()
    assert re.search(
        rf'<audio controls[^>]*src="/dashboard/voice-notes/{site.note_id}/audio"', page
    )
    assert 'id="player-label">The voice note' in page

    response = await analyst.get(f"/dashboard/voice-notes/{site.note_id}/audio")
    assert response.status == 200
    assert response.headers["Content-Type"] == "audio/ogg"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert await response.read() == AUDIO
    assert site.bot.fake.downloads == [f"voice/{VOICE['file_id']}.oga"]
    (got,) = site.bot.fake.calls_to("getFile")[-1:]
    assert got.params["file_id"] == VOICE["file_id"]
    (played,) = await audit_events(site.bot, "voice_note_played")
    assert (played.actor, played.outcome) == ("analyst", "ok")
    assert played.target == f"voice note {site.note_id}"


async def test_replays_within_ten_minutes_are_one_line_in_the_audit_log(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    audio = f"/dashboard/voice-notes/{site.note_id}/audio"
    analyst, lead = await site.staff("analyst"), await site.staff("safeguarding_lead")
    for _ in range(3):  # play, seek back, play again: the browser fetches each time
        response = await analyst.get(audio)
        assert response.status == 200 and await response.read() == AUDIO
    assert (await lead.get(audio)).status == 200
    assert len(site.bot.fake.downloads) == 4, "each play still comes from Telegram"
    played = await audit_events(site.bot, "voice_note_played")
    assert [p.actor for p in played] == ["analyst", "safeguarding_lead"]

    later = voice_notes.utcnow() + voice_notes.PLAY_AUDIT_WINDOW + dt.timedelta(seconds=1)
    monkeypatch.setattr(voice_notes, "utcnow", lambda: later)
    assert (await analyst.get(audio)).status == 200
    played = await audit_events(site.bot, "voice_note_played")
    assert [p.actor for p in played] == ["analyst", "safeguarding_lead", "analyst"]


async def test_a_recording_telegram_no_longer_has_says_so(site: Site) -> None:
    del site.bot.fake.files[VOICE["file_id"]]
    lead = await site.staff("safeguarding_lead")
    page = await (await lead.get(f"/dashboard/voice-notes/{site.note_id}")).text()
    assert "Telegram no longer has this recording" in page and "<audio" not in page
    assert 'name="transcript"' in page, "it can still be typed up by whoever heard it"
    for _ in range(2):
        response = await lead.get(f"/dashboard/voice-notes/{site.note_id}/audio")
        assert response.status == 410 and "no longer has this recording" in await response.text()
    played = await audit_events(site.bot, "voice_note_played")
    assert [(p.actor, p.outcome) for p in played] == [("safeguarding_lead", "gone")] * 2, (
        "every failed fetch is on record"
    )


async def test_without_telegram_the_page_says_why_it_cannot_play(site: Site) -> None:
    bot = site.bot
    assert bot.services is not None
    settings = Settings(
        database_url=bot.database_url,
        surveys_dir=SURVEYS,
        pseudonym_key="test-pseudonym-key",
    )
    app = create_app(build_services(settings, bot.services.db))
    from aiohttp.test_utils import TestClient, TestServer

    async with TestClient(TestServer(app)) as client:
        analyst = Browser(client)
        await analyst.sign_in("analyst")
        page = await (await analyst.get(f"/dashboard/voice-notes/{site.note_id}")).text()
        assert "TELEGRAM_BOT_TOKEN is not set" in page and "<audio" not in page
        response = await analyst.get(f"/dashboard/voice-notes/{site.note_id}/audio")
        assert response.status == 503 and "Telegram is not set up" in await response.text()
    assert bot.fake.downloads == []


# --------------------------------------------------------------------------- typing up


async def test_a_transcript_becomes_the_answer_and_is_themed(site: Site) -> None:
    analyst = await site.staff("analyst")
    response = await site.type_up(analyst, WORDS)
    assert response.status == 303
    assert response.headers["Location"] == f"/dashboard/voice-notes?saved={site.note_id}"
    await site.drain()

    assert (await current_answers(site.bot, USER))["why_not"] == WORDS
    async with site.bot.services.db.reading() as session:
        answers = (
            await session.scalars(
                select(Answer).where(Answer.question_id == "why_not").order_by(Answer.id)
            )
        ).all()
        note = await session.get(VoiceNote, site.note_id)
        new = answers[-1]
        tags = (await session.scalars(select(AnswerTag).where(AnswerTag.answer_id == new.id))).all()
        analysis = await session.get(AnswerAnalysis, new.id)
    marker, new = answers
    assert marker.text == MARKER and marker.superseded_at is not None, "superseded, not lost"
    assert new.created_at == marker.created_at, "counted from when it was said"
    assert not new.restricted and note is not None and note.transcribed_at is not None
    assert tags, "themed like a typed answer"
    assert analysis is not None and analysis.sentiment == "negative"

    (typed,) = await audit_events(site.bot, "voice_note_transcribed")
    assert (typed.actor, typed.role, typed.target) == (
        "analyst",
        "analyst",
        f"voice note {site.note_id}",
    )
    assert "waited" not in str(typed.details), "the audit keeps who and when, never the words"

    listing = await (await analyst.get(response.headers["Location"])).text()
    assert f"Saved what you typed for voice note {site.note_id}." in listing
    assert "No voice notes are waiting" in listing
    again = await analyst.get(f"/dashboard/voice-notes/{site.note_id}")
    assert again.status == 404 and "typed up this voice note already" in await again.text()

    await site.person.send("/mydata")
    assert WORDS in site.person.last_text(), "the person sees their words too"


async def test_a_disclosure_in_a_transcript_raises_an_alert(site: Site) -> None:
    lead = await site.staff("safeguarding_lead")
    response = await site.type_up(lead, DISCLOSURE)
    assert response.status == 303 and response.headers["Location"].endswith("&alerted=1")
    await site.drain()

    assert site.bot.services is not None
    async with site.bot.services.db.reading() as session:
        (alert,) = (await session.scalars(select(SafeguardingAlert))).all()
        answer = await session.get(Answer, alert.answer_id)
        tags = (await session.scalars(select(AnswerTag))).all()
    assert answer is not None and answer.restricted and answer.text == DISCLOSURE
    assert alert.status == "open" and alert.level in ("immediate", "concern")
    assert not [t for t in tags if t.answer_id == answer.id], "never themed as data"
    (notice,) = [
        c
        for c in site.bot.fake.calls_to("sendMessage")
        if int(c.params["chat_id"]) == SAFEGUARDING_CHAT
    ]
    assert f"alert #{alert.id}" in notice.params["text"] and "hits" not in notice.params["text"]
    listing = await (await lead.get(response.headers["Location"])).text()
    assert "the safeguarding lead has been alerted" in listing
    alerts = await (await lead.get("/dashboard/alerts")).text()
    assert alert.excerpt in alerts


async def test_a_too_long_transcript_is_refused_and_kept_in_the_box(site: Site) -> None:
    analyst = await site.staff("analyst")
    long = "and then " * 60  # 540 characters; the question takes 500
    response = await site.type_up(analyst, long.strip() + " the end")
    page = await response.text()
    assert response.status == 400
    assert "can be up to 500. Nothing has been saved" in page
    assert long.strip() + " the end</textarea>" in page, "every word is still there"
    assert 'aria-invalid="true"' in page
    assert (await current_answers(site.bot, USER))["why_not"] == MARKER
    assert await audit_events(site.bot, "voice_note_transcribed") == []
    assert (await site.type_up(analyst, "   ")).status == 400


async def test_two_people_typing_up_one_note_cannot_both_save(site: Site) -> None:
    bot = site.bot
    assert bot.services is not None
    note = await voice_notes.find(bot.services.db, bot.services.surveys, site.note_id)
    assert note is not None
    people = [Staff(n, f"staff{n}", "", "analyst", "", "") for n in (1, 2)]  # type: ignore[arg-type]
    results = await asyncio.gather(
        *(
            voice_notes.transcribe(bot.services.survey_service, note, f"{WORDS} {p.id}", p)
            for p in people
        ),
        return_exceptions=True,
    )
    saved = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, CannotRewrite)]
    assert len(saved) == 1 and len(refused) == 1, results
    assert "typed up this voice note already" in str(refused[0])
    async with bot.services.db.reading() as session:
        current = await session.scalar(
            select(func.count())
            .select_from(Answer)
            .where(Answer.question_id == "why_not", Answer.superseded_at.is_(None))
        )
    assert current == 1
    assert len(await audit_events(bot, "voice_note_transcribed")) == 1


# --------------------------------------------------------------------------- nobody can make it out


async def test_a_note_nobody_can_make_out_stops_waiting_and_keeps_its_answer(site: Site) -> None:
    analyst = await site.staff("analyst")
    path = f"/dashboard/voice-notes/{site.note_id}"
    page = await (await analyst.get(path)).text()
    assert f'<a href="{path}/unclear">I can\'t make out what they said</a>' in page

    confirm = await analyst.get(path + "/unclear")
    text = await confirm.text()
    assert confirm.status == 200 and "Do this only if you have listened" in text
    assert f'<form method="post" action="{path}/unclear">' in text
    assert "Yes, nobody can make it out: stop it waiting" in text
    assert site.bot.services is not None
    assert await voice_notes.waiting_count(site.bot.services.db) == 1, "asking changes nothing"
    await site.person.send("/mydata")
    waiting = "• Why isn't your child in school?\n  (a voice note: a person will listen to it"
    assert waiting in site.person.last_text()
    stale = await analyst.post(path + "/unclear", {"csrf": "out of date"})
    assert stale.status == 403 and await audit_events(site.bot, "voice_note_unclear") == []

    response = await analyst.post(path + "/unclear", {"csrf": await analyst.csrf(path)})
    assert response.status == 303
    assert response.headers["Location"] == f"/dashboard/voice-notes?unclear={site.note_id}"
    listing = await (await analyst.get(response.headers["Location"])).text()
    assert f"Voice note {site.note_id} is marked as one nobody can make out" in listing
    assert "No voice notes are waiting" in listing
    overview = await (await analyst.get("/dashboard/")).text()
    assert "waiting to be typed up" not in overview

    async with site.bot.services.db.reading() as session:
        answers = (
            await session.scalars(select(Answer).where(Answer.question_id == "why_not"))
        ).all()
        note = await session.get(VoiceNote, site.note_id)
        alerts = await session.scalar(select(func.count()).select_from(SafeguardingAlert))
    assert [(a.text, a.superseded_at) for a in answers] == [(MARKER, None)], "nothing invented"
    assert note is not None and note.unclear_at is not None and note.transcribed_at is None
    assert alerts == 0
    (marked,) = await audit_events(site.bot, "voice_note_unclear")
    assert (marked.actor, marked.role, marked.outcome, marked.target) == (
        "analyst",
        "analyst",
        "ok",
        f"voice note {site.note_id}",
    )

    lead = await site.staff("safeguarding_lead")
    for response in (
        await lead.get(path),
        await lead.get(path + "/unclear"),
        await lead.post(path + "/unclear", {"csrf": await lead.csrf()}),
    ):
        assert response.status == 404
        assert "marked this voice note as one nobody can make out already" in await response.text()
    assert (await lead.get(path + "/audio")).status == 404
    late = await site.type_up(lead, WORDS)
    assert late.status == 404 and "What you typed has not been saved" in await late.text()
    assert (await current_answers(site.bot, USER))["why_not"] == MARKER
    assert len(await audit_events(site.bot, "voice_note_unclear")) == 1
    assert await audit_events(site.bot, "voice_note_transcribed") == []

    await site.person.send("/mydata")
    told = site.person.last_text()
    assert "we listened, but couldn't make out the words, so nothing was typed up" in told
    assert MARKER not in told, "no longer 'waiting to be typed up'"


async def test_typing_up_and_marking_unclear_at_once_one_wins(site: Site) -> None:
    """Two staff on one page: one saves words, the other says nobody can make it out."""
    path = f"/dashboard/voice-notes/{site.note_id}"
    analyst, lead = await site.staff("analyst"), await site.staff("safeguarding_lead")
    typed_csrf, unclear_csrf = await analyst.csrf(path), await lead.csrf(path)
    typed, unclear = await asyncio.gather(
        analyst.post(path, {"csrf": typed_csrf, "transcript": WORDS}),
        lead.post(path + "/unclear", {"csrf": unclear_csrf}),
    )
    statuses = sorted((typed.status, unclear.status))
    assert statuses[0] == 303 and statuses[1] in (404, 409), statuses
    words = (await current_answers(site.bot, USER))["why_not"]
    transcribed = await audit_events(site.bot, "voice_note_transcribed")
    marked = await audit_events(site.bot, "voice_note_unclear")
    if typed.status == 303:
        assert "typed up this voice note already" in await unclear.text()
        assert (words, len(transcribed), marked) == (WORDS, 1, [])
    else:
        refused = await typed.text()
        assert "marked this voice note as one nobody can make out already" in refused
        assert "What you typed has not been saved" in refused
        assert (words, transcribed, len(marked)) == (MARKER, [], 1)


async def test_whichever_ending_comes_second_changes_nothing(site: Site) -> None:
    """Both orders, each from a page loaded before the other person acted."""
    bot = site.bot
    assert bot.services is not None
    db, surveys = bot.services.db, bot.services.surveys
    first, second = (Staff(n, f"staff{n}", "", "analyst", "", "") for n in (1, 2))  # type: ignore[arg-type]
    seen = await voice_notes.find(db, surveys, site.note_id)
    assert seen is not None
    await voice_notes.mark_unclear(db, seen, first)
    with pytest.raises(CannotRewrite, match="nobody can make out already"):
        await voice_notes.transcribe(bot.services.survey_service, seen, WORDS, second)
    assert (await current_answers(bot, USER))["why_not"] == MARKER, "the words were not kept"

    await site.person.send("/back")  # the person answers again with a new voice note
    await site.person.send(voice={**VOICE, "file_id": "voice-two", "file_unique_id": "v2"})
    async with db.reading() as session:
        newer = await session.scalar(select(func.max(VoiceNote.id)))
    seen = await voice_notes.find(db, surveys, int(newer))
    assert seen is not None
    await voice_notes.transcribe(bot.services.survey_service, seen, WORDS, first)
    with pytest.raises(voice_notes.NotWaiting, match="typed up this voice note already"):
        await voice_notes.mark_unclear(db, seen, second)
    async with db.reading() as session:
        note = await session.get(VoiceNote, seen.id)
    assert note is not None and note.transcribed_at is not None and note.unclear_at is None
    assert len(await audit_events(bot, "voice_note_unclear")) == 1


async def test_a_note_whose_answer_the_person_changed_is_no_longer_waiting(site: Site) -> None:
    analyst = await site.staff("analyst")
    await site.person.send("/back")
    await site.person.send("She is home schooled for now")
    assert (await current_answers(site.bot, USER))["why_not"] == "She is home schooled for now"
    listing = await (await analyst.get("/dashboard/voice-notes")).text()
    assert "No voice notes are waiting" in listing
    csrf = await analyst.csrf()
    late = await analyst.post(
        f"/dashboard/voice-notes/{site.note_id}", {"csrf": csrf, "transcript": WORDS}
    )
    assert late.status == 404 and "not waiting any more" in await late.text()
    assert (await current_answers(site.bot, USER))["why_not"] == "She is home schooled for now"


# --------------------------------------------------------------------------- erasure


async def test_delete_erases_the_note_and_its_transcript(site: Site) -> None:
    analyst = await site.staff("analyst")
    assert (await site.type_up(analyst, DISCLOSURE)).status == 303
    await site.drain()
    await site.person.send("/delete")
    await site.person.tap("Yes, delete everything")
    assert site.bot.services is not None
    async with site.bot.services.db.reading() as session:
        for model in (VoiceNote, Answer, AnswerTag):
            assert await session.scalar(select(func.count()).select_from(model)) == 0, model
        (alert,) = (await session.scalars(select(SafeguardingAlert))).all()
    assert alert.answer_id is None, "the alert stays for the lead, no longer tied to the words"
