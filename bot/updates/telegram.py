"""Updates on Telegram: ``/updates``, the update buttons, and replies to updates.

A feature the Telegram channel registers (``bot.telegram._handlers.register(features=…)``):
its handlers are tried before the survey's catch-alls. A typed message that is not a reply to
an update goes on to the survey exactly as if this feature were not there.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.telegram._chat import Chat, Context
from bot.updates.conversation import Outcome, UpdatesConversation
from bot.updates.render import Message
from surveys.service import ChannelRef

log = logging.getLogger(__name__)

Handler = Callable[[Update, Context], Awaitable[None]]


class UpdatesFeature:
    """The Telegram side of :class:`~bot.updates.conversation.UpdatesConversation`."""

    commands = ("updates",)

    def __init__(self, chat: Chat) -> None:
        self.chat = chat
        self.conversation = UpdatesConversation(chat.service, chat.wording)

    def handlers(self, survey_text: Handler) -> list[BaseHandler[Any, Any, Any]]:
        """Handlers to try before the survey's; ``survey_text`` takes text that is not ours."""
        private = filters.ChatType.PRIVATE
        replies = filters.TEXT & ~filters.COMMAND & private & filters.UpdateType.MESSAGE

        async def text(update: Update, context: Context) -> None:
            if not await self._reply(update, context):
                await survey_text(update, context)

        return [
            CommandHandler("updates", self._menu, filters=private),
            CallbackQueryHandler(self._tap, pattern=r"^(up|ur):"),
            MessageHandler(replies, text),
        ]

    async def _menu(self, update: Update, context: Context) -> None:
        ref = self.chat.ref(update)
        await self._show(ref, context, await self.conversation.menu(ref))

    async def _tap(self, update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None
        ref = self.chat.ref(update)
        outcome = await self.conversation.tap(ref, query.data or "")
        await self.chat.answer(query, outcome.notice)
        if outcome.replace is not None and query.message is not None:
            tapped = query.message
            markup = _markup(outcome.replace)
            with contextlib.suppress(BadRequest):  # "message is not modified": nothing to do
                await self.chat.deliver(
                    ref,
                    lambda: context.bot.edit_message_text(
                        outcome.replace.text,  # type: ignore[union-attr]
                        chat_id=tapped.chat.id,
                        message_id=tapped.message_id,
                        reply_markup=markup,
                    ),
                )
        await self._show(ref, context, outcome)

    async def _reply(self, update: Update, context: Context) -> bool:
        message = update.effective_message
        if message is None or not message.text:
            return False
        ref = self.chat.ref(update)
        reply_to = message.reply_to_message.message_id if message.reply_to_message else None
        outcome = await self.conversation.text(ref, message.text, reply_to)
        if outcome is None:
            return False
        await self._show(ref, context, outcome)
        return True

    async def _show(self, ref: ChannelRef, context: Context, outcome: Outcome) -> None:
        for message in outcome.messages[:-1] if outcome.expects_reply else outcome.messages:
            await self.chat.say(ref, context, message.text, _markup(message))
        if outcome.expects_reply is not None and outcome.messages:
            await self._ask(ref, context, outcome.messages[-1])

    async def _ask(self, ref: ChannelRef, context: Context, message: Message) -> None:
        """ "Type your question": Telegram makes the person's next message a reply to it."""
        chat_id = int(ref.address or ref.user_id)
        placeholder = self.chat.wording.say("updates.placeholder")
        sent = await self.chat.deliver(
            ref,
            lambda: context.bot.send_message(
                chat_id, message.text, reply_markup=ForceReply(input_field_placeholder=placeholder)
            ),
        )
        await self.conversation.prompt_sent(ref, sent.message_id)


def _markup(message: Message) -> InlineKeyboardMarkup | None:
    if not message.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(label, callback_data=data) for label, data in row]
            for row in message.buttons
        ]
    )
