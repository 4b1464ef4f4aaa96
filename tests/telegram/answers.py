"""Reading what the store holds for a Telegram user, for assertions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from surveys.models import Answer, Participant, SurveyRun
from surveys.service import ChannelRef
from tests.telegram.harness import BotHarness


def participant_id(bot: BotHarness, user_id: int) -> str:
    assert bot.services is not None
    return bot.services.survey_service.pseudonymise(ChannelRef("telegram", str(user_id)))


async def current_answers(bot: BotHarness, user_id: int) -> dict[str, Any]:
    """question id → the answer in force (value, or text for free text; status if not)."""
    assert bot.services is not None
    async with bot.services.db.reading() as session:
        rows = (
            await session.scalars(
                select(Answer)
                .where(
                    Answer.participant_id == participant_id(bot, user_id),
                    Answer.superseded_at.is_(None),
                )
                .order_by(Answer.id)
            )
        ).all()
    return {
        a.question_id: (a.text if a.text is not None else a.value)
        if a.status == "answered"
        else a.status
        for a in rows
    }


async def participant(bot: BotHarness, user_id: int) -> Participant | None:
    assert bot.services is not None
    async with bot.services.db.reading() as session:
        return await session.get(Participant, participant_id(bot, user_id))


async def runs(bot: BotHarness, user_id: int) -> list[SurveyRun]:
    assert bot.services is not None
    async with bot.services.db.reading() as session:
        return list(
            (
                await session.scalars(
                    select(SurveyRun).where(
                        SurveyRun.participant_id == participant_id(bot, user_id)
                    )
                )
            ).all()
        )
