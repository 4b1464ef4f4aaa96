"""The dashboard in real headless Chromium: sign in, filter, review, download, sign out, back.

Also an axe-core audit of each page at full width, at 320 CSS px and at 200% zoom, and a
check that nothing but data tables scrolls sideways. Skips, saying why, when Chromium or npm
is missing. axe-core is installed from npm into ``tests/.axe`` (git-ignored) on first use.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
from pathlib import Path

import pytest
from aiohttp import web

from surveys.database import Database
from tests.vic._dashboard import PASSWORD, add_staff, make_app
from tests.vic._seed import seed

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
AXE_DIR = Path(__file__).resolve().parent.parent / ".axe"
AXE_JS = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_JS.exists():
        if not shutil.which("npm"):
            pytest.skip("axe-core: npm is not installed, so axe-core cannot be fetched")
        AXE_DIR.mkdir(exist_ok=True)
        done = subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(AXE_DIR), "axe-core@4"],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode or not AXE_JS.exists():
            pytest.skip(f"axe-core: npm install failed: {done.stderr[-300:]}")
    return AXE_JS.read_text()


@pytest.fixture
async def server(tmp_path, sqlite_template):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"browser: Chromium is not at {CHROMIUM} (apt-get install chromium)")
    pytest.importorskip("playwright", reason="browser: the playwright package is not installed")
    path = tmp_path / "browser.sqlite3"
    shutil.copy(sqlite_template, path)
    url = f"sqlite+aiosqlite:///{path}"
    db = Database.from_url(url)
    await seed(db)
    await add_staff(db, url)
    app = await make_app(db, url)
    runner = web.AppRunner(app)
    await runner.setup()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    yield f"http://localhost:{port}"
    await runner.cleanup()


@pytest.fixture
async def browser():
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        chromium = await p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-background-networking"],
        )
        yield chromium
        await chromium.close()


async def sign_in(page, server: str, who: str = "analyst") -> None:  # type: ignore[no-untyped-def]
    await page.goto(f"{server}/dashboard/signin")
    await page.get_by_label("Username").fill(who)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(f"{server}/dashboard/")


async def test_analyst_journey(server, browser, tmp_path) -> None:
    context = await browser.new_context(accept_downloads=True)
    page = await context.new_page()
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(server) else None)
    await sign_in(page, server)
    assert await page.get_by_text("Signed in as").is_visible()

    # Filter a survey.
    await page.get_by_role("link", name="Summary", exact=True).click()
    await page.locator("#f-survey").select_option("vic_voice")
    await page.locator("#f-audience").select_option("parent_carer")
    await page.get_by_role("button", name="Show").click()
    await page.wait_for_url("**audience=parent_carer**")
    assert await page.get_by_role("heading", name="School and support", level=1).is_visible()
    assert await page.locator("caption", has_text="Where do you learn?").count() == 1

    # Review a tag: confirm P5 on the first answer waiting.
    await page.get_by_role("link", name="Review tags").click()
    first = page.locator("section.review").first
    answer_heading = await first.locator("h2").inner_text()
    await first.locator("input[name=labels][value=P5]").check()
    await first.get_by_label("Neutral", exact=True).check()
    await first.get_by_role("button", name="Save review").click()
    await page.wait_for_url("**saved=**")
    assert await page.get_by_role("heading", name=answer_heading).count() == 0

    # Download each format.
    await page.get_by_role("link", name="Downloads").click()
    for fmt in ("csv", "xlsx", "html", "pdf", "json"):
        await page.locator(f"#fmt-{fmt}").check()
        async with page.expect_download() as info:
            await page.get_by_role("button", name="Download").click()
        download = await info.value
        assert download.suggested_filename.endswith("." + fmt)
        saved = tmp_path / download.suggested_filename
        await download.save_as(saved)
        assert saved.stat().st_size > 100

    # Sign out; the back button must not show a protected page.
    await page.get_by_role("button", name="Sign out").click()
    await page.wait_for_url("**/dashboard/signin**")
    await page.go_back()
    await page.wait_for_load_state()
    assert "/dashboard/signin" in page.url
    assert await page.get_by_text("Signed in as").count() == 0
    assert not outside, f"requests left the site: {outside}"
    await context.close()


PAGES = [
    "/dashboard/signin",
    "/dashboard/",
    "/dashboard/survey?survey=vic_voice",
    "/dashboard/themes?survey=vic_voice",
    "/dashboard/review",
    "/dashboard/downloads",
]
# Full width; phone width (320 CSS px); and 1280 px at 200% zoom, which lays out as 640 px.
VIEWS = {"desktop": (1280, 900, 1), "320px": (320, 640, 1), "zoom200": (640, 450, 2)}


@pytest.mark.parametrize("view", VIEWS)
async def test_pages_pass_axe_and_reflow(server, browser, axe_source, view) -> None:
    width, height, scale = VIEWS[view]
    context = await browser.new_context(
        viewport={"width": width, "height": height}, device_scale_factor=scale
    )
    page = await context.new_page()
    problems = {}
    for path in PAGES:
        if path != "/dashboard/signin" and "Sign out" not in await page.content():
            await sign_in(page, server)
        await page.goto(server + path)
        await page.evaluate(axe_source)  # evaluated by the browser, not injected: CSP stays on
        checked = await page.evaluate(
            "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))"
            ".passes.length",
            WCAG,
        )
        assert checked > 5, f"axe checked almost nothing on {path}"
        problems.update(await audit(page, path))
    await context.close()
    assert not problems, json.dumps(problems, indent=1)


async def audit(page, path: str) -> dict:  # type: ignore[no-untyped-def]
    """axe-core's WCAG violations on the page (axe already evaluated), and anything that makes
    the page scroll sideways (data tables excepted), keyed by what they are about."""
    problems = {}
    violations = await page.evaluate(
        "async (tags) => (await axe.run(document, "
        "{runOnly: {type: 'tag', values: tags}})).violations"
        ".map(v => ({id: v.id, impact: v.impact, "
        "nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3)}))",
        WCAG,
    )
    if violations:
        problems[path] = violations
    overflow = await page.evaluate(
        """() => [...document.body.querySelectorAll('*')].filter(el => {
             if (el.closest('.table-wrap')) return false;
             const r = el.getBoundingClientRect();
             return r.right > document.documentElement.clientWidth + 1;
           }).map(el => el.tagName + '.' + el.className).slice(0, 5)"""
    )
    if overflow:
        problems[path + " (sideways scroll)"] = overflow
    return problems
