"""``python -m bot updates …``: compose, schedule, answer and send "you said, we did" updates.

new       write an update (shows its reach, small numbers hidden, then asks to confirm)
list      updates and their numbers          numbers   one update's numbers (--json)
show      preview an update as people see it send      send a draft (now or --at)
cancel    stop an update that has not gone   inbox     replies waiting for an answer
answer    answer a reply through the bot     close     mark replies read
themes    theme statuses                     theme     set one (and offer an update)
sender    run the sender (a worker process; --until-done for one broadcast)
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import getpass
import json
import logging
import signal
import sys
from pathlib import Path
from typing import Any

from bot.updates.disclosure import rule_for
from config.settings import Settings
from surveys.database import Database
from surveys.wording import Wording

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True)

    new = actions.add_parser("new", help="write an update")
    new.add_argument("--title", required=True)
    text = new.add_mutually_exclusive_group(required=True)
    text.add_argument("--text")
    text.add_argument("--text-file", type=Path)
    easy = new.add_mutually_exclusive_group()
    easy.add_argument("--easy-text")
    easy.add_argument("--easy-text-file", type=Path)
    new.add_argument("--picture", type=Path, help="a PNG or JPEG; its meaning must be in the text")
    new.add_argument("--themes", default="", help="comma-separated, e.g. P1,P3")
    new.add_argument("--role", action="append", default=[], help="repeat for several")
    new.add_argument("--age-band", action="append", default=[])
    new.add_argument("--language", action="append", default=[])
    new.add_argument("--survey", action="append", default=[], help="people who answered it")
    new.add_argument("--tagged", action="store_true", help="only people who raised its themes")
    new.add_argument("--send-at", help="local time, YYYY-MM-DD HH:MM (default: now)")
    new.add_argument("--draft", action="store_true", help="save without scheduling")
    new.add_argument("--yes", action="store_true", help="do not ask to confirm")

    listing = actions.add_parser("list", help="updates and their numbers")
    listing.add_argument("--json", action="store_true")
    numbers = actions.add_parser("numbers", help="one update's numbers")
    numbers.add_argument("update", type=int)
    numbers.add_argument("--json", action="store_true")
    show = actions.add_parser("show", help="preview an update as people see it")
    show.add_argument("update", type=int)
    send = actions.add_parser("send", help="schedule a draft")
    send.add_argument("update", type=int)
    send.add_argument("--at", help="local time, YYYY-MM-DD HH:MM (default: now)")
    cancel = actions.add_parser("cancel", help="stop an update")
    cancel.add_argument("update", type=int)

    inbox = actions.add_parser("inbox", help="replies to updates")
    inbox.add_argument("--all", action="store_true", help="answered and closed ones too")
    answer = actions.add_parser("answer", help="answer a reply through the bot")
    answer.add_argument("reply", type=int)
    answer.add_argument("text")
    close = actions.add_parser("close", help="mark replies read, with nothing to answer")
    close.add_argument("reply", type=int, nargs="+")

    actions.add_parser("themes", help="theme statuses")
    theme = actions.add_parser("theme", help="set a theme's status")
    theme.add_argument("theme")
    theme.add_argument("status", help="heard, being_looked_at, action_agreed, done, not_possible")
    theme.add_argument("--reason", help="required for not_possible")
    theme.add_argument("--note", help="what was done, in plain words")
    theme.add_argument("--send", action="store_true", help="send the offered update now")

    sender = actions.add_parser("sender", help="run the sender")
    sender.add_argument(
        "--until-done", action="store_true", help="exit when nothing is scheduled or waiting"
    )
    sender.add_argument("--rate", type=float, help="messages per second (default UPDATES_RATE)")
    sender.add_argument("--concurrency", type=int)

    for sub in (new, send, cancel, answer, close, theme):
        sub.add_argument("--by", default=_who(), help="your name, for the record")


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run one action; returns the process exit code."""
    try:
        return asyncio.run(_run(args, settings))
    except KeyboardInterrupt:
        return 130


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.updates.compose import DraftError, UpdateNotFound
    from bot.updates.replies import InboxError
    from bot.updates.themes import ThemeStatusError

    db = Database.from_url(settings.database_url)
    wording = Wording.load()
    try:
        action = _ACTIONS[args.action]
        return await action(args, settings, db, wording)
    except (DraftError, UpdateNotFound, InboxError, ThemeStatusError, ValueError) as exc:
        problems = getattr(exc, "problems", None) or [str(exc)]
        print("Not done:\n" + "\n".join(f"  - {p}" for p in problems), file=sys.stderr)
        return 2
    finally:
        await db.dispose()


# --------------------------------------------------------------------------- composing


