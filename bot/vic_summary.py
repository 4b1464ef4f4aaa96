"""``/summary`` from the bot for VIC work group members: the channel-neutral part.

Access is granted by an admin — with a one-use invite code the member sends to the bot
(``/summary CODE``), or with ``python -m bot vic grant``— and is held against the member's
pseudonym, never a name. A Telegram adapter needs three calls:

1. ``await vic_menu(services, ref)`` → a :class:`Menu` (text and button rows whose
   ``data`` fits Telegram's 64-byte callback limit), or an explanation if not a member;
   ``await redeem(services, ref, code)`` when the message has a code after ``/summary``;
2. on a button press whose data starts with ``DATA_PREFIX``:
   ``await summary_file(services, ref, data)`` → a :class:`SummaryFile` (filename, bytes,
   caption) to send with ``send_document``, or raises :class:`NotAllowed` /
   :class:`ExportUnavailable` with a message to show.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select

from analysis.disclosure import DisclosureRule
from analysis.exports import FORMAT_NAMES, ExportUnavailable, Format, export
from analysis.models import VicInvite, VicMember
from analysis.summary import Filters, build_summary
from bot.dashboard.audit import record
from bot.services import Services
from surveys.models import utcnow
from surveys.service import ChannelRef

DATA_PREFIX = "vs:"
INVITE_DAYS = 14
__all__ = ["DATA_PREFIX", "ExportUnavailable", "Menu", "NotAllowed", "SummaryFile"]


class NotAllowed(PermissionError):
    """The person is not (or no longer) a VIC member; the message says how to get access."""


@dataclass(frozen=True, slots=True)
class Button:
    text: str
    data: str


@dataclass(frozen=True, slots=True)
class Menu:
    text: str
    rows: tuple[tuple[Button, ...], ...]


@dataclass(frozen=True, slots=True)
class SummaryFile:
    filename: str
    media_type: str
    body: bytes
    caption: str


NOT_A_MEMBER = (
    "Summaries are for members of the Voice, Influence and Change work group. If you are one, "
    "ask an admin for an invite code and send it like this: /summary CODE"
)


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


async def new_invite(services: Services, created_by: str) -> str:
    """A one-use code for one member, valid for two weeks. Only its hash is kept."""
    code = "-".join(secrets.token_hex(2).upper() for _ in range(3))
    async with services.db.transaction() as session:
        session.add(
            VicInvite(
                code_hash=_code_hash(code),
                created_by=created_by,
                expires_at=utcnow() + dt.timedelta(days=INVITE_DAYS),
            )
        )
        await record(session, actor=created_by, role="admin", action="vic_invite_created")
    return code


async def grant(services: Services, pseudonym: str, granted_by: str, via: str) -> None:
    async with services.db.transaction() as session:
        member = await session.get(VicMember, pseudonym)
        if member is None:
            session.add(VicMember(pseudonym=pseudonym, granted_by=granted_by, granted_via=via))
        else:
            member.revoked_at = None
        await record(
            session,
            actor=granted_by,
            role="admin" if via == "cli" else None,
            action="vic_member_granted",
            about=pseudonym[:12],
            via=via,
        )


async def revoke(services: Services, pseudonym: str, revoked_by: str) -> None:
    async with services.db.transaction() as session:
        member = await session.get(VicMember, pseudonym)
        if member is not None:
            member.revoked_at = utcnow()
        await record(
            session,
            actor=revoked_by,
            role="admin",
            action="vic_member_revoked",
            about=pseudonym[:12],
        )


async def redeem(services: Services, ref: ChannelRef, code: str) -> str:
    """Turn a valid invite code into membership for the person who sent it."""
    pseudonym = services.survey_service.pseudonymise(ref)
    now = utcnow()
    async with services.db.transaction() as session:
        invite = await session.get(VicInvite, _code_hash(code))
        expires = invite.expires_at if invite else None
        if expires is not None and expires.tzinfo is None:
            expires = expires.replace(tzinfo=dt.UTC)
        if invite is None or invite.used_at is not None or (expires and expires < now):
            await record(
                session,
                actor=f"bot:{pseudonym[:12]}",
                role=None,
                action="vic_invite_refused",
                outcome="refused",
            )
            return (
                "That code did not work: it may be mistyped, used already or out of date. "
                "Ask an admin for a new one."
            )
        invite.used_by, invite.used_at = pseudonym, now
    await grant(services, pseudonym, granted_by=f"invite:{invite.created_by}", via="invite")
    return "You can now get summaries. Send /summary to choose one."


async def is_member(services: Services, pseudonym: str) -> bool:
    async with services.db.reading() as session:
        member = await session.get(VicMember, pseudonym)
    return member is not None and member.revoked_at is None


async def vic_menu(services: Services, ref: ChannelRef) -> Menu | str:
    """The surveys × formats menu for a member, or the words to send anyone else."""
    if not await is_member(services, services.survey_service.pseudonymise(ref)):
        return NOT_A_MEMBER
    scopes = [
        ("all", "All surveys"),
        *((s.id, str(s.title)) for s in services.surveys.values()),
        ("updates", "Replies to updates"),
    ]
    rows = []
    for scope, title in scopes:
        rows.append((Button(title, f"{DATA_PREFIX}pick:{scope}"[:64]),))
    return Menu("Which summary would you like?", tuple(rows))


def format_menu(scope: str) -> Menu:
    rows = tuple(
        (Button(name, f"{DATA_PREFIX}{fmt.value}:{scope}"[:64]),)
        for fmt, name in FORMAT_NAMES.items()
    )
    return Menu("Which kind of file?", rows)


async def handle_button(services: Services, ref: ChannelRef, data: str) -> Menu | SummaryFile:
    """A button from either menu: the format menu after a survey, the file after a format."""
    action, _, scope = data.removeprefix(DATA_PREFIX).partition(":")
    if action == "pick":
        if not await is_member(services, services.survey_service.pseudonymise(ref)):
            raise NotAllowed(NOT_A_MEMBER)
        return format_menu(scope)
    return await summary_file(services, ref, data)


async def summary_file(services: Services, ref: ChannelRef, data: str) -> SummaryFile:
    pseudonym = services.survey_service.pseudonymise(ref)
    actor = f"bot:{pseudonym[:12]}"
    if not await is_member(services, pseudonym):
        await record(services.db, actor=actor, role=None, action="download", outcome="forbidden")
        raise NotAllowed(NOT_A_MEMBER)
    fmt_name, _, scope = data.removeprefix(DATA_PREFIX).partition(":")
    fmt = Format(fmt_name)
    filters = Filters.from_query({"survey": scope or "all"}, services.surveys)
    settings = services.settings
    summary = await build_summary(
        services.db,
        services.surveys,
        filters,
        DisclosureRule(k=settings.summary_k, round_to=settings.summary_round_to),
        require_quote_approval=settings.summary_quote_approval,
        settings_names=_names(settings.deidentify_settings_names),
    )
    file = export(summary, fmt)
    await record(
        services.db,
        actor=actor,
        role="vic_member",
        action="download",
        about=file.filename,
        format=fmt.value,
        filters=filters.describe(),
        rows=file.rows,
        sha256=file.sha256,
        channel=ref.channel,
    )
    caption = f"{summary.title}: {FORMAT_NAMES[fmt]}." + (
        f" {summary.message}" if summary.too_few else ""
    )
    return SummaryFile(file.filename, file.media_type, file.body, caption)


def _names(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in text.split(",") if name.strip())


async def pseudonym_for_cli(services: Services, channel: str, user_id: str) -> str:
    """The pseudonym a channel user id maps to (the CLI grants by id; only the HMAC is kept)."""
    return services.survey_service.pseudonymise(ChannelRef(channel, user_id))


_ = select
