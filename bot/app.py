"""The aiohttp application: health check, and the routes each channel adds."""

from __future__ import annotations

from aiohttp import web

from bot.services import Services

SERVICES = web.AppKey("services", Services)


async def healthz(request: web.Request) -> web.Response:
    """Is the database reachable, are surveys loaded, which channels are on."""
    services = request.app[SERVICES]
    database_ok = await services.db.ping()
    body = {
        "status": "ok" if database_ok and len(services.surveys) else "degraded",
        "database": "ok" if database_ok else "unreachable",
        "surveys": sorted(services.surveys),
        "channels": services.channels,
    }
    return web.json_response(body, status=200 if database_ok else 503)


def create_app(services: Services) -> web.Application:
    app = web.Application(client_max_size=1024**2)
    app[SERVICES] = services
    app.router.add_get("/healthz", healthz)

    # --- Staff dashboard at /dashboard (issue 5) ---
    from bot import dashboard

    dashboard.setup(app)

    # --- Telegram channel (issue 3): webhook route and bot lifecycle ---
    if services.settings.telegram_enabled:
        from bot.telegram import setup as setup_telegram

        setup_telegram(app)
    # --- end Telegram channel ---

    # --- "You said, we did" updates (issue 6): dashboard pages; the sender runs with the server ---
    from bot.updates import runner as updates_runner
    from bot.updates import web as updates_web

    updates_web.setup(app)
    updates_runner.setup(app)

    async def close_services(_: web.Application) -> None:
        await services.close()

    app.on_cleanup.append(close_services)

    # --- web chat (bot/web): the surveys in a browser, at "/" ---
    from bot import web as web_chat

    web_chat.setup(app)
    return app
