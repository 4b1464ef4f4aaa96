"""The updates pages of the staff dashboard over HTTP: roles, CSRF, composing, inbox, themes."""

from __future__ import annotations

import re

import aiohttp
import pytest
from sqlalchemy import select

from analysis.models import AuditEvent
from bot.updates import compose, replies
from bot.updates.fanout import fan_out_due
from bot.updates.models import Outbox, ThemeStatus, YouSaidUpdate
from bot.updates.web import ROUTES, WRITE
from surveys.database import Database
from surveys.definition import SurveyCatalog
from surveys.models import utcnow
from surveys.service import Pseudonymiser, SurveyService
from surveys.wording import Wording
from tests.updates.support import Person, add_people
from tests.vic._dashboard import Browser, add_staff, make_app

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
async def app(db: Database, database_url: str):  # type: ignore[no-untyped-def]
    await add_staff(db, database_url)
    return await make_app(db, database_url)


async def signed_in(aiohttp_client, app, role: str) -> Browser:  # type: ignore[no-untyped-def]
    browser = Browser(await aiohttp_client(app))
    response = await browser.sign_in(role)
    assert response.status == 303, await response.text()
    return browser


def _path(template: str) -> str:
    """A real path for a route: ids become 1, a theme becomes P1."""
    path = re.sub(r"\{theme:.*\}$", "P1", template)
    return re.sub(r"\{\w+:\\d\+\}", "1", path)


