"""The bot's own words in another language: a Polish parent sees no English buttons."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from surveys.definition import SurveyCatalog
from surveys.engine import Action, Context, Conversation, Input, Profile, advance
from surveys.wording import DEFAULT_WORDING_PATH, Wording, WordingError

# Names that stay as they are in every language.
UNTRANSLATED = {"area_name", "intro_heading"}


def test_every_message_has_a_polish_translation_with_the_same_placeholders() -> None:
    base = yaml.safe_load(DEFAULT_WORDING_PATH.read_text(encoding="utf-8"))["messages"]
    polish_file = DEFAULT_WORDING_PATH.with_name("wording.pl.yaml")
    polish = yaml.safe_load(polish_file.read_text(encoding="utf-8"))["messages"]
    wanted = {k for k in base if k not in UNTRANSLATED and not k.startswith("language.")}
    assert wanted - set(polish) == set()
    assert set(polish) - set(base) == set()


def test_a_polish_parent_sees_the_survey_and_the_bot_in_polish(
    bundled_surveys: SurveyCatalog, wording: Wording
) -> None:
    ctx = Context(bundled_surveys, wording)
    conversation = Conversation(
        consented=True, profile=Profile(role="practitioner", format="words", language="pl")
    )
    prompts = advance(ctx, conversation, Input(Action.START, "parent_carer_priorities")).prompts
    question = prompts[-1]
    assert question.progress == "Pytanie 1 z 12"
    assert question.text.startswith("Ile lat ma dziecko")
    assert [c.label for c in question.controls] == [
        "Pomiń",
        "Wolę nie odpowiadać",
        "Nie rozumiem",
        "Pauza",
    ]
    prompts = advance(ctx, conversation, Input(Action.CHOOSE, "11_15")).prompts
    assert prompts[0].text == "Wybrano: 11–15 lat"
    assert "⬅ Wstecz" in [c.label for c in prompts[-1].controls]


def _wording(tmp_path: Path, base: str, polish: str) -> Wording:
    (tmp_path / "wording.yaml").write_text(base, encoding="utf-8")
    (tmp_path / "wording.pl.yaml").write_text(polish, encoding="utf-8")
    return Wording.load(tmp_path / "wording.yaml")


BASE = """\
base_language: en
messages:
  chose: "You chose: {answer}"
  chose.easy: "You picked: {answer}"
  skipped: "Skipped."
"""


def test_a_polish_easy_read_user_gets_polish_before_english_easy_read(tmp_path: Path) -> None:
    wording = _wording(tmp_path, BASE, 'language: pl\nmessages:\n  chose: "Wybrano: {answer}"\n')
    assert wording.say("chose", "pl", easy=True, answer="Tak") == "Wybrano: Tak"
    assert wording.say("chose", "en", easy=True, answer="Yes") == "You picked: Yes"
    assert wording.say("skipped", "pl") == "Skipped."  # not translated: English, not an error


def test_a_translation_of_a_message_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    with pytest.raises(WordingError, match="message 'skiped' is not in the base wording"):
        _wording(tmp_path, BASE, 'language: pl\nmessages:\n  skiped: "Pominięto."\n')


def test_a_translation_with_a_placeholder_the_english_lacks_is_refused(tmp_path: Path) -> None:
    with pytest.raises(WordingError, match=r"message 'chose' uses odpowiedz"):
        _wording(tmp_path, BASE, 'language: pl\nmessages:\n  chose: "Wybrano: {odpowiedz}"\n')


def test_a_message_written_twice_is_refused_saying_which(tmp_path: Path) -> None:
    """YAML would silently keep the second; an edit to the first would vanish unseen."""
    base = 'messages:\n  chose: "You chose {answer}"\n  chose: "Chosen: {answer}"\n'
    (tmp_path / "wording.yaml").write_text(base, encoding="utf-8")
    with pytest.raises(WordingError, match="'chose' appears twice"):
        Wording.load(tmp_path / "wording.yaml")
