"""The updates pages in real headless Chromium: write, preview and send an update, answer a
reply, move a theme's status; and an axe-core audit of every page at full width, at 320 CSS
px and at 200% zoom, with nothing but data tables scrolling sideways.

Skips, saying why, when Chromium, Playwright or npm (for axe-core) is missing.
"""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path

import pytest
from aiohttp import web
from sqlalchemy import select

from bot.updates import compose, replies
from bot.updates.models import Outbox, ThemeStatus, YouSaidUpdate
from surveys.database import Database
from surveys.definition import SurveyCatalog
from surveys.service import Pseudonymiser, SurveyService
from surveys.wording import Wording
from tests.updates.support import Person, add_people
from tests.vic._dashboard import add_staff, make_app
from tests.vic.test_vic_browser import CHROMIUM, VIEWS, audit, sign_in

pytestmark = pytest.mark.browser
QUESTION = "Will the new play scheme have places for children who use a wheelchair?"


@pytest.fixture
async def site(
    tmp_path: Path, sqlite_template: Path, wording: Wording, test_surveys: SurveyCatalog
):  # type: ignore[no-untyped-def]
    if not Path(CHROMIUM).exists():
        pytest.skip(f"browser: Chromium is not at {CHROMIUM} (apt-get install chromium)")
    pytest.importorskip("playwright", reason="browser: the playwright package is not installed")
    path = tmp_path / "updates.sqlite3"
    shutil.copy(sqlite_template, path)
    url = f"sqlite+aiosqlite:///{path}"
    db = Database.from_url(url)
    people = [Person(n, topics=("answered",), tags=("P5",)) for n in range(14)]
    await add_people(db, people)
    draft = compose.parse_draft(
        wording, title="Play scheme", text="It opens in May.", themes=["P5"]
    )
    update_id = await compose.save(db, draft, by="vic")
    store = replies.ReplyStore(SurveyService(db, test_surveys, wording, Pseudonymiser(b"k")))
    await store.store(people[0].id, update_id, QUESTION)
    await add_staff(db, url)
    app = await make_app(db, url)
    runner = web.AppRunner(app)
    await runner.setup()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://localhost:{port}", db
    await runner.cleanup()
    await db.dispose()


async def test_writing_sending_answering_and_closing_the_loop(site, browser) -> None:  # type: ignore[no-untyped-def]
    server, db = site
    page = await (await browser.new_context()).new_page()
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(server) else None)
    await sign_in(page, server)

    menu = page.get_by_role("navigation", name="Dashboard")
    await menu.get_by_role("link", name="Updates", exact=True).click()
    await page.get_by_role("link", name="Write an update").click()
    await page.get_by_role("button", name="Preview").click()  # nothing filled in yet
    assert await page.locator("form:invalid").count() == 1  # the browser asks for the title
    await page.get_by_label("Title (what it is about, a few words)").fill("Transport to school")
    await page.get_by_label("What you want to say").fill(
        "You told us taxis left before children were ready. Drivers now wait five minutes."
    )
    await page.get_by_label("P5: School places and support services").check()
    await page.get_by_label("Only people whose answers were about these themes").check()
    await page.get_by_role("button", name="Preview").click()
    await page.wait_for_url("**/dashboard/updates/*")
    assert await page.get_by_text("You said, we did: Transport to school").is_visible()
    assert await page.get_by_text("about 15 people").count() >= 1  # 14, rounded
    await page.get_by_role("button", name="Send to about 15 people").click()
    await page.wait_for_url("**done=scheduled")
    async with db.reading() as session:
        sent = (
            await session.scalars(
                select(YouSaidUpdate).where(YouSaidUpdate.title == "Transport to school")
            )
        ).one()
    assert sent.status == "scheduled"

    await menu.get_by_role("link", name="Replies", exact=True).click()
    assert await page.get_by_text(QUESTION).is_visible()
    await page.get_by_label("Your answer (goes to them through the bot)").fill(
        "Yes: every place is step-free."
    )
    await page.get_by_role("button", name="Send answer to reply 1").click()
    await page.wait_for_url("**done=answered")
    async with db.reading() as session:
        assert (await session.scalars(select(Outbox).where(Outbox.kind == "answer"))).one()

    await menu.get_by_role("link", name="Theme status").click()
    section = page.locator("section", has_text="P5: School places and support services")
    await section.get_by_label("New status for P5").select_option("action_agreed")
    await section.get_by_label("What was done, in plain words (optional)").fill(
        "Ten more short-break places from June."
    )
    await section.get_by_role("button", name="Save status for P5 and offer an update").click()
    await page.wait_for_url("**done=offered")
    assert await page.get_by_text("We have agreed what to do about this.").count() >= 1
    async with db.reading() as session:
        status = await session.get(ThemeStatus, "P5")
    assert status is not None and status.status == "action_agreed"
    assert not outside, f"requests left the site: {outside}"


PAGES = [
    "/dashboard/updates",
    "/dashboard/updates/new",
    "/dashboard/updates/1",
    "/dashboard/replies",
    "/dashboard/theme-status",
]


@pytest.mark.parametrize("view", VIEWS)
async def test_updates_pages_pass_axe_and_reflow(site, browser, axe_source, view) -> None:  # type: ignore[no-untyped-def]
    server, _ = site
    width, height, scale = VIEWS[view]
    context = await browser.new_context(
        viewport={"width": width, "height": height}, device_scale_factor=scale
    )
    page = await context.new_page()
    await sign_in(page, server)
    problems = {}
    for path in PAGES:
        await page.goto(server + path)
        await page.evaluate(axe_source)
        problems.update(await audit(page, path))
    await context.close()
    assert not problems, json.dumps(problems, indent=1)
