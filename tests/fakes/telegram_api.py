"""A local stand-in for the Telegram Bot API, served by aiohttp on 127.0.0.1.

The bot talks to it through python-telegram-bot's real HTTP stack (``base_url``), so the
tests exercise exactly what production does, minus Telegram. It records every call, can feed
updates to a polling bot through ``getUpdates``, and can be told to fail: answer a send with
429 and a ``retry_after``, with 403 (the person blocked the bot), with 500, or slowly.

Files people sent (voice notes) live in :attr:`FakeTelegramAPI.files`, by ``file_id``: like
Telegram, ``getFile`` gives a path for one it has (400 for one it hasn't), and the path is
downloaded from ``/file/bot<token>/<path>``.

Like Telegram, it takes a method call carried in a webhook's response
(:meth:`FakeTelegramAPI.webhook_answered`, which whoever posts the update calls with the
response): made after everything the bot sent while handling the update, its outcome told to
no one.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

BOT_USER = {"id": 4242, "is_bot": True, "first_name": "Everyone's Voice", "username": "ev_test_bot"}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)
    result: Any = None  # what the fake answered (a sent message has its message_id here)
    files: dict[str, bytes] = field(default_factory=dict)  # uploads, by field name
    via_webhook: bool = False  # carried in a webhook's response, not a request of its own
    failed: bool = False  # a failure was injected (only a webhook-carried call records it)


@dataclass
class Failure:
    """How to answer a call instead of succeeding."""

    status: int  # 429, 403, 400, 500…
    description: str = "failure injected by the test"
    retry_after: int | None = None
    delay: float = 0.0


def _uploads(params: dict[str, Any]) -> dict[str, bytes]:
    """The bytes of each file uploaded in a multipart request, read while they are open."""
    files = {}
    for name, value in params.items():
        if isinstance(value, web.FileField):
            files[name] = value.file.read()
            value.file.seek(0)
    return files


def _decode(value: str) -> Any:
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        return value


class FakeTelegramAPI:
    """In-process fake of api.telegram.org: records calls and answers like Telegram."""

    def __init__(self, token: str = "123456:TEST-TOKEN") -> None:
        self.token = token
        self.calls: list[Call] = []
        self.updates: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._message_ids = itertools.count(1000)
        self._update_ids = itertools.count(1)
        # A rule sees (method, params) and returns a Failure to inject, or None to succeed.
        self.rules: list[Callable[[str, dict[str, Any]], Failure | None]] = []
        self.delay = 0.0
        self.files: dict[str, bytes] = {}  # file_id -> the bytes Telegram keeps
        self.downloads: list[str] = []  # file paths downloaded, in order
        self.app = web.Application(client_max_size=50 * 1024**2)
        self.app.router.add_post("/bot{token}/{method}", self._dispatch)
        self.app.router.add_get("/bot{token}/{method}", self._dispatch)
        self.app.router.add_get("/file/bot{token}/{path:.*}", self._file)
        self.server: TestServer | None = None

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> str:
        """Start serving on 127.0.0.1 at a free port; returns the ``base_url`` for PTB."""
        self.server = TestServer(self.app, host="127.0.0.1")
        await self.server.start_server()
        return self.base_url

    async def stop(self) -> None:
        if self.server is not None:
            await self.server.close()

    @property
    def base_url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("/bot"))

    @property
    def base_file_url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("/file/bot"))

    # ------------------------------------------------------------------ serving

    async def _dispatch(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        params: dict[str, Any] = {}
        if request.method == "POST":
            if request.content_type == "application/json":
                params = await request.json()
            else:
                form = await request.post()
                params = {k: (_decode(v) if isinstance(v, str) else v) for k, v in form.items()}
        params.update({k: _decode(v) for k, v in request.query.items()})
        if method == "getUpdates":
            return web.json_response({"ok": True, "result": await self._get_updates(params)})
        call = Call(method, params, files=_uploads(params))
        self.calls.append(call)
        for rule in self.rules:
            failure = rule(method, params)
            if failure is not None:
                return await self._fail(failure)
        if self.delay:
            await asyncio.sleep(self.delay)
        handler = getattr(self, f"on_{method}", self.on_default)
        result = handler(params)
        if isinstance(result, Failure):  # the method itself refuses, as Telegram would
            return await self._fail(result)
        call.result = result
        return web.json_response({"ok": True, "result": call.result})

    def webhook_answered(self, body: bytes, content_type: str) -> Call | None:
        """What Telegram does with the response to a webhook request.

        A JSON body naming a ``method`` is that call, made now (after every call the bot
        made while handling the update). Nobody hears how it went: a failure injected by a
        rule is recorded on the call and otherwise lost, as on Telegram.
        """
        if content_type != "application/json":
            return None
        try:
            params = json.loads(body)
        except ValueError:
            return None
        if not isinstance(params, dict) or not isinstance(params.get("method"), str):
            return None
        method = params.pop("method")
        call = Call(method, params, via_webhook=True)
        self.calls.append(call)
        if any(rule(method, params) is not None for rule in self.rules):
            call.failed = True
            return call
        result = getattr(self, f"on_{method}", self.on_default)(params)
        call.failed = isinstance(result, Failure)
        call.result = None if call.failed else result
        return call

    async def _fail(self, failure: Failure) -> web.Response:
        if failure.delay:
            await asyncio.sleep(failure.delay)
        body: dict[str, Any] = {
            "ok": False,
            "error_code": failure.status,
            "description": failure.description,
        }
        if failure.retry_after is not None:
            body["parameters"] = {"retry_after": failure.retry_after}
            body["description"] = f"Too Many Requests: retry after {failure.retry_after}"
        elif failure.status == 403:
            body["description"] = "Forbidden: bot was blocked by the user"
        return web.json_response(body, status=failure.status)

    async def _file(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        file_id = path.removeprefix("voice/").removesuffix(".oga")
        if request.match_info["token"] != self.token or file_id not in self.files:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        self.downloads.append(path)
        return web.Response(body=self.files[file_id], content_type="application/octet-stream")

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        timeout = float(params.get("timeout") or 0)
        batch: list[dict[str, Any]] = []
        try:
            batch.append(await asyncio.wait_for(self.updates.get(), timeout=max(timeout, 0.05)))
        except TimeoutError:
            return []
        while not self.updates.empty():
            batch.append(self.updates.get_nowait())
        return batch

    # ------------------------------------------------------------------ methods

    def on_default(self, params: dict[str, Any]) -> Any:
        return True

    def on_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return BOT_USER

    def _message(self, params: dict[str, Any], **extra: Any) -> dict[str, Any]:
        chat_id = int(params.get("chat_id", 0))
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": BOT_USER,
            **extra,
        }
        if "text" in params:
            message["text"] = params["text"]
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            # Like Telegram: a sent message carries only an inline keyboard, never ForceReply.
            message["reply_markup"] = markup
        return message

    def on_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._message(params)

    def on_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._message(params)

    def on_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._message(params)

    def on_sendVoice(self, params: dict[str, Any]) -> dict[str, Any]:
        voice = {"file_id": f"voice{next(self._message_ids)}", "file_unique_id": "v", "duration": 3}
        return self._message(params, voice=voice)

    def on_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        document = {"file_id": f"doc{next(self._message_ids)}", "file_unique_id": "d"}
        return self._message(params, document=document)

    def on_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        photo = [
            {
                "file_id": f"photo{next(self._message_ids)}",
                "file_unique_id": "p",
                "width": 1,
                "height": 1,
            }
        ]
        return self._message(params, photo=photo)

    def on_getFile(self, params: dict[str, Any]) -> dict[str, Any] | Failure:
        file_id = str(params.get("file_id"))
        if file_id not in self.files:
            return Failure(400, "Bad Request: wrong file_id or the file is temporarily unavailable")
        return {
            "file_id": file_id,
            "file_unique_id": f"u-{file_id}",
            "file_size": len(self.files[file_id]),
            "file_path": f"voice/{file_id}.oga",
        }

    def on_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}

    # ------------------------------------------------------------------ helpers for tests

    def next_update_id(self) -> int:
        return next(self._update_ids)

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def sent_to(self, chat_id: int) -> list[Call]:
        """Every message-sending call to one chat, in order."""
        sending = {"sendMessage", "sendVoice", "sendDocument", "sendPhoto", "editMessageText"}
        return [
            c
            for c in self.calls
            if c.method in sending and int(c.params.get("chat_id", 0)) == chat_id
        ]

    def texts_to(self, chat_id: int) -> list[str]:
        return [c.params["text"] for c in self.sent_to(chat_id) if "text" in c.params]

    def last_keyboard(self, chat_id: int) -> list[list[dict[str, Any]]]:
        for call in reversed(self.sent_to(chat_id)):
            markup = call.params.get("reply_markup")
            if isinstance(markup, dict) and "inline_keyboard" in markup:
                return markup["inline_keyboard"]
        return []


# ---------------------------------------------------------------------- update builders

_ids = itertools.count(1)


def user(user_id: int, first_name: str = "Sam", username: str | None = "sam_t") -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": user_id,
        "is_bot": False,
        "first_name": first_name,
        "language_code": "en",
    }
    if username:
        data["username"] = username
    return data


def message_update(
    update_id: int, user_id: int, text: str | None = None, **content: Any
) -> dict[str, Any]:
    """A private-chat message from ``user_id``; pass ``text`` or other content (sticker=…)."""
    message: dict[str, Any] = {
        "message_id": next(_ids),
        "date": int(time.time()),
        "chat": {"id": user_id, "type": "private", "first_name": "Sam"},
        "from": user(user_id),
        **content,
    }
    if text is not None:
        message["text"] = text
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    return {"update_id": update_id, "message": message}


def callback_update(
    update_id: int, user_id: int, data: str, message_id: int = 1, text: str = "question"
) -> dict[str, Any]:
    """A tap on an inline button whose ``callback_data`` is ``data``, on message ``message_id``."""
    return {
        "update_id": update_id,
        "callback_query": {
            "id": str(next(_ids)),
            "from": user(user_id),
            "chat_instance": str(user_id),
            "data": data,
            "message": {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": {"id": user_id, "type": "private"},
                "from": BOT_USER,
                "text": text,
            },
        },
    }
