"""Composing an update: checks staff can act on, the reach preview, and the numbers."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.updates import compose, replies
from bot.updates.audience import Audience
from bot.updates.disclosure import DisclosureRule, protect_counts, reach_phrase, shown
from bot.updates.fanout import fan_out_due
from bot.updates.numbers import update_numbers
from surveys.database import Database
from surveys.definition import SurveyCatalog
from surveys.service import Pseudonymiser, SurveyService
from surveys.wording import Wording
from tests.updates.support import Person, add_people

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def test_every_problem_with_a_draft_is_named_at_once(wording: Wording) -> None:
    with pytest.raises(compose.DraftError) as caught:
        compose.parse_draft(
            wording,
            title="",
            text="x" * 4000,
            themes=["P1", "not a theme!"],
            audience={"roles": ["wizard"], "age_bands": ["40_50"]},
            picture=b"GIF89a....",
        )
    problems = " | ".join(caught.value.problems)
    assert "Title is needed" in problems
    assert "Text is too long" in problems
    assert "'not a theme!' is not a theme id" in problems
    assert "unknown role wizard" in problems
    assert "unknown age band 40_50" in problems
    assert "PNG or JPEG" in problems


def test_with_a_picture_the_words_must_fit_a_caption(wording: Wording) -> None:
    with pytest.raises(compose.DraftError, match="1,024 characters with a picture"):
        compose.parse_draft(wording, title="Play scheme", text="word " * 250, picture=PNG)
    draft = compose.parse_draft(wording, title="Play scheme", text="It opens in May.", picture=PNG)
    assert draft.picture == PNG


def test_themes_are_tidied(wording: Wording) -> None:
    draft = compose.parse_draft(wording, title="t", text="x", themes=[" p1", "P1", "values.voice"])
    assert draft.themes == ["P1", "values.voice"]


RULE = DisclosureRule(k=10, round_to=5)


def test_reach_is_never_shown_below_k() -> None:
    assert reach_phrase(0, RULE) == "no one yet"
    assert reach_phrase(3, RULE) == "fewer than 10 people"
    assert reach_phrase(9, RULE) == "fewer than 10 people"
    assert reach_phrase(10, RULE) == "about 10 people"
    assert reach_phrase(123, RULE) == "about 125 people"


def test_one_small_part_of_a_total_takes_another_with_it() -> None:
    parts = protect_counts({"delivered": 40, "blocked": 3, "failed": 0, "waiting": 12}, {}, RULE)
    assert parts["blocked"].display == "fewer than 10"
    assert parts["waiting"].suppressed  # else 55 - 40 - 0 would give the 3 away
    assert parts["delivered"].value == 40 and parts["failed"].value == 0
    assert parts["total"].value == 55
    assert shown(7, RULE).display == "fewer than 10"


async def test_the_preview_counts_only_people_who_asked_and_match(
    db: Database, wording: Wording
) -> None:
    await add_people(
        db,
        [
            *(Person(n, role="parent_carer", tags=("P1",)) for n in range(12)),
            *(Person(20 + n, role="young_person", age_band="13_15") for n in range(11)),
            *(Person(40 + n, topics=("P3",)) for n in range(8)),
            *(Person(60 + n, subscribed=False) for n in range(30)),
            Person(99, role="young_person", age_band="16_17", language="pl"),
        ],
    )

    async def reach(themes: list[str], **audience: object) -> int:
        draft = compose.parse_draft(
            wording, title="t", text="x", themes=themes, audience=Audience(**audience)
        )
        return (await compose.preview_reach(db, draft, RULE)).count

    assert await reach(["P1"]) == 12 + 11 + 1  # "everything" subscribers; P3 ones excluded
    assert await reach(["P3"]) == 12 + 11 + 1 + 8
    assert await reach(["P1"], tagged=True) == 12
    assert await reach(["P1"], roles=["young_person"]) == 12
    assert await reach(["P1"], age_bands=["13_15"]) == 11
    assert await reach(["P1"], languages=["pl"]) == 1
    assert await reach(["P1"], surveys=["waiting"]) == 12
    draft = compose.parse_draft(wording, title="t", text="x", themes=["P1"])
    assert (await compose.preview_reach(db, draft, RULE)).phrase == "about 25 people"
    polish = compose.parse_draft(
        wording, title="t", text="x", themes=["P1"], audience=Audience(languages=["pl"])
    )
    assert (await compose.preview_reach(db, polish, RULE)).phrase == "fewer than 10 people"


async def test_numbers_count_delivery_reactions_and_replies_with_small_ones_hidden(
    db: Database, wording: Wording, test_surveys: SurveyCatalog
) -> None:
    people = [Person(n) for n in range(30)]
    await add_people(db, people)
    draft = compose.parse_draft(wording, title="Waits", text="Shorter now.", themes=["P1"])
    update_id = await compose.save(db, draft, by="vic")
    await fan_out_due(db, dt.datetime.now(dt.UTC))
    for person in people[:12]:
        assert await replies.react(db, person.id, update_id, "helps")
    for person in people[12:15]:
        assert await replies.react(db, person.id, update_id, "not_really")
    store = replies.ReplyStore(SurveyService(db, test_surveys, wording, Pseudonymiser(b"k")))
    await store.store(people[0].id, update_id, "Thank you, this is good news.")

    numbers = await update_numbers(db, update_id, RULE)
    assert numbers is not None
    shown = numbers.as_dict()
    assert shown["reached"] == 30
    assert shown["waiting"] == 30  # nothing sent yet
    assert shown["helps"] == 10  # 12, rounded to 5
    assert shown["not_really"] == "fewer than 10"
    assert shown["replies"] == "fewer than 10"
    assert shown["blocked"] == 0


@pytest.mark.parametrize(
    ("data", "parsed"),
    [
        ("ur:12:h", (12, "h")),
        ("ur:7:q", (7, "q")),
        ("ur:¹:h", None),
        ("ur:12:x", None),
        ("vs:1:h", None),
    ],
)
def test_update_buttons_are_read_strictly(data: str, parsed: tuple[int, str] | None) -> None:
    """A forged or garbled button payload is ignored, never an error."""
    from bot.updates.render import parse_reaction_payload

    assert parse_reaction_payload(data) == parsed
