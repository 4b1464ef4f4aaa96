"""``python -m bot users …`` (staff accounts) and ``python -m bot vic …`` (bot summary access)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from typing import Any

from sqlalchemy import select

from analysis.models import Role, StaffUser
from bot.dashboard.audit import record
from bot.dashboard.auth import AccountError, Accounts
from config.settings import Settings
from surveys.database import Database


def add_commands(commands: Any) -> None:
    users = commands.add_parser("users", help="staff dashboard accounts").add_subparsers(
        dest="users_command", required=True
    )
    add = users.add_parser("add", help="add a staff account (asks for the password)")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=[r.value for r in Role])
    add.add_argument("--name", default="", help="the person's name, shown in the dashboard")
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    users.add_parser("list", help="list accounts")
    for name, text in (
        ("disable", "switch an account off and end its sessions"),
        ("enable", "switch an account back on"),
    ):
        sub = users.add_parser(name, help=text)
        sub.add_argument("username")
    password = users.add_parser("password", help="set a new password (ends the account's sessions)")
    password.add_argument("username")
    password.add_argument("--password-stdin", action="store_true")

    vic = commands.add_parser(
        "vic", help="VIC members' access to /summary in the bot"
    ).add_subparsers(dest="vic_command", required=True)
    vic.add_parser("invite", help="make a one-use invite code for a member to send the bot")
    grant = vic.add_parser(
        "grant", help="grant access by channel user id (only its pseudonym is kept)"
    )
    grant.add_argument("user_id", help="the member's numeric Telegram user id")
    grant.add_argument("--channel", default="telegram")
    revoke = vic.add_parser("revoke", help="take access away")
    revoke.add_argument("user_id")
    revoke.add_argument("--channel", default="telegram")


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password (at least 12 characters): ")
    if first != getpass.getpass("Same password again: "):
        raise AccountError("The two passwords were not the same.")
    return first


def run(args: argparse.Namespace, settings: Settings) -> int:
    try:
        return asyncio.run(_run(args, settings))
    except AccountError as exc:
        print(exc, file=sys.stderr)
        return 2


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    db = Database.from_url(settings.database_url)
    try:
        if args.command == "users":
            return await _users(args, settings, db)
        return await _vic(args, settings, db)
    finally:
        await db.dispose()


async def _users(args: argparse.Namespace, settings: Settings, db: Database) -> int:
    accounts = Accounts(db, settings)
    command = args.users_command
    if command == "add":
        user = await accounts.add(args.username, _password(args), args.role, args.name)
        await record(
            db,
            actor="cli",
            role="admin",
            action="account_created",
            about=user.username,
            new_role=user.role,
        )
        print(f"Added {user.username} ({user.role}).")
        return 0
    if command == "password":
        await accounts.set_password(args.username, _password(args))
        await record(db, actor="cli", role="admin", action="password_set", about=args.username)
        print(f"New password set for {args.username}; their sessions have ended.")
        return 0
    async with db.reading() as session:
        users = (await session.scalars(select(StaffUser).order_by(StaffUser.username))).all()
    if command == "list":
        for user in users:
            print(
                f"{user.username:24} {user.role:18} "
                f"{'on' if user.active else 'off'}  {user.display_name}"
            )
        return 0
    user = next((u for u in users if u.username == args.username.lower()), None)
    if user is None:
        raise AccountError(f"There is no account called {args.username}.")
    await accounts.set_active(user.id, command == "enable")
    await record(
        db, actor="cli", role="admin", action="account_changed", about=user.username, change=command
    )
    print(f"{user.username} is now {'on' if command == 'enable' else 'off'}.")
    return 0


async def _vic(args: argparse.Namespace, settings: Settings, db: Database) -> int:
    from bot.services import build_services
    from bot.vic_summary import grant, new_invite, pseudonym_for_cli, revoke

    services = build_services(settings, db)
    if args.vic_command == "invite":
        code = await new_invite(services, "cli")
        print(
            f"Invite code: {code}\nThe member sends the bot: /summary {code}\n"
            "It works once, for 14 days."
        )
        return 0
    pseudonym = await pseudonym_for_cli(services, args.channel, args.user_id)
    if args.vic_command == "grant":
        await grant(services, pseudonym, "cli", "cli")
        print(f"Granted. Kept as pseudonym {pseudonym[:12]}…")
    else:
        await revoke(services, pseudonym, "cli")
        print("Access removed.")
    return 0
