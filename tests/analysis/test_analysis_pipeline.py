"""On arrival, through the real survey service and store (SQLite and PostgreSQL):
a risk disclosure gets the support reply first, a restricted answer and an alert; an ordinary
answer is tagged, scored and given key phrases, and re-tagging keeps analysts' decisions."""

from __future__ import annotations

from sqlalchemy import func, select

from analysis.pipeline import analysable_answers, make_answer_listener, retag
from analysis.safeguarding import screen
from analysis.theming import Tagger
from surveys.database import Database
from surveys.definition import SurveyCatalog
from surveys.engine import Action, Input
from surveys.models import Answer, AnswerAnalysis, AnswerTag, SafeguardingAlert
from surveys.service import ChannelRef, Pseudonymiser, Reply, SurveyService
from surveys.wording import Wording


def _service(db: Database, surveys: SurveyCatalog, wording: Wording, tagger: Tagger):
    return SurveyService(
        db,
        surveys,
        wording,
        Pseudonymiser(b"test-key"),
        screen=screen,
        on_answers=make_answer_listener(db, tagger),
    )


async def _to_free_text(service: SurveyService, ref: ChannelRef, language: str = "en") -> Reply:
    """Consent, role, format, language, answering as, then "not in school" → why_not."""
    reply = await service.handle(ref, Input(Action.START, "all_types"))
    for _ in range(12):
        prompt = reply.prompts[-1]
        if prompt.question_id == "why_not":
            return reply
        if prompt.question_id == "school":
            reply = await service.handle(ref, Input(Action.CHOOSE, "none"))
        else:
            chosen = [b for b in prompt.buttons if b.input.value == language]
            reply = await service.handle(ref, (chosen or prompt.buttons)[0].input)
    raise AssertionError("never reached the free-text question")


async def test_a_risk_disclosure_gets_support_first_and_a_restricted_alert(
    db: Database, test_surveys: SurveyCatalog, wording: Wording, tagger: Tagger
) -> None:
    service = _service(db, test_surveys, wording, tagger)
    ref = ChannelRef("test", "young-person-1")
    await _to_free_text(service, ref)
    reply = await service.handle(
        ref, Input(Action.TEXT, "i dont want to go home tonight, dad is drunk and i dont feel safe")
    )
    await service.drain()
    first = reply.prompts[0].text
    assert first.startswith("If you are in danger now, call 999.")
    assert "a person at the council may need to help keep you safe" in first
    assert reply.prompts[-1].question_id == "ehcp"  # the survey carries on afterwards
    async with db.reading() as session:
        answer = await session.scalar(select(Answer).where(Answer.question_id == "why_not"))
        alert = await session.scalar(select(SafeguardingAlert))
        tags = await session.scalar(select(func.count()).select_from(AnswerTag))
        analysed = await session.scalar(select(func.count()).select_from(AnswerAnalysis))
        visible = (await session.scalars(analysable_answers())).all()
    assert answer is not None and answer.restricted is True
    assert alert is not None
    assert (alert.answer_id, alert.category, alert.level) == (answer.id, "unsafe", "immediate")
    assert alert.participant_id == reply.participant_id
    assert "dont feel safe" in alert.excerpt
    assert tags == 0 and analysed == 0  # never analysed
    assert answer.id not in {a.id for a in visible}  # and out of every analyst view


async def test_a_disclosure_typed_in_polish_gets_the_polish_reply_first_and_an_alert(
    db: Database, test_surveys: SurveyCatalog, wording: Wording, tagger: Tagger
) -> None:
    service = _service(db, test_surveys, wording, tagger)
    ref = ChannelRef("test", "polish-young-person-1")
    await _to_free_text(service, ref, language="pl")
    disclosure = "ojczym mnie bije i dziś nie czuję się bezpiecznie w domu"
    reply = await service.handle(ref, Input(Action.TEXT, disclosure))
    await service.drain()
    first = reply.prompts[0].text
    assert first.startswith("Jeśli grozi Ci teraz niebezpieczeństwo, zadzwoń pod numer 999.")
    assert "Dziękuję, że mi o tym mówisz." in first
    card = reply.prompts[0].card
    assert "Zadzwoń pod 999" in card and "0800 1111" in card and "0800 1111" not in first
    assert reply.prompts[-1].question_id == "ehcp"  # the survey carries on, in Polish
    assert reply.prompts[-1].text == "Czy dziecko ma plan EHC?"
    async with db.reading() as session:
        answer = await session.scalar(select(Answer).where(Answer.question_id == "why_not"))
        alert = await session.scalar(select(SafeguardingAlert))
        tags = await session.scalar(select(func.count()).select_from(AnswerTag))
        visible = (await session.scalars(analysable_answers())).all()
    assert answer is not None and answer.restricted is True and answer.text == disclosure
    assert alert is not None
    assert (alert.answer_id, alert.category, alert.level) == (answer.id, "abuse", "immediate")
    assert alert.excerpt == disclosure
    assert tags == 0 and answer.id not in {a.id for a in visible}


