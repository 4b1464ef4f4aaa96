"""Anonymous browser sessions, CSRF tokens and resume codes for the web chat.

A browser gets a random token in an HttpOnly cookie and nothing else. The server keeps a hash
of the token, mapped to a *web user*: a second random id that never leaves the server and is
what the survey service pseudonymises. So a copied database holds no usable cookie, and a
cookie says nothing about who its owner is.

A resume code carries a web user to another device. It is 8 characters from an alphabet
without look-alikes (no 0/O, 1/I/L, 2/Z, 5/S, 8/B, U/V), stored only as an HMAC under the
server's key, valid for ``resume_days`` and replaced when a new one is made. Wrong guesses are
counted per client and refused after a few, so the codes cannot be guessed online.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select, update

from bot.web.models import WebResumeCode, WebSession
from surveys.database import Database
from surveys.models import utcnow

COOKIE = "ev_session"
# Inside another site's iframe a SameSite=Lax cookie is never sent, so an embedded chat keeps
# its session in a partitioned cookie (one jar per embedding site) instead.
EMBED_COOKIE = "ev_embed"

CODE_ALPHABET = "ACDEFGHJKMNPQRTWXY34679"  # 23 characters, no look-alikes
CODE_LENGTH = 8
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")


def new_token() -> str:
    return secrets.token_urlsafe(32)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def format_code(code: str) -> str:
    """``ACDE3479`` → ``ACDE-3479``: two short groups are easier to copy."""
    return f"{code[:4]}-{code[4:]}"


def normalise_code(typed: str) -> str | None:
    """The code a person typed, tidied, or None if it cannot be one of ours."""
    code = re.sub(r"[\s\-_.]", "", typed).upper()
    if len(code) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in code):
        return None
    return code


@dataclass(slots=True)
class Visit:
    """Who is asking: their cookie's token and, once they have done anything, their web user."""

    token: str
    web_user: str | None = None
    view: dict[str, Any] = field(default_factory=dict)
    new_cookie: bool = False


class TooManyTries(Exception):
    """This client has guessed wrong too often; try again later."""


class _Attempts:
    """Failed resume-code tries per client, in a sliding window (per process)."""

    def __init__(self, limit: int = 10, window: float = 15 * 60) -> None:
        self.limit, self.window = limit, window
        self._failures: dict[str, deque[float]] = {}

    def check(self, client: str) -> None:
        failures = self._failures.get(client)
        now = time.monotonic()
        while failures and now - failures[0] > self.window:
            failures.popleft()
        if failures is not None and len(failures) >= self.limit:
            raise TooManyTries(client)

    def fail(self, client: str) -> None:
        self._failures.setdefault(client, deque()).append(time.monotonic())
        if len(self._failures) > 50_000:  # bound memory under a flood of clients
            self._failures.pop(next(iter(self._failures)))


class WebSessions:
    """Sessions, CSRF tokens and resume codes, stored through the service's database."""

    def __init__(
        self, db: Database, secret: bytes, *, session_days: int = 30, resume_days: int = 30
    ) -> None:
        self.db = db
        self._key = hmac.new(secret, b"everyones-voice web chat", hashlib.sha256).digest()
        self.session_days = session_days
        self.resume_days = resume_days
        self.attempts = _Attempts()

    # ---------------------------------------------------------------- sessions

    async def visit(self, token: str | None) -> Visit:
        """The visit for a cookie's token; a new token (not stored yet) if there is none."""
        if token is None or not _TOKEN.match(token):
            return Visit(new_token(), new_cookie=True)
        async with self.db.reading() as session:
            row = await session.get(WebSession, _digest(token))
            if row is None:  # a cookie set on an earlier page, before anything was sent
                return Visit(token)
            return Visit(token, row.web_user, dict(row.view or {}))

    async def begin(self, visit: Visit) -> str:
        """Make sure the visit has a stored session and a web user; returns the web user."""
        if visit.web_user is not None:
            return visit.web_user
        visit.web_user = secrets.token_hex(32)
        async with self.db.transaction() as session:
            session.add(WebSession(id=_digest(visit.token), web_user=visit.web_user, view={}))
        return visit.web_user

    async def save_view(self, visit: Visit, view: dict[str, Any]) -> None:
        visit.view = view
        async with self.db.transaction() as session:
            await session.execute(
                update(WebSession)
                .where(WebSession.id == _digest(visit.token))
                .values(view=view, last_seen_at=utcnow())
            )

    async def switch(self, visit: Visit, web_user: str) -> None:
        """Carry this browser on as ``web_user`` under a brand-new token (as at a sign-in)."""
        old = _digest(visit.token)
        visit.token, visit.web_user, visit.view, visit.new_cookie = new_token(), web_user, {}, True
        async with self.db.transaction() as session:
            await session.execute(delete(WebSession).where(WebSession.id == old))
            session.add(WebSession(id=_digest(visit.token), web_user=web_user, view={}))

    async def forget(self, web_user: str) -> None:
        """Remove every session and code of a web user (after "delete my answers")."""
        async with self.db.transaction() as session:
            await session.execute(delete(WebSession).where(WebSession.web_user == web_user))
            await session.execute(delete(WebResumeCode).where(WebResumeCode.web_user == web_user))

    async def purge(self, now: dt.datetime | None = None) -> int:
        """Delete sessions nobody has used for ``session_days`` and expired codes."""
        now = now or utcnow()
        idle = now - dt.timedelta(days=self.session_days)
        async with self.db.transaction() as session:
            gone = await session.execute(delete(WebSession).where(WebSession.last_seen_at < idle))
            await session.execute(delete(WebResumeCode).where(WebResumeCode.expires_at < now))
        return int(gone.rowcount or 0)

    # ---------------------------------------------------------------- CSRF

    def csrf_token(self, visit: Visit) -> str:
        return hmac.new(self._key, b"csrf:" + visit.token.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, visit: Visit, given: str | None) -> bool:
        return bool(given) and hmac.compare_digest(self.csrf_token(visit), str(given))

    # ---------------------------------------------------------------- resume codes

    def _code_hash(self, code: str) -> str:
        return hmac.new(self._key, b"resume:" + code.encode(), hashlib.sha256).hexdigest()

    async def issue_code(self, web_user: str) -> tuple[str, dt.datetime]:
        """A new resume code for ``web_user`` (any earlier one stops working)."""
        expires = utcnow() + dt.timedelta(days=self.resume_days)
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        async with self.db.transaction() as session:
            await session.execute(delete(WebResumeCode).where(WebResumeCode.web_user == web_user))
            session.add(
                WebResumeCode(
                    code_hash=self._code_hash(code), web_user=web_user, expires_at=expires
                )
            )
        return code, expires

    async def redeem(self, typed: str, client: str) -> str | None:
        """The web user a typed code belongs to, or None. Raises :class:`TooManyTries`."""
        self.attempts.check(client)
        code = normalise_code(typed)
        found = None
        if code is not None:
            async with self.db.reading() as session:
                found = await session.scalar(
                    select(WebResumeCode.web_user).where(
                        WebResumeCode.code_hash == self._code_hash(code),
                        WebResumeCode.expires_at > utcnow(),
                    )
                )
        if found is None:
            self.attempts.fail(client)
        return found
