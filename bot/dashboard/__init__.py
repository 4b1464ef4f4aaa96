"""The staff dashboard at ``/dashboard``: summaries, themes, review, alerts, downloads, admin.

``setup(app)`` is called from :func:`bot.app.create_app`. Every page is server-rendered
(aiohttp + Jinja2, autoescaped) with no script at all, under a CSP that allows only this
site. Access is checked on the server for every route by role (see ``ROUTES``).
"""

from __future__ import annotations

from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.dashboard import views

TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"
REPORT_TEMPLATES = Path(__file__).resolve().parent.parent.parent / "analysis" / "templates"


def setup(app: web.Application) -> None:
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.ChoiceLoader(
            [jinja2.FileSystemLoader(TEMPLATES), jinja2.PackageLoader("analysis", "templates")]
        ),
        autoescape=jinja2.select_autoescape(["html"]),
        app_key=views.JINJA,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["role_names"] = views.ROLE_NAMES
    app.middlewares.append(views.security_headers)
    for method, path, handler, _allowed in views.ROUTES:
        app.router.add_route(method, path, handler)
    app.router.add_static("/dashboard/static/", STATIC, append_version=False)
