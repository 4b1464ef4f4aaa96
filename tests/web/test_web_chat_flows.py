"""The web chat with JavaScript off, through aiohttp's test client, on SQLite and PostgreSQL."""

from __future__ import annotations

import re

from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from bot.services import Services
from bot.web.models import WebResumeCode, WebSession
from surveys.models import Participant
from tests.web.chat_client import ChatPerson, csrf_of, read
from tests.web.conftest import runs, stored_answers


async def test_first_visit_shows_the_privacy_message_first_and_a_private_cookie(
    client: TestClient, services: Services
) -> None:
    person = ChatPerson(client)
    page = await person.open()

    assert page.status == 200
    assert len(page.messages) == 1
    assert "automated chat" in page.messages[0].words
    assert "It is not a person" in page.messages[0].words
    assert page.has_button("Yes, let's start") and page.has_button("Not now")
    cookie = next(iter(client.session.cookie_jar))
    assert cookie.key == "ev_session"
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    async with services.db.reading() as session:  # a visit alone stores nothing
        assert await session.scalar(select(func.count()).select_from(Participant)) == 0
        assert await session.scalar(select(func.count()).select_from(WebSession)) == 0


async def test_a_form_without_the_sessions_csrf_token_is_refused_and_saves_nothing(
    client: TestClient, services: Services
) -> None:
    person = ChatPerson(client)
    page = await person.open()
    form, name, value = page.button("Yes, let's start")

    forged = await person.post("/", {name: value, "turn": form.hidden["turn"]})
    assert forged.status == 403
    assert "This page had expired" in forged.text
    wrong = await person.post("/", {name: value, "csrf": "0" * 64, "turn": form.hidden["turn"]})
    assert wrong.status == 403
    async with services.db.reading() as session:
        assert await session.scalar(select(func.count()).select_from(Participant)) == 0


async def test_a_survey_done_with_forms_alone_stores_exactly_the_answers_given(
    client: TestClient, services: Services
) -> None:
    person = ChatPerson(client)
    page = await person.start_all_types()
    assert "Question 1 of 6" in page.text

    page = await person.press("Special school")
    assert "You chose: Special school" in page.text
    assert "Does your child have an EHC plan?" in page.question()
    page = await person.press("Yes")
    assert "How do you feel about the support?" in page.question()
    page = await person.press("Back")
    assert "Does your child have an EHC plan?" in page.question()
    assert "your new answer will replace the old one" in page.text.lower()
    page = await person.press("No")
    page = await person.press("Skip")
    assert "Skipped." in page.text
    assert "Which of these have helped?" in page.question()
    page = await person.press("Done", ticks=("The SENCO", "Short breaks"))
    assert "You chose: The SENCO, Short breaks" in page.text
    page = await person.type("about seven")
    assert "Please type a number" in page.text
    assert "How many months did you wait?" in page.question()
    page = await person.type("7")
    page = await person.type("  More help at school, please.  ")
    assert "Thank you, that's everything." in page.text
    assert page.has_button("See the surveys")

    assert await stored_answers(services.db) == {
        "school": ("answered", "special"),
        "ehcp": ("answered", "no"),
        "feel": ("skipped", None),
        "help": ("answered", ["senco", "short_breaks"]),
        "waited": ("answered", 7),
        "story": ("answered", "More help at school, please."),
    }


async def test_reloading_shows_the_same_question_and_an_old_form_is_not_applied(
    client: TestClient, services: Services
) -> None:
    person = ChatPerson(client)
    await person.start_all_types()
    old = person.page
    assert old is not None
    await person.press("Mainstream school")
    again = await person.open()
    assert "Does your child have an EHC plan?" in again.question()
    assert "You chose: Mainstream school" in again.text  # the reply is kept across a reload

    form, name, value = old.button("Special school")  # the browser's back button, then a tap
    stale = await person.post("/", {**form.hidden, name: value})
    assert "That page was out of date, so nothing was saved from it" in stale.text
    assert "Does your child have an EHC plan?" in stale.question()
    assert await stored_answers(services.db) == {"school": ("answered", "mainstream")}


