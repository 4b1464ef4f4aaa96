"""Dashboard pages. Each handler is wrapped by :func:`guard`, which signs the person in from
their cookie, checks their role, checks the CSRF token on every POST, and audits refusals."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy import func, select

from analysis.disclosure import DisclosureRule
from analysis.exports import FORMAT_NAMES, ExportUnavailable, Format, export
from analysis.models import Role, StaffUser, VicMember
from analysis.review import ReviewError, apply_review, labelled_jsonl, pending, theme_choices
from analysis.summary import AGE_BANDS, AUDIENCES, FilterError, Filters, Summary, build_summary
from bot.dashboard import audit, voice_notes
from bot.dashboard.auth import (
    ADMIN,
    ALERTS,
    PRE_COOKIE,
    REVIEW,
    ROLE_NAMES,
    SESSION_COOKIE,
    TRANSCRIBE,
    VIEW,
    AccountError,
    Accounts,
    Staff,
    csrf_ok,
)
from bot.services import Services
from bot.telegram.files import FileUnavailable, TelegramFiles
from surveys.models import SafeguardingAlert, utcnow
from surveys.service import CannotRewrite

JINJA = web.AppKey("dashboard_jinja", object)
STAFF: Any = (
    web.RequestKey("dashboard_staff", Staff) if hasattr(web, "RequestKey") else "dashboard.staff"
)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; media-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


def _services(request: web.Request) -> Services:
    from bot.app import SERVICES

    return request.app[SERVICES]


def _accounts(request: web.Request) -> Accounts:
    services = _services(request)
    accounts = services.extras.get("dashboard.accounts")
    if accounts is None:
        accounts = services.extras["dashboard.accounts"] = Accounts(services.db, services.settings)
    return accounts


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    if request.path.startswith("/dashboard") and not response.prepared:
        _secure(response, no_store=not request.path.startswith("/dashboard/static/"))
    return response


def _secure(response: web.StreamResponse, *, no_store: bool = True) -> None:
    """The dashboard's headers; a streamed response sets them itself, before it starts."""
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if no_store:
        response.headers["Cache-Control"] = "no-store"


def guard(allowed: frozenset[Role]) -> Callable[[Handler], Handler]:
    def wrap(handler: Handler) -> Handler:
        @wraps(handler)
        async def guarded(request: web.Request) -> web.StreamResponse:
            staff = await _accounts(request).current(request.cookies.get(SESSION_COOKIE))
            if staff is None:
                if request.method == "GET":
                    raise web.HTTPSeeOther("/dashboard/signin")
                raise web.HTTPUnauthorized(text="Please sign in again.")
            request[STAFF] = staff
            if not staff.may(allowed):
                await audit.record(
                    _services(request).db,
                    actor=staff.username,
                    role=staff.role,
                    action="forbidden",
                    outcome="refused",
                    about=request.path,
                )
                return _page(
                    request,
                    "error.html",
                    {
                        "title": "Not for your role",
                        "message": "Your role cannot open this page. Ask an admin if you need it.",
                    },
                    status=403,
                )
            if request.method == "POST":
                form = await request.post()
                if not csrf_ok(staff, str(form.get("csrf", ""))):
                    await audit.record(
                        _services(request).db,
                        actor=staff.username,
                        role=staff.role,
                        action="csrf_refused",
                        outcome="refused",
                        about=request.path,
                    )
                    return _page(
                        request,
                        "error.html",
                        {
                            "title": "Form expired",
                            "message": "That form was out of date. Go back, reload the "
                            "page and try again.",
                        },
                        status=403,
                    )
            return await handler(request)

        guarded.allowed = allowed  # type: ignore[attr-defined]
        return guarded

    return wrap


def _page(
    request: web.Request, template: str, context: dict[str, Any], status: int = 200
) -> web.Response:
    staff: Staff | None = request.get(STAFF)
    base = {
        "staff": staff,
        "csrf": staff.csrf if staff else "",
        "nav": _nav(staff),
        "path": request.path,
    }
    return aiohttp_jinja2.render_template(
        template, request, {**base, **context}, app_key=JINJA, status=status
    )  # type: ignore[arg-type]


