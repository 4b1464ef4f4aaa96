"""One Bot API call may ride on the webhook's answer instead of a request of its own.

Telegram lets the response to a webhook request carry one method call (a JSON body with
``"method"``); it runs it after the response arrives, so after every call the bot made while
handling that update, and never says whether it worked. So only a call whose failure costs
the person nothing may ride, and only one whose place last in the chat is right: answering
a button tap (:meth:`bot.telegram._chat.Chat.answer`), which stops its spinner and may show a
short toast that is never the only feedback. Each ride saves an outgoing HTTP request, one for
most updates in a survey.

:func:`carry` offers a call; it is taken only while a webhook update is being handled and
nothing else has taken the place. Otherwise (polling, a second call, the update taking so
long that Telegram has had its answer already) the caller makes the call itself, as before.
"""

from __future__ import annotations

from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import Any


@dataclass(slots=True)
class WebhookAnswer:
    """The place on one webhook response: open until the response is written."""

    call: dict[str, Any] | None = None
    open: bool = True

    def close(self) -> dict[str, Any] | None:
        """The call to put in the response (if any); later offers are refused."""
        self.open = False
        return self.call


_current: ContextVar[WebhookAnswer | None] = ContextVar("telegram_webhook_answer", default=None)


def start() -> tuple[WebhookAnswer, Token[WebhookAnswer | None]]:
    """Open a place for the update about to be handled (tasks created now inherit it)."""
    answer = WebhookAnswer()
    return answer, _current.set(answer)


def stop(token: Token[WebhookAnswer | None]) -> None:
    """Stop offering this place to code that runs later in the caller's own context."""
    _current.reset(token)


def carry(method: str, params: dict[str, Any]) -> bool:
    """Put ``method`` on the webhook's answer; False if it can't ride (then call it yourself)."""
    answer = _current.get()
    if answer is None or not answer.open or answer.call is not None:
        return False
    answer.call = {"method": method, **params}
    return True
