"""Spoken versions of the chat's messages, made offline with espeak-ng and cached on disk.

Each distinct text becomes one WAV file named by a hash of (voice, text). The text is written
beside it when a page is drawn, so the audio route only ever speaks words the chat itself
showed: nobody can make the server say something else. The cache holds the bot's own words
(questions, options, "You chose: Special school") and never a person's typed answer, so it
holds nothing that could be traced to anyone.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import shutil
from pathlib import Path

log = logging.getLogger(__name__)

# espeak-ng voice for each language the surveys may use; anything else falls back to English.
VOICES = {"en": "en-gb", "pl": "pl", "ur": "ur", "ar": "ar", "ro": "ro", "cy": "cy"}
MAX_CHARS = 4000
_HASH = re.compile(r"^[0-9a-f]{64}$")
_COMMAND = re.compile(r"(?<![\w/])/(?=[a-z])")
_NOT_SPOKEN = re.compile(r"[^\w\s.,;:!?'\"()\-–—/£%&+]", re.UNICODE)


def speakable(text: str) -> str:
    """The text as it should be read aloud: no emoji or bullets, no slashes before commands."""
    text = _COMMAND.sub("", text)
    text = _NOT_SPOKEN.sub(" ", text)
    return re.sub(r"[ \t]+", " ", text).strip()[:MAX_CHARS]


class Speaker:
    """Makes and caches audio files; ``available`` is False when espeak-ng is missing."""

    def __init__(self, cache_dir: Path, program: str | None = None) -> None:
        self.cache_dir = Path(cache_dir)
        self.program = program if program is not None else shutil.which("espeak-ng")
        self._running = asyncio.Semaphore(2)

    @property
    def available(self) -> bool:
        return bool(self.program)

    def register(self, text: str, language: str) -> str | None:
        """Remember a text the chat shows; returns the id its audio is served under."""
        if not self.available:
            return None
        words = speakable(text)
        if not words:
            return None
        voice = VOICES.get(language, VOICES["en"])
        audio_id = hashlib.sha256(f"{voice}\n{words}".encode()).hexdigest()
        script = self.cache_dir / f"{audio_id}.txt"
        if not script.exists():
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            temporary = script.with_suffix(".tmp")
            temporary.write_text(f"{voice}\n{words}", encoding="utf-8")
            temporary.replace(script)
        return audio_id

    async def audio(self, audio_id: str) -> Path | None:
        """The WAV file for a registered id, made now if it is not cached yet."""
        if not self.available or not _HASH.match(audio_id):
            return None
        wav = self.cache_dir / f"{audio_id}.wav"
        if wav.exists():
            return wav
        script = self.cache_dir / f"{audio_id}.txt"
        if not script.exists():
            return None
        voice, _, words = script.read_text(encoding="utf-8").partition("\n")
        async with self._running:
            if not wav.exists():
                await self._synthesise(voice, words, wav)
        return wav if wav.exists() else None

    async def _synthesise(self, voice: str, words: str, wav: Path) -> None:
        assert self.program is not None
        temporary = wav.with_suffix(".part")
        process = await asyncio.create_subprocess_exec(
            self.program,
            "-v",
            voice,
            "-s",
            "150",  # a little slower than espeak's default 175 words a minute
            "-w",
            str(temporary),
            "--stdin",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            _, errors = await asyncio.wait_for(process.communicate(words.encode()), timeout=30)
        except TimeoutError:
            process.kill()
            await process.wait()
            log.warning("espeak-ng took too long; no audio for this message")
            return
        if process.returncode != 0 or not temporary.exists():
            log.warning("espeak-ng failed (%s): %s", process.returncode, errors.decode()[:200])
            temporary.unlink(missing_ok=True)
            return
        temporary.replace(wav)
