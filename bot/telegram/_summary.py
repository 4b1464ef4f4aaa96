"""``/summary`` for VIC members: a menu of surveys, then of formats, then the file.

Access belongs to a pseudonym granted by an admin (``python -m bot vic``) or redeemed with an
invite code (``/summary CODE``), never to a name. The work is in ``bot.vic_summary``; this
only turns it into Telegram messages, keyboards and a document.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update

from bot import vic_summary
from bot.services import Services
from bot.telegram._chat import Chat, Context


def _keyboard(menu: vic_summary.Menu) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.text, callback_data=b.data) for b in row] for row in menu.rows]
    )


class SummaryHandlers:
    def __init__(self, services: Services, chat: Chat) -> None:
        self.services = services
        self.chat = chat

    async def command(self, update: Update, context: Context) -> None:
        ref = self.chat.ref(update)
        code = " ".join(context.args or []).strip()
        if code:
            await self.chat.say(ref, context, await vic_summary.redeem(self.services, ref, code))
            return
        menu = await vic_summary.vic_menu(self.services, ref)
        if isinstance(menu, str):
            await self.chat.say(ref, context, menu)
        else:
            await self.chat.say(ref, context, menu.text, _keyboard(menu))

    async def button(self, update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None
        ref = self.chat.ref(update)
        await self.chat.answer(query)
        try:
            chosen = await vic_summary.handle_button(self.services, ref, query.data or "")
        except (vic_summary.NotAllowed, vic_summary.ExportUnavailable) as exc:
            await self.chat.say(ref, context, str(exc))
            return
        if isinstance(chosen, vic_summary.Menu):
            await self.chat.say(ref, context, chosen.text, _keyboard(chosen))
            return
        chat_id = int(ref.address or ref.user_id)
        document = InputFile(chosen.body, filename=chosen.filename)
        await self.chat.deliver(
            ref,
            lambda: context.bot.send_document(chat_id, document, caption=chosen.caption[:1024]),
        )
