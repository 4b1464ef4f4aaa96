"""The safeguarding screen: it notices disclosures however they are written, lets figures of
speech go, and answers calmly with the card — 999 first when the danger sounds immediate."""

from __future__ import annotations

import datetime as dt

import pytest

from analysis.safeguarding import Signposting, assess, screen, signposting_card


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("i want to kill myself", "suicide"),
        ("im gonna kms", "suicide"),  # text-speak
        ("i feel sucidal every night", "suicide"),  # misspelt
        ("no one would even notice if i was gone", "suicide"),  # indirect
        ("ive been cuting again", "self_harm"),
        ("i hurt myself on purpose last nite 😔", "self_harm"),
        ("me mam says she'll kill me if i tell the social", "abuse"),  # dialect, a threat
        ("my step dad touches me and says its our secret", "abuse"),
        ("there's no food in the house most days", "neglect"),
        ("My husband hit me again last week in front of the kids", "domestic_violence"),
        ("older lads give me money to take packages places", "exploitation"),
        ("I am frightened at home.", "unsafe"),
    ],
)
def test_disclosures_are_noticed(text: str, category: str) -> None:
    found = assess(text)
    assert found is not None
    assert found.category == category
    assert found.reasons


@pytest.mark.parametrize(
    "text",
    [
        "this wait is killing me",
        "I nearly died laughing at the youth forum",
        "I'd kill for a full night's sleep",
        "Dad's gonna kill me when he sees my report lol",
        "I want to die of embarrassment when they ring about his behaviour",
        "I don't want to be here anymore - at this school, I mean.",
        "My daughter self harmed two years ago. CAMHS were fantastic and she's doing well now.",
        "my son's PE teacher beat him at table tennis",
        "We've been neglected by the council for years",
        "my son hits me when he has a meltdown, we need help with his behaviour",
    ],
)
def test_ordinary_frustration_and_figures_of_speech_are_let_go(text: str) -> None:
    assert assess(text) is None


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("a man i met on roblox keeps asking me for pics", "exploitation"),
        ("I am embarrassed to say this but my dad hits me", "abuse"),
        ("he hits me when i get home from football", "abuse"),
        ("i dont feel safe at home after my lesson", "unsafe"),
        ("my coach touches me after training lol", "abuse"),
    ],
)
def test_a_game_a_lesson_or_a_joke_never_hides_what_someone_does_to_a_child(
    text: str, category: str
) -> None:
    """Context words let a figure of speech go ("died laughing"), never a disclosure."""
    found = assess(text)
    assert found is not None and category in found.categories


@pytest.mark.parametrize(
    "text",
    [
        "I died laughing at the film",
        "we had a lesson on suicide prevention",
        "I killed him in fifa",
    ],
)
def test_games_lessons_and_jokes_still_let_figures_of_speech_go(text: str) -> None:
    assert assess(text) is None


def test_immediate_danger_puts_999_first() -> None:
    finding = screen("I've been saving up my tablets and I'm going to take them tonight")
    assert finding is not None
    assert finding.level == "immediate"
    assert finding.reply.splitlines()[0] == "If you are in danger now, call 999."


def test_a_concern_gets_the_card_without_the_999_line_first() -> None:
    finding = screen("there's no food in the house most days and mum sleeps all day")
    assert finding is not None
    assert finding.level == "concern"
    assert not finding.reply.startswith("If you are in danger now")
    assert "999" in finding.card.splitlines()[1]


def test_the_kind_words_and_the_card_are_separate_parts_each_said_once() -> None:
    finding = screen("i dont feel safe at home")
    assert finding is not None
    assert finding.card == signposting_card()
    assert "0800 1111" not in finding.reply and "You can talk to someone now" not in finding.reply
    assert finding.card.count("0800 1111") == 1
    assert finding.reply.endswith(
        "You can carry on with the questions when you're ready, or stop at any time."
    )


def test_the_reply_is_honest_that_a_person_may_need_to_help() -> None:
    finding = screen("i dont feel safe at home")
    assert finding is not None
    reply = finding.reply.lower()
    assert "a person at the council may need to help keep you safe" in reply
    for promise in ("secret", "won't tell", "will not tell", "between us", "confidential"):
        assert promise not in reply


def test_the_card_lists_every_service_with_999_first() -> None:
    card = signposting_card()
    lines = card.splitlines()[1:]
    assert "999" in lines[0]
    for number in ("111", "option 2", "0800 1111", "85258", "116 123", "mindmate.org.uk"):
        assert number in card


def test_easy_read_reply_is_shorter_and_still_honest() -> None:
    plain = screen("i want to kill myself")
    easy = screen("i want to kill myself", easy=True)
    assert plain is not None and easy is not None
    assert len(easy.reply) < len(plain.reply)
    assert "person at the council" in easy.reply


def test_excerpt_is_the_sentence_that_raised_the_concern() -> None:
    found = assess("The plan is fine I suppose. Last week he hit me in front of the kids.")
    assert found is not None
    assert found.excerpt == "Last week he hit me in front of the kids."


def test_signposting_numbers_were_checked_in_the_last_six_months() -> None:
    # R-SAFE-02: a stale card fails the build; check the numbers and move last_verified on.
    verified = Signposting.load().last_verified
    assert dt.date.today() - verified <= dt.timedelta(days=183), (
        f"config/signposting.yaml was last verified on {verified}: check every number again"
    )


@pytest.mark.parametrize("text", ["", "   ", "👍", "no", "1234"])
def test_empty_or_odd_input_raises_nothing(text: str) -> None:
    assert assess(text) is None
