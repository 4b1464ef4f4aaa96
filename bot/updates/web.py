"""Dashboard pages for updates: write one, see how they did, answer replies, theme status.

They plug into the staff dashboard (``bot.dashboard``): the same sign-in, roles, CSRF check
on every form, page layout and audit log. Anyone signed in may see the list of updates and
their numbers (small numbers hidden) and the theme statuses; writing and sending updates,
the replies inbox and moving a theme's status are for analysts and admins.

Composing goes: write → *Preview* saves a draft and shows it as people will see it, with its
reach → *Send now* or *Send at* schedules it. Moving a theme's status saves a draft update
to the people who raised that theme and asked to hear back, and opens it for review.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web
from multidict import MultiDictProxy
from sqlalchemy import select

from analysis.models import Role
from bot.dashboard import audit
from bot.dashboard import views as dashboard
from bot.dashboard.auth import VIEW, Staff
from bot.updates import compose, replies, themes
from bot.updates.clock import as_utc
from bot.updates.compose import Draft, DraftError, UpdateNotFound
from bot.updates.disclosure import DisclosureRule, rule_for
from bot.updates.models import YouSaidUpdate
from bot.updates.numbers import all_numbers, update_numbers
from bot.updates.render import update_message
from bot.updates.topics import topic_label
from surveys.definition import PRIORITY_IDS
from surveys.engine import AGE_BANDS, ROLES
from surveys.models import AnswerTag

TEMPLATES = Path(__file__).resolve().parent / "templates"
WRITE = frozenset({Role.ANALYST, Role.ADMIN})
ROLE_WORDS = {
    "parent_carer": "Parents and carers",
    "young_person": "Young people",
    "practitioner": "Practitioners",
}
AGE_WORDS = {"13_15": "13 to 15", "16_17": "16 or 17", "18_25": "18 to 25"}


def setup(app: web.Application) -> None:
    """Add the pages, their templates and their menu entries to the dashboard."""
    env = app[dashboard.JINJA]
    assert isinstance(env, jinja2.Environment) and isinstance(env.loader, jinja2.ChoiceLoader)
    env.loader.loaders.append(jinja2.FileSystemLoader(TEMPLATES))
    for entry in (
        ("/dashboard/updates", "Updates", VIEW),
        ("/dashboard/replies", "Replies", WRITE),
        ("/dashboard/theme-status", "Theme status", VIEW),
    ):
        if entry not in dashboard.EXTRA_NAV:
            dashboard.EXTRA_NAV.append(entry)
    for method, path, handler, allowed in ROUTES:
        app.router.add_route(method, path, dashboard.guard(allowed)(handler))


# --------------------------------------------------------------------------- helpers


def _services(request: web.Request) -> Any:
    return dashboard._services(request)


def _staff(request: web.Request) -> Staff:
    staff: Staff = request[dashboard.STAFF]
    return staff


def _page(request: web.Request, template: str, context: dict[str, Any], status: int = 200):  # type: ignore[no-untyped-def]
    staff = _staff(request)
    context.setdefault("may_write", staff.may(WRITE))
    return dashboard._page(request, template, context, status)


def _rule(request: web.Request) -> DisclosureRule:
    return rule_for(_services(request).settings)


def _tz(request: web.Request) -> Any:
    return _services(request).settings.tz


async def _audit(request: web.Request, action: str, about: str, **details: Any) -> None:
    staff = _staff(request)
    await audit.record(
        _services(request).db,
        actor=staff.username,
        role=staff.role,
        action=action,
        about=about,
        **details,
    )


def _update_id(request: web.Request) -> int:
    return int(request.match_info["update_id"])


# --------------------------------------------------------------------------- the list


async def updates_page(request: web.Request) -> web.Response:
    services = _services(request)
    numbers = await all_numbers(services.db, _rule(request))
    return _page(
        request,
        "updates_list.html",
        {"title": "Updates: you said, we did", "numbers": numbers, "tz": _tz(request)},
    )


# --------------------------------------------------------------------------- composing


async def new_page(request: web.Request) -> web.Response:
    theme = request.query.get("theme")
    values = {"themes": [theme]} if theme else {}
    return await _compose_page(request, values, [], None)


async def _compose_page(
    request: web.Request,
    values: dict[str, Any],
    problems: list[str],
    update: YouSaidUpdate | None,
    status: int = 200,
) -> web.Response:
    services = _services(request)
    languages = sorted({lang for s in services.surveys.values() for lang in s.languages} | {"en"})
    return _page(
        request,
        "updates_compose.html",
        {
            "title": "Edit the update" if update else "Write an update",
            "values": values,
            "problems": problems,
            "update": update,
            "theme_choices": await _theme_choices(request),
            "roles": [(r, ROLE_WORDS[r]) for r in ROLES],
            "age_bands": [(a, AGE_WORDS[a]) for a in AGE_BANDS if a != "under_13"],
            "languages": languages,
            "surveys": [(s.id, str(s.title)) for s in services.surveys.values()],
        },
        status,
    )


async def _theme_choices(request: web.Request) -> list[tuple[str, str]]:
    services = _services(request)
    async with services.db.reading() as session:
        raised = set(await session.scalars(select(AnswerTag.tag).distinct()))
    ids = list(PRIORITY_IDS) + sorted(raised - set(PRIORITY_IDS))
    return [(t, topic_label(services.wording, t)) for t in ids]


def _draft_fields(form: MultiDictProxy[Any], keep: bytes | None) -> dict[str, Any]:
    """The form as :func:`compose.parse_draft` takes it."""
    picture = form.get("picture")
    data = keep
    if isinstance(picture, web.FileField):
        uploaded = picture.file.read()
        data = uploaded or keep
    if form.get("remove_picture"):
        data = None
    return {
        "title": str(form.get("title", "")),
        "text": str(form.get("text", "")),
        "easy_text": str(form.get("easy_text", "")) or None,
        "picture": data,
        "picture_alt": str(form.get("picture_alt", "")) or None,
        "themes": [str(v) for v in form.getall("themes", [])],
        "audience": {
            "roles": [str(v) for v in form.getall("roles", [])],
            "age_bands": [str(v) for v in form.getall("age_bands", [])],
            "languages": [str(v) for v in form.getall("languages", [])],
            "surveys": [str(v) for v in form.getall("surveys", [])],
            "tagged": bool(form.get("tagged")),
        },
    }


def _form_values(fields: dict[str, Any]) -> dict[str, Any]:
    audience = fields.get("audience") or {}
    return {**fields, **audience, "picture": None}


async def create(request: web.Request) -> web.StreamResponse:
    """Save a new draft and show its preview."""
    services = _services(request)
    form = await request.post()
    fields = _draft_fields(form, None)
    try:
        draft = compose.parse_draft(services.wording, **fields)
    except DraftError as exc:
        return await _compose_page(request, _form_values(fields), exc.problems, None, 400)
    update_id = await compose.save(services.db, draft, by=_staff(request).username, schedule=False)
    await _audit(request, "update_drafted", f"update {update_id}")
    raise web.HTTPSeeOther(f"/dashboard/updates/{update_id}")


async def edit_page(request: web.Request) -> web.Response:
    row, draft = await _load(request)
    if row.status != "draft":
        raise web.HTTPSeeOther(f"/dashboard/updates/{row.id}")
    values = {**draft.model_dump(exclude={"audience", "picture"}), **draft.audience.model_dump()}
    return await _compose_page(request, values, [], row)


async def save_edit(request: web.Request) -> web.StreamResponse:
    services = _services(request)
    row, _ = await _load(request)
    if row.status != "draft":
        raise web.HTTPSeeOther(f"/dashboard/updates/{row.id}")
    form = await request.post()
    fields = _draft_fields(form, row.picture)
    try:
        draft = compose.parse_draft(services.wording, **fields)
    except DraftError as exc:
        return await _compose_page(request, _form_values(fields), exc.problems, row, 400)
    await compose.replace_draft(services.db, row.id, draft)
    await _audit(request, "update_edited", f"update {row.id}")
    raise web.HTTPSeeOther(f"/dashboard/updates/{row.id}")


async def _load(request: web.Request) -> tuple[YouSaidUpdate, Draft]:
    try:
        return await compose.load_draft(_services(request).db, _update_id(request))
    except UpdateNotFound:
        raise web.HTTPNotFound(text="There is no such update.") from None


# --------------------------------------------------------------------------- one update


async def update_page(request: web.Request) -> web.Response:
    services = _services(request)
    row, draft = await _load(request)
    content = compose._content(row.id, draft)
    plain = update_message(services.wording, content)
    easy = update_message(services.wording, content, easy=True) if draft.easy_text else None
    reach = await compose.preview_reach(services.db, draft, _rule(request))
    numbers = await update_numbers(services.db, row.id, _rule(request))
    return _page(
        request,
        "updates_one.html",
        {
            "title": row.title,
            "update": row,
            "draft": draft,
            "plain": plain,
            "easy": easy,
            "reach": reach,
            "audience": draft.audience.describe(),
            "theme_names": [topic_label(services.wording, t) for t in draft.themes],
            "numbers": numbers if row.status in ("sent", "cancelled") else None,
            "when": as_utc(row.sent_at or row.send_at),
            "tz": _tz(request),
            "message": request.query.get("done"),
        },
    )


async def picture(request: web.Request) -> web.Response:
    row, _ = await _load(request)
    if not row.picture:
        raise web.HTTPNotFound()
    return web.Response(body=row.picture, content_type=row.picture_type or "image/png")


async def send(request: web.Request) -> web.StreamResponse:
    services = _services(request)
    row, _ = await _load(request)
    form = await request.post()
    when_text = str(form.get("send_at", "")).strip()
    when = None
    if form.get("when") == "later":
        try:
            when = dt.datetime.fromisoformat(when_text).replace(tzinfo=_tz(request))
        except ValueError:
            raise web.HTTPBadRequest(text="Please give a date and time to send it.") from None
    try:
        await compose.schedule(services.db, row.id, when)
    except DraftError as exc:
        raise web.HTTPConflict(text="; ".join(exc.problems)) from None
    await _audit(request, "update_scheduled", f"update {row.id}", at=when_text or "now")
    raise web.HTTPSeeOther(f"/dashboard/updates/{row.id}?done=scheduled")


async def cancel(request: web.Request) -> web.StreamResponse:
    row, _ = await _load(request)
    held = await compose.cancel(_services(request).db, row.id)
    await _audit(request, "update_cancelled", f"update {row.id}", held_back=held)
    raise web.HTTPSeeOther(f"/dashboard/updates/{row.id}?done=cancelled")


# --------------------------------------------------------------------------- replies


async def replies_page(request: web.Request) -> web.Response:
    show_all = request.query.get("show") == "all"
    items = await replies.inbox(_services(request).db, status=None if show_all else "new")
    return _page(
        request,
        "updates_replies.html",
        {
            "title": "Replies to updates",
            "items": items,
            "show_all": show_all,
            "tz": _tz(request),
            "message": request.query.get("done"),
            "theme_name": lambda t: topic_label(_services(request).wording, t),
        },
    )


async def answer_reply(request: web.Request) -> web.StreamResponse:
    reply_id = int(request.match_info["reply_id"])
    form = await request.post()
    try:
        await replies.answer(
            _services(request).db,
            reply_id,
            str(form.get("answer", "")),
            by=_staff(request).username,
        )
    except replies.InboxError as exc:
        items = await replies.inbox(_services(request).db, status="new")
        return _page(
            request,
            "updates_replies.html",
            {
                "title": "Replies to updates",
                "items": items,
                "show_all": False,
                "tz": _tz(request),
                "problem": (reply_id, str(exc)),
                "theme_name": lambda t: topic_label(_services(request).wording, t),
            },
            status=400,
        )
    await _audit(request, "reply_answered", f"reply {reply_id}")
    raise web.HTTPSeeOther("/dashboard/replies?done=answered")


async def close_reply(request: web.Request) -> web.StreamResponse:
    reply_id = int(request.match_info["reply_id"])
    await replies.close(_services(request).db, [reply_id], by=_staff(request).username)
    await _audit(request, "reply_closed", f"reply {reply_id}")
    raise web.HTTPSeeOther("/dashboard/replies?done=closed")


# --------------------------------------------------------------------------- theme status


async def theme_status_page(request: web.Request) -> web.Response:
    services = _services(request)
    rows = await themes.theme_rows(services.db, services.wording, _rule(request))
    return _page(
        request,
        "updates_themes.html",
        {
            "title": "Theme status",
            "rows": rows,
            "statuses": [(s, themes.STATUS_LABELS[s]) for s in themes.STATUSES],
            "labels": themes.STATUS_LABELS,
            "tz": _tz(request),
            "problem": None,
        },
    )


async def set_theme_status(request: web.Request) -> web.StreamResponse:
    services = _services(request)
    theme = request.match_info["theme"]
    form = await request.post()
    status, reason, note = (str(form.get(k, "")) for k in ("status", "reason", "note"))
    try:
        change = await themes.set_status(
            services.db, theme, status, by=_staff(request).username, reason=reason, note=note
        )
        offered = themes.offer(services.wording, theme, status, reason=reason, note=note)
        draft = compose.parse_draft(services.wording, **offered.model_dump())
    except (themes.ThemeStatusError, DraftError) as exc:
        rows = await themes.theme_rows(services.db, services.wording, _rule(request))
        problem = "; ".join(getattr(exc, "problems", [str(exc)]))
        return _page(
            request,
            "updates_themes.html",
            {
                "title": "Theme status",
                "rows": rows,
                "statuses": [(s, themes.STATUS_LABELS[s]) for s in themes.STATUSES],
                "labels": themes.STATUS_LABELS,
                "tz": _tz(request),
                "problem": (theme, problem),
            },
            status=400,
        )
    update_id = await compose.save(
        services.db,
        draft,
        by=_staff(request).username,
        schedule=False,
        kind="theme_status",
        theme_change_id=change,
    )
    await _audit(request, "theme_status", theme, status=status, offered_update=update_id)
    raise web.HTTPSeeOther(f"/dashboard/updates/{update_id}?done=offered")


ROUTES: list[tuple[str, str, Any, frozenset[Role]]] = [
    ("GET", "/dashboard/updates", updates_page, VIEW),
    ("GET", "/dashboard/updates/new", new_page, WRITE),
    ("POST", "/dashboard/updates/new", create, WRITE),
    ("GET", r"/dashboard/updates/{update_id:\d+}", update_page, VIEW),
    ("GET", r"/dashboard/updates/{update_id:\d+}/picture", picture, VIEW),
    ("GET", r"/dashboard/updates/{update_id:\d+}/edit", edit_page, WRITE),
    ("POST", r"/dashboard/updates/{update_id:\d+}/edit", save_edit, WRITE),
    ("POST", r"/dashboard/updates/{update_id:\d+}/send", send, WRITE),
    ("POST", r"/dashboard/updates/{update_id:\d+}/cancel", cancel, WRITE),
    ("GET", "/dashboard/replies", replies_page, WRITE),
    ("POST", r"/dashboard/replies/{reply_id:\d+}/answer", answer_reply, WRITE),
    ("POST", r"/dashboard/replies/{reply_id:\d+}/close", close_reply, WRITE),
    ("GET", "/dashboard/theme-status", theme_status_page, VIEW),
    ("POST", r"/dashboard/theme-status/{theme:[A-Za-z0-9_.\-]{1,40}}", set_theme_status, WRITE),
]
