"""Telegram updates → engine inputs → :meth:`SurveyService.handle` → Telegram messages.

The handlers are thin on purpose: who sent it (a :class:`ChannelRef` from the user and chat
ids, nothing else), what they did (an :class:`Input`), and how to show the reply. Survey
state lives in the database behind the service, never in PTB's memory, so any process can
take any update and a restart loses nothing.

Nothing from the person's Telegram profile (name, username, phone, photo) is read or kept.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import select
from telegram import (
    CallbackQuery,
    ChatMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ChatType
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.telegram import _updates
from bot.telegram._delivery import PersonUnreachable, RetryPolicy, deliver, set_reachable
from bot.telegram._render import (
    ADAPTER_PREFIX,
    Tap,
    adapter_button,
    callback_data,
    chunks,
    decode_tap,
    keyboard,
    message_text,
    question_tag,
    spoken_text,
)
from bot.telegram._rights import help_text, my_data_text, privacy_text
from bot.telegram._signposting import SignpostingCard
from bot.telegram._voice import VoiceMaker
from bot.telegram.models import VoiceNote
from surveys.definition import Question, QuestionType
from surveys.engine import FORMATS, Action, Conversation, Input, Prompt, PromptKind, Step
from surveys.models import Participant
from surveys.service import ChannelRef, SurveyService, UnknownParticipant
from surveys.wording import Wording

log = logging.getLogger(__name__)
T = TypeVar("T")
Context = ContextTypes.DEFAULT_TYPE

CHANNEL = "telegram"
COMMANDS = (
    "start", "surveys", "back", "skip", "pause", "format",
    "help", "privacy", "mydata", "delete", "stop",
)  # fmt: skip
_CONTROLS = {"back": Action.BACK, "skip": Action.SKIP, "pause": Action.PAUSE}
_BLOCKED = {ChatMember.BANNED}  # a private chat's "kicked": the person blocked the bot


@dataclass(frozen=True, slots=True)
class Voice:
    """How the person likes to be spoken to, for the channel's own lines."""

    language: str
    easy: bool
    role: str | None = None