async def test_a_polish_disclosure_from_someone_who_chose_english_still_raises_an_alert(
    db: Database, test_surveys: SurveyCatalog, wording: Wording, tagger: Tagger
) -> None:
    service = _service(db, test_surveys, wording, tagger)
    ref = ChannelRef("test", "polish-speaker-in-english")
    await _to_free_text(service, ref)
    reply = await service.handle(ref, Input(Action.TEXT, "chce sie zabic"))
    assert reply.alert is not None and reply.alert.category == "suicide"
    assert reply.prompts[0].text.startswith("Thank you for telling me.")
    await service.drain()


async def test_an_answer_is_tagged_scored_and_stored_with_the_tagger_version(
    db: Database, test_surveys: SurveyCatalog, wording: Wording, tagger: Tagger
) -> None:
    service = _service(db, test_surveys, wording, tagger)
    ref = ChannelRef("test", "parent-1")
    await _to_free_text(service, ref)
    reply = await service.handle(
        ref, Input(Action.TEXT, "He was excluded and we've waited 2 years for an EHC assesment")
    )
    assert reply.alert is None
    await service.drain()
    async with db.reading() as session:
        tags = {t.tag: t for t in await session.scalars(select(AnswerTag))}
        analysis = await session.scalar(select(AnswerAnalysis))
    assert {"P1", "P4"} <= set(tags)
    assert all(t.tagger_version == tagger.version for t in tags.values())
    assert tags["P4"].reasons == ['"excluded"']
    assert analysis is not None
    assert analysis.sentiment == "negative"
    assert analysis.tagger_version == tagger.version


async def test_retag_replaces_machine_tags_and_keeps_reviewed_ones(
    db: Database, test_surveys: SurveyCatalog, wording: Wording, tagger: Tagger, tmp_path
) -> None:
    service = _service(db, test_surveys, wording, tagger)
    ref = ChannelRef("test", "parent-2")
    await _to_free_text(service, ref)
    await service.handle(ref, Input(Action.TEXT, "The taxi is late and his EHCP is vague"))
    await service.drain()
    async with db.transaction() as session:
        p3 = await session.scalar(select(AnswerTag).where(AnswerTag.tag == "P3"))
        assert p3 is not None
        p3.verified, p3.verified_by = False, "analyst@vic"

    book = tmp_path / "strategy.yaml"
    book.write_text(
        "version: '2'\ncodes:\n"
        "  - {id: P5, kind: priority, label: Provision, terms: {strong: [taxi]}}\n"
    )
    newer = Tagger.load(book)
    assert await retag(db, newer) == 1
    async with db.reading() as session:
        rows = {t.tag: t for t in await session.scalars(select(AnswerTag))}
    assert set(rows) == {"P5", "P3"}
    assert rows["P5"].tagger_version == newer.version
    assert rows["P3"].verified is False and rows["P3"].verified_by == "analyst@vic"


async def test_build_services_wires_the_screen_and_the_analysis(db: Database, tmp_path) -> None:
    from bot.services import build_services
    from config.settings import load_settings
    from tests.conftest import FIXTURES

    settings = load_settings(
        database_url=f"sqlite:///{tmp_path}/unused.sqlite3",
        pseudonym_key="k" * 32,
        surveys_dir=FIXTURES / "surveys",
    )
    services = build_services(settings, db=db)
    ref = ChannelRef("test", "wired-1")
    await _to_free_text(services.survey_service, ref)
    reply = await services.survey_service.handle(ref, Input(Action.TEXT, "i want to kill myself"))
    assert reply.alert is not None and reply.alert.category == "suicide"
    assert "116 123" in reply.prompts[0].card
    await services.survey_service.handle(ref, Input(Action.CHOOSE, "no"))
    await services.survey_service.drain()
