"""Settings, read once from environment variables at start-up.

Only ``bot/__main__.py`` (and the command lines) call :func:`load_settings`; everything
else receives the values it needs as arguments, so tests can build any configuration
without touching the environment.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from enum import StrEnum
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

CONFIG_DIR = Path(__file__).resolve().parent
BUNDLED_SURVEYS_DIR = CONFIG_DIR / "surveys"
DEFAULT_SQLITE_PATH = Path("data") / "everyones-voice.sqlite3"


class TelegramMode(StrEnum):
    POLLING = "polling"
    WEBHOOK = "webhook"


class SettingsError(Exception):
    """The environment holds a value the service cannot start with."""


def normalise_database_url(url: str) -> str:
    """Turn a Heroku-style URL into one SQLAlchemy's async drivers accept.

    ``postgres://`` and ``postgresql://`` become ``postgresql+asyncpg://``; a bare
    ``sqlite:///`` becomes ``sqlite+aiosqlite:///``. Anything else is left alone.
    """
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+asyncpg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite://"):
        url = "sqlite+aiosqlite://" + url.removeprefix("sqlite://")
    return url


_QUIET_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class QuietHours:
    """A daily window (which may cross midnight) when no proactive message is sent."""

    def __init__(self, start: dt.time, end: dt.time) -> None:
        self.start, self.end = start, end

    @classmethod
    def parse(cls, text: str) -> QuietHours:
        match = _QUIET_HOURS.match(text)
        if not match:
            raise ValueError("must look like 21:00-08:00")
        h1, m1, h2, m2 = (int(part) for part in match.groups())
        try:
            return cls(dt.time(h1, m1), dt.time(h2, m2))
        except ValueError as exc:
            raise ValueError(f"is not a pair of real times ({exc})") from None

    def contains(self, moment: dt.time) -> bool:
        if self.start <= self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


class Settings(BaseSettings):
    """Everything the service reads from its environment."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    database_url: str = Field(default=f"sqlite+aiosqlite:///{DEFAULT_SQLITE_PATH}")
    port: Annotated[int, Field(ge=1, le=65535)] = 8080
    host: str = "0.0.0.0"
    # Service processes sharing PORT (SO_REUSEPORT), as Heroku-style hosts set it: each has
    # its own event loop and interpreter lock; the database keeps their work apart.
    web_concurrency: Annotated[int, Field(ge=1, le=64)] = 1

    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_mode: TelegramMode = TelegramMode.POLLING
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None

    pseudonym_key: SecretStr = Field(default=SecretStr(""))
    timezone: str = "Europe/London"
    quiet_hours: str = "21:00-08:00"

    # Telegram chat (a private group of the safeguarding team) told at once of every alert.
    safeguarding_chat_id: int | None = None
    # The service's public address, for links in staff notices ("https://voice.example.org").
    public_url: str = ""

    surveys_dir: Path = BUNDLED_SURVEYS_DIR
    log_level: str = "INFO"

    # --- web chat (bot/web) ---
    # Where "Listen" audio made by espeak-ng is cached, one file per distinct text.
    web_audio_dir: Path = DEFAULT_SQLITE_PATH.parent / "audio"
    # Sites allowed to show the chat in an iframe, space-separated ("https://a.example ...").
    web_embed_origins: str = ""
    # How long a resume code, and a browser session nobody has used, are kept.
    web_resume_days: Annotated[int, Field(ge=1, le=365)] = 30
    web_session_days: Annotated[int, Field(ge=1, le=365)] = 30
    # The help card's numbers (999, NHS 111, Childline…), each with when it was last checked.
    signposting_file: Path = CONFIG_DIR / "signposting.yaml"

    # --- Summaries and the staff dashboard (issue 5) ---------------------------------
    # Figures based on fewer than SUMMARY_K people are hidden (never below 5).
    summary_k: Annotated[int, Field(ge=5)] = 10
    summary_round_to: Annotated[int, Field(ge=1)] = 5
    # Quote only answers an analyst cleared on the review page.
    summary_quote_approval: bool = True
    # School and setting names taken out of quotes (comma-separated).
    deidentify_settings_names: str = ""
    dashboard_idle_minutes: Annotated[int, Field(ge=1)] = 30
    dashboard_absolute_hours: Annotated[int, Field(ge=1)] = 10
    dashboard_max_failures: Annotated[int, Field(ge=1)] = 5
    dashboard_lockout_minutes: Annotated[int, Field(ge=1)] = 15

    # --- Telegram channel (issue 3) ---
    # Updates handled at once (different people at once; one person's in order).
    telegram_concurrency: Annotated[int, Field(ge=1, le=1024)] = 64
    # Where "Listen" voice notes are kept once made (one file per text).
    voice_cache_dir: Path = DEFAULT_SQLITE_PATH.parent / "voice-cache"

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()):
            raise ValueError(
                "must be 1 to 256 characters from A-Z, a-z, 0-9, _ and - (Telegram's rule)"
            )
        return value

    # --- end Telegram channel ---

    # --- "You said, we did" updates (issue 6) -------------------------------------------
    # (Small numbers are hidden below SUMMARY_K, the same k as the summaries use.)
    # The broadcast sender: messages per second overall (Telegram allows ~30; keep headroom),
    # seconds between two messages to one chat, requests in flight, and how long a claimed
    # outbox row stays reserved for one sender before another may take it over.
    updates_rate: Annotated[float, Field(gt=0)] = 25.0
    updates_chat_interval: Annotated[float, Field(ge=0)] = 1.0
    updates_concurrency: Annotated[int, Field(ge=1, le=512)] = 8
    updates_lease_seconds: Annotated[float, Field(ge=1)] = 30.0
    updates_max_attempts: Annotated[int, Field(ge=1)] = 8
    # Run the sender inside the web process (off when a separate worker process runs it).
    updates_sender_in_web: bool = True
    # The monthly round-up goes out on this day of the month, at this local hour.
    updates_roundup_day: Annotated[int, Field(ge=1, le=28)] = 1
    updates_roundup_hour: Annotated[int, Field(ge=0, le=23)] = 10

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        value = normalise_database_url(value.strip())
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must be a sqlite:// or postgres:// URL")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not a known time zone, e.g. Europe/London") from None
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _quiet_hours(cls, value: str) -> str:
        QuietHours.parse(value)
        return value.strip()

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        if value and not value.startswith("https://"):
            raise ValueError("must start with https:// (Telegram only calls HTTPS webhooks)")
        return value or None

    @property
    def telegram_enabled(self) -> bool:
        return bool(self.telegram_bot_token and self.telegram_bot_token.get_secret_value())

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def quiet(self) -> QuietHours:
        return QuietHours.parse(self.quiet_hours)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def pseudonym_secret(self) -> bytes:
        """The HMAC key for participant pseudonyms.

        Production must set ``PSEUDONYM_KEY``; without it a development key is kept in
        the data folder so pseudonyms stay stable across restarts of ``make run``.
        """
        key = self.pseudonym_key.get_secret_value()
        if key:
            return key.encode()
        dev_key = DEFAULT_SQLITE_PATH.parent / "pseudonym-dev.key"
        if not dev_key.exists():
            dev_key.parent.mkdir(parents=True, exist_ok=True)
            dev_key.write_text(secrets.token_hex(32))
        return dev_key.read_text().strip().encode()

    def check_for_production(self) -> list[str]:
        """Problems that are fine on a laptop but not on a public host."""
        problems = []
        if not self.pseudonym_key.get_secret_value() and not self.is_sqlite:
            problems.append("PSEUDONYM_KEY is not set: set a long random value and keep it")
        if self.telegram_mode is TelegramMode.WEBHOOK:
            if not self.webhook_url:
                problems.append("TELEGRAM_MODE=webhook needs WEBHOOK_URL")
            if not (self.webhook_secret and self.webhook_secret.get_secret_value()):
                problems.append("TELEGRAM_MODE=webhook needs WEBHOOK_SECRET")
        return problems


def load_settings(**overrides: object) -> Settings:
    """Read and validate the environment, naming every bad variable in one message."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            name = str(error["loc"][0]).upper() if error["loc"] else "settings"
            lines.append(f"  {name}: {error['msg']}")
        raise SettingsError("Bad configuration:\n" + "\n".join(lines)) from None
