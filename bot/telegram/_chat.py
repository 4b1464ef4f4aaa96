"""What every handler shares: who is talking, what we know of them, and how to reply.

A :class:`Chat` turns an update into a :class:`ChannelRef` (Telegram user and chat ids, nothing
else), asks the survey service, and sends prompts as messages — with retries, voice notes for
people who chose "Listen", and long texts split to fit.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Row, Select, bindparam, select
from telegram import CallbackQuery, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

from bot.telegram import _webhook_answer
from bot.telegram._chatbot import ChatBot
from bot.telegram._delivery import RetryPolicy, deliver, set_reachable
from bot.telegram._render import chunks, keyboard_json, message_text, spoken_text
from bot.telegram._voice import VoiceMaker
from surveys.definition import Question
from surveys.engine import Conversation, Input, Prompt, PromptKind, Step
from surveys.models import Participant
from surveys.service import ChannelRef, Reply, SurveyService
from surveys.wording import Wording

log = logging.getLogger(__name__)
T = TypeVar("T")
Context = ContextTypes.DEFAULT_TYPE

CHANNEL = "telegram"
_VOICE = select(
    Participant.language, Participant.format, Participant.age_band, Participant.role
).where(Participant.id == bindparam("pid"))
_CONVERSATION = select(Participant.conversation).where(Participant.id == bindparam("pid"))
_REMEMBER = 20_000  # people whose current question this process keeps in mind


@dataclass(frozen=True, slots=True)
class Voice:
    """How a person likes to be spoken to, for the channel's own lines."""

    language: str
    easy: bool
    role: str | None = None
    under_13: bool = False


