"""Staff accounts, sign-in, sessions, CSRF and roles for the dashboard (OWASP ASVS V7).

- Passwords are hashed with Argon2id (``argon2-cffi``); a wrong password and an unknown
  username take the same time and get the same answer.
- A session is a 256-bit random token in a ``__Host-`` cookie (Secure, HttpOnly,
  SameSite=Strict); the store keeps only its SHA-256. Signing in always makes a new one and
  ends the one the browser had. Idle sessions end after ``dashboard_idle_minutes``, every
  session after ``dashboard_absolute_hours``, and all of an account's when it is disabled.
- After ``dashboard_max_failures`` failures in ``dashboard_lockout_minutes`` the account is
  locked for that long.
- Every form that changes something carries the session's CSRF token; the sign-in form,
  before there is a session, carries an HMAC of a short-lived pre-sign-in cookie.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, select, update

from analysis.models import Role, StaffSession, StaffUser
from config.settings import Settings
from surveys.database import Database
from surveys.models import utcnow

SESSION_COOKIE = "__Host-ev_dashboard"
PRE_COOKIE = "__Host-ev_signin"
MIN_PASSWORD = 12

_hasher = PasswordHasher()
# A hash to verify against when the username is unknown, so timing says nothing.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))

VIEW = frozenset(Role)
REVIEW = frozenset({Role.ANALYST})
ALERTS = frozenset({Role.SAFEGUARDING_LEAD})
# Hearing a voice note is hearing the person: for analysts, who read what people wrote,
# and the safeguarding lead, who reads what may disclose risk.
TRANSCRIBE = frozenset({Role.ANALYST, Role.SAFEGUARDING_LEAD})
ADMIN = frozenset({Role.ADMIN})
ROLE_NAMES = {
    Role.VIEWER: "Viewer",
    Role.ANALYST: "Analyst",
    Role.SAFEGUARDING_LEAD: "Safeguarding lead",
    Role.ADMIN: "Admin",
}


class AccountError(ValueError):
    """A staff account that cannot be made or changed as asked; the message says why."""


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"A password needs at least {MIN_PASSWORD} characters.")
    return _hasher.hash(password)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Staff:
    """The signed-in person, as every handler sees them."""

    id: int
    username: str
    display_name: str
    role: Role
    csrf: str
    token_hash: str

    def may(self, allowed: frozenset[Role]) -> bool:
        return self.role in allowed


@dataclass(frozen=True, slots=True)
class SignInResult:
    token: str | None
    user: StaffUser | None
    reason: str  # ok | bad_credentials | locked | disabled


class Accounts:
    """Sign-in and sessions over the store, with the limits from settings."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.idle = dt.timedelta(minutes=settings.dashboard_idle_minutes)
        self.absolute = dt.timedelta(hours=settings.dashboard_absolute_hours)
        self.max_failures = settings.dashboard_max_failures
        self.lockout = dt.timedelta(minutes=settings.dashboard_lockout_minutes)
        self._form_key = hmac.new(
            settings.pseudonym_secret(), b"dashboard-signin-form", hashlib.sha256
        ).digest()

    # -- accounts

    async def add(
        self, username: str, password: str, role: str, display_name: str = ""
    ) -> StaffUser:
        username = username.strip().lower()
        if (
            not username
            or len(username) > 64
            or not username.replace(".", "")
            .replace("-", "")
            .replace("_", "")
            .replace("@", "")
            .isalnum()
        ):
            raise AccountError("A username is letters, numbers, dots, dashes or @, up to 64.")
        try:
            role = Role(role)
        except ValueError:
            raise AccountError(f"Role must be one of: {', '.join(Role)}.") from None
        user = StaffUser(
            username=username,
            display_name=display_name.strip()[:120],
            role=role.value,
            password_hash=hash_password(password),
        )
        async with self.db.transaction() as session:
            if await session.scalar(select(StaffUser.id).where(StaffUser.username == username)):
                raise AccountError(f"There is already an account called {username}.")
            session.add(user)
        return user

    async def set_active(self, user_id: int, active: bool) -> None:
        async with self.db.transaction() as session:
            await session.execute(
                update(StaffUser).where(StaffUser.id == user_id).values(active=active)
            )
            if not active:  # every session of a disabled account ends now (ASVS 7.4.2)
                await session.execute(delete(StaffSession).where(StaffSession.user_id == user_id))

    async def set_role(self, user_id: int, role: str) -> None:
        role = Role(role)
        async with self.db.transaction() as session:
            await session.execute(
                update(StaffUser).where(StaffUser.id == user_id).values(role=role.value)
            )
            await session.execute(delete(StaffSession).where(StaffSession.user_id == user_id))

    async def set_password(self, username: str, password: str) -> None:
        async with self.db.transaction() as session:
            result = await session.execute(
                update(StaffUser)
                .where(StaffUser.username == username.strip().lower())
                .values(password_hash=hash_password(password), failed_logins=0, locked_until=None)
            )
            if not result.rowcount:
                raise AccountError(f"There is no account called {username}.")
            user_id = await session.scalar(
                select(StaffUser.id).where(StaffUser.username == username.strip().lower())
            )
            await session.execute(delete(StaffSession).where(StaffSession.user_id == user_id))

    # -- sign-in

    async def sign_in(self, username: str, password: str, old_token: str | None) -> SignInResult:
        now = utcnow()
        async with self.db.transaction() as session:
            if old_token:  # whatever happens, the session the browser brought ends
                await session.execute(
                    delete(StaffSession).where(StaffSession.token_hash == token_hash(old_token))
                )
            user = await session.scalar(
                select(StaffUser).where(StaffUser.username == username.strip().lower())
            )
            if user is None:
                _verify(_DUMMY_HASH, password)
                return SignInResult(None, None, "bad_credentials")
            if user.locked_until and _aware(user.locked_until) > now:
                _verify(_DUMMY_HASH, password)
                return SignInResult(None, user, "locked")
            if not _verify(user.password_hash, password):
                self._count_failure(user, now)
                return SignInResult(
                    None, user, "locked" if user.locked_until else "bad_credentials"
                )
            if not user.active:
                return SignInResult(None, user, "disabled")
            user.failed_logins, user.first_failed_at, user.locked_until = 0, None, None
            user.last_login_at = now
            if _hasher.check_needs_rehash(user.password_hash):
                user.password_hash = _hasher.hash(password)
            token = secrets.token_urlsafe(32)
            session.add(
                StaffSession(
                    token_hash=token_hash(token),
                    user_id=user.id,
                    csrf_token=secrets.token_urlsafe(32),
                    created_at=now,
                    last_seen_at=now,
                )
            )
            return SignInResult(token, user, "ok")

    def _count_failure(self, user: StaffUser, now: dt.datetime) -> None:
        if user.first_failed_at is None or now - _aware(user.first_failed_at) > self.lockout:
            user.first_failed_at, user.failed_logins = now, 0
        user.failed_logins += 1
        if user.failed_logins >= self.max_failures:
            user.locked_until = now + self.lockout

    async def current(self, token: str | None) -> Staff | None:
        """The signed-in person for a cookie's token, ending the session if it has expired."""
        if not token:
            return None
        now = utcnow()
        digest = token_hash(token)
        async with self.db.transaction() as session:
            row = (
                await session.execute(
                    select(StaffSession, StaffUser)
                    .join(StaffUser, StaffUser.id == StaffSession.user_id)
                    .where(StaffSession.token_hash == digest)
                )
            ).first()
            if row is None:
                return None
            stored, user = row
            expired = (
                now - _aware(stored.last_seen_at) > self.idle
                or now - _aware(stored.created_at) > self.absolute
                or not user.active
            )
            if expired:
                await session.execute(delete(StaffSession).where(StaffSession.token_hash == digest))
                return None
            if now - _aware(stored.last_seen_at) > dt.timedelta(seconds=30):
                stored.last_seen_at = now
            return Staff(
                user.id,
                user.username,
                user.display_name,
                Role(user.role),
                stored.csrf_token,
                digest,
            )

    async def sign_out(self, token: str | None) -> None:
        if token:
            async with self.db.transaction() as session:
                await session.execute(
                    delete(StaffSession).where(StaffSession.token_hash == token_hash(token))
                )

    # -- the sign-in form's CSRF token, before there is a session

    def form_token(self, pre_token: str) -> str:
        return hmac.new(self._form_key, pre_token.encode(), hashlib.sha256).hexdigest()

    def form_token_ok(self, pre_token: str | None, given: str | None) -> bool:
        return bool(pre_token and given) and hmac.compare_digest(
            self.form_token(pre_token or ""), given or ""
        )


def csrf_ok(staff: Staff, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(staff.csrf, given or "")


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
