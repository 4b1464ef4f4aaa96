"""Voice notes for people who chose "Listen": text → speech → OGG/Opus, offline, cached.

Speech comes from espeak-ng (Debian package ``espeak-ng``); the WAV it writes is encoded to
OGG/Opus, the format Telegram plays as a voice note, by ``opusenc`` (Debian ``opus-tools``)
or ``ffmpeg``. Nothing is fetched from the network. Each text is made once and kept on disk
under a hash of the text and voice, so a question asked a thousand times is spoken once.
If the tools are missing the channel still works: it sends text and logs why, once.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import shutil
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

# espeak-ng voice per survey language; British English by default (a Leeds service).
_VOICES = {"en": "en-gb", "pl": "pl", "ur": "ur", "ar": "ar", "ro": "ro", "cy": "cy"}
_TIMEOUT = 30.0


class VoiceMaker:
    """Makes and caches OGG/Opus voice notes. ``available`` says whether it can."""

    def __init__(
        self,
        cache_dir: Path,
        *,
        espeak: str | None = None,
        opusenc: str | None = None,
        ffmpeg: str | None = None,
        search: bool = True,
    ) -> None:
        self.cache_dir = cache_dir
        self._espeak = espeak or (shutil.which("espeak-ng") if search else None)
        self._opusenc = opusenc or (shutil.which("opusenc") if search else None)
        self._ffmpeg = ffmpeg or (shutil.which("ffmpeg") if search else None)
        self._locks: dict[str, asyncio.Lock] = {}
        # Telegram's file_id for a voice note already uploaded, by cache key (per process).
        self.file_ids: dict[str, str] = {}
        self.why_not = self._missing()
        self._warned = False

    def _missing(self) -> str | None:
        if not self._espeak:
            return "espeak-ng is not installed (Debian package espeak-ng)"
        if not (self._opusenc or self._ffmpeg):
            return "no OGG/Opus encoder: install Debian package opus-tools (opusenc) or ffmpeg"
        return None

    @property
    def available(self) -> bool:
        return self.why_not is None

    def key(self, text: str, language: str, easy: bool) -> str:
        voice, speed = self._voice(language, easy)
        return hashlib.sha256(f"{voice}|{speed}|{text}".encode()).hexdigest()

    async def make(self, text: str, language: str = "en", easy: bool = False) -> Path | None:
        """The voice note for ``text`` (made now or taken from the cache), or None."""
        if not self.available:
            if not self._warned:
                log.warning("Listen format: sending text only, because %s", self.why_not)
                self._warned = True
            return None
        key = self.key(text, language, easy)
        path = self.cache_dir / key[:2] / f"{key}.ogg"
        if path.exists():
            return path
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            if not path.exists():
                try:
                    await self._synthesise(text, language, easy, path)
                except (OSError, RuntimeError, TimeoutError) as exc:
                    log.error("Listen format: could not make a voice note (%s); sent text", exc)
                    return None
                finally:
                    self._locks.pop(key, None)
        return path

    def _voice(self, language: str, easy: bool) -> tuple[str, int]:
        return _VOICES.get(language, "en-gb"), 135 if easy else 155

    async def _synthesise(self, text: str, language: str, easy: bool, path: Path) -> None:
        voice, speed = self._voice(language, easy)
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="voice-") as work:
            wav = Path(work) / "speech.wav"
            ogg = Path(work) / "speech.ogg"
            assert self._espeak is not None
            await _run(self._espeak, "-v", voice, "-s", str(speed), "-w", str(wav), "--", text)
            if self._opusenc:
                await _run(
                    self._opusenc, "--quiet", "--speech", "--bitrate", "32", str(wav), str(ogg)
                )
            else:
                assert self._ffmpeg is not None
                await _run(
                    self._ffmpeg, "-loglevel", "error", "-y", "-i", str(wav),
                    "-c:a", "libopus", "-b:a", "32k", "-application", "voip", str(ogg),
                )  # fmt: skip
            if not ogg.read_bytes()[:4] == b"OggS":
                raise RuntimeError("the encoder did not write an OGG file")
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            shutil.copyfile(ogg, tmp)
            tmp.replace(path)  # atomic: another process never sees half a file


async def _run(*command: str) -> None:
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    try:
        _, stderr = await asyncio.wait_for(process.communicate(), _TIMEOUT)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    if process.returncode != 0:
        name = Path(command[0]).name
        raise RuntimeError(f"{name} failed: {stderr.decode(errors='replace').strip()[:200]}")