class Handlers:
    """Every handler, sharing the service, wording and delivery settings."""

    def __init__(
        self,
        service: SurveyService,
        wording: Wording,
        card: SignpostingCard,
        voice: VoiceMaker,
        retry: RetryPolicy,
        tz: ZoneInfo,
    ) -> None:
        self.service = service
        self.wording = wording
        self.card = card
        self.voice = voice
        self.retry = retry
        self.tz = tz

    def register(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        private = filters.ChatType.PRIVATE
        application.add_handler(TypeHandler(Update, self.once), group=-1)
        handlers = [
            ChatMemberHandler(self.membership, ChatMemberHandler.MY_CHAT_MEMBER),
            MessageHandler(filters.UpdateType.EDITED, self.edited),
            MessageHandler(~private, self.not_private),
            CommandHandler("start", self.start),
            CommandHandler(list(_CONTROLS), self.control),
            CommandHandler("surveys", self.surveys),
            CommandHandler("format", self.format),
            CommandHandler("help", self.help),
            CommandHandler("privacy", self.privacy),
            CommandHandler("mydata", self.my_data),
            CommandHandler("delete", self.delete),
            CommandHandler("stop", self.stop),
            MessageHandler(filters.COMMAND, self.unknown_command),
            CallbackQueryHandler(self.tap),
            MessageHandler(filters.TEXT, self.text),
            MessageHandler(filters.VOICE, self.voice_note),
            MessageHandler(filters.ALL, self.unreadable),
        ]
        application.add_handlers(handlers)
        application.add_error_handler(self.error)

    # ------------------------------------------------------------------ who, and sending

    @staticmethod
    def ref(update: Update) -> ChannelRef:
        user, chat = update.effective_user, update.effective_chat
        assert user is not None
        return ChannelRef(CHANNEL, str(user.id), address=str(chat.id) if chat else None)

    async def _deliver(self, ref: ChannelRef, send: Callable[[], Awaitable[T]]) -> T:
        async def blocked() -> None:
            log.info("telegram: a person has blocked the bot; marked unreachable")
            await set_reachable(self.service.db, self.service.pseudonymise(ref), False)

        return await deliver(send, self.retry, blocked)

    async def say(
        self,
        ref: ChannelRef,
        context: Context,
        text: str,
        markup: InlineKeyboardMarkup | None = None,
    ) -> Message:
        chat_id = int(ref.address or ref.user_id)
        pieces = chunks(text)
        for piece in pieces[:-1]:
            await self._deliver(ref, lambda p=piece: context.bot.send_message(chat_id, p))
        return await self._deliver(
            ref, lambda: context.bot.send_message(chat_id, pieces[-1], reply_markup=markup)
        )

    async def show(self, ref: ChannelRef, context: Context, prompts: list[Prompt]) -> None:
        for prompt in prompts:
            if prompt.speak and prompt.kind is not PromptKind.CONFIRMATION:
                await self._speak(ref, context, prompt)
            await self.say(ref, context, message_text(prompt, self.wording), keyboard(prompt))

    async def _speak(self, ref: ChannelRef, context: Context, prompt: Prompt) -> None:
        """A voice note of the prompt, before its text (which always follows)."""
        chat_id = int(ref.address or ref.user_id)
        words = spoken_text(prompt)
        key = self.voice.key(words, prompt.language, prompt.easy)
        known = self.voice.file_ids.get(key)
        if known:
            try:
                await self._deliver(ref, lambda: context.bot.send_voice(chat_id, known))
                return
            except BadRequest:
                self.voice.file_ids.pop(key, None)  # Telegram forgot it: upload again
        path = await self.voice.make(words, prompt.language, prompt.easy)
        if path is None:
            return
        sent = await self._deliver(
            ref,
            lambda: context.bot.send_voice(chat_id, path.read_bytes(), filename="question.ogg"),
        )
        if sent.voice is not None:
            self.voice.file_ids[key] = sent.voice.file_id

    async def _answer(
        self, query: CallbackQuery, text: str | None = None, alert: bool = False
    ) -> None:
        try:
            await query.answer(text, show_alert=alert)
        except TelegramError as exc:  # too old, or answered already: nothing to do
            log.debug("telegram: could not answer a button tap (%s)", exc)

    # ------------------------------------------------------------------ what we know

    async def _voice_of(self, ref: ChannelRef) -> Voice:
        """Language and reading level for the channel's own lines (defaults if unknown)."""
        participant_id = self.service.pseudonymise(ref)
        async with self.service.db.reading() as session:
            row = (
                await session.execute(
                    select(
                        Participant.language,
                        Participant.format,
                        Participant.age_band,
                        Participant.role,
                    ).where(Participant.id == participant_id)
                )
            ).first()
        if row is None:
            return Voice(self.wording.base_language, False)
        language, chosen_format, age_band, role = row
        easy = chosen_format == "easy" or age_band == "under_13"
        return Voice(language or self.wording.base_language, easy, role)

    async def _conversation(self, ref: ChannelRef) -> Conversation | None:
        participant_id = self.service.pseudonymise(ref)
        async with self.service.db.reading() as session:
            state = await session.scalar(
                select(Participant.conversation).where(Participant.id == participant_id)
            )
        return Conversation.from_json(state) if state is not None else None

    def _current_question(self, conversation: Conversation | None) -> Question | None:
        if conversation is None or conversation.run is None or not conversation.run.current:
            return None
        survey = self.service.surveys.get(conversation.run.survey_id)
        if survey is None or not survey.has_question(conversation.run.current):
            return None
        return survey.question(conversation.run.current)

    def _line(self, key: str, voice: Voice, **values: object) -> str:
        return self.wording.say(key, voice.language, voice.easy, **values)

    # ------------------------------------------------------------------ group -1: once only

    async def once(self, update: Update, context: Context) -> None:
        """Stop here if this update id was handled before, by any process."""
        if not await _updates.claim(self.service.db, update.update_id):
            log.info("telegram: update %s came again; ignored", update.update_id)
            raise ApplicationHandlerStop

    # ------------------------------------------------------------------ the survey

    async def _handle(self, update: Update, context: Context, given: Input) -> None:
        ref = self.ref(update)
        reply = await self.service.handle(ref, given)
        await self.show(ref, context, reply.prompts)

    async def start(self, update: Update, context: Context) -> None:
        payload = context.args[0] if context.args else ""
        await self._handle(update, context, Input(Action.START, payload))

    async def control(self, update: Update, context: Context) -> None:
        message = update.effective_message
        assert message is not None and message.text
        command = message.text.split()[0].lstrip("/").split("@")[0].lower()
        await self._handle(update, context, Input(_CONTROLS[command]))

    async def text(self, update: Update, context: Context) -> None:
        message = update.effective_message
        assert message is not None
        await self._handle(update, context, Input(Action.TEXT, message.text or ""))

    async def tap(self, update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None
        data = query.data or ""
        ref = self.ref(update)
        if data.startswith(ADAPTER_PREFIX):
            await self._adapter_tap(update, context, query, data.removeprefix(ADAPTER_PREFIX))
            return
        tap = decode_tap(data)
        if tap.input.action is Action.OTHER or not await self._tap_is_current(ref, tap.tag):
            voice = await self._voice_of(ref)
            await self._answer(query, self._line("telegram.stale_button", voice), alert=True)
            return
        reply = await self.service.handle(ref, tap.input)
        prompts = reply.prompts
        if tap.input.action is Action.CHOOSE and await self._toggled(ref, query, prompts, tap):
            return
        chose = any(p.kind is PromptKind.CONFIRMATION for p in prompts)
        saved = self._line("telegram.saved", _voice_from(prompts, self.wording)) if chose else None
        await self._answer(query, saved)
        await self.show(ref, context, prompts)

    async def _tap_is_current(self, ref: ChannelRef, tag: str | None) -> bool:
        """Is a tagged button from the question the person is on now?"""
        if tag is None:
            return True  # onboarding and menu buttons: the engine checks them itself
        conversation = await self._conversation(ref)
        question = self._current_question(conversation)
        return question is not None and question_tag(question.id) == tag

    async def _toggled(
        self, ref: ChannelRef, query: CallbackQuery, prompts: list[Prompt], tap: Tap
    ) -> bool:
        """A tick on a multiple-choice question: update the ticks where they were tapped."""
        if len(prompts) != 1 or not prompts[0].multiple or not prompts[0].question_id:
            return False
        prompt = prompts[0]
        if question_tag(prompt.question_id or "") != tap.tag or not isinstance(
            query.message, Message
        ):
            return False
        button = next((b for b in prompt.buttons if b.input.value == tap.input.value), None)
        if button is None:
            return False
        voice = _voice_from(prompts, self.wording)
        key = "telegram.ticked" if button.selected else "telegram.unticked"
        await self._answer(query, self._line(key, voice, answer=button.label))
        message = query.message
        try:
            await self._deliver(ref, lambda: message.edit_reply_markup(keyboard(prompt)))
        except BadRequest as exc:
            if "not modified" not in str(exc).lower():
                raise
        return True

    async def voice_note(self, update: Update, context: Context) -> None:
        """A voice note to a free-text question is kept for a person to type up."""
        message = update.effective_message
        assert message is not None and message.voice is not None
        ref = self.ref(update)
        conversation = await self._conversation(ref)
        question = self._current_question(conversation)
        if (
            conversation is None
            or conversation.step is not Step.QUESTION
            or question is None
            or question.type is not QuestionType.FREE_TEXT
        ):
            await self._unreadable(update, context, "voice")
            return
        voice = await self._voice_of(ref)
        marker = self._line("telegram.voice_marker", voice)
        reply = await self.service.handle(ref, Input(Action.TEXT, marker))
        stored = next((s for s in reply.stored if s.question_id == question.id), None)
        if stored is not None:
            async with self.service.db.transaction() as session:
                session.add(
                    VoiceNote(
                        answer_id=stored.answer_id,
                        participant_id=reply.participant_id,
                        file_id=message.voice.file_id,
                        duration_seconds=_seconds(message.voice),
                    )
                )
            await self.say(ref, context, self._line("telegram.voice_kept", voice))
        await self.show(ref, context, reply.prompts)

    async def unreadable(self, update: Update, context: Context) -> None:
        message = update.effective_message
        kind = "other"
        if message is not None:
            if message.sticker:
                kind = "sticker"
            elif message.photo:
                kind = "photo"
            elif message.document or message.video or message.animation or message.audio:
                kind = "file"
            elif message.video_note:
                kind = "voice"
            elif message.contact or message.location or message.venue:
                kind = "contact"
        await self._unreadable(update, context, kind)

    async def _unreadable(self, update: Update, context: Context, kind: str) -> None:
        """A kind word about what we can't read, then whatever the person is being asked."""
        ref = self.ref(update)
        reply = await self.service.handle(ref, Input(Action.OTHER))
        prompts = [p for p in reply.prompts if p.kind is not PromptKind.PROBLEM]
        voice = _voice_from(prompts, self.wording) if prompts else await self._voice_of(ref)
        await self.say(ref, context, self._line(f"telegram.unreadable.{kind}", voice))
        await self.show(ref, context, prompts)

    async def edited(self, update: Update, context: Context) -> None:
        ref = self.ref(update)
        await self.say(ref, context, self._line("telegram.edited", await self._voice_of(ref)))

    async def not_private(self, update: Update, context: Context) -> None:
        chat = update.effective_chat
        assert chat is not None
        line = self.wording.say("telegram.not_private")
        await context.bot.send_message(chat.id, line)

    async def unknown_command(self, update: Update, context: Context) -> None:
        ref = self.ref(update)
        line = self._line("telegram.unknown_command", await self._voice_of(ref))
        await self.say(ref, context, line)

    # ------------------------------------------------------------------ always available

    async def help(self, update: Update, context: Context) -> None:
        ref = self.ref(update)
        voice = await self._voice_of(ref)
        await self.say(ref, context, help_text(self.wording, self.card, voice.language, voice.easy))

    async def privacy(self, update: Update, context: Context) -> None:
        ref = self.ref(update)
        voice = await self._voice_of(ref)
        await self.say(ref, context, privacy_text(self.wording, voice.language, voice.easy))

    async def surveys(self, update: Update, context: Context) -> None:
        ref = self.ref(update)
        voice = await self._voice_of(ref)
        catalog = list(self.service.surveys.values())
        fitting = [s for s in catalog if s.audience in ("any", voice.role)] or catalog
        if not fitting:
            await self.say(ref, context, self._line("telegram.surveys_none", voice))
            return
        rows = [
            [
                InlineKeyboardButton(
                    survey.title.get(voice.language),
                    callback_data=callback_data(Input(Action.START, f"s_{survey.id}")),
                )
            ]
            for survey in fitting
        ]
        await self.say(
            ref, context, self._line("telegram.surveys", voice), InlineKeyboardMarkup(rows)
        )

    async def format(self, update: Update, context: Context) -> None:
        ref = self.ref(update)
        voice = await self._voice_of(ref)
        rows = [
            [
                InlineKeyboardButton(
                    self._line(f"format.{name}", voice),
                    callback_data=callback_data(Input(Action.FORMAT, name)),
                )
            ]
            for name in FORMATS
        ]
        markup = InlineKeyboardMarkup(rows)
        await self.say(ref, context, self._line("telegram.format_ask", voice), markup)

    async def my_data(self, update: Update, context: Context) -> None:
        ref = self.ref(update)
        voice = await self._voice_of(ref)
        try:
            data = await self.service.my_data(ref)
        except UnknownParticipant:
            await self.say(ref, context, self._line("telegram.mydata_none", voice))
            return
        text = my_data_text(self.wording, data, voice.language, voice.easy, self.tz)
        await self.say(ref, context, text)

    async def delete(self, update: Update, context: Context) -> None:
        ref = self.ref(update)
        voice = await self._voice_of(ref)
        markup = InlineKeyboardMarkup(
            [
                [adapter_button(self._line("telegram.delete_yes", voice), "erase")],
                [adapter_button(self._line("telegram.delete_no", voice), "keep")],
            ]
        )
        await self.say(ref, context, self._line("telegram.delete_confirm", voice), markup)

    async def _adapter_tap(
        self, update: Update, context: Context, query: CallbackQuery, verb: str
    ) -> None:
        ref = self.ref(update)
        voice = await self._voice_of(ref)
        await self._answer(query)
        if isinstance(query.message, Message):  # the question is settled: take its buttons away
            message = query.message
            with contextlib.suppress(BadRequest):
                await self._deliver(ref, lambda: message.edit_reply_markup(None))
        if verb == "erase":
            known = await self.service.participant_id_for(ref)
            if known is None:
                await self.say(ref, context, self._line("telegram.delete_nothing", voice))
                return
            count = await self.service.erase(ref)
            await self.say(ref, context, self._line("telegram.deleted", voice, count=count))
        else:
            await self.say(ref, context, self._line("telegram.delete_kept", voice))

    async def stop(self, update: Update, context: Context) -> None:
        ref = self.ref(update)
        voice = await self._voice_of(ref)
        known = await self.service.stop_messages(ref)
        key = "telegram.stopped" if known else "telegram.stopped_unknown"
        await self.say(ref, context, self._line(key, voice))

    # ------------------------------------------------------------------ blocked, errors

    async def membership(self, update: Update, context: Context) -> None:
        change = update.my_chat_member
        if change is None or change.chat.type != ChatType.PRIVATE:
            return
        status = change.new_chat_member.status
        participant_id = self.service.pseudonymise(self.ref(update))
        if status in _BLOCKED:
            await set_reachable(self.service.db, participant_id, False)
        elif status == ChatMember.MEMBER:
            await set_reachable(self.service.db, participant_id, True)

    async def error(self, update: object, context: Context) -> None:
        """Log it; tell the person, who keeps their place (the failed step was rolled back)."""
        failure = context.error
        if isinstance(failure, PersonUnreachable):
            return
        update_id = getattr(update, "update_id", "?")
        log.error("telegram: update %s failed", update_id, exc_info=failure)
        if not isinstance(update, Update) or update.effective_user is None:
            return
        if update.effective_chat is None or update.effective_chat.type != ChatType.PRIVATE:
            return
        ref = self.ref(update)
        try:
            voice = await self._voice_of(ref)
        except Exception:  # noqa: BLE001 - the database may be what failed
            voice = Voice(self.wording.base_language, False)
        if update.callback_query is not None:
            await self._answer(update.callback_query)
        try:
            await self.say(ref, context, self._line("telegram.error", voice))
        except Exception:  # noqa: BLE001 - nothing more we can do; already logged
            log.warning("telegram: could not tell the person about the failure")


def _voice_from(prompts: list[Prompt], wording: Wording) -> Voice:
    if not prompts:
        return Voice(wording.base_language, False)
    return Voice(prompts[0].language, prompts[0].easy)


def _seconds(voice: object) -> int | None:
    with warnings.catch_warnings():  # PTB 22 warns that durations become timedeltas
        warnings.simplefilter("ignore")
        duration = getattr(voice, "duration", None)
    if isinstance(duration, dt.timedelta):
        return int(duration.total_seconds())
    return int(duration) if isinstance(duration, int | float) else None
