"""The survey in chat: commands, typing, taps, voice notes and everything we can't read.

Each handler is a few lines: make an engine :class:`Input`, ask the service, show the reply.
"""

from __future__ import annotations

import datetime as dt
import warnings

from telegram import CallbackQuery, Message, Update
from telegram.error import BadRequest

from bot.telegram._chat import Chat, Context, voice_from
from bot.telegram._chatbot import ChatBot
from bot.telegram._render import Tap, decode_tap, keyboard_json, question_tag
from bot.telegram.models import VoiceNote
from surveys.definition import QuestionType
from surveys.engine import Action, Input, Prompt, PromptKind, Step
from surveys.service import ChannelRef

CONTROLS = {"back": Action.BACK, "skip": Action.SKIP, "pause": Action.PAUSE}


class SurveyHandlers:
    def __init__(self, chat: Chat) -> None:
        self.chat = chat

    async def _handle(self, update: Update, context: Context, given: Input) -> None:
        ref = self.chat.ref(update)
        reply = await self.chat.ask(ref, given)
        await self.chat.show(ref, context, reply.prompts)

    async def start(self, update: Update, context: Context) -> None:
        """``/start``, or ``/start s_<survey>[-<where from>]`` from a deep link."""
        payload = context.args[0] if context.args else ""
        await self._handle(update, context, Input(Action.START, payload))

    async def control(self, update: Update, context: Context) -> None:
        """``/back``, ``/skip``, ``/pause``."""
        message = update.effective_message
        assert message is not None and message.text
        command = message.text.split()[0].lstrip("/").split("@")[0].lower()
        await self._handle(update, context, Input(CONTROLS[command]))

    async def text(self, update: Update, context: Context) -> None:
        message = update.effective_message
        assert message is not None
        await self._handle(update, context, Input(Action.TEXT, message.text or ""))

    # ------------------------------------------------------------------ taps

    async def tap(self, update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None
        ref = self.chat.ref(update)
        tap = decode_tap(query.data or "")
        if tap.input.action is Action.OTHER or not await self._is_current(ref, tap.tag):
            voice = await self.chat.voice_of(ref)
            await self.chat.answer(query, self.chat.line("telegram.stale_button", voice), True)
            return
        reply = await self.chat.ask(ref, tap.input)
        prompts = reply.prompts
        if tap.input.action is Action.CHOOSE and await self._toggled(ref, query, prompts, tap):
            return
        chose = any(p.kind is PromptKind.CONFIRMATION for p in prompts)
        voice = voice_from(prompts, self.chat.wording)
        await self.chat.answer(query, self.chat.line("telegram.saved", voice) if chose else None)
        await self.chat.show(ref, context, prompts)

    async def _is_current(self, ref: ChannelRef, tag: str | None) -> bool:
        """Is a button from the question the person is on now? (An old one never answers.)"""
        if tag is None:
            return True  # onboarding and menu buttons: the engine checks them itself
        asked = self.chat.asking(ref)
        if asked is not None and question_tag(asked) == tag:
            return True  # what this process last asked them: no need to look it up
        question = self.chat.current_question(await self.chat.conversation(ref))
        return question is not None and question_tag(question.id) == tag

    async def _toggled(
        self, ref: ChannelRef, query: CallbackQuery, prompts: list[Prompt], tap: Tap
    ) -> bool:
        """A tick on a multiple-choice question: update the ticks where they were tapped."""
        if len(prompts) != 1 or not prompts[0].multiple or not prompts[0].question_id:
            return False
        prompt = prompts[0]
        message = query.message
        if question_tag(prompt.question_id or "") != tap.tag or not isinstance(message, Message):
            return False
        button = next((b for b in prompt.buttons if b.input.value == tap.input.value), None)
        if button is None:
            return False
        voice = voice_from(prompts, self.chat.wording)
        key = "telegram.ticked" if button.selected else "telegram.unticked"
        await self.chat.answer(query, self.chat.line(key, voice, answer=button.label))
        bot = message.get_bot()
        assert isinstance(bot, ChatBot)
        markup = keyboard_json(prompt)
        try:
            await self.chat.deliver(
                ref, lambda: bot.set_keyboard(message.chat_id, message.message_id, markup)
            )
        except BadRequest as exc:
            if "not modified" not in str(exc).lower():
                raise
        return True

    # ------------------------------------------------------------------ not plain text

    async def voice_note(self, update: Update, context: Context) -> None:
        """A voice note to a free-text question is kept for a person to type up."""
        message = update.effective_message
        assert message is not None and message.voice is not None
        ref = self.chat.ref(update)
        conversation = await self.chat.conversation(ref)
        question = self.chat.current_question(conversation)
        if (
            conversation is None
            or conversation.step is not Step.QUESTION
            or question is None
            or question.type is not QuestionType.FREE_TEXT
        ):
            await self._unreadable(update, context, "voice")
            return
        voice = await self.chat.voice_of(ref)
        marker = self.chat.line("telegram.voice_marker", voice)
        reply = await self.chat.ask(ref, Input(Action.TEXT, marker))
        stored = next((s for s in reply.stored if s.question_id == question.id), None)
        if stored is not None:
            async with self.chat.service.db.transaction() as session:
                session.add(
                    VoiceNote(
                        answer_id=stored.answer_id,
                        participant_id=reply.participant_id,
                        file_id=message.voice.file_id,
                        duration_seconds=_seconds(message.voice),
                    )
                )
            await self.chat.say(ref, context, self.chat.line("telegram.voice_kept", voice))
        await self.chat.show(ref, context, reply.prompts)

    async def unreadable(self, update: Update, context: Context) -> None:
        """Stickers, photos, files, contacts, places…"""
        await self._unreadable(update, context, _kind(update.effective_message))

    async def _unreadable(self, update: Update, context: Context, kind: str) -> None:
        """A kind word about what we can't read, then whatever the person is being asked."""
        ref = self.chat.ref(update)
        reply = await self.chat.ask(ref, Input(Action.OTHER))
        prompts = [p for p in reply.prompts if p.kind is not PromptKind.PROBLEM]
        voice = voice_from(prompts, self.chat.wording) if prompts else None
        voice = voice or await self.chat.voice_of(ref)
        await self.chat.say(ref, context, self.chat.line(f"telegram.unreadable.{kind}", voice))
        await self.chat.show(ref, context, prompts)

    async def edited(self, update: Update, context: Context) -> None:
        ref = self.chat.ref(update)
        voice = await self.chat.voice_of(ref)
        await self.chat.say(ref, context, self.chat.line("telegram.edited", voice))

    async def not_private(self, update: Update, context: Context) -> None:
        """In a group, say once per command that we only talk one to one; read nothing."""
        chat = update.effective_chat
        if chat is None or update.message is None:
            return  # an edit in a group: not worth a message to everyone
        await context.bot.send_message(chat.id, self.chat.wording.say("telegram.not_private"))

    async def unknown_command(self, update: Update, context: Context) -> None:
        ref = self.chat.ref(update)
        voice = await self.chat.voice_of(ref)
        await self.chat.say(ref, context, self.chat.line("telegram.unknown_command", voice))


def _kind(message: Message | None) -> str:
    if message is None:
        return "other"
    if message.sticker:
        return "sticker"
    if message.photo:
        return "photo"
    if message.document or message.video or message.animation or message.audio:
        return "file"
    if message.video_note:
        return "voice"
    if message.contact or message.location or message.venue:
        return "contact"
    return "other"


def _seconds(voice: object) -> int | None:
    with warnings.catch_warnings():  # PTB 22 warns that durations become timedeltas
        warnings.simplefilter("ignore")
        duration = getattr(voice, "duration", None)
    if isinstance(duration, dt.timedelta):
        return int(duration.total_seconds())
    return int(duration) if isinstance(duration, int | float) else None