async def events(db: Database, action: str) -> list[AuditEvent]:
    async with db.reading() as session:
        return list(await session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


async def test_every_route_checks_the_role_and_every_form_its_token(
    app, aiohttp_client, db: Database, wording: Wording
) -> None:  # type: ignore[no-untyped-def]
    draft = compose.parse_draft(wording, title="t", text="x", themes=["P1"], picture=PNG)
    await compose.save(db, draft, by="vic", schedule=False)
    anonymous = Browser(await aiohttp_client(app))
    viewer = await signed_in(aiohttp_client, app, "viewer")
    analyst = await signed_in(aiohttp_client, app, "analyst")
    for method, template, _, allowed in ROUTES:
        path = _path(template)
        if method == "GET":
            response = await anonymous.get(path)
            assert response.status == 303, path
            assert response.headers["Location"] == "/dashboard/signin"
            seen = await viewer.get(path)
            assert seen.status == (200 if "viewer" in allowed else 403), path
        else:
            refused = await viewer.post(path, {"csrf": await viewer.csrf()})
            assert refused.status == (403 if allowed == WRITE else 400), path
            forged = await analyst.post(path, {"csrf": "not-the-token"})
            assert forged.status == 403 and "Form expired" in await forged.text(), path
    assert len(await events(db, "forbidden")) > 0


async def test_writing_previewing_and_sending_an_update(app, aiohttp_client, db: Database) -> None:  # type: ignore[no-untyped-def]
    await add_people(db, [Person(n, tags=("P1",)) for n in range(3)])
    analyst = await signed_in(aiohttp_client, app, "analyst")
    page = await (await analyst.get("/dashboard/updates/new")).text()
    assert 'name="title"' in page and "P1: Finding needs early, and assessments" in page

    csrf = await analyst.csrf("/dashboard/updates/new")
    bad = await analyst.post("/dashboard/updates/new", {"csrf": csrf, "title": "", "text": "x"})
    assert bad.status == 400 and "Title is needed" in await bad.text()

    form = aiohttp.FormData()
    for name, value in (
        ("csrf", csrf),
        ("title", "Shorter waits"),
        ("text", "You told us the wait was too long.\n\nWe hired two more people."),
        ("easy_text", "The wait will be shorter."),
        ("themes", "P1"),
        ("tagged", "1"),
    ):
        form.add_field(name, value)
    form.add_field("picture", PNG, filename="waits.png", content_type="image/png")
    saved = await analyst.post("/dashboard/updates/new", form)
    assert saved.status == 303, await saved.text()
    where = saved.headers["Location"]
    update_id = int(where.rsplit("/", 1)[1])

    preview = await (await analyst.get(where)).text()
    assert "You said, we did: Shorter waits" in preview
    assert "We hired two more people." in preview and "The wait will be shorter." in preview
    assert "fewer than 10 people" in preview  # 3 people: never shown as 3
    assert "“This helps”" in preview
    picture = await analyst.get(f"/dashboard/updates/{update_id}/picture")
    assert picture.status == 200 and await picture.read() == PNG

    sent = await analyst.post(f"/dashboard/updates/{update_id}/send", {"csrf": csrf, "when": "now"})
    assert sent.status == 303
    async with db.reading() as session:
        row = await session.get(YouSaidUpdate, update_id)
    assert row is not None and row.status == "scheduled" and row.created_by == "analyst"
    assert [e.target for e in await events(db, "update_scheduled")] == [f"update {update_id}"]
    scheduled = await (await analyst.get(f"/dashboard/updates/{update_id}?done=scheduled")).text()
    assert "It is on its way." in scheduled and "Scheduled" in scheduled

    await fan_out_due(db, utcnow())
    listing = await (await analyst.get("/dashboard/updates")).text()
    assert "Shorter waits" in listing and "fewer than 10" in listing


async def test_the_inbox_shows_words_never_people_and_answers_go_back(
    app, aiohttp_client, db: Database, wording: Wording, test_surveys: SurveyCatalog
) -> None:  # type: ignore[no-untyped-def]
    person = Person(1)
    await add_people(db, [person])
    draft = compose.parse_draft(wording, title="Short breaks", text="More places.", themes=["P5"])
    update_id = await compose.save(db, draft, by="vic")
    store = replies.ReplyStore(SurveyService(db, test_surveys, wording, Pseudonymiser(b"k")))
    stored = await store.store(person.id, update_id, "Will there be places in the holidays?")

    viewer = await signed_in(aiohttp_client, app, "viewer")
    assert (await viewer.get("/dashboard/replies")).status == 403
    analyst = await signed_in(aiohttp_client, app, "analyst")
    inbox = await (await analyst.get("/dashboard/replies")).text()
    assert "Will there be places in the holidays?" in inbox
    assert person.id not in inbox and str(person.chat) not in inbox

    csrf = await analyst.csrf("/dashboard/replies")
    empty = await analyst.post(
        f"/dashboard/replies/{stored.reply_id}/answer", {"csrf": csrf, "answer": " "}
    )
    assert empty.status == 400 and "Please write an answer first." in await empty.text()
    done = await analyst.post(
        f"/dashboard/replies/{stored.reply_id}/answer",
        {"csrf": csrf, "answer": "Yes, in the summer holidays."},
    )
    assert done.status == 303
    async with db.reading() as session:
        queued = (await session.scalars(select(Outbox).where(Outbox.kind == "answer"))).one()
    assert queued.participant_id == person.id and queued.state == "pending"
    after = await (await analyst.get("/dashboard/replies?done=answered")).text()
    assert "Your answer is on its way" in after and "No replies waiting for an answer." in after
    answered = await (await analyst.get("/dashboard/replies?show=all")).text()
    assert "Answered by analyst: “Yes, in the summer holidays.”" in answered


async def test_moving_a_theme_offers_an_update_to_people_who_raised_it(
    app, aiohttp_client, db: Database
) -> None:  # type: ignore[no-untyped-def]
    await add_people(
        db, [*(Person(n, topics=("answered",), tags=("P1",)) for n in range(12)), Person(50)]
    )
    analyst = await signed_in(aiohttp_client, app, "analyst")
    page = await (await analyst.get("/dashboard/theme-status")).text()
    assert "Raised by 10 people; 10 of them asked to hear back." in page  # 12, rounded to 5
    csrf = await analyst.csrf("/dashboard/theme-status")

    missing = await analyst.post(
        "/dashboard/theme-status/P1", {"csrf": csrf, "status": "not_possible"}
    )
    assert missing.status == 400 and "Please give the reason" in await missing.text()

    moved = await analyst.post(
        "/dashboard/theme-status/P1",
        {"csrf": csrf, "status": "not_possible", "reason": "The money for it ends in March."},
    )
    assert moved.status == 303
    offered = await (await analyst.get(moved.headers["Location"])).text()
    assert "We cannot do this for now. This is why: The money for it ends in March." in offered
    assert "about 10 people" in offered  # only the 12 who raised it; not person 50
    async with db.reading() as session:
        status = await session.get(ThemeStatus, "P1")
        update = (await session.scalars(select(YouSaidUpdate))).one()
    assert status is not None and status.status == "not_possible"
    assert update.kind == "theme_status" and update.status == "draft"
    assert update.audience["tagged"] is True and update.themes == ["P1"]
