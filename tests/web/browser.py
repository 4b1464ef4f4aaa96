"""A real server and a real headless Chromium, for the web chat's browser tests.

The server is the product itself (``python -m bot``) in a subprocess, on a migrated SQLite
file with the test survey. Chromium is Debian's (``/usr/bin/chromium``), driven by Playwright
without its own browser download. axe-core comes from the npm registry into
``tests/web/node_modules`` (``make test`` installs it; so does the fixture, if npm is here).
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from surveys.database import Database
from tests.web.conftest import FIXTURES, PSEUDONYM_KEY, stored_answers

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
NODE_DIR = Path(__file__).resolve().parent
AXE = NODE_DIR / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


@dataclass
class Server:
    url: str
    database_url: str
    process: subprocess.Popen[bytes]

    def answers(self) -> dict[str, tuple[str, Any]]:
        async def read() -> dict[str, tuple[str, Any]]:
            db = Database.from_url(self.database_url)
            try:
                return await stored_answers(db)
            finally:
                await db.dispose()

        # Playwright's own event loop runs in this thread, so read from another one.
        with ThreadPoolExecutor(1) as thread:
            return thread.submit(asyncio.run, read()).result()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(tmp_path: Path, sqlite_template: Path) -> Iterator[Server]:
    database = tmp_path / "browser.sqlite3"
    shutil.copy(sqlite_template, database)
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "SURVEYS_DIR": str(FIXTURES / "surveys"),
        "PSEUDONYM_KEY": PSEUDONYM_KEY,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_AUDIO_DIR": str(tmp_path / "audio"),
        "LOG_LEVEL": "WARNING",
        "TELEGRAM_BOT_TOKEN": "",
    }
    log = (tmp_path / "server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "bot"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError((tmp_path / "server.log").read_text())
        time.sleep(0.1)
    try:
        yield Server(url, f"sqlite+aiosqlite:///{database}", process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def require_chromium() -> None:
    if not CHROMIUM.exists():
        pytest.skip(
            "headless Chromium is not installed at /usr/bin/chromium (apt-get install chromium)"
        )


def axe_source() -> str:
    """axe-core's script; installed from the npm registry on first use if npm is here."""
    if not AXE.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("axe-core is not installed and npm is not available to install it")
        done = subprocess.run(
            [npm, "install", "--prefix", str(NODE_DIR), "--no-package-lock", "--no-audit"],
            capture_output=True,
            timeout=300,
        )
        if done.returncode != 0 or not AXE.exists():
            pytest.skip(f"npm could not install axe-core: {done.stderr.decode()[-300:]}")
    return AXE.read_text(encoding="utf-8")


def launch(playwright: Any) -> Any:
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        args=["--headless", "--no-sandbox", "--disable-background-networking"],
    )


class Recorder:
    """Every request a browser context makes, to show none leaves this machine."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    def __call__(self, request: Any) -> None:
        self.urls.append(request.url)

    def elsewhere(self) -> list[str]:
        return [u for u in self.urls if not u.startswith("http://127.0.0.1:")]


FOCUSED = """() => {
  const e = document.activeElement;
  const box = e.getBoundingClientRect();
  const style = getComputedStyle(e);
  const label = e.labels && e.labels[0] ? e.labels[0].innerText : "";
  const area = e.closest("#answer") ? "answer" : e.closest("#settings") ? "settings"
    : e.closest("#log") ? "log" : "page";
  return {
    area: area,
    tag: e.tagName.toLowerCase(),
    type: e.type || "",
    name: e.name || "",
    words: (e.innerText || label || e.getAttribute("aria-label") || "")
      .replace(/\\s+/g, " ").trim(),
    outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2,
    width: box.width,
    height: box.height,
  };
}"""


def tab_to(page: Any, matches: Callable[[dict[str, Any]], bool], limit: int = 90) -> dict[str, Any]:
    """Press Tab until the focused control matches (unless it already has focus).

    Every control reached must show a visible focus ring and be at least 24 by 24 pixels.
    """
    seen = []
    for presses in range(limit + 1):
        if presses:
            page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        seen.append(focused["words"][:30])
        if matches(focused):
            assert focused["outline"], f"no visible focus on {focused}"
            assert focused["width"] >= 24 and focused["height"] >= 24, focused
            return focused
    raise AssertionError(f"never reached by Tab; focus went through {seen}")


def control(text: str, area: str = "answer") -> Callable[[dict[str, Any]], bool]:
    """The button, link or tick box in ``area`` whose words are ``text`` (emoji and ✓ aside)."""

    def matches(focused: dict[str, Any]) -> bool:
        shown = re.sub(r"[^\w\s',.()-]", "", focused["words"]).split("(your answer")[0]
        return (
            focused["area"] == area
            and focused["tag"] in ("button", "a", "input")
            and " ".join(shown.split()).lower() == text.lower()
        )

    return matches


def text_box(kind: str) -> Callable[[dict[str, Any]], bool]:
    def matches(focused: dict[str, Any]) -> bool:
        return focused["area"] == "answer" and focused["tag"] == kind and focused["name"] == "text"

    return matches


def run_axe(page: Any, source: str) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now (injected past the CSP, as a tool would)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(source)
    page.evaluate("() => document.getAnimations().forEach(a => a.finish())")  # the settled page
    result = page.evaluate(
        "async (tags) => { const r = await axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']});"
        " return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary).slice(0, 5)})); }",
        AXE_TAGS,
    )
    return list(result)
