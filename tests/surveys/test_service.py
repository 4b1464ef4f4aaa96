"""The service and store together, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest
from sqlalchemy import func, select

from surveys.database import Database
from surveys.definition import SurveyCatalog
from surveys.engine import Action, Input, PromptKind, Step
from surveys.models import Answer, ChannelAddress, Participant, QuestionFeedback, SurveyRun
from surveys.service import (
    CannotRewrite,
    ChannelRef,
    Pseudonymiser,
    StoredText,
    SurveyService,
    parse_start_payload,
)
from surveys.wording import Wording
from tests.surveys.helpers import question_prompt, start_as_parent

KEY = b"test-pseudonym-key"


def make_service(db: Database, surveys: SurveyCatalog, wording: Wording) -> SurveyService:
    return SurveyService(db, surveys, wording, Pseudonymiser(KEY))


@pytest.fixture
def service(db: Database, test_surveys: SurveyCatalog, wording: Wording) -> SurveyService:
    return make_service(db, test_surveys, wording)


async def current_answers(db: Database, participant_id: str) -> dict[str, tuple[str, object]]:
    async with db.reading() as session:
        rows = await session.execute(
            select(Answer.question_id, Answer.status, Answer.value, Answer.text)
            .where(Answer.participant_id == participant_id, Answer.superseded_at.is_(None))
            .order_by(Answer.id)
        )
        return {q: (status, text if text is not None else value) for q, status, value, text in rows}


async def test_pseudonym_is_an_hmac_and_no_channel_id_is_stored(
    service: SurveyService, db: Database
) -> None:
    ref = ChannelRef("telegram", "987654321", address="987654321")
    reply = await start_as_parent(service, ref, "all_types")
    assert reply.participant_id == Pseudonymiser(KEY)(ref)
    assert "987654321" not in reply.participant_id
    assert Pseudonymiser(b"another key")(ref) != reply.participant_id
    async with db.reading() as session:
        person = await session.get(Participant, reply.participant_id)
        addresses = (await session.scalars(select(ChannelAddress))).all()
    assert person is not None and person.role == "parent_carer"
    assert "987654321" not in str(person.conversation)
    assert [(a.channel, a.address) for a in addresses] == [("telegram", "987654321")]


async def test_saying_not_now_stores_nothing(service: SurveyService, db: Database) -> None:
    ref = ChannelRef("web", "visitor-1")
    await service.handle(ref, Input(Action.START, "all_types"))
    reply = await service.handle(ref, Input(Action.CHOOSE, "no"))
    assert "Nothing has been saved" in reply.prompts[0].text
    async with db.reading() as session:
        assert await session.scalar(select(func.count()).select_from(Participant)) == 0


async def test_every_answer_is_saved_at_once_with_the_survey_version(
    service: SurveyService, db: Database
) -> None:
    ref = ChannelRef("web", "visitor-2")
    reply = await start_as_parent(service, ref, "all_types")
    await service.handle(ref, Input(Action.CHOOSE, "none"))
    await service.handle(ref, Input(Action.TEXT, "We were told there was no place for him"))
    async with db.reading() as session:
        rows = (await session.scalars(select(Answer).order_by(Answer.id))).all()
    assert [(a.question_id, a.survey_version) for a in rows] == [("school", 2), ("why_not", 2)]
    assert rows[0].value == "none" and rows[1].text == "We were told there was no place for him"
    assert reply.participant_id == rows[0].participant_id


async def test_back_supersedes_never_overwrites(service: SurveyService, db: Database) -> None:
    ref = ChannelRef("web", "visitor-3")
    reply = await start_as_parent(service, ref, "all_types")
    await service.handle(ref, Input(Action.CHOOSE, "special"))
    await service.handle(ref, Input(Action.BACK))
    await service.handle(ref, Input(Action.CHOOSE, "mainstream"))
    async with db.reading() as session:
        rows = (
            await session.execute(select(Answer.value, Answer.superseded_at).order_by(Answer.id))
        ).all()
    assert [value for value, _ in rows] == ["special", "mainstream"]
    assert rows[0][1] is not None and rows[1][1] is None
    assert await current_answers(db, reply.participant_id) == {"school": ("answered", "mainstream")}


async def test_a_full_run_through_every_question_type(service: SurveyService, db: Database) -> None:
    ref = ChannelRef("telegram", "42", address="42")
    reply = await start_as_parent(service, ref, "all_types")
    steps = [
        Input(Action.TEXT, "3"),
        Input(Action.TEXT, "Excluded in year 7"),
        Input(Action.TEXT, "not sure"),
        Input(Action.CHOOSE, "2"),
        Input(Action.CHOOSE, "senco"),
        Input(Action.CHOOSE, "short_breaks"),
        Input(Action.DONE),
        Input(Action.RATHER_NOT_SAY),
        Input(Action.TEXT, "A named person who rings back"),
    ]
    for given in steps:
        reply = await service.handle(ref, given)
    assert reply.prompts[-1].kind is PromptKind.DONE
    assert await current_answers(db, reply.participant_id) == {
        "school": ("answered", "none"),
        "why_not": ("answered", "Excluded in year 7"),
        "ehcp": ("answered", "not_sure"),
        "feel": ("answered", "2"),
        "help": ("answered", ["senco", "short_breaks"]),
        "waited": ("rather_not_say", None),
        "story": ("answered", "A named person who rings back"),
    }
    async with db.reading() as session:
        run = await session.scalar(select(SurveyRun))
    assert run is not None and run.status == "completed" and run.completed_at is not None
    assert (run.role, run.answering_as, run.channel) == ("parent_carer", "parent_view", "telegram")


async def test_pause_survives_a_restart_of_the_service(
    db: Database, database_url: str, test_surveys: SurveyCatalog, wording: Wording
) -> None:
    ref = ChannelRef("telegram", "77", address="77")
    first = make_service(db, test_surveys, wording)
    await start_as_parent(first, ref, "all_types")
    await first.handle(ref, Input(Action.CHOOSE, "special"))
    await first.handle(ref, Input(Action.PAUSE))
    await db.dispose()

    restarted_db = Database.from_url(database_url)
    second = make_service(restarted_db, test_surveys, wording)
    reply = await second.handle(ref, Input(Action.START, ""))
    prompt = question_prompt(reply)
    assert prompt is not None and prompt.question_id == "ehcp"
    assert "carry on where you left off" in prompt.text.lower()
    await restarted_db.dispose()


async def test_starting_another_survey_sets_the_first_aside_and_it_resumes_later(
    service: SurveyService, db: Database
) -> None:
    ref = ChannelRef("web", "visitor-4")
    await start_as_parent(service, ref, "all_types")
    await service.handle(ref, Input(Action.CHOOSE, "special"))
    reply = await service.handle(ref, Input(Action.START, "many_text"))
    assert reply.step is Step.ANSWERING_AS  # asked for each survey: a parent may answer for a child
    reply = await service.handle(ref, Input(Action.CHOOSE, "on_behalf"))
    assert question_prompt(reply).question_id == "t1"
    await service.handle(ref, Input(Action.TEXT, "first thing"))
    reply = await service.handle(ref, Input(Action.START, "all_types"))
    prompt = question_prompt(reply)
    assert prompt.question_id == "ehcp", "the first survey carries on, not from the start"
    reply = await service.handle(ref, Input(Action.START, "many_text"))
    assert question_prompt(reply).question_id == "t2"
    async with db.reading() as session:
        runs = (await session.execute(select(SurveyRun.survey_id, SurveyRun.status))).all()
    assert sorted(runs) == [("all_types", "paused"), ("many_text", "in_progress")]


async def test_not_understood_is_counted_per_question_without_identifying_anyone(
    service: SurveyService, db: Database
) -> None:
    for user in ("a", "b"):
        ref = ChannelRef("web", user)
        await start_as_parent(service, ref, "all_types")
        await service.handle(ref, Input(Action.NOT_UNDERSTOOD))
    async with db.reading() as session:
        rows = (
            await session.execute(
                select(QuestionFeedback.question_id, QuestionFeedback.survey_version)
            )
        ).all()
    assert rows == [("school", 2), ("school", 2)]


async def test_two_inputs_at_once_from_one_person_are_both_kept_in_order(
    service: SurveyService, db: Database
) -> None:
    ref = ChannelRef("web", "fast-typist")
    reply = await start_as_parent(service, ref, "many_text")
    texts = [f"answer {i}" for i in range(1, 9)]
    await asyncio.gather(*(service.handle(ref, Input(Action.TEXT, text)) for text in texts))
    stored = await current_answers(db, reply.participant_id)
    assert sorted(v for _, v in stored.values()) == sorted(texts), "no answer lost or doubled"
    assert list(stored) == [f"t{i}" for i in range(1, 9)], "each answered the next question"


async def test_two_processes_answering_for_one_person_at_once(
    database_url: str, test_surveys: SurveyCatalog, wording: Wording
) -> None:
    """Two service instances with their own connection pools, like two web processes."""
    dbs = [Database.from_url(database_url) for _ in range(2)]
    services = [make_service(d, test_surveys, wording) for d in dbs]
    ref = ChannelRef("telegram", "555", address="555")
    reply = await start_as_parent(services[0], ref, "many_text")
    await asyncio.gather(
        *(services[i % 2].handle(ref, Input(Action.TEXT, f"reply {i}")) for i in range(10))
    )
    stored = await current_answers(dbs[0], reply.participant_id)
    assert len(stored) == 10
    assert sorted(v for _, v in stored.values()) == sorted(f"reply {i}" for i in range(10))
    async with dbs[0].reading() as session:
        person = await session.get(Participant, reply.participant_id)
    assert person is not None and person.conversation["step"] == Step.IDLE.value
    for d in dbs:
        await d.dispose()


async def test_a_process_holding_an_old_conversation_reads_the_new_one_first(
    database_url: str, test_surveys: SurveyCatalog, wording: Wording
) -> None:
    """Process A remembers the conversation it saved; B moves it on; A must not go back."""
    dbs = [Database.from_url(database_url) for _ in range(2)]
    first, second = (make_service(d, test_surveys, wording) for d in dbs)
    ref = ChannelRef("telegram", "556", address="556")
    reply = await start_as_parent(first, ref, "many_text")
    await first.handle(ref, Input(Action.TEXT, "one"))
    await second.handle(ref, Input(Action.TEXT, "two"))
    reply = await first.handle(ref, Input(Action.TEXT, "three"))
    assert question_prompt(reply).question_id == "t4"
    stored = await current_answers(dbs[0], reply.participant_id)
    assert stored == {
        "t1": ("answered", "one"),
        "t2": ("answered", "two"),
        "t3": ("answered", "three"),
    }
    for d in dbs:
        await d.dispose()


async def test_answers_carry_on_after_the_database_drops_every_connection(
    service: SurveyService, db: Database, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("a PostgreSQL server restart; SQLite has no connections to drop")
    ref = ChannelRef("telegram", "557", address="557")
    reply = await start_as_parent(service, ref, "many_text")
    await service.handle(ref, Input(Action.TEXT, "before"))
    admin = Database.from_url(database_url)
    async with admin.connection() as connection:
        await connection.exec_driver_sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    await admin.dispose()
    reply = await service.handle(ref, Input(Action.TEXT, "after"))
    assert question_prompt(reply).question_id == "t3"
    stored = await current_answers(db, reply.participant_id)
    assert stored == {"t1": ("answered", "before"), "t2": ("answered", "after")}


async def test_my_data_and_erase(service: SurveyService, db: Database) -> None:
    ref = ChannelRef("telegram", "31", address="31")
    await start_as_parent(service, ref, "all_types")
    await service.handle(ref, Input(Action.CHOOSE, "special"))
    data = await service.my_data(ref)
    assert data["about_you"]["role"] == "parent_carer"
    (answer,) = data["surveys"][0]["answers"]
    assert answer == {
        "id": answer["id"],
        "question": "Where does your child learn?",
        "status": "answered",
        "answer": "Special school",
        "when": answer["when"],
    }
    assert await service.erase(ref) == 1
    async with db.reading() as session:
        for model in (Participant, ChannelAddress, SurveyRun, Answer):
            assert await session.scalar(select(func.count()).select_from(model)) == 0


async def test_my_data_is_in_the_persons_language_and_says_what_was_skipped(
    service: SurveyService,
) -> None:
    ref = ChannelRef("telegram", "33", address="33")
    await start_as_parent(service, ref, "all_types", language="pl")
    await service.handle(ref, Input(Action.CHOOSE, "special"))
    await service.handle(ref, Input(Action.SKIP))
    run = (await service.my_data(ref))["surveys"][0]
    assert run["answering_as"] == "parent_view" and run["came_from"] is None
    assert [(a["question"], a["status"], a["answer"]) for a in run["answers"]] == [
        ("Gdzie uczy się twoje dziecko?", "answered", "Szkoła specjalna"),
        ("Czy dziecko ma plan EHC?", "skipped", None),
    ]


async def test_stop_turns_off_proactive_messages(service: SurveyService, db: Database) -> None:
    ref = ChannelRef("telegram", "32", address="32")
    reply = await start_as_parent(service, ref, "all_types")
    assert await service.stop_messages(ref)
    async with db.reading() as session:
        person = await session.get(Participant, reply.participant_id)
    assert person is not None and person.reachable is False and person.stopped_at is not None


def test_deep_link_payloads() -> None:
    assert parse_start_payload("s_ehc_needs_assessment-schoolA") == (
        "ehc_needs_assessment",
        "schoolA",
    )
    assert parse_start_payload("s_all_types") == ("all_types", None)
    assert parse_start_payload("") == ("", None)


async def test_deep_link_source_is_kept_with_the_run(service: SurveyService, db: Database) -> None:
    ref = ChannelRef("telegram", "33", address="33")
    await start_as_parent(service, ref, "s_many_text-leeds_hub_east")
    async with db.reading() as session:
        run = await session.scalar(select(SurveyRun))
    assert run is not None and (run.survey_id, run.source) == ("many_text", "leeds_hub_east")


async def test_an_in_memory_database_takes_turns_through_sqlalchemy_itself(
    test_surveys: SurveyCatalog, wording: Wording
) -> None:
    """Neither a SQLite file nor asyncpg: turns run through SQLAlchemy Core, same rules."""
    from sqlalchemy.pool import StaticPool

    from surveys.migrate import upgrade_engine

    db = Database.from_url("sqlite+aiosqlite://", poolclass=StaticPool)  # one shared connection
    await upgrade_engine(db.engine)
    service = make_service(db, test_surveys, wording)
    ref = ChannelRef("web", "in-memory")
    reply = await start_as_parent(service, ref, "many_text")
    await asyncio.gather(*(service.handle(ref, Input(Action.TEXT, f"note {i}")) for i in (1, 2)))
    await service.handle(ref, Input(Action.BACK))
    reply = await service.handle(ref, Input(Action.TEXT, "note 2, changed"))
    assert question_prompt(reply).question_id == "t3"
    assert await current_answers(db, reply.participant_id) == {
        "t1": ("answered", "note 1"),
        "t2": ("answered", "note 2, changed"),
    }
    await db.dispose()


async def test_words_given_another_way_supersede_and_go_through_the_hooks(
    db: Database, test_surveys: SurveyCatalog, wording: Wording
) -> None:
    """A typed-up voice note: any channel's free-text answer can take new words this way."""
    heard: list[StoredText] = []

    async def on_answers(stored: Sequence[StoredText]) -> None:
        heard.extend(stored)

    service = SurveyService(db, test_surveys, wording, Pseudonymiser(KEY), on_answers=on_answers)
    ref = ChannelRef("web", "visitor-rewrite")
    reply = await start_as_parent(service, ref, "all_types")
    await service.handle(ref, Input(Action.CHOOSE, "none"))
    await service.handle(ref, Input(Action.TEXT, "[voice note]"))
    await service.drain()
    async with db.reading() as session:
        school, marker = (await session.scalars(select(Answer).order_by(Answer.id))).all()

    with pytest.raises(CannotRewrite, match="not to a question that takes words"):
        await service.rewrite_text(school.id, "words")
    with pytest.raises(CannotRewrite, match="can be up to 500") as too_long:
        await service.rewrite_text(marker.id, "x" * 501)
    assert too_long.value.limit == 500
    with pytest.raises(CannotRewrite, match="Type what the person said"):
        await service.rewrite_text(marker.id, " \x00 ")

    heard.clear()
    done = await service.rewrite_text(marker.id, "  No school place\r\nnear us \x07 ")
    await service.drain()
    assert done.alert is None
    assert await current_answers(db, reply.participant_id) == {
        "school": ("answered", "none"),
        "why_not": ("answered", "No school place\nnear us"),
    }
    assert [(s.answer_id, s.question_id, s.text) for s in heard] == [
        (done.answer_id, "why_not", "No school place\nnear us")
    ]
    with pytest.raises(CannotRewrite, match="changed that answer since"):
        await service.rewrite_text(marker.id, "again")
