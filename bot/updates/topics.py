"""What a person can ask to hear about, and the words for each, plain and easy.

The six priorities of the strategy (``P1``…``P6``) are the topics; ``answered`` means
"whatever my own answers were about" (the themes the tagger found in them) and ``all`` means
everything. Other themes the tagger knows (the 3Is, values, work-group themes) can be the
subject of an update too; they are named by their id unless the wording file names them.
"""

from __future__ import annotations

from collections.abc import Iterable

from surveys.definition import PRIORITY_IDS
from surveys.wording import Wording

ANSWERED = "answered"
EVERYTHING = "all"
TOPICS: tuple[str, ...] = (*PRIORITY_IDS, ANSWERED)
FREQUENCIES = ("each", "monthly")


def topic_label(wording: Wording, topic: str, language: str = "", easy: bool = False) -> str:
    """The words for one topic or theme, e.g. ``P1`` → "Finding needs early, and assessments"."""
    key = f"updates.topic.{topic}"
    return wording.say(key, language, easy) if wording.has(key) else topic


def topics_phrase(
    wording: Wording, topics: Iterable[str], language: str = "", easy: bool = False
) -> str:
    """Several topics as one phrase, in the order the strategy lists them."""
    chosen = set(topics)
    if EVERYTHING in chosen:
        return topic_label(wording, EVERYTHING, language, easy)
    ordered = [t for t in TOPICS if t in chosen] + sorted(chosen - set(TOPICS))
    return "; ".join(topic_label(wording, t, language, easy) for t in ordered)
