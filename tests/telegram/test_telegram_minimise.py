"""Updates are minimised before python-telegram-bot reads them: ids, words and taps stay,
names go (in webhook and polling mode alike; the end-to-end tests run on minimised updates)."""

from __future__ import annotations

import json
from typing import Any

from telegram import Message, Update

from bot.telegram._minimise import minimise
from tests.fakes.telegram_api import BOT_USER, callback_update, message_update
from tests.telegram.test_telegram_privacy import FIRST, LAST, USERNAME, disguise

KEYBOARD = {"inline_keyboard": [[{"text": "Yes", "callback_data": "c:yes"}]]}


def read(update: dict[str, Any]) -> Update:
    return Update.de_json(minimise(update), None)


def test_no_name_or_username_reaches_the_bot() -> None:
    reply = {
        "message_id": 77,
        "date": 1,
        "chat": {"id": 501, "type": "private", "first_name": FIRST},
        "from": BOT_USER,
        "text": f"Hello {FIRST}",
    }
    updates = [
        disguise(message_update(1, 501, "/start s_ehc", reply_to_message=reply)),
        disguise(callback_update(2, 501, "c:yes", message_id=77, text=f"Hi {FIRST} {LAST}")),
    ]
    for raw in updates:
        seen = json.dumps(read(raw).to_dict())
        for secret in (FIRST, LAST, USERNAME, "language_code", "is_premium"):
            assert secret not in seen


def test_what_the_handlers_read_is_kept() -> None:
    typed = read(
        message_update(
            1,
            501,
            "/start s_ehc",
            reply_to_message={"message_id": 9, "date": 5, "chat": {"id": 501, "type": "private"}},
        )
    )
    assert typed.effective_user is not None and typed.effective_user.id == 501
    assert typed.effective_chat is not None and typed.effective_chat.id == 501
    message = typed.effective_message
    assert message is not None and message.text == "/start s_ehc"
    assert message.entities[0].type == "bot_command"
    assert message.reply_to_message is not None and message.reply_to_message.message_id == 9

    raw_tap = callback_update(2, 501, "c:yes", message_id=77)
    raw_tap["callback_query"]["message"]["reply_markup"] = KEYBOARD
    tap = read(raw_tap)
    query = tap.callback_query
    assert query is not None and query.data == "c:yes" and query.from_user.id == 501
    assert isinstance(query.message, Message)  # still editable: the ticks can be updated
    assert query.message.message_id == 77 and query.message.chat.id == 501
    assert query.message.reply_markup is None and query.message.text is None

    voice = {"file_id": "VOICE-1", "file_unique_id": "u1", "duration": 4}
    spoken = read(message_update(3, 501, voice=voice)).effective_message
    assert spoken is not None and spoken.voice is not None and spoken.voice.file_id == "VOICE-1"
