"""Sentiment as people write about services: complaints without 'sad' words, praise, sarcasm."""

from __future__ import annotations

import pytest

from analysis.sentiment import score


@pytest.mark.parametrize(
    "text",
    [
        "The EHC plan took 40 weeks, far too long.",
        "Speech and language therapy was cancelled again.",
        "No support at all until he was excluded.",
        "nobody asked me what i wanted in my plan",
        "we never had any help for my dyspraxia, they never even tested me",
        "Fantastic system. Only took three years and a tribunal to get a plan.",
        "still waiting for CAMHS",
    ],
)
def test_complaints_are_negative(text: str) -> None:
    result = score(text)
    assert result.label == "negative"
    assert -1.0 <= result.score < 0


@pytest.mark.parametrize(
    "text",
    [
        "They finally listened to us.",
        "Short breaks have been a lifeline.",
        "the teachers at my new school r sound",
        "Our key worker has made all the difference.",
        "I can't fault the school.",
    ],
)
def test_praise_is_positive(text: str) -> None:
    result = score(text)
    assert result.label == "positive"
    assert 0 < result.score <= 1.0


@pytest.mark.parametrize(
    "text", ["No comment", "idk", "more support please", "Fine.", "I have no issues.", ""]
)
def test_non_answers_and_plain_requests_are_neutral(text: str) -> None:
    assert score(text).label == "neutral"
