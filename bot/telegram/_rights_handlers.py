"""Commands that are always there: help, privacy, surveys, format, my data, delete, stop."""

from __future__ import annotations

import contextlib

from sqlalchemy import select
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest

from bot.mydata import VoiceNoteState, read_kept
from bot.signposting import HelpCard
from bot.telegram._chat import Chat, Context
from bot.telegram._render import ADAPTER_PREFIX, adapter_button, callback_data
from bot.telegram._rights import help_text, my_data_text, privacy_text
from bot.telegram.models import VoiceNote
from surveys.engine import FORMATS, Action, Input, menu_title, surveys_to_offer
from surveys.service import ChannelRef, UnknownParticipant


class RightsHandlers:
    def __init__(self, chat: Chat, card: HelpCard) -> None:
        self.chat = chat
        self.card = card

    async def help(self, update: Update, context: Context) -> None:
        ref = self.chat.ref(update)
        voice = await self.chat.voice_of(ref)
        text = help_text(self.chat.wording, self.card, voice.language, voice.easy)
        await self.chat.say(ref, context, text)

    async def privacy(self, update: Update, context: Context) -> None:
        ref = self.chat.ref(update)
        voice = await self.chat.voice_of(ref)
        await self.chat.say(
            ref, context, privacy_text(self.chat.wording, voice.language, voice.easy)
        )

    async def surveys(self, update: Update, context: Context) -> None:
        """What this person can answer, as buttons (the engine starts or resumes each)."""
        ref = self.chat.ref(update)
        voice = await self.chat.voice_of(ref)
        service = self.chat.service
        offered = surveys_to_offer(
            service.surveys.values(), voice.role, await service.completed_surveys(ref)
        )
        if not offered:
            await self.chat.say(ref, context, self.chat.line("telegram.surveys_none", voice))
            return
        markup = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        menu_title(self.chat.wording, survey, voice.language),
                        callback_data=callback_data(Input(Action.START, f"s_{survey.id}")),
                    )
                ]
                for survey in offered
            ]
        )
        await self.chat.say(ref, context, self.chat.line("telegram.surveys", voice), markup)

    async def format(self, update: Update, context: Context) -> None:
        """Words, easy words or listen: changeable at any time."""
        ref = self.chat.ref(update)
        voice = await self.chat.voice_of(ref)
        markup = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        self.chat.line(f"format.{name}", voice),
                        callback_data=callback_data(Input(Action.FORMAT, name)),
                    )
                ]
                for name in FORMATS
            ]
        )
        await self.chat.say(ref, context, self.chat.line("telegram.format_ask", voice), markup)

    async def my_data(self, update: Update, context: Context) -> None:
        ref = self.chat.ref(update)
        voice = await self.chat.voice_of(ref)
        try:
            data = await self.chat.service.my_data(ref)
        except UnknownParticipant:
            await self.chat.say(ref, context, self.chat.line("telegram.mydata_none", voice))
            return
        kept = read_kept(
            self.chat.wording,
            data,
            language=voice.language,
            easy=voice.easy,
            tz=self.chat.tz,
            voice_notes=await self._voice_notes(ref),
        )
        text = my_data_text(kept, self.chat.wording, voice.language, voice.easy)
        await self.chat.say(ref, context, text)

    async def _voice_notes(self, ref: ChannelRef) -> dict[int, VoiceNoteState]:
        """Voice notes not typed up, by answer: a typed-up note's answer is the typed words."""
        participant_id = self.chat.service.pseudonymise(ref)
        async with self.chat.service.db.reading() as session:
            rows = await session.execute(
                select(VoiceNote.answer_id, VoiceNote.unclear_at).where(
                    VoiceNote.participant_id == participant_id,
                    VoiceNote.transcribed_at.is_(None),
                )
            )
            return {
                answer_id: VoiceNoteState.UNCLEAR if unclear else VoiceNoteState.WAITING
                for answer_id, unclear in rows
            }

    async def delete(self, update: Update, context: Context) -> None:
        """Ask first: erasing can't be undone. Someone we keep nothing about is told so at
        once, not asked whether to delete "all your answers"."""
        ref = self.chat.ref(update)
        voice = await self.chat.voice_of(ref)
        if await self.chat.service.participant_id_for(ref) is None:
            await self.chat.say(ref, context, self.chat.line("telegram.delete_nothing", voice))
            return
        markup = InlineKeyboardMarkup(
            [
                [adapter_button(self.chat.line("telegram.delete_yes", voice), "erase")],
                [adapter_button(self.chat.line("telegram.delete_no", voice), "keep")],
            ]
        )
        await self.chat.say(ref, context, self.chat.line("telegram.delete_confirm", voice), markup)

    async def delete_answer(self, update: Update, context: Context) -> None:
        """The answer to "delete everything?": erase, or keep."""
        query = update.callback_query
        assert query is not None
        ref = self.chat.ref(update)
        voice = await self.chat.voice_of(ref)
        await self.chat.answer(query)
        if isinstance(query.message, Message):  # settled: the buttons can't be tapped twice
            message = query.message
            with contextlib.suppress(BadRequest):
                await self.chat.deliver(ref, lambda: message.edit_reply_markup(None))
        if (query.data or "").removeprefix(ADAPTER_PREFIX) != "erase":
            await self.chat.say(ref, context, self.chat.line("telegram.delete_kept", voice))
            return
        if await self.chat.service.participant_id_for(ref) is None:
            await self.chat.say(ref, context, self.chat.line("telegram.delete_nothing", voice))
            return
        count = await self.chat.service.erase(ref)
        self.chat.forget(ref)
        await self.chat.say(ref, context, self.chat.line("telegram.deleted", voice, count=count))

    async def stop(self, update: Update, context: Context) -> None:
        """No more proactive messages; answering still works."""
        ref = self.chat.ref(update)
        voice = await self.chat.voice_of(ref)
        known = await self.chat.service.stop_messages(ref)
        key = "telegram.stopped" if known else "telegram.stopped_unknown"
        await self.chat.say(ref, context, self.chat.line(key, voice))