async def test_not_now_keeps_nothing(client: TestClient, services: Services) -> None:
    person = ChatPerson(client)
    await person.open()
    page = await person.press("Not now")
    assert "Nothing has been saved" in page.text
    async with services.db.reading() as session:
        assert await session.scalar(select(func.count()).select_from(Participant)) == 0


async def test_reading_level_and_language_change_at_any_time(client: TestClient) -> None:
    person = ChatPerson(client)
    await person.start_all_types()
    page = await person.press("Easy words")
    assert "Where do you go to school?" in page.question()  # the survey's easy version
    assert 'aria-pressed="true">Easy words' in page.html
    page = await person.press("Words")
    page = await person.press("Polski")
    assert "Gdzie uczy się twoje dziecko?" in page.question()
    assert '<html lang="pl"' in page.html
    page = await person.press("English")
    assert "Where does your child learn?" in page.question()


async def test_help_card_comes_from_configuration_and_typing_help_shows_it(
    client: TestClient,
) -> None:
    person = ChatPerson(client)
    page = await person.open("/help")
    for number in ("999", "111", "0800 1111", "85258", "116 123", "mindmate.org.uk"):
        assert number in page.plain
    assert "These numbers were checked on 22 November 2026." in page.plain

    await person.start_all_types()
    page = await person.type("help")
    assert "0800 1111" in page.text and "116 123" in page.text
    assert "Where does your child learn?" in page.question()  # and the question is still there


async def test_my_answers_can_be_seen_downloaded_and_deleted_after_confirming(
    client: TestClient, services: Services
) -> None:
    person = ChatPerson(client)
    await person.start_all_types()
    await person.press("Special school")
    await person.press("I'd rather not say")
    page = await person.open("/my-answers")
    assert page.plain.startswith("What we keep about you")
    assert "Where does your child learn? Special school" in page.plain
    assert "Does your child have an EHC plan? (you'd rather not say)" in page.plain
    assert "You are: Parent or carer" in page.plain
    assert "Who answered: My own experience" in page.plain
    assert "Not finished yet. Started " in page.plain
    assert "parent_carer" not in page.plain and "in_progress" not in page.plain

    download = await client.get("/my-answers.json")
    assert download.headers["Content-Disposition"].startswith("attachment")
    data = await download.json()
    answers = data["surveys"][0]["answers"]
    assert [(a["question"], a["status"], a["answer"]) for a in answers] == [
        ("Where does your child learn?", "answered", "Special school"),
        ("Does your child have an EHC plan?", "rather_not_say", None),
    ]
    assert len({a["id"] for a in answers}) == 2, "each answer can be pointed at"
    assert "pseudonym" in data and "web_user" not in str(data)

    page = await person.open("/delete")
    assert page.has_button("Yes, delete my answers")
    assert ("/", "No, keep them") in page.links
    page = await person.press("Yes, delete my answers")
    assert "We deleted 2 answers" in page.plain
    assert await stored_answers(services.db) == {}
    async with services.db.reading() as session:
        assert await session.scalar(select(func.count()).select_from(Participant)) == 0
        assert await session.scalar(select(func.count()).select_from(WebSession)) == 0
    page = await person.open("/my-answers")
    assert "We don't hold any answers from you in this browser." in page.plain
    page = await person.open()
    assert "automated chat" in page.messages[0].words  # a fresh start


async def test_pausing_gives_a_code_that_carries_on_from_another_device(
    client: TestClient, services: Services, aiohttp_client: object, app: object
) -> None:
    person = ChatPerson(client)
    await person.start_all_types()
    await person.press("Special school")
    page = await person.press("Pause")
    assert "Your answers so far are saved" in page.text
    match = re.search(r"\b([A-Z0-9]{4}-[A-Z0-9]{4})\b", page.html)
    assert match, page.text
    code = match.group(1)
    async with services.db.reading() as session:
        hashes = (await session.scalars(select(WebResumeCode.code_hash))).all()
    assert len(hashes) == 1 and code.replace("-", "") not in hashes[0]

    other = ChatPerson(await aiohttp_client(app))  # another browser, no cookie
    page = await other.open("/resume")
    form = next(f for f in page.forms if "code" in f.text_fields)
    wrong = await other.post("/resume", {**form.hidden, "code": "AAAA-AAAA"})
    assert wrong.status == 400 and "doesn't match" in wrong.plain
    page = await other.post("/resume", {**form.hidden, "code": code.lower().replace("-", " ")})
    assert "You are carrying on from your code" in page.text
    page = await other.press("Carry on")
    assert "Does your child have an EHC plan?" in page.question()
    await other.press("Yes")
    assert await stored_answers(services.db) == {
        "school": ("answered", "special"),
        "ehcp": ("answered", "yes"),
    }


