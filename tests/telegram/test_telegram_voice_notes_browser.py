"""Typing up a voice note in real headless Chromium: the recording plays from the fake Bot API
under the dashboard's CSP, the words are saved (or, after asking, the note is marked as one
nobody can make out), and each page passes axe-core at full width, at 320 CSS px and at 200%
zoom with nothing but data tables scrolling sideways.

Skips, saying why, when Chromium, Playwright or npm (for axe-core) is missing.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.telegram import VoiceMaker
from bot.telegram.models import VoiceNote
from tests.telegram.harness import BotHarness
from tests.telegram.test_telegram_unexpected import VOICE, at_first_question
from tests.telegram.test_telegram_voice_notes import _add_staff
from tests.vic.test_vic_browser import CHROMIUM, VIEWS, audit, sign_in
from tests.web.browser import axe_source

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),  # one database is enough
]
WORDS = "We waited two years for the assessment."
# Resolves when the player has the recording, or says why not (a CSP refusal included).
PLAYER_OUTCOME = """() => new Promise(resolve => {
  const audio = document.querySelector('audio');
  const refused = [];
  document.addEventListener('securitypolicyviolation', e => refused.push(e.violatedDirective));
  audio.addEventListener('loadedmetadata', () => resolve({ok: true, duration: audio.duration, refused}));
  audio.addEventListener('error', () => resolve({ok: false, code: audio.error.code, refused}));
  audio.load();
})"""


@pytest.fixture
async def site(make_bot: Any, tmp_path: Path) -> AsyncIterator[tuple[str, BotHarness, int]]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"browser: Chromium is not at {CHROMIUM} (apt-get install chromium)")
    pytest.importorskip("playwright", reason="browser: the playwright package is not installed")
    bot: BotHarness = await make_bot("webhook")
    await _add_staff(bot)
    person = await at_first_question(bot, 7301)
    await person.send("3")
    await person.send(voice=VOICE)
    made = await VoiceMaker(tmp_path / "recording").make(WORDS)
    if made is None:
        pytest.skip("browser: espeak-ng and opus-tools are needed to make a real recording")
    bot.fake.files[VOICE["file_id"]] = made.read_bytes()
    assert bot.server is not None and bot.services is not None
    async with bot.services.db.reading() as session:
        note_id = await session.scalar(select(VoiceNote.id))
    yield f"http://localhost:{bot.server.port}", bot, int(note_id)


@pytest.fixture
async def chromium() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-background-networking"],
        )
        yield browser
        await browser.close()


async def test_listening_and_typing_up_in_a_browser(site, chromium) -> None:  # type: ignore[no-untyped-def]
    server, bot, note_id = site
    page = await (await chromium.new_context()).new_page()
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(server) else None)
    await sign_in(page, server)

    await page.get_by_role("link", name="1 voice note waiting to be typed up").click()
    await page.wait_for_url("**/dashboard/voice-notes")
    table = page.get_by_role("table")
    assert "Why isn't your child in school?" in await table.inner_text()
    await page.get_by_role("link", name=f"Listen and type up voice note {note_id}").click()

    player = page.locator("audio[controls]")
    assert await player.get_attribute("aria-labelledby") == "player-label"
    played = await page.evaluate(PLAYER_OUTCOME)
    assert played["ok"] and played["duration"] > 0.5, played
    assert played["refused"] == [], "the CSP lets the dashboard's own audio play"

    await page.get_by_label("What the person said").fill(WORDS)
    await page.get_by_role("button", name="Save what they said").click()
    await page.wait_for_url("**saved=**")
    assert await page.get_by_role("status").filter(has_text="Saved what you typed").count() == 1
    assert await page.get_by_text("No voice notes are waiting").is_visible()
    assert not outside, f"requests left the site: {outside}"
    assert bot.services is not None
    await bot.services.survey_service.drain()


async def test_saying_nobody_can_make_it_out_in_a_browser(site, chromium) -> None:  # type: ignore[no-untyped-def]
    server, bot, note_id = site
    page = await (await chromium.new_context()).new_page()
    await sign_in(page, server)
    await page.goto(f"{server}/dashboard/voice-notes/{note_id}")
    await page.get_by_role("link", name="I can't make out what they said").click()
    await page.wait_for_url(f"**/voice-notes/{note_id}/unclear")
    assert await page.get_by_role("heading", level=1).inner_text() == (
        f"Can't make out voice note {note_id}?"
    )
    await page.get_by_role("link", name="No, go back to the voice note").click()
    await page.wait_for_url(f"**/voice-notes/{note_id}")
    await page.get_by_role("link", name="I can't make out what they said").click()
    await page.get_by_role("button", name="Yes, nobody can make it out").click()
    await page.wait_for_url("**unclear=**")
    notice = page.get_by_role("status").filter(has_text="marked as one nobody can make out")
    assert await notice.count() == 1
    assert await page.get_by_text("No voice notes are waiting").is_visible()
    assert bot.services is not None
    async with bot.services.db.reading() as session:
        note = await session.get(VoiceNote, note_id)
    assert note is not None and note.unclear_at is not None and note.transcribed_at is None


@pytest.mark.parametrize("view", VIEWS)
async def test_voice_note_pages_pass_axe_and_reflow(site, chromium, view) -> None:  # type: ignore[no-untyped-def]
    server, _bot, note_id = site
    source = axe_source()
    width, height, scale = VIEWS[view]
    context = await chromium.new_context(
        viewport={"width": width, "height": height}, device_scale_factor=scale
    )
    page = await context.new_page()
    await sign_in(page, server)
    problems: dict[str, Any] = {}
    note = f"/dashboard/voice-notes/{note_id}"
    for path in ("/dashboard/voice-notes", note + "/unclear", note):
        await page.goto(server + path)
        await page.evaluate(source)
        problems.update(await audit(page, path))
    # The page that refuses words too long for the question, with the words still in the box.
    await page.get_by_label("What the person said").fill("so long " * 70)
    await page.get_by_role("button", name="Save what they said").click()
    await page.wait_for_load_state()
    assert await page.get_by_role("alert").filter(has_text="Nothing has been saved").count() == 1
    await page.evaluate(source)
    problems.update(await audit(page, "too long"))
    await context.close()
    assert not problems, json.dumps(problems, indent=1)
