"""The web chat's pages: a second adapter on the survey engine, as HTML forms first.

Every page works with JavaScript turned off: a form posts one input, the server runs it
through :meth:`SurveyService.handle` and redirects back to ``/``, which draws the reply (one
question per page). With JavaScript, ``chat.js`` posts the same forms with ``fetch`` and
appends the reply to a ``role="log"`` live region instead, so the chat reads as a chat.

The engine decides what is asked and what an answer means. This module only turns requests
into :class:`~surveys.engine.Input` and the returned prompts into HTML, plus what belongs to
the web itself: the session cookie, CSRF tokens, resume codes, the help card and audio.
"""

from __future__ import annotations

import contextlib
import json
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot import dates
from bot.mydata import read_kept
from bot.services import Services
from bot.signposting import HelpCard, load_help_card
from bot.web.audio import Speaker
from bot.web.render import (
    COMMAND_PAGES,
    Submitted,
    asking,
    label_for,
    label_html,
    pressed,
    prompt_from_json,
    prompt_to_json,
    text_html,
    turn_of,
    typed,
)
from bot.web.sessions import COOKIE, EMBED_COOKIE, TooManyTries, Visit, WebSessions, format_code
from surveys.definition import QuestionType
from surveys.engine import (
    FORMATS,
    Action,
    Conversation,
    Input,
    Prompt,
    Step,
    show_again,
)
from surveys.service import ChannelRef, Reply, SurveyService, UnknownParticipant

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
JINJA = web.AppKey("web_chat_jinja", jinja2.Environment)
RTL_LANGUAGES = {"ar", "ur", "fa", "he", "ps", "ku"}
TEXT_TYPES = {QuestionType.FREE_TEXT, QuestionType.NUMBER}


class WebChat:
    """What the web chat's handlers share, built once when the routes are set up."""

    def __init__(self, services: Services) -> None:
        settings = services.settings
        self.service: SurveyService = services.survey_service
        self.wording = services.wording
        self.sessions = WebSessions(
            services.db,
            settings.pseudonym_secret(),
            session_days=settings.web_session_days,
            resume_days=settings.web_resume_days,
        )
        self.speaker = Speaker(settings.web_audio_dir)
        self.help_card: HelpCard = load_help_card(settings.signposting_file)
        self.embed_origins = tuple(settings.web_embed_origins.split())
        self.tz = settings.tz
        languages = [self.wording.base_language]
        for survey in self.service.surveys.values():
            languages += [code for code in survey.languages if code not in languages]
        self.languages = tuple(languages)
        if not self.speaker.available:
            log.warning("web chat: espeak-ng is not installed, so there is no 'Listen' audio")

    def say(self, key: str, language: str, easy: bool, **values: object) -> str:
        return self.wording.say(key, language, easy, **values)


WEB_CHAT = web.AppKey("web_chat", WebChat)


# --------------------------------------------------------------------------- what a page shows


