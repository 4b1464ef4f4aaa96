"""Which handler takes which update, plus the two that see every update: once-only and errors.

The handlers are thin on purpose: who sent it (a :class:`ChannelRef` from the user and chat
ids, nothing else), what they did (an engine :class:`Input`), and how to show the reply.
Survey state lives in the database behind the service, never in PTB's memory, so any process
can take any update and a restart loses nothing. Nothing from the person's Telegram profile
(name, username, phone, photo) is read or kept.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

from telegram import ChatMember, Update
from telegram.constants import ChatType
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.signposting import HelpCard
from bot.telegram import _updates
from bot.telegram._chat import Chat, Context, Voice
from bot.telegram._delivery import PersonUnreachable, set_reachable
from bot.telegram._render import ADAPTER_PREFIX
from bot.telegram._rights_handlers import RightsHandlers
from bot.telegram._summary import SummaryHandlers
from bot.telegram._survey_handlers import CONTROLS, SurveyHandlers
from bot.vic_summary import DATA_PREFIX as SUMMARY_PREFIX

log = logging.getLogger(__name__)

COMMANDS = (
    "start", "surveys", "back", "skip", "pause", "format",
    "help", "privacy", "mydata", "delete", "stop",
)  # fmt: skip


class Feature(Protocol):
    """Something more the bot does (issue 6: updates): its commands and handlers.

    Its handlers are tried before the survey's catch-alls; ``survey_text`` is the survey's
    own text handler, for typed messages the feature finds are not for it.
    """

    commands: tuple[str, ...]

    def handlers(
        self, survey_text: Callable[[Update, Context], Awaitable[None]]
    ) -> Sequence[BaseHandler[Any, Any, Any]]: ...


def register(
    application: Application[Any, Any, Any, Any, Any, Any],
    chat: Chat,
    card: HelpCard,
    summary: SummaryHandlers,
    features: Sequence[Feature] = (),
) -> None:
    """Every handler, in the order PTB tries them (the first that fits takes the update)."""
    survey, rights, watch = SurveyHandlers(chat), RightsHandlers(chat, card), _Watch(chat)
    extra = [handler for feature in features for handler in feature.handlers(survey.text)]
    private = filters.ChatType.PRIVATE
    application.add_handler(TypeHandler(Update, watch.once), group=-1)
    application.add_handlers(
        [
            ChatMemberHandler(watch.membership, ChatMemberHandler.MY_CHAT_MEMBER),
            MessageHandler(~private, survey.not_private),
            MessageHandler(filters.UpdateType.EDITED, survey.edited),
            *extra,
            CommandHandler("start", survey.start),
            CommandHandler(list(CONTROLS), survey.control),
            CommandHandler("surveys", rights.surveys),
            CommandHandler("format", rights.format),
            CommandHandler("help", rights.help),
            CommandHandler("privacy", rights.privacy),
            CommandHandler("mydata", rights.my_data),
            CommandHandler("delete", rights.delete),
            CommandHandler("stop", rights.stop),
            CommandHandler("summary", summary.command),
            MessageHandler(filters.COMMAND, survey.unknown_command),
            CallbackQueryHandler(rights.delete_answer, pattern=f"^{re.escape(ADAPTER_PREFIX)}"),
            CallbackQueryHandler(summary.button, pattern=f"^{re.escape(SUMMARY_PREFIX)}"),
            CallbackQueryHandler(survey.tap),
            MessageHandler(filters.TEXT, survey.text),
            MessageHandler(filters.VOICE, survey.voice_note),
            MessageHandler(filters.ALL, survey.unreadable),
        ]
    )
    application.add_error_handler(watch.error)


class _Watch:
    """What sees every update: the once-only check, blocking, and failures."""

    def __init__(self, chat: Chat) -> None:
        self.chat = chat
        self.claims = _updates.Claims(chat.service.db)

    async def once(self, update: Update, context: Context) -> None:
        """Stop here if this update id was handled before, by any process."""
        if not await self.claims.claim(update.update_id):
            log.info("telegram: update %s came again; ignored", update.update_id)
            raise ApplicationHandlerStop

    async def membership(self, update: Update, context: Context) -> None:
        """A private chat's bot status "kicked" means the person blocked the bot."""
        change = update.my_chat_member
        if change is None or change.chat.type != ChatType.PRIVATE:
            return
        status = change.new_chat_member.status
        participant_id = self.chat.service.pseudonymise(self.chat.ref(update))
        if status == ChatMember.BANNED:
            await set_reachable(self.chat.service.db, participant_id, False)
        elif status == ChatMember.MEMBER:
            await set_reachable(self.chat.service.db, participant_id, True)

    async def error(self, update: object, context: Context) -> None:
        """Log it; tell the person, who keeps their place (the failed step was rolled back)."""
        failure = context.error
        if isinstance(failure, PersonUnreachable):
            return
        log.error("telegram: update %s failed", getattr(update, "update_id", "?"), exc_info=failure)
        if not isinstance(update, Update) or update.effective_user is None:
            return
        if update.effective_chat is None or update.effective_chat.type != ChatType.PRIVATE:
            return
        ref = self.chat.ref(update)
        try:
            voice = await self.chat.voice_of(ref)
        except Exception:  # noqa: BLE001 - the database may be what failed
            voice = Voice(self.chat.wording.base_language, False)
        if update.callback_query is not None:
            await self.chat.answer(update.callback_query)
        try:
            await self.chat.say(ref, context, self.chat.line("telegram.error", voice))
        except Exception:  # noqa: BLE001 - nothing more we can do; already logged
            log.warning("telegram: could not tell the person about the failure")
