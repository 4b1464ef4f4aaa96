"""Driving the service the way a channel does, for store and property tests."""

from __future__ import annotations

from surveys.engine import Action, Input
from surveys.service import ChannelRef, Reply, SurveyService

ONBOARD_PARENT = [
    Input(Action.CHOOSE, "yes"),
    Input(Action.CHOOSE, "parent_carer"),
    Input(Action.CHOOSE, "words"),
]


async def start_as_parent(
    service: SurveyService, ref: ChannelRef, survey_id: str, language: str | None = "en"
) -> Reply:
    """Consent, choose parent/carer and words, and reach the survey's first question."""
    reply = await service.handle(ref, Input(Action.START, survey_id))
    for given in ONBOARD_PARENT:
        reply = await service.handle(ref, given)
    if reply.step.value == "language" and language:
        reply = await service.handle(ref, Input(Action.CHOOSE, language))
    if reply.step.value == "answering_as":
        reply = await service.handle(ref, Input(Action.CHOOSE, "parent_view"))
    return reply


def question_prompt(reply: Reply):  # noqa: ANN201 - a Prompt or None
    return next((p for p in reply.prompts if p.question_id), None)