@dataclass(slots=True)
class View:
    """One reply as a page: the engine's prompts plus the web chat's own notes.

    ``code`` (a fresh resume code) is shown once and never stored.
    """

    step: str
    prompts: list[Prompt]
    notes: list[dict[str, Any]] = field(default_factory=list)
    said: str | None = None
    code: tuple[str, str] | None = None

    @property
    def turn(self) -> str:
        return turn_of(self.prompts, self.step)

    @property
    def language(self) -> str:
        return self.prompts[-1].language if self.prompts else "en"

    @property
    def easy(self) -> bool:
        return bool(self.prompts and self.prompts[-1].easy)

    def to_json(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "prompts": [prompt_to_json(p) for p in self.prompts],
            "notes": self.notes,
            "said": self.said,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> View | None:
        if not data.get("prompts"):
            return None
        return cls(
            step=str(data.get("step", "")),
            prompts=[prompt_from_json(p) for p in data["prompts"]],
            notes=list(data.get("notes") or []),
            said=data.get("said"),
        )

    @classmethod
    def of(cls, reply: Reply, **more: Any) -> View:
        return cls(step=reply.step.value, prompts=list(reply.prompts), **more)


def _ref(web_user: str) -> ChannelRef:
    return ChannelRef("web", web_user)


async def _current_view(chat: WebChat, visit: Visit) -> View:
    """This browser's last page if it still fits the conversation, else a fresh one."""
    if visit.web_user is None:
        prompts = show_again(chat.service.context, Conversation())
        return View(step=Step.NEW.value, prompts=prompts)
    live = View.of(await chat.service.current(_ref(visit.web_user)))
    stored = View.from_json(visit.view)
    if stored is not None and stored.turn == live.turn:
        return stored
    return live


# --------------------------------------------------------------------------- requests


def _is_embed(request: web.Request) -> bool:
    return request.query.get("embed") == "1"


def _query(request: web.Request) -> str:
    return "?embed=1" if _is_embed(request) else ""


def _is_https(request: web.Request) -> bool:
    return request.scheme == "https" or request.headers.get("X-Forwarded-Proto") == "https"


def _wants_json(request: web.Request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _client(request: web.Request) -> str:
    """The client's address: the last X-Forwarded-For hop (the one our proxy added)."""
    forwarded = request.headers.get("X-Forwarded-For", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    return hops[-1] if hops else (request.remote or "unknown")


async def _visit(request: web.Request) -> Visit:
    chat = request.app[WEB_CHAT]
    names = (EMBED_COOKIE, COOKIE) if _is_embed(request) else (COOKIE, EMBED_COOKIE)
    token = next((request.cookies[n] for n in names if request.cookies.get(n)), None)
    return await chat.sessions.visit(token)


def _set_cookie(request: web.Request, response: web.StreamResponse, visit: Visit) -> None:
    """The session cookie: HttpOnly, Lax; in an HTTPS iframe, partitioned per embedding site."""
    if not visit.new_cookie:
        return
    secure = _is_https(request)
    if _is_embed(request) and secure:
        # Written by hand: Python's cookie module only knows "Partitioned" from 3.14 on.
        response.headers.add(
            "Set-Cookie",
            f"{EMBED_COOKIE}={visit.token}; Path=/; HttpOnly; Secure; SameSite=None; Partitioned",
        )
    else:
        response.set_cookie(
            COOKIE, visit.token, httponly=True, secure=secure or None, samesite="Lax", path="/"
        )


def _forget_cookies(response: web.StreamResponse) -> None:
    for name in (COOKIE, EMBED_COOKIE):
        response.del_cookie(name, path="/")


# --------------------------------------------------------------------------- rendering


class Page:
    """What every template gets: the words in the person's language, links, the CSRF token."""

    def __init__(
        self, request: web.Request, visit: Visit, language: str = "", easy: bool = False
    ) -> None:
        self.chat = request.app[WEB_CHAT]
        self.visit = visit
        self.language = language if language in self.chat.languages else self.chat.languages[0]
        self.easy = easy
        self.embed = _is_embed(request)
        self.query = _query(request)
        self.csrf = self.chat.sessions.csrf_token(visit)
        self.started = visit.web_user is not None
        self.start_payload = request.query.get("s", "")[:80]

    @property
    def direction(self) -> str:
        return "rtl" if self.language in RTL_LANGUAGES else "ltr"

    def t(self, key: str, **values: object) -> str:
        return self.chat.say(key, self.language, self.easy, **values)

    def url(self, path: str) -> str:
        return path + self.query

    @property
    def command_links(self) -> dict[str, tuple[str, str]]:
        """Telegram-style commands in the bot's words, as links to the web's own pages."""
        words = {
            "/help": "web.help_now",
            "/privacy": "web.privacy",
            "/mydata": "web.my_answers",
            "/delete": "web.delete",
        }
        return {c: (self.url(COMMAND_PAGES[c]), self.t(key)) for c, key in words.items()}


def _messages(page: Page, view: View, *, with_said: bool = True) -> list[dict[str, Any]]:
    """The view as chat messages, oldest first, each with an id the page can point to."""
    chat = page.chat
    prefix = "m" + secrets.token_hex(3)
    out: list[dict[str, Any]] = []
    help_entries = chat.help_card.entries(page.language, page.easy)
    if with_said and view.said:
        out.append({"sender": "you", "kind": "said", "html": label_html(view.said)})
    for note in view.notes:
        if note.get("help"):
            out.append({"sender": "bot", "kind": "help", "help": help_entries})
        elif note.get("key"):
            text = page.t(note["key"], **note.get("values", {}))
            out.append({"sender": "bot", "kind": note.get("kind", "info"), "text": text})
    if view.code:
        out.append({"sender": "bot", "kind": "code", "code": view.code})
    speak_missing = False
    asked = asking(view.prompts)
    for prompt in view.prompts:
        out.append(
            {
                "sender": "bot",
                "kind": prompt.kind.value,
                "text": prompt.text,
                "progress": prompt.progress,
                "speak": prompt.speak,
                "language": prompt.language,
                "question": prompt is asked,
                # A reply to a possible disclosure is marked so it stands out.
                "alert": bool(prompt.card),
            }
        )
        speak_missing = speak_missing or (prompt.speak and not chat.speaker.available)
        if prompt.card:  # then where to get help now: the web's own card, read out as text
            out.append(
                {
                    "sender": "bot",
                    "kind": "help",
                    "help": help_entries,
                    "spoken": prompt.card,
                    "speak": prompt.speak,
                }
            )
    if speak_missing:
        out.append({"sender": "bot", "kind": "info", "text": page.t("web.listen_missing")})
    for number, message in enumerate(out):
        message["id"] = f"{prefix}-{number}"
        if "text" in message:
            message["html"] = text_html(message["text"], page.command_links)
        spoken = message.get("spoken") or message.get("text")
        if spoken:
            message["audio"] = chat.speaker.register(spoken, message.get("language", page.language))
    return out


def _answer_context(page: Page, view: View, messages: Sequence[dict[str, Any]]) -> dict[str, Any]:
    question = asking(view.prompts)
    question_message = next((m for m in reversed(messages) if m.get("question")), None)
    kind = question.question_type if question else None
    return {
        "question": question,
        "question_label_id": f"{question_message['id']}-text" if question_message else None,
        "typed_only": kind in TEXT_TYPES,
        "is_number": kind is QuestionType.NUMBER,
        "offers_typing": bool(question and question.question_id and question.accepts_text),
        "turn": view.turn,
        "step": view.step,
        "start_label": page.t(
            "button.start" if view.step == Step.NEW.value else "web.choose_survey"
        ),
        "start_value": Input(Action.START, page.start_payload).encode(),
    }


def _settings_context(page: Page, view: View) -> dict[str, Any]:
    last = view.prompts[-1] if view.prompts else None
    current = "listen" if last and last.speak else "easy" if last and last.easy else "words"
    formats = [
        {
            "value": Input(Action.FORMAT, value).encode(),
            "label": page.t(f"format.{value}"),
            "current": value == current,
        }
        for value in FORMATS
    ]
    wording = page.chat.wording
    languages = [
        {
            "value": Input(Action.LANGUAGE, code).encode(),
            "code": code,
            "label": wording.say(f"language.{code}") if wording.has(f"language.{code}") else code,
            "current": code == page.language,
        }
        for code in page.chat.languages
    ]
    return {"formats": formats, "languages": languages}


def _chat_context(page: Page, view: View, *, with_said: bool = True) -> dict[str, Any]:
    messages = _messages(page, view, with_said=with_said)
    return {
        "page": page,
        "view": view,
        "messages": messages,
        **_answer_context(page, view, messages),
        **_settings_context(page, view),
    }


def _render(
    request: web.Request, template: str, page: Page, context: dict[str, Any], status: int = 200
) -> web.Response:
    response = aiohttp_jinja2.render_template(
        template, request, {"page": page, "t": page.t, **context}, app_key=JINJA, status=status
    )
    _set_cookie(request, response, page.visit)
    return response


def _fragment(request: web.Request, template: str, page: Page, context: dict[str, Any]) -> str:
    return aiohttp_jinja2.render_string(
        template, request, {"page": page, "t": page.t, **context}, app_key=JINJA
    )


# --------------------------------------------------------------------------- the chat


async def show_chat(request: web.Request) -> web.Response:
    chat = request.app[WEB_CHAT]
    visit = await _visit(request)
    view = await _current_view(chat, visit)
    page = Page(request, visit, view.language, view.easy)
    return _render(request, "chat.html", page, _chat_context(page, view))


async def post_chat(request: web.Request) -> web.StreamResponse:
    chat = request.app[WEB_CHAT]
    visit = await _visit(request)
    form = await request.post()
    if not chat.sessions.csrf_ok(visit, _field(form, "csrf")):
        return await _expired(request, visit)
    web_user = await chat.sessions.begin(visit)
    ref = _ref(web_user)
    live = await chat.service.current(ref)
    question = asking(live.prompts)
    encoded = _field(form, "input")
    if encoded:
        submitted = pressed(encoded, [str(v) for v in form.getall("picked", [])], question)
    else:
        submitted = typed(_field(form, "text") or "", question)
    if submitted.page is not None and submitted.page.startswith("/"):
        return _go(request, submitted.page, visit)
    view = await _run(chat, ref, live, submitted, form, encoded)
    if view.step == Step.PAUSED.value:
        code, expires = await chat.sessions.issue_code(web_user)
        view.code = (format_code(code), dates.day(expires.astimezone(chat.tz), view.language))
    await chat.sessions.save_view(visit, view.to_json())
    page = Page(request, visit, view.language, view.easy)
    if _wants_json(request):
        return _json_reply(request, page, view)
    if view.code is not None:  # shown once, so drawn now rather than after a redirect
        return _render(request, "chat.html", page, _chat_context(page, view))
    return _go(request, "/", visit)


async def _run(
    chat: WebChat,
    ref: ChannelRef,
    live: Reply,
    submitted: Submitted,
    form: Any,
    encoded: str | None,
) -> View:
    """Send the inputs to the service, unless the form was drawn for a question now gone."""
    if submitted.page == "help":
        return View.of(live, notes=[{"help": True}])
    if submitted.page in ("stop", "unknown"):  # never stored as an answer
        return View.of(live, notes=[{"key": f"web.command_{submitted.page}", "kind": "info"}])
    if submitted.guarded and _field(form, "turn") != View.of(live).turn:
        return View.of(live, notes=[{"key": "web.stale", "kind": "problem"}])
    said = label_for(encoded, live.prompts) if encoded else None
    if live.step is Step.NEW and submitted.inputs[0].action is not Action.START:
        await chat.service.handle(ref, Input(Action.START, _field(form, "s") or ""))
    reply = live
    for given in submitted.inputs:
        reply = await chat.service.handle(ref, given)
    view = View.of(reply, said=said)
    wanted = submitted.inputs[-1]
    if wanted.action is Action.LANGUAGE and view.language != wanted.value:
        label = (
            chat.wording.say(f"language.{wanted.value}")
            if chat.wording.has(f"language.{wanted.value}")
            else wanted.value
        )
        view.notes.append(
            {"key": "web.language_unavailable", "values": {"language": label}, "kind": "problem"}
        )
    return view


def _json_reply(request: web.Request, page: Page, view: View) -> web.Response:
    context = _chat_context(page, view, with_said=False)
    body = {
        "log": _fragment(request, "_messages.html", page, context),
        "answer": _fragment(request, "_answer.html", page, context),
        "settings": _fragment(request, "_settings.html", page, context),
        "lang": page.language,
        "dir": page.direction,
        "speak": any(p.speak for p in view.prompts),
        "status": page.t("web.saved") if view.step == Step.QUESTION.value else "",
    }
    response = web.json_response(body)
    _set_cookie(request, response, page.visit)
    return response


async def _expired(request: web.Request, visit: Visit) -> web.Response:
    """A form whose CSRF token does not fit this browser's session: say so, draw it afresh."""
    chat = request.app[WEB_CHAT]
    view = await _current_view(chat, visit)
    view.notes = [{"key": "web.expired", "kind": "problem"}]
    page = Page(request, visit, view.language, view.easy)
    if _wants_json(request):
        response = _json_reply(request, page, view)
        response.set_status(403)
        return response
    return _render(request, "chat.html", page, _chat_context(page, view), status=403)


def _go(request: web.Request, path: str, visit: Visit | None = None) -> web.StreamResponse:
    """To another page: a 303 after a form, or where to go for ``chat.js``."""
    target = path + _query(request)
    if _wants_json(request):
        response: web.StreamResponse = web.json_response({"go": target})
    else:
        response = web.Response(status=303, headers={"Location": target})
    if visit is not None:
        _set_cookie(request, response, visit)
    return response


def _field(form: Any, name: str) -> str | None:
    value = form.get(name)
    return value if isinstance(value, str) else None


# --------------------------------------------------------------------------- help and rights


async def _page_for(request: web.Request) -> tuple[Visit, Page]:
    chat = request.app[WEB_CHAT]
    visit = await _visit(request)
    language, easy = chat.languages[0], False
    if visit.web_user is not None:
        view = View.from_json(visit.view)
        if view is not None:
            language, easy = view.language, view.easy
    return visit, Page(request, visit, language, easy)


async def show_help(request: web.Request) -> web.Response:
    _, page = await _page_for(request)
    card = page.chat.help_card
    entries = card.entries(page.language, page.easy)
    return _render(request, "help.html", page, {"card": card, "entries": entries})


async def show_privacy(request: web.Request) -> web.Response:
    _, page = await _page_for(request)
    text = page.t(
        "web.privacy_page",
        area_name=page.chat.say("area_name", page.language, False),
        days=page.chat.sessions.resume_days,
    )
    return _render(request, "privacy.html", page, {"html": text_html(text, page.command_links)})


async def show_my_answers(request: web.Request) -> web.Response:
    chat = request.app[WEB_CHAT]
    visit, page = await _page_for(request)
    kept = None
    if visit.web_user is not None:
        with contextlib.suppress(UnknownParticipant):
            data = await chat.service.my_data(_ref(visit.web_user))
            kept = read_kept(chat.wording, data, language=page.language, easy=page.easy, tz=chat.tz)
    return _render(request, "my_answers.html", page, {"kept": kept})


async def download_my_answers(request: web.Request) -> web.StreamResponse:
    chat = request.app[WEB_CHAT]
    visit = await _visit(request)
    if visit.web_user is None:
        return _go(request, "/my-answers")
    try:
        data = await chat.service.my_data(_ref(visit.web_user))
    except UnknownParticipant:
        return _go(request, "/my-answers")
    body = json.dumps(data, ensure_ascii=False, indent=2)
    return web.Response(
        text=body,
        content_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="my-answers.json"'},
    )


async def show_delete(request: web.Request) -> web.Response:
    _, page = await _page_for(request)
    return _render(request, "delete.html", page, {})


async def post_delete(request: web.Request) -> web.Response:
    chat = request.app[WEB_CHAT]
    visit, page = await _page_for(request)
    form = await request.post()
    if not chat.sessions.csrf_ok(visit, _field(form, "csrf")):
        return _render(request, "delete.html", page, {"expired": True}, status=403)
    count = 0
    if visit.web_user is not None:
        count = await chat.service.erase(_ref(visit.web_user))
        await chat.sessions.forget(visit.web_user)
    message = page.t("web.deleted", count=count)
    response = _render(request, "deleted.html", page, {"message": message})
    _forget_cookies(response)
    return response


async def post_code(request: web.Request) -> web.StreamResponse:
    """Make a resume code on request (the footer's "Get a code to carry on later")."""
    chat = request.app[WEB_CHAT]
    visit, page = await _page_for(request)
    form = await request.post()
    if not chat.sessions.csrf_ok(visit, _field(form, "csrf")) or visit.web_user is None:
        return _go(request, "/")
    code, expires = await chat.sessions.issue_code(visit.web_user)
    until = dates.day(expires.astimezone(chat.tz), page.language)
    return _render(request, "code.html", page, {"code": format_code(code), "until": until})


async def show_resume(request: web.Request) -> web.Response:
    _, page = await _page_for(request)
    return _render(request, "resume.html", page, {})


async def post_resume(request: web.Request) -> web.StreamResponse:
    chat = request.app[WEB_CHAT]
    visit, page = await _page_for(request)
    form = await request.post()
    if not chat.sessions.csrf_ok(visit, _field(form, "csrf")):
        return _render(request, "resume.html", page, {"error": page.t("web.expired")}, 403)
    typed_code = (_field(form, "code") or "")[:40]
    try:
        web_user = await chat.sessions.redeem(typed_code, _client(request))
    except TooManyTries:
        error = page.t("web.resume_too_many")
        return _render(request, "resume.html", page, {"error": error, "typed": typed_code}, 429)
    if web_user is None:
        error = page.t("web.resume_bad", days=chat.sessions.resume_days)
        return _render(request, "resume.html", page, {"error": error, "typed": typed_code}, 400)
    await chat.sessions.switch(visit, web_user)
    live = await chat.service.current(_ref(web_user))
    view = View.of(live, notes=[{"key": "web.resume_ok"}])
    await chat.sessions.save_view(visit, view.to_json())
    return _go(request, "/", visit)


async def serve_audio(request: web.Request) -> web.StreamResponse:
    chat = request.app[WEB_CHAT]
    wav = await chat.speaker.audio(request.match_info["audio_id"])
    if wav is None:
        raise web.HTTPNotFound(text="No audio for this message.")
    return web.FileResponse(
        wav,
        headers={
            "Content-Type": "audio/wav",
            "Cache-Control": "public, max-age=31536000, immutable",
        },
    )


async def show_embed(request: web.Request) -> web.Response:
    chat = request.app[WEB_CHAT]
    _, page = await _page_for(request)
    base = f"{'https' if _is_https(request) else request.scheme}://{request.host}"
    return _render(
        request,
        "embed.html",
        page,
        {"base": base, "origins": chat.embed_origins},
    )


async def not_found(request: web.Request) -> web.Response:
    _, page = await _page_for(request)
    return _render(request, "not_found.html", page, {}, status=404)
