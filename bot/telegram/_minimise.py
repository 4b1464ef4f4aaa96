"""What the bot reads of an update: ids, words and taps — never a name.

Telegram sends every update with the person's first and last name, username and language,
and a button tap with the whole message the button was on (its text and keyboard). The bot
needs none of that: people are known by a pseudonym of their id, and a tapped message only
by its id. :func:`minimise` drops the rest before python-telegram-bot builds its objects,
so names never reach memory, logs or error reports — and a tap costs far less to read (the
tapped message's keyboard, rebuilt button by button, was most of the work).
"""

from __future__ import annotations

from typing import Any

_PERSON_KEYS = frozenset({"from", "user"})
_CHAT_KEYS = frozenset({"chat", "sender_chat"})
_MESSAGE_KEYS = frozenset({"message", "reply_to_message"})


def minimise(update: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``update`` without names, usernames or the text of messages it points to."""
    return {key: _part(value) for key, value in update.items()}


def _part(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    kept: dict[str, Any] = {}
    for key, inner in value.items():
        if key in _PERSON_KEYS and isinstance(inner, dict):
            kept[key] = _person(inner)
        elif key in _CHAT_KEYS and isinstance(inner, dict):
            kept[key] = _chat(inner)
        elif key in _MESSAGE_KEYS and isinstance(inner, dict):
            kept[key] = _pointer(inner)
        elif isinstance(inner, dict):
            kept[key] = _part(inner)
        else:
            kept[key] = inner
    return kept


def _person(user: dict[str, Any]) -> dict[str, Any]:
    # python-telegram-bot requires a first name; an empty one carries nothing.
    return {"id": user.get("id"), "is_bot": bool(user.get("is_bot")), "first_name": ""}


def _chat(chat: dict[str, Any]) -> dict[str, Any]:
    return {"id": chat.get("id"), "type": chat.get("type", "private")}


def _pointer(message: dict[str, Any]) -> dict[str, Any]:
    """A message another one points to (tapped, or replied to): which one, where, when.

    ``date`` stays: python-telegram-bot tells a message the bot can still edit from an
    inaccessible one by it.
    """
    pointer = {"message_id": message.get("message_id"), "date": message.get("date", 0)}
    if isinstance(message.get("chat"), dict):
        pointer["chat"] = _chat(message["chat"])
    return pointer