# Pages other packages add to the menu (issue 6: updates): (href, label, roles that see it).
EXTRA_NAV: list[tuple[str, str, frozenset[Role]]] = []


def _nav(staff: Staff | None) -> list[tuple[str, str]]:
    if staff is None:
        return []
    items = [
        ("/dashboard/", "Overview"),
        ("/dashboard/survey", "Summary"),
        ("/dashboard/themes", "Themes"),
        ("/dashboard/downloads", "Downloads"),
    ]
    items += [(href, label) for href, label, allowed in EXTRA_NAV if staff.may(allowed)]
    if staff.may(REVIEW):
        items.append(("/dashboard/review", "Review tags"))
    if staff.may(TRANSCRIBE):
        items.append(("/dashboard/voice-notes", "Voice notes"))
    if staff.may(ALERTS):
        items.append(("/dashboard/alerts", "Safeguarding alerts"))
    if staff.may(ADMIN):
        items += [
            ("/dashboard/admin/users", "Accounts"),
            ("/dashboard/admin/vic", "Bot access"),
            ("/dashboard/admin/audit", "Audit log"),
        ]
    return items


def _rule(services: Services) -> DisclosureRule:
    return DisclosureRule(
        k=services.settings.summary_k, round_to=services.settings.summary_round_to
    )


def _names(services: Services) -> tuple[str, ...]:
    return tuple(
        n.strip() for n in services.settings.deidentify_settings_names.split(",") if n.strip()
    )


async def _summary(request: web.Request) -> tuple[Filters | None, Summary | None, str]:
    services = _services(request)
    try:
        filters = Filters.from_query(request.query, services.surveys)
    except FilterError as exc:
        return None, None, str(exc)
    summary = await build_summary(
        services.db,
        services.surveys,
        filters,
        _rule(services),
        require_quote_approval=services.settings.summary_quote_approval,
        settings_names=_names(services),
    )
    if summary.too_few:
        staff: Staff = request[STAFF]
        await audit.record(
            services.db,
            actor=staff.username,
            role=staff.role,
            action="too_few_shown",
            filters=filters.describe(),
        )
    return filters, summary, ""


def _filter_context(request: web.Request, filters: Filters | None) -> dict[str, Any]:
    services = _services(request)
    return {
        "surveys": [(s.id, str(s.title)) for s in services.surveys.values()],
        "audiences": AUDIENCES,
        "age_bands": AGE_BANDS,
        "query": dict(request.query),
        "filters": filters,
    }


# ---------------------------------------------------------------------------- sign in / out


async def signin_page(request: web.Request, error: str = "", status: int = 200) -> web.Response:
    pre = request.cookies.get(PRE_COOKIE) or secrets.token_urlsafe(32)
    response = _page(
        request,
        "signin.html",
        {"form_token": _accounts(request).form_token(pre), "error": error},
        status=status,
    )
    response.set_cookie(
        PRE_COOKIE, pre, max_age=1800, path="/", secure=True, httponly=True, samesite="Strict"
    )
    return response


async def signin(request: web.Request) -> web.StreamResponse:
    services, accounts = _services(request), _accounts(request)
    form = await request.post()
    if not accounts.form_token_ok(request.cookies.get(PRE_COOKIE), str(form.get("csrf", ""))):
        return await signin_page(
            request, "The sign-in form had expired. Please try again.", status=403
        )
    username = str(form.get("username", ""))[:64]
    result = await accounts.sign_in(
        username, str(form.get("password", "")), request.cookies.get(SESSION_COOKIE)
    )
    if result.token is None:
        await audit.record(
            services.db,
            actor=username or "(blank)",
            role=result.user.role if result.user else None,
            action="signin_failed",
            outcome=result.reason,
        )
        message = (
            "That account is switched off. Ask an admin."
            if result.reason == "disabled"
            else "The username or password is not right, or the account is locked for "
            f"{services.settings.dashboard_lockout_minutes} minutes after too many tries. "
            "Check both and try again."
        )
        return await signin_page(request, message, status=401)
    assert result.user is not None
    await audit.record(
        services.db, actor=result.user.username, role=result.user.role, action="signin"
    )
    response = web.HTTPSeeOther("/dashboard/")
    response.set_cookie(
        SESSION_COOKIE, result.token, path="/", secure=True, httponly=True, samesite="Strict"
    )
    response.del_cookie(PRE_COOKIE, path="/")
    raise response


