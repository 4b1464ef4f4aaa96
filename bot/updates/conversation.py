"""The people's side of updates, channel-neutral: ``/updates``, the buttons, written replies.

Each method takes who it is (a :class:`~surveys.service.ChannelRef`) and returns an
:class:`Outcome`: messages to send, perhaps a new version of the message whose button was
tapped, and a short notice for the tap itself. The Telegram glue (:mod:`bot.updates.telegram`)
only turns these into Bot API calls.

Choices follow the Children's code: nothing is on until the person chooses; every choice,
including "No updates", is one tap of equal weight; every tap is confirmed in the chat, not
only in a passing notice that screen readers miss.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.updates import replies
from bot.updates.models import Outbox, YouSaidUpdate
from bot.updates.render import (
    REACTIONS,
    READ,
    Message,
    UpdateContent,
    parse_reaction_payload,
    update_message,
)
from bot.updates.subscriptions import Choice, choose, get_choice, toggled, turn_off
from bot.updates.topics import ANSWERED, EVERYTHING, TOPICS, topic_label, topics_phrase
from surveys.models import Participant
from surveys.service import ChannelRef, SurveyService
from surveys.wording import Wording

PREFIX = "up:"
TICK = "✓ "


@dataclass(slots=True)
class Outcome:
    messages: list[Message] = field(default_factory=list)
    replace: Message | None = None  # a new version of the message that was tapped
    notice: str | None = None  # a word on the tap itself (always with a message too)
    expects_reply: int | None = None  # the update a "type your question" message is about


@dataclass(frozen=True, slots=True)
class _Person:
    id: str
    language: str
    easy: bool
    role: str | None
    under_13: bool = False


class UpdatesConversation:
    """What ``/updates``, the update buttons and replies to updates do."""

    def __init__(self, service: SurveyService, wording: Wording) -> None:
        self.service = service
        self.wording = wording
        self.replies = replies.ReplyStore(service)

    # ------------------------------------------------------------------ /updates

    async def menu(self, ref: ChannelRef) -> Outcome:
        person = await self._person(ref)
        if person is None:
            return Outcome([Message(self.wording.say("updates.need_start"))])
        if person.under_13:  # follow-up contact is not offered to under-13s (R-PRIV-11)
            return Outcome([Message(self._say(person)("updates.under_13"))])
        async with self.service.db.reading() as session:
            choice = await get_choice(session, person.id)
        return Outcome([self._menu(person, choice)])

    def _menu(self, person: _Person, choice: Choice) -> Message:
        say = self._say(person)
        if choice.receiving:
            frequency = say(f"updates.frequency.{choice.frequency}")
            topics = topics_phrase(self.wording, choice.topics, person.language, person.easy)
            current = say("updates.current.on", topics=topics, frequency=frequency)
        else:
            current = say("updates.current.off")

        def option(key: str, data: str, chosen: bool) -> tuple[str, str]:
            return (TICK if chosen else "") + say(key), PREFIX + data

        on = choice.receiving
        rows = [
            (
                option("updates.button.all", "all", on and EVERYTHING in choice.topics),
                option("updates.button.answered", "ans", on and choice.topics == {ANSWERED}),
            ),
            (option("updates.button.choose", "pick", False),),
        ]
        if on:
            rows.append(
                (
                    option("updates.button.each", "each", choice.frequency == "each"),
                    option("updates.button.monthly", "month", choice.frequency == "monthly"),
                )
            )
        rows.append((option("updates.button.off", "off", not on),))
        return Message(say("updates.menu", current=current), tuple(rows))

    def _chooser(self, person: _Person, choice: Choice) -> Message:
        say = self._say(person)
        chosen = choice.topics if choice.receiving else frozenset()
        buttons = [
            (
                (TICK if topic in chosen or EVERYTHING in chosen else "")
                + topic_label(self.wording, topic, person.language, person.easy),
                f"{PREFIX}t:{topic}",
            )
            for topic in TOPICS
        ]
        rows = tuple((b,) for b in buttons) + (((say("updates.button.done"), PREFIX + "done"),),)
        return Message(say("updates.choose"), rows)

    # ------------------------------------------------------------------ taps

    async def tap(self, ref: ChannelRef, data: str) -> Outcome:
        person = await self._person(ref)
        if person is None:
            return Outcome([Message(self.wording.say("updates.need_start"))])
        if data.startswith(PREFIX):
            if person.under_13:
                return Outcome([Message(self._say(person)("updates.under_13"))])
            return await self._choice_tap(person, data.removeprefix(PREFIX))
        parsed = parse_reaction_payload(data)
        if parsed is None:
            return Outcome([Message(self._say(person)("updates.gone"))])
        update_id, code = parsed
        if code == READ:
            return await self._read(person, update_id)
        return await self._react(person, update_id, REACTIONS[code])

    async def _choice_tap(self, person: _Person, verb: str) -> Outcome:
        say = self._say(person)
        async with self.service.db.transaction() as session:
            before = await get_choice(session, person.id)
            if verb == "pick":
                return Outcome(replace=self._chooser(person, before))
            if verb.startswith("t:"):
                topic = verb.removeprefix("t:")
                if topic not in TOPICS:
                    return Outcome([Message(say("updates.gone"))])
                current = before.topics if before.receiving else frozenset()
                after = await choose(session, person.id, topics=toggled(current, topic))
                label = topic_label(self.wording, topic, person.language, person.easy)
                ticked = topic in after.topics
                notice = say("updates.ticked" if ticked else "updates.unticked", topic=label)
                return Outcome(replace=self._chooser(person, after), notice=notice)
            after = await self._apply(session, person, verb, before)
        if after is None:
            return Outcome([Message(say("updates.gone"))])
        return Outcome([self._confirmation(person, after)], replace=self._menu(person, after))

    async def _apply(
        self, session: AsyncSession, person: _Person, verb: str, before: Choice
    ) -> Choice | None:
        if verb == "all":
            return await choose(session, person.id, topics=frozenset({EVERYTHING}))
        if verb == "ans":
            return await choose(session, person.id, topics=frozenset({ANSWERED}))
        if verb in ("each", "month"):
            frequency = "each" if verb == "each" else "monthly"
            return await choose(session, person.id, frequency=frequency)
        if verb == "off":
            return await turn_off(session, person.id)
        if verb == "done":
            return before
        return None

    def _confirmation(self, person: _Person, choice: Choice) -> Message:
        say = self._say(person)
        if not choice.receiving:
            return Message(say("updates.turned_off"))
        topics = topics_phrase(self.wording, choice.topics, person.language, person.easy)
        frequency = say(f"updates.frequency.{choice.frequency}")
        return Message(say("updates.chosen", choice=topics) + " " + frequency)

    async def _react(self, person: _Person, update_id: int, reaction: str) -> Outcome:
        say = self._say(person)
        if not await self._was_sent(person, update_id):
            return Outcome([Message(say("updates.gone"))])
        await replies.react(self.service.db, person.id, update_id, reaction)
        if reaction == "question":
            await replies.expect_reply(self.service.db, person.id, update_id)
            return Outcome([Message(say("updates.ask"))], expects_reply=update_id)
        return Outcome([Message(say(f"updates.thanks.{reaction}"))])

    async def _read(self, person: _Person, update_id: int) -> Outcome:
        """One update in full, from a round-up's "Read" button."""
        if not await self._was_sent(person, update_id):
            return Outcome([Message(self._say(person)("updates.gone"))])
        async with self.service.db.reading() as session:
            row = await session.get(YouSaidUpdate, update_id)
        assert row is not None
        content = UpdateContent(
            row.id,
            row.title,
            row.text,
            row.easy_text,
            row.picture,
            row.picture_file_id,
            row.kind,
            tuple(row.themes),
        )
        return Outcome(
            [update_message(self.wording, content, language=person.language, easy=person.easy)]
        )

    async def prompt_sent(self, ref: ChannelRef, message_id: int) -> None:
        await replies.prompt_sent(self.service.db, self.service.pseudonymise(ref), message_id)

    # ------------------------------------------------------------------ written replies

    async def text(self, ref: ChannelRef, text: str, reply_to: int | None) -> Outcome | None:
        """A typed message: a reply to an update (stored as voice), or None (not ours)."""
        if not text.strip():
            return None
        participant_id = self.service.pseudonymise(ref)
        update_id = await replies.replying_to(self.service.db, participant_id, reply_to)
        if update_id is None:
            return None
        person = await self._person(ref)
        if person is None:
            return None
        stored = await self.replies.store(
            person.id,
            update_id,
            text,
            language=person.language,
            easy=person.easy,
            role=person.role,
        )
        found = stored.finding
        messages = [Message(f"{found.reply}\n\n{found.card}")] if found else []
        messages.append(Message(self._say(person)("updates.reply_saved")))
        return Outcome(messages)

    # ------------------------------------------------------------------ helpers

    async def _person(self, ref: ChannelRef) -> _Person | None:
        """Someone who agreed to take part (only they have anything to choose about)."""
        participant_id = self.service.pseudonymise(ref)
        async with self.service.db.reading() as session:
            row = (
                await session.execute(
                    select(
                        Participant.language,
                        Participant.format,
                        Participant.age_band,
                        Participant.role,
                        Participant.consented_at,
                    ).where(Participant.id == participant_id)
                )
            ).first()
        if row is None or row.consented_at is None:
            return None
        under_13 = row.age_band == "under_13"
        easy = row.format == "easy" or under_13
        language = row.language or self.wording.base_language
        return _Person(participant_id, language, easy, row.role, under_13)

    async def _was_sent(self, person: _Person, update_id: int) -> bool:
        async with self.service.db.reading() as session:
            found = await session.scalar(
                select(Outbox.id)
                .where(
                    Outbox.participant_id == person.id,
                    Outbox.update_id == update_id,
                    Outbox.state.in_(("delivered", "bundled")),
                )
                .limit(1)
            )
            if found is None:  # a staff answer about that update counts too
                found = await session.scalar(
                    select(Outbox.id)
                    .join(replies.UpdateReply, replies.UpdateReply.id == Outbox.reply_id)
                    .where(
                        Outbox.participant_id == person.id,
                        replies.UpdateReply.update_id == update_id,
                    )
                    .limit(1)
                )
        return found is not None

    def _say(self, person: _Person) -> Callable[..., str]:
        def say(key: str, **values: object) -> str:
            return self.wording.say(key, person.language, person.easy, **values)

        return say
