""" "Listen": each question also comes as an OGG/Opus voice note, made offline and cached."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.telegram.harness import BotHarness, Person

needs_speech = pytest.mark.skipif(
    not shutil.which("espeak-ng") or not (shutil.which("opusenc") or shutil.which("ffmpeg")),
    reason="needs Debian packages espeak-ng and opus-tools (or ffmpeg); .ci/run installs them",
)


async def choose_listen(person: Person) -> None:
    await person.send("/start s_all_types")
    await person.tap("Yes, let's start")
    await person.tap("Parent or carer")
    await person.tap("Listen (voice notes)")
    await person.tap("English")
    await person.tap("My own experience")


@needs_speech
async def test_listen_sends_each_question_as_a_voice_note_then_text(
    bot: BotHarness, tmp_path: Path
) -> None:
    person = bot.person(1101)
    await choose_listen(person)
    calls = person.calls()
    methods = [c.method for c in calls]
    question = next(i for i, c in enumerate(calls) if c.params.get("text", "").startswith("Quest"))
    assert methods[question - 1] == "sendVoice", "the voice note comes just before the question"
    audio = calls[question - 1].files["voice"]
    assert audio[:4] == b"OggS" and b"OpusHead" in audio[:100], "OGG/Opus, as Telegram needs"
    assert len(audio) > 2000
    assert calls[question].params["text"].startswith("Question 1 of 6"), "text always follows"
    cached = list((tmp_path / "voice-cache").rglob("*.ogg"))
    assert cached, "kept on disk"

    uploads = sum(1 for c in bot.fake.calls_to("sendVoice") if c.files)
    other = bot.person(1102)
    await choose_listen(other)
    again = [c for c in other.calls() if c.method == "sendVoice"]
    assert again and all(not c.files for c in again), "the same words are not uploaded again"
    assert all(str(c.params["voice"]).startswith("voice") for c in again), "Telegram's file_id"
    assert sum(1 for c in bot.fake.calls_to("sendVoice") if c.files) == uploads
    assert sorted((tmp_path / "voice-cache").rglob("*.ogg")) == sorted(cached)

    await person.tap("Special school")
    confirmation = [
        c for c in person.calls() if c.params.get("text") == "You chose: Special school"
    ]
    assert confirmation, "a confirmation is text only"


async def test_without_speech_tools_it_sends_text_and_says_why(
    make_bot: Callable[..., Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    bot: BotHarness = await make_bot("webhook")
    person = bot.person(1103)
    with caplog.at_level(logging.WARNING):
        await choose_listen(person)
    assert bot.fake.calls_to("sendVoice") == []
    assert person.last_text().startswith("Question 1 of 6")
    assert "sending text only, because espeak-ng is not installed" in caplog.text