async def signout(request: web.Request) -> web.StreamResponse:
    staff: Staff = request[STAFF]
    await _accounts(request).sign_out(request.cookies.get(SESSION_COOKIE))
    await audit.record(
        _services(request).db, actor=staff.username, role=staff.role, action="signout"
    )
    response = web.HTTPSeeOther("/dashboard/signin?signed_out=1")
    response.del_cookie(SESSION_COOKIE, path="/")
    response.headers["Clear-Site-Data"] = '"cache", "cookies"'
    raise response


# ---------------------------------------------------------------------------- summaries


async def overview(request: web.Request) -> web.Response:
    services = _services(request)
    summary = await build_summary(
        services.db,
        services.surveys,
        Filters(),
        _rule(services),
        require_quote_approval=True,
        settings_names=_names(services),
    )
    staff: Staff = request[STAFF]
    notes = await voice_notes.waiting_count(services.db) if staff.may(TRANSCRIBE) else None
    return _page(
        request,
        "overview.html",
        {
            "title": "Overview",
            "summary": summary,
            "voice_notes": notes,
            **_filter_context(request, None),
        },
    )


async def survey(request: web.Request) -> web.Response:
    filters, summary, error = await _summary(request)
    return _page(
        request,
        "survey.html",
        {
            "title": summary.title if summary else "Summary",
            "summary": summary,
            "error": error,
            **_filter_context(request, filters),
        },
        status=400 if error else 200,
    )


async def themes(request: web.Request) -> web.Response:
    filters, summary, error = await _summary(request)
    from analysis.exports import theme_groups

    groups = theme_groups(summary) if summary else []
    return _page(
        request,
        "themes.html",
        {
            "title": "Themes and quotes",
            "summary": summary,
            "groups": groups,
            "error": error,
            **_filter_context(request, filters),
        },
        status=400 if error else 200,
    )


async def downloads(request: web.Request) -> web.Response:
    return _page(
        request,
        "downloads.html",
        {"title": "Downloads", "formats": FORMAT_NAMES, **_filter_context(request, None)},
    )


async def download(request: web.Request) -> web.StreamResponse:
    services = _services(request)
    staff: Staff = request[STAFF]
    try:
        fmt = Format(request.query.get("format", ""))
    except ValueError:
        return _page(
            request,
            "error.html",
            {"title": "Unknown format", "message": "Choose CSV, Excel, web page, PDF or JSON."},
            status=400,
        )
    filters, summary, error = await _summary(request)
    if summary is None or filters is None:
        return _page(
            request, "error.html", {"title": "Check the filters", "message": error}, status=400
        )
    try:
        file = export(summary, fmt)
    except ExportUnavailable as exc:
        return _page(
            request,
            "error.html",
            {"title": "This format is not available", "message": str(exc)},
            status=503,
        )
    await audit.record(
        services.db,
        actor=staff.username,
        role=staff.role,
        action="download",
        about=file.filename,
        format=fmt.value,
        filters=filters.describe(),
        rows=file.rows,
        sha256=file.sha256,
        level="aggregate",
    )
    return web.Response(
        body=file.body,
        headers={
            "Content-Type": file.media_type,
            "Content-Disposition": f'attachment; filename="{file.filename}"',
        },
    )


