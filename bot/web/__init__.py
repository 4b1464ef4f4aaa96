"""The accessible web chat: the same surveys as Telegram, through the same engine, at ``/``.

``setup(app)`` adds its routes to the service's aiohttp application (``bot/app.py`` calls it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web

log = logging.getLogger(__name__)

ROUTE_PREFIX = "web."
PURGE_EVERY_SECONDS = 3600

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def setup(app: web.Application) -> None:
    """Add the web chat's routes, templates, headers and clean-up to ``app``."""
    import aiohttp_jinja2
    import jinja2

    from bot.app import SERVICES
    from bot.web import chat

    web_chat = chat.WebChat(app[SERVICES])
    app[chat.WEB_CHAT] = web_chat
    environment = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(str(chat.HERE / "templates")),
        app_key=chat.JINJA,
        autoescape=jinja2.select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        default_helpers=False,
    )
    environment.filters["label"] = chat.label_html
    router = app.router
    routes: list[tuple[str, str, Handler, str]] = [
        ("GET", "/", chat.show_chat, "chat"),
        ("POST", "/", chat.post_chat, "say"),
        ("GET", "/help", chat.show_help, "help"),
        ("GET", "/privacy", chat.show_privacy, "privacy"),
        ("GET", "/my-answers", chat.show_my_answers, "my_answers"),
        ("GET", "/my-answers.json", chat.download_my_answers, "my_answers_download"),
        ("GET", "/delete", chat.show_delete, "delete"),
        ("POST", "/delete", chat.post_delete, "delete_confirmed"),
        ("POST", "/code", chat.post_code, "code"),
        ("GET", "/resume", chat.show_resume, "resume"),
        ("POST", "/resume", chat.post_resume, "resume_code"),
        ("GET", "/embed", chat.show_embed, "embed"),
        ("GET", r"/audio/{audio_id:[0-9a-f]{64}}.wav", chat.serve_audio, "audio"),
    ]
    for method, path, handler, name in routes:
        router.add_route(method, path, handler, name=ROUTE_PREFIX + name)
    router.add_static(
        "/static/web", chat.HERE / "static", name=ROUTE_PREFIX + "static", append_version=True
    )
    static = router[ROUTE_PREFIX + "static"]
    environment.globals["static_url"] = lambda name: str(static.url_for(filename=name))
    app.middlewares.append(_web_headers)
    app.cleanup_ctx.append(_purge_sessions)


def content_security_policy(frame_ancestors: str) -> str:
    """Only this server's own scripts, styles, images, audio and forms; nothing third-party."""
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self'",
            "media-src 'self'",
            "connect-src 'self'",
            "form-action 'self'",
            "base-uri 'none'",
            "object-src 'none'",
            f"frame-ancestors {frame_ancestors}",
        ]
    )


@web.middleware
async def _web_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Security and privacy headers on the web chat's responses (other routes untouched)."""
    from bot.web.chat import WEB_CHAT, not_found

    route = request.match_info.route
    name = route.name or ""
    try:
        response = await handler(request)
    except web.HTTPNotFound:
        wants_page = "text/html" in request.headers.get("Accept", "")
        if request.method != "GET" or not wants_page:
            raise
        if name and not name.startswith(ROUTE_PREFIX):
            raise  # another module's own "not found"
        response = await not_found(request)
        name = ROUTE_PREFIX + "not_found"
    if not name.startswith(ROUTE_PREFIX):
        return response
    embed = request.query.get("embed") == "1"
    origins = " ".join(request.app[WEB_CHAT].embed_origins)
    ancestors = f"'self' {origins}".strip() if embed else "'self'"
    headers = response.headers
    headers["Content-Security-Policy"] = content_security_policy(ancestors)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer"
    headers["Permissions-Policy"] = (
        "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
    )
    headers["Cross-Origin-Resource-Policy"] = "same-origin"
    if not embed:
        headers["X-Frame-Options"] = "SAMEORIGIN"
    if name == ROUTE_PREFIX + "static":
        headers["Cache-Control"] = "public, max-age=86400"
    elif "Cache-Control" not in headers:
        headers["Cache-Control"] = "no-store"  # private answers: not kept by the browser's cache
    return response


async def _purge_sessions(app: web.Application) -> AsyncIterator[None]:
    """Hourly: forget browser sessions nobody has used for a while, and expired codes."""
    from bot.web.chat import WEB_CHAT

    sessions = app[WEB_CHAT].sessions

    async def every_hour() -> None:
        while True:
            try:
                gone = await sessions.purge()
                if gone:
                    log.info("web chat: forgot %d idle browser sessions", gone)
            except Exception:
                log.exception("web chat: could not purge idle sessions; will try again")
            await asyncio.sleep(PURGE_EVERY_SECONDS)

    task = asyncio.ensure_future(every_hour())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
