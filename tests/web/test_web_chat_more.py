"""The web chat's safeguarding reply, audio, headers, embedding, clean-up, and engine parity."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import select, update

from bot.services import Services
from bot.web.audio import Speaker
from bot.web.chat import WEB_CHAT
from bot.web.models import WebSession
from surveys.engine import Action, Input, PromptKind
from surveys.models import Answer, Participant, SafeguardingAlert
from surveys.service import ChannelRef, RiskFinding
from tests.web.chat_client import ChatPerson
from tests.web.conftest import EMBEDDER, runs

SUPPORT = (
    "If you are in danger now, call 999. A person at the council may need to help keep you safe."
)
CARD = "You can talk to someone now:\n• Childline: Call 0800 1111 (free)"


def _screen(text: str, *, language: str = "en", easy: bool = False) -> RiskFinding | None:
    if "not safe" in text.lower():
        return RiskFinding("unsafe_at_home", "concern", text[:80], SUPPORT, CARD)
    return None


async def test_a_disclosure_gets_the_safeguarding_reply_first_and_the_help_card(
    client: TestClient, services: Services
) -> None:
    services.survey_service.screen = _screen
    person = ChatPerson(client)
    await person.start_all_types()
    await person.press("Not in school")
    page = await person.type("I am not safe at home")

    bot_messages = [m for m in page.messages if "from-bot" in m.classes]
    assert SUPPORT in bot_messages[0].words
    assert "alert" in bot_messages[0].classes.split()
    assert "0800 1111" in page.text and "116 123" in page.text  # the help card, straight away
    assert "Does your child have an EHC plan?" in page.question()  # nothing else is lost
    async with services.db.reading() as session:
        alert = (await session.scalars(select(SafeguardingAlert))).one()
        answer = await session.get(Answer, alert.answer_id)
    assert answer is not None and answer.restricted and answer.text == "I am not safe at home"


@pytest.mark.skipif(not shutil.which("espeak-ng"), reason="espeak-ng is not installed")
async def test_listen_plays_audio_made_offline_for_the_words_on_the_page(
    client: TestClient,
) -> None:
    person = ChatPerson(client)
    await person.start_all_types()
    page = await person.press("Listen (voice notes)")
    assert "<audio" in page.html  # chosen "listen": a player under each message
    listen = [href for href, words in page.links if words == "Listen"]
    assert listen
    response = await client.get(listen[-1])
    assert response.status == 200
    assert response.headers["Content-Type"] == "audio/wav"
    body = await response.read()
    assert body[:4] == b"RIFF" and body[8:12] == b"WAVE" and len(body) > 10_000
    unknown = await client.get("/audio/" + "0" * 64 + ".wav")
    assert unknown.status == 404  # only words the chat itself showed are ever spoken


@pytest.mark.skipif(not shutil.which("espeak-ng"), reason="espeak-ng is not installed")
async def test_a_listener_hears_the_help_card_once_after_a_disclosure(
    client: TestClient, services: Services, app: web.Application
) -> None:
    services.survey_service.screen = _screen
    person = ChatPerson(client)
    await person.start_all_types()
    await person.press("Listen (voice notes)")
    await person.press("Not in school")
    page = await person.type("I am not safe at home")

    def spoken(message_html: str) -> str:
        found = re.search(r"/audio/([0-9a-f]{64})\.wav", message_html)
        assert found, "a Listen link"
        script = app[WEB_CHAT].speaker.cache_dir / f"{found.group(1)}.txt"
        return script.read_text(encoding="utf-8")

    support, card = page.html.split('class="msg from-bot kind-')[-3:-1]
    assert support.startswith("info alert") and card.startswith("help")
    assert "0800 1111" not in spoken(support) and "A person at the council" in spoken(support)
    assert "0800 1111" in spoken(card)


async def test_without_espeak_the_listen_button_is_hidden_and_the_chat_says_why(
    client: TestClient, app: web.Application, tmp_path: Path
) -> None:
    app[WEB_CHAT].speaker = Speaker(tmp_path / "audio", program="")
    person = ChatPerson(client)
    await person.start_all_types()
    page = await person.press("Listen (voice notes)")
    assert not [href for href, words in page.links if words == "Listen"]
    assert "<audio" not in page.html
    assert "Listening is not available on this server" in page.text
    assert "espeak-ng" in page.text


PAGES = ["/", "/help", "/privacy", "/my-answers", "/delete", "/resume", "/embed", "/no-such-page"]


@pytest.mark.parametrize("path", PAGES)
async def test_every_page_allows_nothing_from_another_site(client: TestClient, path: str) -> None:
    response = await client.get(path, headers={"Accept": "text/html"})
    assert response.status == (404 if path == "/no-such-page" else 200)
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy
    assert "frame-ancestors 'self'" in policy
    assert "http" not in policy  # no other origin may load anything
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    html = await response.text()
    html = re.sub(r"<pre.*?</pre>", "", html, flags=re.S)  # the embed snippet is text to copy
    loaded = re.findall(r'(?:src|href|action)="([^"]*)"', html)
    assert loaded and all(url.startswith(("/", "#")) and not url.startswith("//") for url in loaded)
    assert "style=" not in html  # no inline styles (the policy would block them)


async def test_static_files_load_nothing_from_elsewhere(client: TestClient) -> None:
    page = await (await client.get("/")).text()
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', page):
        response = await client.get(asset)
        body = await response.text()
        assert response.status == 200
        assert not re.search(r"https?://|@import|//[a-z]", body.replace("*/", "")), asset


async def test_embedded_chat_may_be_framed_by_the_council_site_with_its_own_cookie(
    client: TestClient,
) -> None:
    response = await client.get("/?embed=1", headers={"X-Forwarded-Proto": "https"})
    assert f"frame-ancestors 'self' {EMBEDDER}" in response.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in response.headers
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("ev_embed=")
    for attribute in ("HttpOnly", "Secure", "SameSite=None", "Partitioned"):
        assert attribute in cookie
    html = await response.text()
    assert 'action="/?embed=1"' in html and 'href="/help?embed=1"' in html

    snippet = await (await client.get("/embed")).text()
    assert "&lt;iframe src=&#34;http://" in snippet or '&lt;iframe src="http://' in snippet
    assert "?embed=1" in snippet and "title=" in snippet


async def test_over_https_the_session_cookie_is_secure(client: TestClient) -> None:
    response = await client.get("/", headers={"X-Forwarded-Proto": "https"})
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("ev_session=") and "Secure" in cookie and "SameSite=Lax" in cookie


async def test_idle_browser_sessions_are_forgotten(
    client: TestClient, app: web.Application
) -> None:
    person = ChatPerson(client)
    await person.start_all_types()
    sessions = app[WEB_CHAT].sessions
    assert await sessions.purge() == 0
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=31)
    async with sessions.db.transaction() as session:
        await session.execute(update(WebSession).values(last_seen_at=long_ago))
    assert await sessions.purge() == 1
    page = await person.open()
    assert "automated chat" in page.messages[0].words  # this browser starts afresh


async def test_showing_the_current_question_again_changes_nothing(services: Services) -> None:
    service = services.survey_service
    ref = ChannelRef("web", "someone")
    for given in (
        Input(Action.START, "all_types"),
        Input(Action.CHOOSE, "yes"),
        Input(Action.CHOOSE, "young_person"),
        Input(Action.CHOOSE, "13_15"),
    ):
        last = await service.handle(ref, given)
    async with services.db.reading() as session:
        before = (await session.scalars(select(Participant))).one().conversation
    again = await service.current(ref)
    assert [p.text for p in again.prompts] == [last.prompts[-1].text]
    assert again.step == last.step
    async with services.db.reading() as session:
        assert (await session.scalars(select(Participant))).one().conversation == before
    nobody = await service.current(ChannelRef("web", "nobody"))
    assert nobody.prompts[0].kind is PromptKind.QUESTION and "automated" in nobody.prompts[0].text


# --------------------------------------------------------------------------- one engine


WEB_STEPS: list[tuple[str, Any]] = [
    ("press", "Special school"),
    ("press", "Yes"),
    ("press", "Back"),
    ("press", "No"),
    ("press", "Skip"),
    ("tick", ("The SENCO", "Short breaks")),
    ("type", "7"),
    ("type", "Someone who listens."),
]
SERVICE_INPUTS = [
    Input(Action.CHOOSE, "special"),
    Input(Action.CHOOSE, "yes"),
    Input(Action.BACK),
    Input(Action.CHOOSE, "no"),
    Input(Action.SKIP),
    Input(Action.CHOOSE, "senco"),
    Input(Action.CHOOSE, "short_breaks"),
    Input(Action.DONE),
    Input(Action.TEXT, "7"),
    Input(Action.TEXT, "Someone who listens."),
]
ONBOARDING = [
    Input(Action.START, ""),
    Input(Action.CHOOSE, "yes"),
    Input(Action.CHOOSE, "parent_carer"),
    Input(Action.CHOOSE, "words"),
    Input(Action.START, "all_types"),
    Input(Action.CHOOSE, "en"),
    Input(Action.CHOOSE, "parent_view"),
]


async def test_one_survey_asks_the_same_questions_and_stores_the_same_answers_on_both_channels(
    client: TestClient, services: Services
) -> None:
    """The web chat and the service-level path share one engine.

    The same steps through the real Telegram adapter, against the fake Bot API, are in
    ``tests/telegram/test_telegram_and_web.py``.
    """
    person = ChatPerson(client)
    page = await person.start_all_types()
    web_order = [_turn(page)]
    for how, what in WEB_STEPS:
        if how == "press":
            page = await person.press(what)
        elif how == "tick":
            page = await person.press("Done", ticks=what)
        else:
            page = await person.type(what)
        web_order.append(_turn(page))

    service = services.survey_service
    telegram = ChannelRef("telegram", "424242", "424242")
    for given in ONBOARDING:
        reply = await service.handle(telegram, given)
    telegram_order = [_question_id(reply.prompts)]
    for given in SERVICE_INPUTS:
        reply = await service.handle(telegram, given)
        if given.action is not Action.CHOOSE or given.value not in ("senco", "short_breaks"):
            telegram_order.append(_question_id(reply.prompts))

    assert web_order == telegram_order
    assert web_order[0] == "school" and web_order[-1] is None
    by_channel = await _answers_by_participant(services)
    web_id = (await service.participant_id_for(telegram)) or ""
    assert set(by_channel) == {web_id, next(p for p in by_channel if p != web_id)}
    answers = list(by_channel.values())
    assert answers[0] == answers[1]
    assert answers[0]["story"] == ("answered", "Someone who listens.")
    assert sorted(run.channel or "" for run in await runs(services.db)) == ["telegram", "web"]


def _turn(page: Any) -> str | None:
    for form in page.forms:
        turn = form.hidden.get("turn", "")
        if turn.startswith("q:"):
            return turn[2:]
    return None


def _question_id(prompts: Any) -> str | None:
    questions = [p for p in prompts if p.kind is PromptKind.QUESTION]
    return questions[-1].question_id if questions else None


async def _answers_by_participant(services: Services) -> dict[str, dict[str, Any]]:
    async with services.db.reading() as session:
        rows = (
            await session.scalars(
                select(Answer).where(Answer.superseded_at.is_(None)).order_by(Answer.id)
            )
        ).all()
    out: dict[str, dict[str, Any]] = {}
    for a in rows:
        value = a.text if a.text is not None else a.value
        out.setdefault(a.participant_id, {})[a.question_id] = (a.status, value)
    return out


def test_chat_text_becomes_safe_html_with_lists_and_links_to_the_web_pages() -> None:
    from bot.web.render import label_html, text_html

    html = str(
        text_html(
            "Hi <script>alert(1)</script>\n\n• one\n• see (/mydata)\n\nType /start",
            {"/mydata": ("/my-answers?embed=1", "See my answers")},
        )
    )
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<ul><li>one</li>" in html
    assert '<a href="/my-answers?embed=1">See my answers</a>' in html
    assert "Type /start" in html  # no web page for it: left as words
    assert str(label_html("😞 Very bad")) == '<span aria-hidden="true">😞</span> Very bad'