async def test_guessing_codes_is_stopped_after_a_few_tries(client: TestClient) -> None:
    person = ChatPerson(client)
    page = await person.open("/resume")
    csrf = csrf_of(page)
    statuses = []
    for _ in range(11):
        response = await client.post("/resume", data={"csrf": csrf, "code": "CCCC-CCCC"})
        statuses.append(response.status)
    assert statuses[:10] == [400] * 10
    assert statuses[10] == 429
    assert "Too many tries" in await response.text()


async def test_a_code_on_request_from_the_footer(client: TestClient) -> None:
    person = ChatPerson(client)
    await person.start_all_types()
    page = await person.press("Get a code to carry on later")
    assert re.search(r"\b[A-Z0-9]{4}-[A-Z0-9]{4}\b", page.html)
    assert "Keep it private" in page.plain


async def test_javascript_requests_get_the_reply_as_fragments(client: TestClient) -> None:
    person = ChatPerson(client)
    await person.start_all_types()
    assert person.page is not None
    form, name, value = person.page.button("Special school")
    response = await client.post(
        "/", data={**form.hidden, name: value}, headers={"Accept": "application/json"}
    )
    reply = await response.json()
    log = read(200, reply["log"])
    assert [m.words for m in log.messages][0].endswith("You chose: Special school Listen") or (
        "You chose: Special school" in log.messages[0].words
    )
    assert "Does your child have an EHC plan?" in log.question()
    answer = read(200, reply["answer"])
    assert answer.has_button("Yes") and answer.has_button("Back")
    assert reply["lang"] == "en" and reply["status"] == "Saved."


async def test_typed_commands_lead_to_the_web_pages_and_are_never_stored_as_answers(
    client: TestClient, services: Services
) -> None:
    person = ChatPerson(client)
    await person.start_all_types()
    response = await client.post(
        "/",
        data={
            **next(f for f in person.page.forms if "typed" in f.classes).hidden,
            "text": "/mydata",
        },  # type: ignore[union-attr]
        allow_redirects=False,
    )
    assert response.status == 303 and response.headers["Location"] == "/my-answers"

    await person.press("Not in school")
    page = await person.type("/stop")
    assert "never sends you messages by itself" in page.text
    page = await person.type("/whatever")
    assert "I don't know that command" in page.text
    assert "Why isn't your child in school?" in page.question()
    assert await stored_answers(services.db) == {"school": ("answered", "none")}


async def test_a_link_to_one_survey_goes_straight_to_it_and_records_where_people_came_from(
    client: TestClient, services: Services
) -> None:
    person = ChatPerson(client)
    page = await person.open("/?s=all_types-localoffer")
    assert "automated chat" in page.messages[0].words
    await person.press("Yes, let's start")
    await person.press("Parent or carer")
    page = await person.press("Words")
    assert "Which language would you like?" in page.question()  # no menu: the link chose
    await person.press("English")
    page = await person.press("My own experience")
    assert "Where does your child learn?" in page.question()
    assert [(run.survey_id, run.source, run.channel) for run in await runs(services.db)] == [
        ("all_types", "localoffer", "web")
    ]


async def test_a_link_to_a_survey_in_polish_can_be_read_in_polish_from_the_first_message(
    client: TestClient,
) -> None:
    person = ChatPerson(client)
    await person.open("/?s=all_types-localoffer")
    page = await person.press("Polski (Polish)")
    assert "automatyczny czat" in page.messages[-1].words
    await person.press("Tak, zaczynamy")
    await person.press("Rodzic lub opiekun")
    await person.press("Tekst")
    page = await person.press("Moje własne doświadczenia")
    assert "Gdzie uczy się twoje dziecko?" in page.question()
