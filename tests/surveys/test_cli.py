"""``python -m surveys``, run as a real process the way a VIC officer or a deploy script runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "config" / "surveys"
ALL_TYPES = ROOT / "tests" / "fixtures" / "surveys" / "all_types.yaml"

GOOD = """\
id: {id}
version: 3
title: {{en: "A survey", pl: "Ankieta"}}
audience: young_person
languages: [en, pl]
intro: {{en: "Hello.", pl: "Dzień dobry."}}
thanks: {{en: "Thank you.", pl: "Dziękujemy."}}
questions:
  - id: school
    type: single_choice
    text: {{en: "Where do you learn?", pl: "Gdzie się uczysz?"}}
    options:
      - {{value: school, text: {{en: "School", pl: "Szkoła"}}}}
      - {{value: college, text: {{en: "College", pl: "College"}}}}
"""


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "surveys", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- validate


def test_validate_passes_the_bundled_surveys() -> None:
    result = run("validate", str(BUNDLED))
    assert result.returncode == 0, result.stdout + result.stderr
    for survey_id in ("parent_carer_priorities", "young_people_voice", "ehc_needs_assessment"):
        assert f"ok, '{survey_id}' version 1" in result.stdout
    assert result.stdout.strip().endswith("3 files checked: 0 errors, 0 warnings.")


def test_validate_with_no_path_checks_the_bundled_surveys() -> None:
    result = run("validate")
    assert result.returncode == 0
    assert "config/surveys/parent_carer_priorities.yaml: ok" in result.stdout


BROKEN = {
    "bad_yaml.yaml": (
        "id: bad\nversion: 1\nquestions:\n  - id: a\n    text: [unclosed\n",
        "bad_yaml.yaml: is not valid YAML at line ",
    ),
    "unknown_type.yaml": (
        GOOD.format(id="t1") + "  - id: mood\n    type: slider\n    text: Mood?\n",
        "unknown_type.yaml: question 'mood', field type: unknown question type 'slider'",
    ),
    "missing_show_if.yaml": (
        GOOD.format(id="t2") + "  - id: why\n    type: free_text\n    text: Why?\n"
        "    show_if: {question: nowhere, equals: school}\n",
        "missing_show_if.yaml: question 'why', field show_if.question: "
        "there is no question 'nowhere' in this survey",
    ),
    "duplicate_ids.yaml": (
        GOOD.format(id="t3") + "  - id: school\n    type: free_text\n    text: Again?\n",
        "duplicate_ids.yaml: question 'school', field id: the id is used twice",
    ),
    "free_text_options.yaml": (
        GOOD.format(id="t4") + "  - id: more\n    type: free_text\n    text: More?\n"
        "    options: [{value: a, text: A}, {value: b, text: B}]\n",
        "free_text_options.yaml: question 'more', field options: "
        "a free_text question cannot have options",
    ),
    "phone.yaml": (
        GOOD.format(id="t5") + "  - id: call\n    type: free_text\n"
        "    text: What is your mobile number?\n",
        "phone.yaml: question 'call', field text: seems to ask for a phone number",
    ),
    "full_postcode.yaml": (
        GOOD.format(id="t6") + "  - id: where\n    type: free_text\n    text: Where?\n"
        "    collects: postcode\n",
        "full_postcode.yaml: question 'where', field collects: asks for a full postcode",
    ),
}


@pytest.mark.parametrize("name", BROKEN)
def test_validate_names_file_question_and_field_and_exits_non_zero(
    tmp_path: Path, name: str
) -> None:
    content, expected = BROKEN[name]
    path = write(tmp_path, name, content)
    result = run("validate", str(path))
    assert result.returncode == 1
    errors = [line for line in result.stdout.splitlines() if line.startswith(str(path))]
    assert len(errors) == 1, result.stdout
    assert errors[0].startswith(f"{tmp_path}/{expected}"), errors[0]
    assert "1 file checked: 1 error" in result.stdout


def test_one_bad_file_fails_the_folder_but_the_good_ones_are_still_reported(
    tmp_path: Path,
) -> None:
    write(tmp_path, "a_good.yaml", GOOD.format(id="good"))
    content, _ = BROKEN["duplicate_ids.yaml"]
    write(tmp_path, "b_bad.yaml", content)
    result = run("validate", str(tmp_path))
    assert result.returncode == 1
    assert f"{tmp_path}/a_good.yaml: ok, 'good' version 3, 1 question, en, pl" in result.stdout
    assert f"{tmp_path}/b_bad.yaml: question 'school', field id:" in result.stdout
    assert "2 files checked: 1 error, 0 warnings." in result.stdout


def test_a_missing_translation_is_a_warning_and_does_not_fail(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "partial.yaml",
        GOOD.format(id="partial") + '  - id: more\n    type: free_text\n    text: "More?"\n',
    )
    result = run("validate", str(path))
    assert result.returncode == 0, result.stdout
    assert (
        f"{path}: warning: question 'more', field text: no 'pl' translation; 'en' is used"
        in result.stdout
    )
    assert "1 file checked: 0 errors, 1 warning." in result.stdout


def test_validate_refuses_a_path_that_does_not_exist_and_two_surveys_with_one_id(
    tmp_path: Path,
) -> None:
    write(tmp_path, "one.yaml", GOOD.format(id="same"))
    write(tmp_path, "two.yaml", GOOD.format(id="same"))
    result = run("validate", str(tmp_path), str(tmp_path / "missing.yaml"))
    assert result.returncode == 1
    assert f"{tmp_path}/missing.yaml: does not exist" in result.stdout
    assert f"{tmp_path}/two.yaml: survey, field id: 'same' is already used by" in result.stdout


def test_an_empty_folder_is_an_error_not_a_silent_pass(tmp_path: Path) -> None:
    result = run("validate", str(tmp_path))
    assert result.returncode == 1
    assert "holds no survey files" in result.stdout


# --------------------------------------------------------------------------- list


def test_list_shows_id_version_audience_languages_and_question_count() -> None:
    result = run("list")
    assert result.returncode == 0, result.stdout + result.stderr
    rows = [" ".join(line.split()) for line in result.stdout.splitlines()]
    assert rows == [
        "id version audience languages questions",
        "ehc_needs_assessment 1 parent_carer en 14",
        "parent_carer_priorities 1 parent_carer en, pl 14",
        "young_people_voice 1 young_person en 13",
    ]


def test_list_of_given_files_names_the_broken_ones(tmp_path: Path) -> None:
    write(tmp_path, "good.yaml", GOOD.format(id="good"))
    write(tmp_path, "bad.yaml", BROKEN["unknown_type.yaml"][0])
    result = run("list", str(tmp_path))
    assert result.returncode == 1
    assert result.stdout.splitlines()[1].split() == ["good", "3", "young_person", "en,", "pl", "1"]
    assert "Not listed, because of errors" in result.stdout
    assert "bad.yaml: question 'mood', field type" in result.stdout


# --------------------------------------------------------------------------- play


def test_play_through_a_pipe_completes_a_survey_with_back_skip_and_typed_answers() -> None:
    typed = [
        "1",  # answering about my own experience
        "3",  # school: Not in school -> "why isn't your child in school?" applies
        "We moved and there was no place.",
        "back",  # change my mind about that answer ...
        "back",  # ... and the one before: back to the school question
        "special school",  # typed words; "why not" no longer applies
        "?",  # I don't understand: the hint explains
        "yes",
        "very good",
        "1, 3",  # the SENCO and short breaks
        "skip",
        "pause",
        "carry on",
        "I'd like one person to talk to.",
    ]
    result = run("play", str(ALL_TYPES), stdin="\n".join(typed) + "\n")
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "Why isn't your child in school?" in out
    assert "── Question 1 of 6 ──" in out and "── Question 2 of 7 ──" in out
    assert "✓ You chose: Special school" in out
    assert "This might help:\nAn EHC plan is a legal document" in out
    assert "Paused." in out and "Welcome back!" in out
    assert "Thank you, that's everything." in out
    summary = out.split("Answers from this practice run (nothing was saved):")[1]
    assert summary.splitlines()[1:] == [
        "  school: special",
        "  ehcp: yes",
        "  feel: 5",
        "  help: senco, short_breaks",
        "  waited: (skipped)",
        "  story: I'd like one person to talk to.",
        "  ehcp: not understood 1 time",
    ]


def test_play_in_polish_falls_back_to_english_where_a_translation_is_missing() -> None:
    result = run("play", str(ALL_TYPES), "--language", "pl", "--easy", stdin="1\n2\ntak\nquit\n")
    out = result.stdout
    assert result.returncode == 0, out
    assert "Krótka ankieta testowa." in out
    assert "Every kind of question" in out  # the title has no Polish
    # Its easy wording has no Polish: plain Polish, not easy English.
    assert "Gdzie uczy się twoje dziecko?" in out and "Where do you go" not in out
    assert "  2. Szkoła specjalna" in out
    assert "Czy dziecko ma plan EHC?" in out
    assert "  1. Tak\n  2. Nie\n  3. Nie wiem" in out
    assert "  ehcp: yes" in out


def test_play_a_bundled_survey_easy_read() -> None:
    survey = BUNDLED / "young_people_voice.yaml"
    # 18 to 25, by myself, school, a bad feeling about it
    result = run("play", str(survey), "--easy", stdin="4\n1\n1\n2\nquit\n")
    out = result.stdout
    assert result.returncode == 0, out
    assert "How old are you?\n  1. Under 13" in out  # a young person gives an age band
    assert "These questions are about you. 🙂" in out
    assert "Where do you learn now?\n  1. 🏫 School" in out
    assert "How is it where you learn?\n  1. 😞 Really bad" in out
    assert "What would make it better?\n  (type your answer)" in out  # after a low score


def test_play_says_so_when_the_input_ends_before_the_survey_does() -> None:
    result = run("play", str(ALL_TYPES), stdin="1\n1\n")
    assert result.returncode == 1
    assert "The input ended before the survey was finished." in result.stdout
    assert "  school: mainstream" in result.stdout


def test_play_refuses_a_language_the_survey_does_not_have_and_a_broken_file(
    tmp_path: Path,
) -> None:
    result = run("play", str(ALL_TYPES), "--language", "fr")
    assert result.returncode == 2
    assert "this survey is in en, pl, not 'fr'" in result.stdout
    broken = write(tmp_path, "broken.yaml", BROKEN["unknown_type.yaml"][0])
    result = run("play", str(broken))
    assert result.returncode == 1
    assert "question 'mood', field type: unknown question type 'slider'" in result.stdout


def test_no_command_is_a_usage_error() -> None:
    result = run()
    assert result.returncode == 2
    assert "validate" in result.stderr and "list" in result.stderr and "play" in result.stderr