async def _new(args: argparse.Namespace, settings: Settings, db: Database, wording: Wording) -> int:
    from bot.updates import compose

    text = args.text if args.text is not None else _read(args.text_file)
    easy = args.easy_text if args.easy_text is not None else _read(args.easy_text_file)
    draft = compose.parse_draft(
        wording,
        title=args.title,
        text=text,
        easy_text=easy,
        picture=args.picture.read_bytes() if args.picture else None,
        themes=[t for t in args.themes.split(",") if t.strip()],
        audience={
            "roles": args.role,
            "age_bands": args.age_band,
            "languages": args.language,
            "surveys": args.survey,
            "tagged": args.tagged,
        },
        send_at=_local_time(args.send_at, settings) if args.send_at else None,
    )
    reach = await compose.preview_reach(db, draft, rule_for(settings))
    print(_preview(wording, draft))
    print(f"\nIt would reach {reach.phrase}.")
    print(f"Audience: {draft.audience.describe()}.")
    when = draft.send_at.astimezone(settings.tz) if draft.send_at else None
    print("Send: " + (f"{when:%A %d %B %Y, %H:%M}" if when else "now") + " (held in quiet hours)")
    if args.draft:
        update_id = await compose.save(db, draft, by=args.by, schedule=False)
        print(f"Saved as draft {update_id}. Send it with: python -m bot updates send {update_id}")
        return 0
    if not args.yes and not _confirm("Send it? [y/N] "):
        print("Not sent. Nothing was saved.")
        return 1
    update_id = await compose.save(db, draft, by=args.by)
    print(f"Update {update_id} is scheduled.")
    return 0


def _preview(wording: Wording, draft: Any) -> str:
    from bot.updates.compose import _content
    from bot.updates.render import update_message

    content = _content(0, draft)
    plain = update_message(wording, content).text
    lines = ["--- as people see it " + "-" * 40, plain]
    if draft.easy_text:
        lines += ["--- in easy words " + "-" * 43, update_message(wording, content, easy=True).text]
    lines.append("-" * 61)
    return "\n".join(lines)


async def _show(
    args: argparse.Namespace, settings: Settings, db: Database, wording: Wording
) -> int:
    from bot.updates import compose

    row, draft = await compose.load_draft(db, args.update)
    print(f"Update {row.id} ({row.status}), themes: {', '.join(row.themes) or 'none'}")
    print(_preview(wording, draft))
    return 0


async def _send(
    args: argparse.Namespace, settings: Settings, db: Database, wording: Wording
) -> int:
    from bot.updates import compose

    at = _local_time(args.at, settings) if args.at else None
    await compose.schedule(db, args.update, at)
    print(f"Update {args.update} is scheduled.")
    return 0


async def _cancel(
    args: argparse.Namespace, settings: Settings, db: Database, wording: Wording
) -> int:
    from bot.updates import compose

    held = await compose.cancel(db, args.update)
    print(f"Update {args.update} is cancelled; {held} messages were held back.")
    return 0


# --------------------------------------------------------------------------- numbers


async def _list(
    args: argparse.Namespace, settings: Settings, db: Database, wording: Wording
) -> int:
    from bot.updates.numbers import all_numbers

    found = await all_numbers(db, rule_for(settings))
    if args.json:
        print(json.dumps([n.as_dict() for n in found], indent=2))
        return 0
    if not found:
        print("No updates yet. Write one with: python -m bot updates new --help")
    for n in found:
        shown = {name: figure.display for name, figure in n.figures.items()}
        print(
            f"{n.update_id:>4}  {n.status:<10} {n.title[:40]:<40} reached {shown['reached']}, "
            f"delivered {shown['delivered']}, replies {shown['replies']}"
        )
    return 0


async def _numbers(
    args: argparse.Namespace, settings: Settings, db: Database, wording: Wording
) -> int:
    from bot.updates.numbers import update_numbers

    found = await update_numbers(db, args.update, rule_for(settings))
    if found is None:
        print(f"There is no update {args.update}.", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(found.as_dict(), indent=2))
        return 0
    print(f"Update {found.update_id}: {found.title} ({found.status})")
    for name, value in found.figures.items():
        print(f"  {name.replace('_', ' '):<12} {value.display}")
    return 0


# --------------------------------------------------------------------------- inbox


async def _inbox(
    args: argparse.Namespace, settings: Settings, db: Database, wording: Wording
) -> int:
    from bot.updates.replies import inbox

    items = await inbox(db, status=None if args.all else "new")
    if not items:
        print("No replies waiting.")
    for item in items:
        words = item.text if item.text is not None else "(passed to the safeguarding lead)"
        print(
            f"#{item.reply_id} [{item.status}] {item.received:%d %b %H:%M} on "
            f"“{item.update_title}”: {words}"
        )
        if item.staff_answer:
            print(f"    answered by {item.answered_by}: {item.staff_answer}")
    return 0


