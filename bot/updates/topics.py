"""What a person can ask to hear about, and the words for each, plain and easy.

The six priorities of the strategy (``P1``…``P6``) are the topics; ``answered`` means
"whatever my own answers were about" (the themes the tagger found in them) and ``all`` means
everything. Other themes the tagger knows (the 3Is, values, work-group themes) can be the
subject of an update too; they are named by their id unless the wording file names them.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from surveys.definition import PRIORITY_IDS
from surveys.wording import Wording

ANSWERED = "answered"
EVERYTHING = "all"
TOPICS: tuple[str, ...] = (*PRIORITY_IDS, ANSWERED)
FREQUENCIES = ("each", "monthly")


def topic_label(wording: Wording, topic: str, language: str = "", easy: bool = False) -> str:
    """The words for one topic or theme, e.g. ``P1`` → "Finding needs early, and assessments".

    The six priorities have plain (and easy) words of our own; any other theme is named as
    the strategy codebook names it, or by its id.
    """
    key = f"updates.topic.{topic}"
    if wording.has(key):
        return wording.say(key, language, easy)
    return codebook_labels().get(topic, topic)


@functools.cache
def codebook_labels() -> dict[str, str]:
    """Theme id → label from the strategy codebook (config/strategy.yaml), if it loads."""
    try:
        from analysis.codebook import Codebook

        book = Codebook.load()
    except Exception:  # noqa: BLE001 - without a codebook, themes are named by their ids
        return {}
    return {code.id: code.label for code in book.codes}


def topics_phrase(
    wording: Wording, topics: Iterable[str], language: str = "", easy: bool = False
) -> str:
    """Several topics as one phrase, in the order the strategy lists them."""
    chosen = set(topics)
    if EVERYTHING in chosen:
        return topic_label(wording, EVERYTHING, language, easy)
    ordered = [t for t in TOPICS if t in chosen] + sorted(chosen - set(TOPICS))
    return "; ".join(topic_label(wording, t, language, easy) for t in ordered)