class Chat:
    """The survey service, the bot's words and the way to reach people, for the handlers."""

    def __init__(
        self,
        service: SurveyService,
        wording: Wording,
        voice: VoiceMaker,
        retry: RetryPolicy,
        tz: ZoneInfo,
    ) -> None:
        self.service = service
        self.wording = wording
        self.voice = voice
        self.retry = retry
        self.tz = tz
        # Which question this process last asked each person: a shortcut, not the truth
        # (a tap that doesn't match it is checked against the database).
        self._asking: OrderedDict[str, str] = OrderedDict()

    @staticmethod
    def ref(update: Update) -> ChannelRef:
        user, chat = update.effective_user, update.effective_chat
        assert user is not None
        return ChannelRef(CHANNEL, str(user.id), address=str(chat.id) if chat else None)

    # ------------------------------------------------------------------ the service

    async def ask(self, ref: ChannelRef, given: Input) -> Reply:
        """The service's answer; remembers which question the person is now on."""
        reply = await self.service.handle(ref, given)
        asked = next(
            (p.question_id for p in reversed(reply.prompts) if p.kind is PromptKind.QUESTION),
            None,
        )
        if reply.step is Step.QUESTION and asked:
            self._asking[ref.user_id] = asked
            self._asking.move_to_end(ref.user_id)
            if len(self._asking) > _REMEMBER:
                self._asking.popitem(last=False)
        else:
            self.forget(ref)
        return reply

    def asking(self, ref: ChannelRef) -> str | None:
        return self._asking.get(ref.user_id)

    def forget(self, ref: ChannelRef) -> None:
        self._asking.pop(ref.user_id, None)

    async def voice_of(self, ref: ChannelRef) -> Voice:
        """Language and reading level for the channel's own lines (defaults if unknown)."""
        row = await self._read(_VOICE, ref)
        if row is None:
            return Voice(self.wording.base_language, False)
        language, chosen_format, age_band, role = row
        under_13 = age_band == "under_13"
        easy = chosen_format == "easy" or under_13
        return Voice(language or self.wording.base_language, easy, role, under_13)

    async def conversation(self, ref: ChannelRef) -> Conversation | None:
        row = await self._read(_CONVERSATION, ref)
        return Conversation.from_json(row[0]) if row is not None and row[0] is not None else None

    async def _read(self, query: Select[Any], ref: ChannelRef) -> Row[Any] | None:
        """One row about this person, read as the store reads a turn.

        ``Database.read_sync``: on SQLite one hop to the writer thread; a read through the
        async engine (aiosqlite) took several thread hops and about 20 times the CPU
        (2.5 ms against 0.11 ms, measured here), on every tap another process had asked.
        """
        params = {"pid": self.service.pseudonymise(ref)}
        return await self.service.db.read_sync(lambda conn: conn.execute(query, params).first())

    def current_question(self, conversation: Conversation | None) -> Question | None:
        if conversation is None or conversation.run is None or not conversation.run.current:
            return None
        survey = self.service.surveys.get(conversation.run.survey_id)
        if survey is None or not survey.has_question(conversation.run.current):
            return None
        return survey.question(conversation.run.current)

    def line(self, key: str, voice: Voice, **values: object) -> str:
        return self.wording.say(key, voice.language, voice.easy, **values)

    # ------------------------------------------------------------------ sending

    async def deliver(self, ref: ChannelRef, send: Callable[[], Awaitable[T]]) -> T:
        async def blocked() -> None:
            log.info("telegram: a person has blocked the bot; marked unreachable")
            await set_reachable(self.service.db, self.service.pseudonymise(ref), False)

        return await deliver(send, self.retry, blocked)

    async def say(
        self,
        ref: ChannelRef,
        context: Context,
        text: str,
        markup: InlineKeyboardMarkup | dict[str, Any] | None = None,
    ) -> int:
        """Send ``text`` (split if too long), the keyboard on the last piece; its message id."""
        bot = context.bot
        assert isinstance(bot, ChatBot)
        chat_id = int(ref.address or ref.user_id)
        pieces = chunks(text)
        for piece in pieces[:-1]:
            await self.deliver(ref, lambda p=piece: bot.send_text(chat_id, p))
        return await self.deliver(ref, lambda: bot.send_text(chat_id, pieces[-1], markup))

    async def show(self, ref: ChannelRef, context: Context, prompts: list[Prompt]) -> None:
        for prompt in prompts:
            if prompt.speak and prompt.kind is not PromptKind.CONFIRMATION:
                await self._speak(ref, context, prompt)
            text = message_text(prompt, self.wording)
            if prompt.kind is PromptKind.DONE:
                text += await self._how_to_hear_what_changes(ref)
            await self.say(ref, context, text, keyboard_json(prompt))

    async def _how_to_hear_what_changes(self, ref: ChannelRef) -> str:
        """Under the thank-you, how to hear what changes: the thanks promises it will be
        shared, and /updates is how. Not for under-13s, who are not sent updates (a grown-up
        who looks after them can ask)."""
        voice = await self.voice_of(ref)
        return "" if voice.under_13 else "\n\n" + self.line("telegram.updates_hint", voice)

    async def _speak(self, ref: ChannelRef, context: Context, prompt: Prompt) -> None:
        """A voice note of the prompt, before its text (which always follows)."""
        chat_id = int(ref.address or ref.user_id)
        words = spoken_text(prompt)
        key = self.voice.key(words, prompt.language, prompt.easy)
        known = self.voice.file_ids.get(key)
        if known:
            try:
                await self.deliver(ref, lambda: context.bot.send_voice(chat_id, known))
                return
            except BadRequest:
                self.voice.file_ids.pop(key, None)  # Telegram forgot it: upload again
        path = await self.voice.make(words, prompt.language, prompt.easy)
        if path is None:
            return
        sent = await self.deliver(
            ref,
            lambda: context.bot.send_voice(chat_id, path.read_bytes(), filename="question.ogg"),
        )
        if sent.voice is not None:
            self.voice.file_ids[key] = sent.voice.file_id

    async def answer(
        self, query: CallbackQuery, text: str | None = None, alert: bool = False
    ) -> None:
        """Answer a button tap, so its spinner stops (a toast is never the only feedback).

        In webhook mode the answer rides on the webhook's response (see ``_webhook_answer``):
        its failure costs nothing, and it saves a request for most taps.
        """
        params: dict[str, Any] = {"callback_query_id": query.id}
        if text:
            params["text"] = text
        if alert:
            params["show_alert"] = True
        if _webhook_answer.carry("answerCallbackQuery", params):
            return
        try:
            await query.answer(text, show_alert=alert)
        except TelegramError as exc:  # too old, or answered already: nothing to do
            log.debug("telegram: could not answer a button tap (%s)", exc)


def voice_from(prompts: list[Prompt], wording: Wording) -> Voice:
    if not prompts:
        return Voice(wording.base_language, False)
    return Voice(prompts[0].language, prompts[0].easy)