# ---------------------------------------------------------------------------- review


async def review_page(request: web.Request, message: str = "", status: int = 200) -> web.Response:
    services = _services(request)
    answers = await pending(services.db, services.surveys, settings_names=_names(services))
    extra = sorted({t for a in answers for t in a.tags})
    return _page(
        request,
        "review.html",
        {
            "title": "Review tags",
            "answers": answers,
            "choices": theme_choices(extra),
            "message": message,
        },
        status=status,
    )


async def review_answer(request: web.Request) -> web.StreamResponse:
    services = _services(request)
    staff: Staff = request[STAFF]
    form = await request.post()
    try:
        answer_id = int(request.match_info["answer_id"])
        quote_choice = str(form.get("quote", ""))
        review = await apply_review(
            services.db,
            services.surveys,
            answer_id,
            labels=[str(v) for v in form.getall("labels", [])],
            sentiment=str(form.get("sentiment")) if form.get("sentiment") else None,
            reviewer=staff.username,
            quote=str(form.get("quote_text", "")) or None,
            approve_quote={"approve": True, "reject": False}.get(quote_choice),
        )
    except (ReviewError, ValueError) as exc:
        return await review_page(request, str(exc), status=400)
    await audit.record(
        services.db,
        actor=staff.username,
        role=staff.role,
        action="tag_review",
        about=f"answer {answer_id}",
        labels=review.labels,
        machine_labels=review.machine_labels,
        sentiment=review.sentiment,
        quote=quote_choice or "no decision",
    )
    raise web.HTTPSeeOther(f"/dashboard/review?saved={answer_id}")


async def review_export(request: web.Request) -> web.StreamResponse:
    services = _services(request)
    staff: Staff = request[STAFF]
    body, rows = await labelled_jsonl(services.db, _names(services))
    import hashlib

    name = f"everyones-voice-reviewed-{dt.date.today():%Y-%m-%d}.jsonl"
    await audit.record(
        services.db,
        actor=staff.username,
        role=staff.role,
        action="download",
        about=name,
        format="jsonl",
        rows=rows,
        sha256=hashlib.sha256(body).hexdigest(),
        level="labelled answers",
    )
    return web.Response(
        body=body,
        headers={
            "Content-Type": "application/x-ndjson",
            "Content-Disposition": f'attachment; filename="{name}"',
        },
    )


# ---------------------------------------------------------------------------- voice notes


async def voice_notes_page(request: web.Request) -> web.Response:
    services = _services(request)
    saved, unclear = request.query.get("saved", ""), request.query.get("unclear", "")
    return _page(
        request,
        "voice_notes.html",
        {
            "title": "Voice notes to type up",
            "notes": await voice_notes.waiting(services.db, services.surveys),
            "saved": saved if saved.isdigit() else "",
            "unclear": unclear if unclear.isdigit() else "",
            "alerted": request.query.get("alerted") == "1",
            "tz": services.settings.tz,
        },
    )


NOT_WAITING = (
    "That voice note is not waiting any more: it has been typed up or marked as one nobody "
    "can make out, or the person changed or deleted their answer."
)
NOT_SAVED = (
    " What you typed has not been saved. If you heard something that worries you, tell the "
    "safeguarding lead now."
)


async def _waiting_note(request: web.Request) -> voice_notes.WaitingNote | None:
    services = _services(request)
    return await voice_notes.find(services.db, services.surveys, int(request.match_info["note_id"]))


async def _not_waiting(
    request: web.Request, message: str = "", status: int = 404, *, typed: bool = False
) -> web.Response:
    """Why the note is not waiting: that someone ended it when they did, else ``message``.

    ``typed``: the refused form carried words, which are lost if someone else ended the note.
    """
    ended = await voice_notes.ending(_services(request).db, int(request.match_info["note_id"]))
    message = (ended or message or NOT_WAITING) + (NOT_SAVED if ended and typed else "")
    return _page(
        request,
        "error.html",
        {"title": "This voice note is not waiting", "message": message},
        status=status,
    )