async def _answer(
    args: argparse.Namespace, settings: Settings, db: Database, wording: Wording
) -> int:
    from bot.updates.replies import answer

    await answer(db, args.reply, args.text, by=args.by)
    print(f"Answer to reply #{args.reply} is on its way through the bot.")
    return 0


async def _close(
    args: argparse.Namespace, settings: Settings, db: Database, wording: Wording
) -> int:
    from bot.updates.replies import close

    count = await close(db, args.reply, by=args.by)
    print(f"{count} replies marked read.")
    return 0


# --------------------------------------------------------------------------- themes


async def _themes(
    args: argparse.Namespace, settings: Settings, db: Database, wording: Wording
) -> int:
    from bot.updates.themes import STATUS_LABELS, theme_rows

    for row in await theme_rows(db, wording, rule_for(settings)):
        status = STATUS_LABELS.get(row.status or "", "no status yet")
        print(
            f"{row.theme:<14} {status:<16} raised by {row.raised_by.display:<14} "
            f"would hear back: {row.would_hear.display:<14} {row.label}"
        )
    return 0


async def _theme(
    args: argparse.Namespace, settings: Settings, db: Database, wording: Wording
) -> int:
    from bot.updates import compose, themes

    change = await themes.set_status(
        db, args.theme, args.status, by=args.by, reason=args.reason, note=args.note
    )
    draft = themes.offer(wording, args.theme, args.status, reason=args.reason, note=args.note)
    draft = compose.parse_draft(wording, **draft.model_dump())
    reach = await compose.preview_reach(db, draft, rule_for(settings))
    print(f"{args.theme} is now “{themes.STATUS_LABELS[args.status]}”.")
    print(_preview(wording, draft))
    print(f"This update would reach {reach.phrase} (people who raised it and asked to hear back).")
    if not args.send:
        update_id = await compose.save(
            db, draft, by=args.by, schedule=False, kind="theme_status", theme_change_id=change
        )
        print(f"Saved as draft {update_id}. Send it with: python -m bot updates send {update_id}")
        return 0
    update_id = await compose.save(
        db, draft, by=args.by, kind="theme_status", theme_change_id=change
    )
    print(f"Update {update_id} is scheduled.")
    return 0


# --------------------------------------------------------------------------- the sender


async def _sender(
    args: argparse.Namespace, settings: Settings, db: Database, wording: Wording
) -> int:
    from bot.updates.sender import Sender, SenderConfig
    from bot.updates.transport import BotAPITransport

    if not settings.telegram_bot_token or not settings.telegram_bot_token.get_secret_value():
        print("The sender needs TELEGRAM_BOT_TOKEN (from @BotFather).", file=sys.stderr)
        return 2
    overrides: dict[str, object] = {}
    if args.rate is not None:
        overrides["rate"] = args.rate if args.rate > 0 else None
    if args.concurrency:
        overrides["concurrency"] = args.concurrency
    config = SenderConfig.from_settings(settings, **overrides)
    transport = BotAPITransport(
        settings.telegram_bot_token.get_secret_value(),
        settings.telegram_api_base_url,
        connections=config.concurrency,
    )
    sender = Sender(db, transport, wording, config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    limit = f"{config.rate:g}/s" if config.rate else "no limit"
    log.info("sender %s running (%s, quiet hours %s)", sender.name, limit, settings.quiet)
    try:
        await sender.run(stop, until_done=args.until_done)
    finally:
        await transport.close()
    print(json.dumps({"sender": sender.name, **dataclasses.asdict(sender.stats)}))
    return 0


# --------------------------------------------------------------------------- helpers


def _who() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "cli"


def _read(path: Path | None) -> str | None:
    return path.read_text(encoding="utf-8") if path else None


def _local_time(text: str, settings: Settings) -> dt.datetime:
    try:
        naive = dt.datetime.strptime(text.strip(), "%Y-%m-%d %H:%M")
    except ValueError:
        raise ValueError(f"{text!r} is not a time like 2026-12-01 10:00") from None
    return naive.replace(tzinfo=settings.tz)


def _confirm(question: str) -> bool:
    try:
        return input(question).strip().lower() in ("y", "yes")
    except EOFError:
        return False


_ACTIONS = {
    "new": _new,
    "list": _list,
    "numbers": _numbers,
    "show": _show,
    "send": _send,
    "cancel": _cancel,
    "inbox": _inbox,
    "answer": _answer,
    "close": _close,
    "themes": _themes,
    "theme": _theme,
    "sender": _sender,
}
