"""One rule for which words a person reads, in surveys, the bot's wording and the help card:
their language first, then easy words; easy English only for what is not translated at all."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from analysis.safeguarding import Signposting, Words
from surveys.definition import SurveyCatalog
from surveys.engine import Action, Context, Conversation, Input, PromptKind, advance
from surveys.reading import choose_text
from surveys.wording import Wording

PLAIN = {"en": "Where does your child learn?", "pl": "Gdzie uczy się twoje dziecko?"}
EASY = {"en": "Where do you go to school?"}


def test_plain_words_in_the_persons_language_come_before_easy_words_in_english() -> None:
    def read(language: str, easy: bool, easy_texts: dict[str, str] = EASY) -> tuple[str, str]:
        found = choose_text(PLAIN, easy_texts, language=language, base="en", wants_easy=easy)
        assert found is not None
        return found

    assert read("pl", True) == ("Gdzie uczy się twoje dziecko?", "pl")
    assert read("pl", False) == ("Gdzie uczy się twoje dziecko?", "pl")
    assert read("en", True) == ("Where do you go to school?", "en")
    assert read("de", True) == ("Where do you go to school?", "en"), "nothing in German"
    assert read("de", False) == ("Where does your child learn?", "en")
    polish_easy = {**EASY, "pl": "Gdzie chodzisz do szkoły?"}
    assert read("pl", True, polish_easy) == ("Gdzie chodzisz do szkoły?", "pl")
    assert choose_text({}, None, language="pl", base="en", wants_easy=True) is None


def test_a_survey_the_wording_and_the_help_card_choose_alike(
    test_surveys: SurveyCatalog, tmp_path: Path
) -> None:
    """A Polish speaker who chose easy words, where only English has easy words, reads Polish
    in the question, in the bot's own line and on the help card."""
    wording_file = tmp_path / "wording.yaml"
    wording_file.write_text(
        json.dumps({"messages": {"where": {**PLAIN}, "where.easy": {**EASY}}}), encoding="utf-8"
    )
    wording = Wording.load(wording_file)
    card = Signposting.from_mapping(
        {
            "last_verified": dt.date(2026, 11, 22),
            "services": [
                {
                    "id": "emergency",
                    "name": "999",
                    "contact": "Call 999",
                    "when": PLAIN,
                    "when_easy": EASY,
                }
            ],
        },
        "test card",
    )
    context, conversation = Context(test_surveys, Wording.load()), Conversation()
    steps = [(Action.START, "all_types"), (Action.CHOOSE, "yes"), (Action.CHOOSE, "parent_carer")]
    steps += [(Action.CHOOSE, "easy"), (Action.CHOOSE, "pl"), (Action.CHOOSE, "parent_view")]
    for action, value in steps:
        outcome = advance(context, conversation, Input(action, value))
        conversation = outcome.conversation
    asked = next(p for p in outcome.prompts if p.kind is PromptKind.QUESTION)

    assert asked.easy and asked.text == PLAIN["pl"]
    assert wording.say("where", "pl", easy=True) == PLAIN["pl"]
    assert card.lines("pl", easy=True)[0].when == Words(PLAIN["pl"], "pl")