async def voice_note_page(
    request: web.Request, text: str = "", message: str = "", status: int = 200
) -> web.Response:
    """One note: the player (or why it cannot play) and the form to type it up."""
    services = _services(request)
    note = await _waiting_note(request)
    if note is None:
        return await _not_waiting(request)
    problem = ""
    try:
        await TelegramFiles.from_settings(services.settings).available(note.file_id)
    except FileUnavailable as exc:
        problem = str(exc)
    return _page(
        request,
        "voice_note.html",
        {
            "title": f"Voice note {note.id}",
            "note": note,
            "problem": problem,
            "text": text,
            "message": message,
            "tz": services.settings.tz,
        },
        status=status,
    )


async def voice_note_audio(request: web.Request) -> web.StreamResponse:
    """The recording, fetched from Telegram and passed on as it comes; never cached."""
    services = _services(request)
    staff: Staff = request[STAFF]
    note = await _waiting_note(request)
    if note is None:
        return web.Response(status=404, text=NOT_WAITING)

    try:
        async with TelegramFiles.from_settings(services.settings).open(note.file_id) as upstream:
            await voice_notes.record_play(services.db, staff, note.id, "ok")
            response = web.StreamResponse(
                headers={"Content-Type": "audio/ogg", "Pragma": "no-cache", "Expires": "0"}
            )
            if upstream.content_length is not None:
                response.content_length = upstream.content_length
            _secure(response)
            await response.prepare(request)
            async for chunk in upstream.content.iter_chunked(64 * 1024):
                await response.write(chunk)
    except FileUnavailable as exc:  # raised before anything was sent
        await voice_notes.record_play(services.db, staff, note.id, exc.reason)
        return web.Response(status=410 if exc.reason == "gone" else 503, text=str(exc))
    await response.write_eof()
    return response


async def voice_note_transcribe(request: web.Request) -> web.StreamResponse:
    services = _services(request)
    staff: Staff = request[STAFF]
    note = await _waiting_note(request)
    if note is None:
        return await _not_waiting(request, typed=True)
    form = await request.post()
    text = str(form.get("transcript", ""))
    try:
        done = await voice_notes.transcribe(services.survey_service, note, text, staff)
    except CannotRewrite as exc:
        if exc.limit is not None or not text.strip():  # the words can be fixed: keep them
            return await voice_note_page(request, text, str(exc), status=400)
        return await _not_waiting(request, str(exc), status=409, typed=True)
    alerted = "&alerted=1" if done.alert is not None else ""
    raise web.HTTPSeeOther(f"/dashboard/voice-notes?saved={note.id}{alerted}")


async def voice_note_unclear_page(request: web.Request) -> web.Response:
    """Asks before marking a note nobody can make out: it cannot be put back from here."""
    services = _services(request)
    note = await _waiting_note(request)
    if note is None:
        return await _not_waiting(request)
    return _page(
        request,
        "voice_note_unclear.html",
        {
            "title": f"Can't make out voice note {note.id}?",
            "note": note,
            "tz": services.settings.tz,
        },
    )


async def voice_note_unclear(request: web.Request) -> web.StreamResponse:
    services = _services(request)
    staff: Staff = request[STAFF]
    note = await _waiting_note(request)
    if note is None:
        return await _not_waiting(request)
    try:
        await voice_notes.mark_unclear(services.db, note, staff)
    except voice_notes.NotWaiting as exc:
        return await _not_waiting(request, str(exc), status=409)
    raise web.HTTPSeeOther(f"/dashboard/voice-notes?unclear={note.id}")


# ---------------------------------------------------------------------------- alerts


async def alerts(request: web.Request) -> web.Response:
    services = _services(request)
    staff: Staff = request[STAFF]
    async with services.db.reading() as session:
        rows = (
            await session.scalars(
                select(SafeguardingAlert).order_by(SafeguardingAlert.id.desc()).limit(200)
            )
        ).all()
    await audit.record(
        services.db, actor=staff.username, role=staff.role, action="alerts_viewed", count=len(rows)
    )
    return _page(request, "alerts.html", {"title": "Safeguarding alerts", "alerts": rows})


