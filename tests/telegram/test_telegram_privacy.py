"""No Telegram name, username, phone number or photo is stored anywhere."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from surveys.models import Base
from tests.fakes.telegram_api import callback_update, message_update
from tests.telegram.harness import BotHarness
from tests.telegram.test_telegram_unexpected import STICKER, VOICE

FIRST, LAST, USERNAME = "Zebedee", "Quixotic-Smythe", "zebedee_q_secret"
PHONE = "+447700900987"
PHOTO_ID, PHOTO_UNIQUE = "AgACAgPHOTOSECRET", "AQADPHOTOUNIQUE"
SECRETS = [FIRST, LAST, USERNAME, PHONE, PHONE.lstrip("+"), "7700900987", PHOTO_ID, PHOTO_UNIQUE]


def disguise(update: dict[str, Any]) -> dict[str, Any]:
    """Give the sender a full Telegram profile: names, username, language, premium…"""
    for part in update.values():
        if not isinstance(part, dict):
            continue
        sender = part.get("from")
        if sender and not sender.get("is_bot"):
            sender.update(first_name=FIRST, last_name=LAST, username=USERNAME, is_premium=True)
        chat = part.get("chat") or (part.get("message") or {}).get("chat")
        if chat:
            chat.update(first_name=FIRST, last_name=LAST, username=USERNAME)
    return update


async def test_no_name_username_phone_or_photo_is_stored(bot: BotHarness) -> None:
    fake, user = bot.fake, 1401

    async def send(text: str | None = None, **content: Any) -> None:
        await bot.deliver(disguise(message_update(fake.next_update_id(), user, text, **content)))

    async def tap(label: str) -> None:
        person = bot.person(user)
        shown = person.with_keyboard()
        assert shown is not None
        data = next(b["callback_data"] for r in shown.keyboard for b in r if label in b["text"])
        update = callback_update(fake.next_update_id(), user, data, shown.message_id, shown.text)
        await bot.deliver(disguise(update))

    await send("/start s_all_types-libraryB")
    await tap("Yes, let's start")
    await tap("Parent or carer")
    await tap("Words")
    await tap("English")
    await tap("On behalf of my child")
    await send("3")  # not in school
    await send(contact={"phone_number": PHONE, "first_name": FIRST, "last_name": LAST})
    photo = [{"file_id": PHOTO_ID, "file_unique_id": PHOTO_UNIQUE, "width": 90, "height": 90}]
    await send(photo=photo, caption="this is me")
    await send(sticker=STICKER)
    await send(voice=VOICE)  # kept for typing up: Telegram's file id, not the person
    await tap("No")
    await send("/mydata")
    await send("/help")

    assert bot.services is not None
    dump: list[str] = []
    async with bot.services.db.reading() as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).all():
                dump.append(f"{table.name}: {tuple(row)!r}")
    stored = "\n".join(dump)
    assert "telegram_update" in stored and "channel_address" in stored, "the dump sees data"
    assert "'1401'" in stored, "the chat id is kept (to reply), in channel_address only"
    for secret in SECRETS:
        assert secret not in stored, f"{secret!r} was stored"
    assert bot.person(user).texts(), "and the bot did talk to them"
