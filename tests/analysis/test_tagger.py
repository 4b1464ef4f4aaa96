"""The tagger: what a VIC analyst would check by reading the tags an answer gets."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.codebook import CodebookError
from analysis.theming import TAGGER_VERSION, Tagger


def ids(tagger: Tagger, text: str, kind: str = "priority") -> set[str]:
    return {t.id for t in tagger.tag(text) if t.kind == kind}


def test_negation_keeps_the_theme(tagger: Tagger) -> None:
    # "never had any training" is still about training (P2), and so is the positive version.
    assert "P2" in ids(tagger, "Our teachers have never had any autism training.")
    assert "P2" in ids(tagger, "The staff have had brilliant autism training.")
    assert "P3" in ids(tagger, "There is nothing in his plan about speech.")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("waited ages for my adhd assesment", "P1"),
        ("still on the wating list for a diagnosys", "P1"),
        ("the teechers need more trainning", "P2"),
        ("his anual review was cancelled", "P3"),
        ("we need respit, anything at all", "P5"),
    ],
)
def test_misspellings_are_read_as_meant(tagger: Tagger, text: str, expected: str) -> None:
    assert expected in ids(tagger, text)


def test_a_repaired_word_is_shown_in_the_reason(tagger: Tagger) -> None:
    tag = next(t for t in tagger.tag("waited ages for my adhd assesment") if t.id == "P1")
    assert any("assesment→assessment" in reason for reason in tag.reasons)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("no1 listens 2 me at my annual review", {"P3", "P6"}),
        ("the teachers r sound, they let me use my headphones", {"P2"}),
        ("u should make teachers learn about dyslexia", {"P2"}),
        ("i have 2 tell my story again every time cos they dont talk to each other", {"P6"}),
    ],
)
def test_text_speak(tagger: Tagger, text: str, expected: set[str]) -> None:
    assert ids(tagger, text) == expected


def test_one_answer_can_speak_to_several_priorities(tagger: Tagger) -> None:
    text = (
        "We waited two years for an autism assessment, then his EHCP was a copy and paste "
        "job, and the taxi to his special school is late every day."
    )
    assert {"P1", "P3", "P5"} <= ids(tagger, text)


@pytest.mark.parametrize(
    "text", ["more help", "I like football", "No comment", "idk", "thank you for asking", "🙃"]
)
def test_answers_with_no_theme_get_no_priority(tagger: Tagger, text: str) -> None:
    assert ids(tagger, text) == set()


def test_very_short_answers_still_tag(tagger: Tagger) -> None:
    assert ids(tagger, "Respite. Please.") == {"P5"}
    assert ids(tagger, "EHCP took 2 years") == {"P1"}


def test_each_tag_has_a_score_kind_label_and_the_words_that_triggered_it(tagger: Tagger) -> None:
    tags = tagger.tag("Short breaks have been a lifeline for our family.")
    p5 = next(t for t in tags if t.id == "P5")
    assert p5.kind == "priority"
    assert p5.label == "Continuum of provision and places"
    assert 0.0 < p5.score <= 1.0
    assert p5.reasons == ['"Short breaks"']


def test_values_work_groups_and_cross_cutting_themes_are_tagged_too(tagger: Tagger) -> None:
    tags = {
        t.id: t.kind
        for t in tagger.tag(
            "Since lockdown his anxiety is worse and nobody told us about supported internships."
        )
    }
    assert tags["V-covid"] == "value"
    assert tags["W-neuro-semh"] == "work_group"
    assert tags["X-adulthood"] == "cross"
    assert tags["X-communication"] == "cross"


def test_codebook_has_the_strategy_structure(tagger: Tagger) -> None:
    book = tagger.codebook
    assert book.ids("priority") == ["P1", "P2", "P3", "P4", "P5", "P6"]
    assert len(book.ids("three_i")) == 3
    assert len(book.ids("value")) == 6
    assert len(book.ids("work_group")) == 5
    assert len(book.ids("cross")) == 2
    assert all(code.description for code in book.codes)


def test_another_area_replaces_the_file_not_the_code(tmp_path: Path) -> None:
    path = tmp_path / "strategy.yaml"
    path.write_text(
        "version: '1'\ncodes:\n"
        "  - id: T1\n    kind: priority\n    label: Transport\n    description: Getting there\n"
        "    terms:\n      strong: [bus pass*, taxi*]\n      weak: [late]\n"
    )
    tagger = Tagger.load(path)
    assert [t.id for t in tagger.tag("my bus passes never arrive")] == ["T1"]
    assert tagger.tag("the weather was late") == []
    assert tagger.version.startswith(f"{TAGGER_VERSION}/1/")


def test_a_changed_codebook_changes_the_version(tmp_path: Path) -> None:
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    body = "version: '1'\ncodes:\n  - {id: T1, kind: priority, terms: {strong: [%s]}}\n"
    first.write_text(body % "taxi")
    second.write_text(body % "bus")
    assert Tagger.load(first).version != Tagger.load(second).version


def test_a_broken_codebook_says_what_is_wrong(tmp_path: Path) -> None:
    path = tmp_path / "strategy.yaml"
    path.write_text("codes:\n  - {id: X1, kind: priorty, terms: {strong: [a]}}\n")
    with pytest.raises(CodebookError, match="X1 has kind 'priorty'"):
        Tagger.load(path)
