"""Who an update goes to: only people who asked for it, narrowed by the filters staff chose.

Every audience starts from people who opted in (``/updates``), have not sent ``/stop``
since, can be reached on Telegram, and whose choice covers the update: "everything", one of
its themes, or "things I answered about" when their own answers were tagged with one of its
themes. Staff filters (role, age band, language, a survey answered, tagged answers only)
only ever narrow that group; there is no way to reach anyone who did not ask.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.updates.models import SubscriptionTopic, UpdateSubscription
from bot.updates.topics import ANSWERED, EVERYTHING
from surveys.engine import AGE_BANDS, ROLES
from surveys.models import Answer, AnswerTag, ChannelAddress, Participant

CHANNEL = "telegram"


class Audience(BaseModel):
    """Filters staff may add. Empty lists mean "anyone who asked"."""

    model_config = ConfigDict(extra="forbid")

    roles: list[str] = Field(default_factory=list)
    age_bands: list[str] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=list)
    surveys: list[str] = Field(default_factory=list)  # people who answered one of these
    tagged: bool = False  # only people whose answers were tagged with the update's themes

    @field_validator("roles")
    @classmethod
    def _roles(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(ROLES))
        if unknown:
            raise ValueError(f"unknown role {', '.join(unknown)}; use {', '.join(ROLES)}")
        return sorted(set(value))

    @field_validator("age_bands")
    @classmethod
    def _age_bands(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(AGE_BANDS))
        if unknown:
            raise ValueError(f"unknown age band {', '.join(unknown)}; use {', '.join(AGE_BANDS)}")
        return sorted(set(value))

    @field_validator("languages", "surveys")
    @classmethod
    def _codes(cls, value: list[str]) -> list[str]:
        return sorted({v.strip() for v in value if v.strip()})

    def describe(self) -> str:
        """The filters in words, for staff screens and the CLI."""
        parts = []
        if self.roles:
            parts.append("role: " + ", ".join(self.roles))
        if self.age_bands:
            parts.append("age: " + ", ".join(self.age_bands))
        if self.languages:
            parts.append("language: " + ", ".join(self.languages))
        if self.surveys:
            parts.append("answered: " + ", ".join(self.surveys))
        if self.tagged:
            parts.append("only people who raised these themes")
        return "; ".join(parts) or "everyone who asked for updates like this"


def tagged_with(participant_id: ColumnElement[str], themes: Sequence[str]) -> ColumnElement[bool]:
    """This person has an answer (not withdrawn, not restricted) tagged with one of ``themes``.

    A tag an analyst rejected does not count; an unreviewed or confirmed one does.
    """
    return (
        exists()
        .where(
            Answer.participant_id == participant_id,
            Answer.superseded_at.is_(None),
            Answer.restricted.is_(False),
            AnswerTag.answer_id == Answer.id,
            AnswerTag.tag.in_(list(themes)),
            or_(AnswerTag.verified.is_(None), AnswerTag.verified.is_(True)),
        )
        .correlate_except(Answer, AnswerTag)
    )


def wants(participant_id: ColumnElement[str], themes: Sequence[str]) -> ColumnElement[bool]:
    """The person's own choice covers an update about ``themes``."""
    covered = [SubscriptionTopic.topic == EVERYTHING]
    if themes:
        covered.append(SubscriptionTopic.topic.in_(list(themes)))
        covered.append(
            and_(SubscriptionTopic.topic == ANSWERED, tagged_with(participant_id, themes))
        )
    return exists().where(SubscriptionTopic.participant_id == participant_id, or_(*covered))


def reachable_now() -> ColumnElement[bool]:
    """Opted in, not stopped, not known to have blocked the bot, 13 or over."""
    return and_(
        UpdateSubscription.active.is_(True),
        Participant.reachable.is_(True),
        Participant.stopped_at.is_(None),
        Participant.consented_at.is_not(None),
        # Follow-up contact is never offered to under-13s (R-PRIV-11); belt and braces here.
        func.coalesce(Participant.age_band, "") != "under_13",
    )


def recipients(themes: Sequence[str], audience: Audience) -> Select[tuple[str, str]]:
    """(participant id, frequency) of everyone an update about ``themes`` would go to."""
    query = (
        select(Participant.id, UpdateSubscription.frequency)
        .join(UpdateSubscription, UpdateSubscription.participant_id == Participant.id)
        .join(
            ChannelAddress,
            and_(
                ChannelAddress.participant_id == Participant.id, ChannelAddress.channel == CHANNEL
            ),
        )
        .where(reachable_now(), wants(Participant.id, themes))
    )
    if audience.roles:
        query = query.where(Participant.role.in_(audience.roles))
    if audience.age_bands:
        query = query.where(Participant.age_band.in_(audience.age_bands))
    if audience.languages:
        query = query.where(func.coalesce(Participant.language, "en").in_(audience.languages))
    if audience.surveys:
        query = query.where(
            exists().where(
                Answer.participant_id == Participant.id,
                Answer.survey_id.in_(audience.surveys),
                Answer.superseded_at.is_(None),
            )
        )
    if audience.tagged:
        query = query.where(tagged_with(Participant.id, themes))
    return query


async def count_recipients(session: AsyncSession, themes: Sequence[str], audience: Audience) -> int:
    query = select(func.count()).select_from(recipients(themes, audience).subquery())
    return int(await session.scalar(query) or 0)