async def acknowledge(request: web.Request) -> web.StreamResponse:
    services = _services(request)
    staff: Staff = request[STAFF]
    alert_id = int(request.match_info["alert_id"])
    async with services.db.transaction() as session:
        alert = await session.get(SafeguardingAlert, alert_id)
        if alert is None:
            raise web.HTTPNotFound(text="No such alert.")
        if alert.status != "acknowledged":
            alert.status, alert.acknowledged_by, alert.acknowledged_at = (
                "acknowledged",
                staff.username,
                utcnow(),
            )
        await audit.record(
            session,
            actor=staff.username,
            role=staff.role,
            action="alert_acknowledged",
            about=f"alert {alert_id}",
        )
    raise web.HTTPSeeOther("/dashboard/alerts")


# ---------------------------------------------------------------------------- admin


async def users_page(request: web.Request, message: str = "", status: int = 200) -> web.Response:
    services = _services(request)
    async with services.db.reading() as session:
        users = (await session.scalars(select(StaffUser).order_by(StaffUser.username))).all()
    return _page(
        request,
        "users.html",
        {"title": "Accounts", "users": users, "roles": list(Role), "message": message},
        status=status,
    )


async def users_add(request: web.Request) -> web.StreamResponse:
    staff: Staff = request[STAFF]
    form = await request.post()
    try:
        user = await _accounts(request).add(
            str(form.get("username", "")),
            str(form.get("password", "")),
            str(form.get("role", "")),
            str(form.get("display_name", "")),
        )
    except AccountError as exc:
        return await users_page(request, str(exc), status=400)
    await audit.record(
        _services(request).db,
        actor=staff.username,
        role=staff.role,
        action="account_created",
        about=user.username,
        new_role=user.role,
    )
    raise web.HTTPSeeOther("/dashboard/admin/users")


async def users_change(request: web.Request) -> web.StreamResponse:
    staff: Staff = request[STAFF]
    form = await request.post()
    user_id = int(request.match_info["user_id"])
    accounts = _accounts(request)
    change = str(form.get("change", ""))
    if user_id == staff.id and change in ("disable", "role"):
        return await users_page(
            request, "You cannot switch off or change your own account here.", status=400
        )
    if change == "disable":
        await accounts.set_active(user_id, False)
    elif change == "enable":
        await accounts.set_active(user_id, True)
    elif change == "role" and str(form.get("role")) in set(Role):
        await accounts.set_role(user_id, str(form.get("role")))
    else:
        return await users_page(request, "Choose a change to make.", status=400)
    await audit.record(
        _services(request).db,
        actor=staff.username,
        role=staff.role,
        action="account_changed",
        about=f"user {user_id}",
        change=change,
        new_role=str(form.get("role", "")),
    )
    raise web.HTTPSeeOther("/dashboard/admin/users")


async def vic_page(request: web.Request, code: str = "") -> web.Response:
    services = _services(request)
    async with services.db.reading() as session:
        members = (
            await session.scalars(select(VicMember).order_by(VicMember.granted_at.desc()))
        ).all()
    return _page(
        request,
        "vic.html",
        {"title": "Bot access for VIC members", "members": members, "code": code},
    )


async def vic_invite(request: web.Request) -> web.StreamResponse:
    from bot.vic_summary import new_invite

    staff: Staff = request[STAFF]
    code = await new_invite(_services(request), staff.username)
    return await vic_page(request, code)


async def vic_revoke(request: web.Request) -> web.StreamResponse:
    from bot.vic_summary import revoke

    staff: Staff = request[STAFF]
    form = await request.post()
    await revoke(_services(request), str(form.get("pseudonym", "")), staff.username)
    raise web.HTTPSeeOther("/dashboard/admin/vic")


