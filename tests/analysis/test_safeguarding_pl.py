"""The safeguarding screen in Polish: a child or parent who writes a disclosure in Polish, with
or without Polish letters, gets the supportive reply and an alert, whatever language they
chose; figures of speech and complaints about services do not.

The labelled set is ``tests/fixtures/safeguarding-pl.jsonl``: every line is a case a Polish-
speaking safeguarding lead should read (see ``analysis/safeguarding_pl.py``).
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from analysis import safeguarding_pl
from analysis.evaluate import evaluate_safeguarding, read_examples
from analysis.safeguarding import HINT, STRONG, assess, screen
from analysis.text import english_words, sentences
from tests.conftest import FIXTURES

POLISH_SET = FIXTURES / "safeguarding-pl.jsonl"
LINES = [json.loads(line) for line in POLISH_SET.read_text(encoding="utf-8").splitlines()]
DISCLOSURES = [row for row in LINES if row["risk"]]
ORDINARY = [row for row in LINES if not row["risk"]]


def test_the_polish_set_covers_every_kind_of_risk_and_figures_of_speech() -> None:
    kinds = {row["kind"] for row in DISCLOSURES}
    assert kinds == {
        "suicide",
        "self_harm",
        "abuse",
        "domestic_violence",
        "neglect",
        "exploitation",
        "unsafe",
    }
    assert len(DISCLOSURES) >= 150 and len(ORDINARY) >= 100


@pytest.mark.parametrize("row", DISCLOSURES, ids=[row["id"] for row in DISCLOSURES])
def test_every_polish_disclosure_is_noticed_and_named(row: dict[str, str]) -> None:
    found = assess(row["text"])
    assert found is not None, f"missed: {row['text']}"
    assert found.category == row["kind"], found.reasons


@pytest.mark.parametrize("row", ORDINARY, ids=[row["id"] for row in ORDINARY])
def test_figures_of_speech_and_ordinary_complaints_raise_nothing(row: dict[str, str]) -> None:
    found = assess(row["text"])
    assert found is None, f"{row['text']} ({row.get('note')}): {found and found.reasons}"


def test_the_evaluation_on_the_polish_set_is_perfect_recall_and_no_false_alarms() -> None:
    report = evaluate_safeguarding(read_examples(POLISH_SET))
    assert report["recall"] == 1.0, report["missed"]
    assert report["false_positive_rate"] == 0.0, report["false_alarms"]


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("chcę się zabić", "suicide"),
        ("nie chcę już żyć", "suicide"),
        ("tnę się", "self_harm"),
        ("ojczym mnie bije", "abuse"),
        ("nie czuję się bezpiecznie w domu", "unsafe"),
        ("boję się wracać do domu", "unsafe"),
        ("on mnie dotyka", "abuse"),
    ],
)
def test_the_disclosures_that_used_to_go_unnoticed(text: str, category: str) -> None:
    for typed in (text, _without_polish_letters(text), text.upper()):
        found = assess(typed)
        assert found is not None and found.category == category, typed


@pytest.mark.parametrize(
    "text",
    [
        "chcę się zabić",  # ordinary
        "chce sie zabic",  # no Polish letters, as on many phones
        "hce sie zabic",  # h for ch
        "się chyba zabiję",  # się first, a word between, future
        "zabiłabym się",  # feminine conditional
        "ja się kiedyś zabiję",
        "zabije sie",
        "niechce zyc",  # joined negation
    ],
)
def test_person_aspect_gender_and_spelling_do_not_matter(text: str) -> None:
    found = assess(text)
    assert found is not None and found.category == "suicide"


def test_decomposed_letters_read_as_the_letters_they_make() -> None:
    typed = unicodedata.normalize("NFD", "Chcę się zabić")  # e + combining ogonek, and so on
    assert safeguarding_pl.fold(typed) == safeguarding_pl.fold("chce sie zabic")
    assert assess(typed) is not None


def test_the_reason_quotes_what_the_person_typed() -> None:
    found = assess("Wczoraj ojczym mnie uderzył.")
    assert found is not None
    assert "abuse: 'mnie uderzył' (pl)" in found.reasons
    assert found.excerpt == "Wczoraj ojczym mnie uderzył."


@pytest.mark.parametrize(
    "text",
    [
        "napisałam list pożegnalny",
        "zbieram tabletki od miesiąca",
        "się chyba dzisiaj zabiję",
        "on grozi mi nożem",
    ],
)
def test_danger_now_in_polish_puts_999_first_in_polish(text: str) -> None:
    finding = screen(text, language="pl")
    assert finding is not None and finding.level == "immediate"
    assert finding.reply.splitlines()[0] == (
        "Jeśli grozi Ci teraz niebezpieczeństwo, zadzwoń pod numer 999."
    )


def test_a_polish_disclosure_is_noticed_when_the_person_chose_english() -> None:
    finding = screen("ojczym mnie bije", language="en")
    assert finding is not None and finding.category == "abuse"
    assert finding.reply.startswith("Thank you for telling me.")
    assert "Call 0800 1111" in finding.card


def test_an_english_disclosure_is_noticed_when_the_person_chose_polish() -> None:
    finding = screen("my stepdad hits me", language="pl")
    assert finding is not None and finding.category == "abuse"
    assert finding.reply.startswith("Dziękuję, że mi o tym mówisz.")


def test_xd_does_not_soften_a_statement_about_suicide_but_does_a_threat() -> None:
    assert assess("nie chce mi się żyć xD") is not None
    assert assess("tata mnie zabije jak zgubię telefon xD") is None


def test_the_polish_rules_weigh_cues_on_the_english_scale() -> None:
    assert (safeguarding_pl.STRONG, safeguarding_pl.HINT) == (STRONG, HINT)


def test_no_english_word_sets_off_a_polish_rule() -> None:
    """The Polish rules run on every answer, so English must never trigger them."""
    triggered = [w for w in sorted(english_words()) if safeguarding_pl.findings(w, w)]
    assert triggered == []


def test_the_polish_rules_never_fire_on_the_english_labelled_sets(data_dir: Path) -> None:
    """Which keeps the English evaluation figures exactly as they were."""
    for name in ("safeguarding-dev.jsonl", "theming-dev.jsonl"):
        for example in read_examples(data_dir / name):
            text = example.text
            for start, end in sentences(text):
                assert safeguarding_pl.findings(text[start:end], text) == [], text


def _every_labelled_text(data_dir: Path | None) -> list[str]:
    texts = [row["text"] for row in LINES]
    if data_dir is not None:
        for name in ("safeguarding-dev.jsonl", "theming-dev.jsonl"):
            texts += [example.text for example in read_examples(data_dir / name)]
    return texts


def test_the_quick_first_look_never_hides_a_rule_that_matches(
    request: pytest.FixtureRequest,
) -> None:
    """The index by opening is only ever a shortcut: it must choose every rule that matches."""
    try:
        data_dir: Path | None = request.getfixturevalue("data_dir")
    except pytest.skip.Exception:
        data_dir = None
    texts = _every_labelled_text(data_dir)
    texts += [" ".join(row["text"] for row in DISCLOSURES[i : i + 3]) for i in range(0, 150, 3)]
    for text in texts:
        matched_anywhere = False
        for start, end in sentences(text):
            words = safeguarding_pl.fold(text[start:end])
            chosen = safeguarding_pl._candidates(words)
            for rule in safeguarding_pl._RULES:
                if rule.pattern.search(words):
                    matched_anywhere = True
                    assert rule in chosen, (rule.pattern.pattern, words)
        assert safeguarding_pl.might_match(text) or not matched_anywhere, text


def _without_polish_letters(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text).replace("ł", "l").replace("Ł", "L")
    return "".join(c for c in decomposed if not unicodedata.combining(c))
