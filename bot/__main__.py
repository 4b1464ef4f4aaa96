"""The service's entry point: ``python -m bot`` serves; ``python -m bot migrate`` migrates."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import sys

from aiohttp import web

from config.settings import Settings, SettingsError, load_settings

log = logging.getLogger("bot")


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(2) from None


def serve(settings: Settings) -> None:
    from bot.workers import WORKER_ENV, supervise

    if settings.web_concurrency > 1 and WORKER_ENV not in os.environ:
        raise SystemExit(supervise(settings.web_concurrency, [sys.executable, "-m", "bot"]))
    from analysis.safeguarding import SignpostingError
    from bot.app import create_app
    from bot.services import build_services
    from surveys.definition import SurveyDefinitionError

    for problem in settings.check_for_production():
        log.warning("configuration: %s", problem)
    try:
        services = build_services(settings)
    except SurveyDefinitionError as exc:
        print(f"A survey file has problems:\n{exc}", file=sys.stderr)
        raise SystemExit(2) from None
    except SignpostingError as exc:
        print(f"The help-now card (SIGNPOSTING_FILE) has a problem:\n{exc}", file=sys.stderr)
        raise SystemExit(2) from None
    if not settings.telegram_enabled:
        log.warning(
            "Telegram is off: TELEGRAM_BOT_TOKEN is not set. The web chat and dashboard still "
            "work. To turn Telegram on, get a token from @BotFather and set TELEGRAM_BOT_TOKEN "
            "(and TELEGRAM_MODE=webhook with WEBHOOK_URL and WEBHOOK_SECRET in production)."
        )
        services.channels["telegram"] = "off"
    app = create_app(services)
    # Everything loaded so far (surveys, wording, lexicons, libraries) lives as long as the
    # process: keep the garbage collector from walking it again and again. A full collection
    # over it took ~110 ms (measured), stalling every message in flight.
    gc.freeze()
    log.info(
        "Everyone's Voice on http://%s:%s (surveys: %s)",
        settings.host,
        settings.port,
        ", ".join(services.surveys),
    )
    web.run_app(
        app,
        host=settings.host,
        port=settings.port,
        reuse_port=settings.web_concurrency > 1,  # the workers share the port
        print=None,
        loop=_event_loop(),
    )


def _event_loop() -> asyncio.AbstractEventLoop:
    """uvloop when installed: the same asyncio, with its loop and sockets in C."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def migrate(settings: Settings) -> None:
    from surveys.migrate import upgrade

    upgrade(settings.database_url)
    log.info("database is up to date")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Everyone's Voice service")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("serve", help="start the web server and channels (the default)")
    commands.add_parser("migrate", help="apply database migrations")
    # --- updates (issue 6) ---
    from bot.updates import cli as updates_cli

    updates_cli.add_arguments(
        commands.add_parser("updates", help="'you said, we did' updates: compose, send, answer")
    )
    # --- end updates ---

    # --- Staff accounts and VIC bot access (issue 5) ---
    from bot.dashboard.cli import add_commands as add_dashboard_commands

    add_dashboard_commands(commands)
    args = parser.parse_args(argv)
    settings = _settings()
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    if args.command == "migrate":
        migrate(settings)
    elif args.command == "updates":  # issue 6
        raise SystemExit(updates_cli.run(args, settings))

    elif args.command in ("users", "vic"):
        from bot.dashboard.cli import run as run_dashboard_command

        raise SystemExit(run_dashboard_command(args, settings))
    else:
        serve(settings)


if __name__ == "__main__":
    main()