async def audit_page(request: web.Request) -> web.Response:
    services = _services(request)
    action = request.query.get("action") or None
    events = await audit.recent(services.db, action=action)
    async with services.db.reading() as session:
        actions = sorted(
            (await session.scalars(select(func.distinct(audit.AuditEvent.action)))).all()
        )
    return _page(
        request,
        "audit.html",
        {"title": "Audit log", "events": events, "actions": actions, "action": action},
    )


async def redirect_root(request: web.Request) -> web.StreamResponse:
    raise web.HTTPPermanentRedirect("/dashboard/")


_signin_get = signin_page
ROUTES: list[tuple[str, str, Handler, frozenset[Role] | None]] = [
    ("GET", "/dashboard", redirect_root, None),
    ("GET", "/dashboard/signin", _signin_get, None),
    ("POST", "/dashboard/signin", signin, None),
    ("POST", "/dashboard/signout", guard(VIEW)(signout), VIEW),
    ("GET", "/dashboard/", guard(VIEW)(overview), VIEW),
    ("GET", "/dashboard/survey", guard(VIEW)(survey), VIEW),
    ("GET", "/dashboard/themes", guard(VIEW)(themes), VIEW),
    ("GET", "/dashboard/downloads", guard(VIEW)(downloads), VIEW),
    ("GET", "/dashboard/download", guard(VIEW)(download), VIEW),
    ("GET", "/dashboard/review", guard(REVIEW)(review_page), REVIEW),
    ("POST", "/dashboard/review/{answer_id:\\d+}", guard(REVIEW)(review_answer), REVIEW),
    ("GET", "/dashboard/review/export.jsonl", guard(REVIEW)(review_export), REVIEW),
    ("GET", "/dashboard/voice-notes", guard(TRANSCRIBE)(voice_notes_page), TRANSCRIBE),
    (
        "GET",
        "/dashboard/voice-notes/{note_id:\\d+}",
        guard(TRANSCRIBE)(voice_note_page),
        TRANSCRIBE,
    ),
    (
        "POST",
        "/dashboard/voice-notes/{note_id:\\d+}",
        guard(TRANSCRIBE)(voice_note_transcribe),
        TRANSCRIBE,
    ),
    (
        "GET",
        "/dashboard/voice-notes/{note_id:\\d+}/unclear",
        guard(TRANSCRIBE)(voice_note_unclear_page),
        TRANSCRIBE,
    ),
    (
        "POST",
        "/dashboard/voice-notes/{note_id:\\d+}/unclear",
        guard(TRANSCRIBE)(voice_note_unclear),
        TRANSCRIBE,
    ),
    (
        "GET",
        "/dashboard/voice-notes/{note_id:\\d+}/audio",
        guard(TRANSCRIBE)(voice_note_audio),
        TRANSCRIBE,
    ),
    ("GET", "/dashboard/alerts", guard(ALERTS)(alerts), ALERTS),
    ("POST", "/dashboard/alerts/{alert_id:\\d+}/acknowledge", guard(ALERTS)(acknowledge), ALERTS),
    ("GET", "/dashboard/admin/users", guard(ADMIN)(users_page), ADMIN),
    ("POST", "/dashboard/admin/users", guard(ADMIN)(users_add), ADMIN),
    ("POST", "/dashboard/admin/users/{user_id:\\d+}", guard(ADMIN)(users_change), ADMIN),
    ("GET", "/dashboard/admin/vic", guard(ADMIN)(vic_page), ADMIN),
    ("POST", "/dashboard/admin/vic/invite", guard(ADMIN)(vic_invite), ADMIN),
    ("POST", "/dashboard/admin/vic/revoke", guard(ADMIN)(vic_revoke), ADMIN),
    ("GET", "/dashboard/admin/audit", guard(ADMIN)(audit_page), ADMIN),
]
__all__ = ["JINJA", "ROLE_NAMES", "ROUTES", "security_headers"]
