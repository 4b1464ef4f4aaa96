"""Survey files: the bundled ones are usable, and a broken one says exactly what to fix.

The people who edit these files are VIC officers, not programmers, so every problem must
name the file, the question and the field, and come as one clear message.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from surveys.definition import (
    PRIORITY_IDS,
    QuestionType,
    Survey,
    SurveyCatalog,
    SurveyDefinitionError,
    load_survey,
    parse_survey,
    survey_files,
)
from surveys.engine import Action, Context, Conversation, Input, Profile, Prompt, advance
from surveys.wording import Wording

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = sorted((ROOT / "config" / "surveys").glob("*.yaml"))
BUNDLED_IDS = {"parent_carer_priorities", "young_people_voice", "ehc_needs_assessment"}


# --------------------------------------------------------------------------- bundled surveys


def test_the_three_bundled_surveys_are_there() -> None:
    assert {load_survey(path).id for path in BUNDLED} == BUNDLED_IDS


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_a_bundled_survey_loads_with_no_errors_and_no_warnings(path: Path) -> None:
    survey = load_survey(path)
    assert survey.warnings == ()
    assert survey.version == 1
    assert survey.base_language == "en"
    assert re.fullmatch(r"[a-z0-9_]+", survey.id)
    assert path.stem == survey.id  # one file per survey, named after it
    assert 8 <= len(survey.questions) <= 14


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_a_bundled_intro_says_how_long_it_takes_and_that_questions_can_be_skipped(
    path: Path,
) -> None:
    survey = load_survey(path)
    for language in survey.languages:
        intro = survey.intro.get(language)
        assert re.search(r"\d+ (minutes|minut)", intro), intro
        assert re.search(r"skip any question|każde pytanie można pominąć", intro, re.I), intro
    assert survey.intro_easy is not None and "skip any question" in str(survey.intro_easy)
    assert survey.thanks_easy is not None


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_a_bundled_survey_asks_for_quotes_last_and_no_is_the_easy_answer(path: Path) -> None:
    survey = load_survey(path)
    consent = [q for q in survey.questions if q.quote_consent]
    assert len(consent) == 1
    question = consent[0]
    assert question.type is QuestionType.YES_NO
    assert survey.questions.index(question) >= len(survey.questions) - 2  # near the end
    assert re.search(r"fine to say no|\"no\" is completely fine", str(question.text), re.I)
    assert "name" in str(question.text)


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_bundled_free_text_has_a_sensible_limit_and_ratings_run_from_1_to_5(path: Path) -> None:
    for question in load_survey(path).questions:
        if question.type is QuestionType.FREE_TEXT:
            assert question.max_length <= 1500, question.id
        if question.type is QuestionType.RATING:
            assert [o.value for o in question.options] == ["1", "2", "3", "4", "5"], question.id
            assert all(o.emoji and str(o.text) for o in question.options), question.id


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_bundled_wording_avoids_deficit_language_and_unexplained_jargon(path: Path) -> None:
    survey = load_survey(path)
    texts = [survey.intro, survey.thanks, *(q.text for q in survey.questions)]
    texts += [t for q in survey.questions for t in (q.easy, q.hint) if t is not None]
    texts += [o.text for q in survey.questions for o in q.options]
    everything = " ".join(t.get(lang) for t in texts for lang in survey.languages)
    for word in ("suffer", "disorder", "problem behaviour", "high-functioning", "low-functioning"):
        assert word not in everything.lower()
    english = " ".join(t.get("en") for t in texts)
    for short, explained in JARGON.items():
        if re.search(rf"\b{short}\b", english):
            assert explained in english, f"{short} is used but not explained"


JARGON = {  # a short form a family may not know, and the words that must explain it
    "SEND": "special educational needs and disabilities",
    "EHC": "Education, Health and Care plan",
    "EHCP": "Education, Health and Care plan",
    "SENCO": "special educational needs co-ordinator",
    "SILC": "Special school",
    "SENSAP": "special educational needs team",
    "SENDIASS": "free, independent advice",
}


def test_the_parent_survey_covers_all_six_priorities_in_english_and_polish() -> None:
    survey = load_survey(ROOT / "config" / "surveys" / "parent_carer_priorities.yaml")
    assert survey.audience == "parent_carer"
    assert survey.languages == ("en", "pl")
    covered = {p for q in survey.questions for p in q.priorities}
    assert covered == set(PRIORITY_IDS)
    types = {q.type for q in survey.questions}
    assert {QuestionType.RATING, QuestionType.YES_NO, QuestionType.FREE_TEXT} <= types
    assert types & {QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE}
    assert any(q.show_if for q in survey.questions)
    postcode = survey.question("postcode_district")
    assert postcode.max_length <= 5  # "LS27" fits; "LS9 8AB" cannot be typed in
    assert "LS9" in str(postcode.text)
    for question in survey.questions:  # every wording really is in Polish
        assert question.text.get("pl") != str(question.text), question.id
        for option in question.options:
            assert option.text.get("pl") != str(option.text), (question.id, option.value)


def test_every_young_people_question_and_answer_has_an_easy_read_version() -> None:
    survey = load_survey(ROOT / "config" / "surveys" / "young_people_voice.yaml")
    assert survey.audience == "young_person"
    for question in survey.questions:
        assert question.easy is not None, question.id
        for sentence in re.split(r"[.?!]", str(question.easy)):  # easy read: short sentences
            assert len(sentence.split()) <= 12, (question.id, sentence)
        for option in question.options:
            if question.type is not QuestionType.YES_NO:  # built in, already plain
                assert option.easy is not None, (question.id, option.value)


def test_the_ehc_survey_only_asks_about_a_draft_plan_once_there_is_one(
    wording: Wording,
) -> None:
    survey = load_survey(ROOT / "config" / "surveys" / "ehc_needs_assessment.yaml")
    waiting = _asked(survey, wording, stage="waiting_for_decision")
    reviewed = _asked(survey, wording, stage="reviewed")
    assert "draft_describes_child" not in waiting and "within_20_weeks" not in waiting
    assert "annual_review" not in waiting
    assert {"draft_describes_child", "within_20_weeks", "annual_review"} <= set(reviewed)
    refused = _asked(survey, wording, stage="assessment_refused")
    assert "decision_explained" in refused and "decision_explained" not in reviewed


def _asked(survey: Survey, wording: Wording, stage: str) -> list[str]:
    """The questions one person is asked, answering ``stage`` first and skipping the rest."""
    ctx = Context(SurveyCatalog([survey]), wording)
    conversation = _ready(language="en")
    prompts = advance(ctx, conversation, Input(Action.START, survey.id)).prompts
    asked = [_question_id(prompts)]
    prompts = advance(ctx, conversation, Input(Action.CHOOSE, stage)).prompts
    while (question_id := _question_id(prompts)) is not None:
        asked.append(question_id)
        prompts = advance(ctx, conversation, Input(Action.SKIP)).prompts
    return asked


def _ready(language: str, easy: bool = False) -> Conversation:
    # A practitioner is asked nothing more before the survey starts.
    profile = Profile(role="practitioner", format="easy" if easy else "words", language=language)
    return Conversation(consented=True, profile=profile)


def _question_id(prompts: list[Prompt]) -> str | None:
    return next((p.question_id for p in prompts if p.question_id), None)


# --------------------------------------------------------------------------- broken files

GOOD = """\
id: broken_example
version: 1
title: A survey
audience: any
intro: Hello.
thanks: Thank you.
questions:
  - id: school
    type: single_choice
    text: Where does your child learn?
    options:
      - {value: mainstream, text: Mainstream school}
      - {value: special, text: Special school}
  - id: story
    type: free_text
    text: Tell us more.
    max_length: 500
"""

# Each case: what to put in place of the questions, and where the one error must point.
BROKEN = {
    "unknown_question_type": (
        "  - id: mood\n    type: slider\n    text: How do you feel?\n",
        "question 'mood', field type: unknown question type 'slider'",
    ),
    "show_if_names_a_missing_question": (
        "  - id: why\n    type: free_text\n    text: Why?\n"
        "    show_if: {question: schol, equals: special}\n",
        "question 'why', field show_if.question: there is no question 'schol'",
    ),
    "show_if_names_a_later_question": (
        "  - id: why\n    type: free_text\n    text: Why?\n"
        "    show_if: {question: later, answered: true}\n"
        "  - id: later\n    type: free_text\n    text: Later?\n",
        "question 'why', field show_if.question: 'later' comes later in the survey",
    ),
    "show_if_value_the_question_cannot_have": (
        "  - id: why\n    type: free_text\n    text: Why?\n"
        "    show_if: {question: school, equals: specail}\n",
        "question 'why', field show_if.equals: 'specail' is not an answer to 'school'",
    ),
    "duplicate_question_ids": (
        "  - id: story\n    type: free_text\n    text: Anything else?\n",
        "question 'story', field id: the id is used twice",
    ),
    "options_on_a_free_text_question": (
        "  - id: more\n    type: free_text\n    text: More?\n"
        "    options:\n      - {value: a, text: A}\n      - {value: b, text: B}\n",
        "question 'more', field options: a free_text question cannot have options",
    ),
    "choice_question_without_options": (
        "  - id: pick\n    type: single_choice\n    text: Pick one\n",
        "question 'pick', field options: a single_choice question needs at least two options",
    ),
    "rating_point_without_a_face": (
        "  - id: feel\n    type: rating\n    text: How is it?\n    options:\n"
        "      - {value: '1', text: Bad, emoji: '🙁'}\n      - {value: '2', text: Good}\n",
        "question 'feel', field options: every rating point needs an emoji face (missing: 2)",
    ),
    "asks_for_a_phone_number": (
        "  - id: contact\n    type: free_text\n    text: What is your phone number?\n",
        "question 'contact', field text: seems to ask for a phone number",
    ),
    "collects_a_phone_number": (
        "  - id: contact\n    type: free_text\n    text: How can we reach you?\n"
        "    collects: phone\n",
        "question 'contact', field collects: asks for a phone number",
    ),
    "collects_a_full_postcode": (
        "  - id: where\n    type: free_text\n    text: Where do you live?\n"
        "    collects: postcode\n",
        "question 'where', field collects: asks for a full postcode",
    ),
    "postcode_district_with_room_for_a_full_postcode": (
        "  - id: area\n    type: free_text\n    text: First part of your postcode, like LS9?\n"
        "    collects: postcode_district\n    max_length: 8\n",
        "question 'area', field max_length: a postcode district question needs max_length 5",
    ),
    "quote_consent_on_a_free_text_question": (
        "  - id: quote\n    type: free_text\n    text: May we quote you?\n"
        "    quote_consent: true\n",
        "question 'quote', field quote_consent: consent to be quoted must be a yes_no question",
    ),
    "unknown_field": (
        "  - id: more\n    type: free_text\n    text: More?\n    requird: true\n",
        "question 'more', field requird: is not a field a survey knows",
    ),
    "text_that_is_not_text": (
        "  - id: more\n    type: free_text\n    text: [a, list]\n",
        "question 'more', field text: should be text, or texts by language",
    ),
    "unknown_priority": (
        "  - id: more\n    type: free_text\n    text: More?\n    priorities: [P7]\n",
        "question 'more', field priorities.0: 'P7' is not a priority",
    ),
    "option_without_text": (
        "  - id: pick\n    type: single_choice\n    text: Pick\n    options:\n"
        "      - {value: a, text: A}\n      - {value: b}\n",
        "question 'pick', option 'b', field text: is missing",
    ),
}


def _write(tmp_path: Path, extra_questions: str, name: str = "broken.yaml") -> Path:
    path = tmp_path / name
    path.write_text(GOOD + extra_questions, encoding="utf-8")
    return path


def test_the_good_example_is_good(tmp_path: Path) -> None:
    assert load_survey(_write(tmp_path, "")).id == "broken_example"


@pytest.mark.parametrize(("extra", "expected"), BROKEN.values(), ids=BROKEN.keys())
def test_a_broken_file_gives_one_error_naming_file_question_and_field(
    tmp_path: Path, extra: str, expected: str
) -> None:
    path = _write(tmp_path, extra)
    with pytest.raises(SurveyDefinitionError) as caught:
        load_survey(path)
    assert caught.value.path == str(path)
    assert len(caught.value.problems) == 1, caught.value.problems
    assert caught.value.problems[0].startswith(expected), caught.value.problems[0]
    assert str(caught.value).startswith(f"{path}: {expected}")


def test_bad_yaml_says_which_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("id: bad\nversion: 1\nquestions:\n  - id: a\n    text: [unclosed\n")
    with pytest.raises(SurveyDefinitionError) as caught:
        load_survey(path)
    [problem] = caught.value.problems
    assert problem.startswith("is not valid YAML at line ")
    assert str(caught.value).startswith(f"{path}: is not valid YAML")


def test_a_key_written_twice_is_an_error_rather_than_a_lost_edit(tmp_path: Path) -> None:
    path = _write(tmp_path, "  - id: more\n    type: free_text\n    text: A\n    text: B\n")
    with pytest.raises(SurveyDefinitionError) as caught:
        load_survey(path)
    [problem] = caught.value.problems
    assert "the key 'text' appears twice" in problem
    assert "line 21" in problem


def test_a_file_that_is_not_a_survey_at_all_says_what_it_should_hold(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- just\n- a list\n")
    with pytest.raises(SurveyDefinitionError, match="must hold a mapping with id, version"):
        load_survey(path)


def test_a_survey_id_with_a_hyphen_is_refused_in_plain_words() -> None:
    raw = {"id": "my-survey", "version": 1, "title": "T", "audience": "any"}
    raw |= {"intro": "Hi", "thanks": "Bye", "questions": [{"id": "q", "type": "free_text"}]}
    raw["questions"][0]["text"] = "Q?"
    with pytest.raises(SurveyDefinitionError) as caught:
        parse_survey(raw, "x.yaml")
    [problem] = caught.value.problems
    assert problem.startswith("survey, field id: 'my-survey' may only use lower-case letters")


def test_two_files_with_the_same_survey_id_are_refused(tmp_path: Path) -> None:
    _write(tmp_path, "", "a.yaml")
    _write(tmp_path, "", "b.yaml")
    with pytest.raises(SurveyDefinitionError, match="'broken_example' is already used by"):
        SurveyCatalog.from_paths(tmp_path)
    assert [p.name for p in survey_files([tmp_path])] == ["a.yaml", "b.yaml"]


def test_show_if_reads_bare_yes_and_numbers_as_the_answers_they_mean(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "  - id: plan\n    type: yes_no\n    text: Is there a plan?\n"
        "  - id: plan_good\n    type: free_text\n    text: Good?\n"
        "    show_if: {question: plan, equals: yes}\n"  # YAML reads this as True
        "  - id: rate\n    type: rating\n    text: Rate it\n    options:\n"
        "      - {value: 1, text: Bad, emoji: '🙁'}\n      - {value: 2, text: Good, emoji: '🙂'}\n"
        "  - id: why_bad\n    type: free_text\n    text: Why?\n"
        "    show_if: {question: rate, any_of: [1]}\n",
    )
    survey = load_survey(path)
    assert survey.question("plan_good").show_if.holds({"plan": "yes"})
    assert not survey.question("plan_good").show_if.holds({"plan": "no"})
    assert survey.question("why_bad").show_if.holds({"rate": "1"})


def test_a_number_answer_of_zero_counts_as_an_answer(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "  - id: waited\n    type: number\n    text: How many months did you wait?\n"
        "  - id: quick\n    type: free_text\n    text: What made it quick?\n"
        "    show_if: {question: waited, equals: 0}\n"
        "  - id: said\n    type: free_text\n    text: Anything else?\n"
        "    show_if: {question: waited, answered: true}\n",
    )
    survey = load_survey(path)
    assert survey.question("quick").show_if.holds({"waited": 0})
    assert survey.question("said").show_if.holds({"waited": 0})
    assert not survey.question("said").show_if.holds({"waited": None})


# --------------------------------------------------------------------------- translations

TWO_LANGUAGES = """\
id: two_languages
version: 1
title: {en: "About school", pl: "O szkole"}
audience: any
languages: [en, pl]
intro: {en: "Hello.", pl: "Dzień dobry."}
thanks: {en: "Thank you.", pl: "Dziękujemy."}
questions:
  - id: school
    type: single_choice
    text: {en: "Where does your child learn?", pl: "Gdzie uczy się dziecko?"}
    options:
      - {value: mainstream, text: {en: "Mainstream school", pl: "Szkoła ogólnodostępna"}}
      - {value: special, text: {en: "Special school"}}
  - id: plan
    type: yes_no
    text: {en: "Is there a written plan?"}
  - id: more
    type: free_text
    text: {en: "Tell us more.", pl: "Prosimy napisać więcej."}
    easy: {en: "Tell us more."}
"""


@pytest.fixture
def two_languages(tmp_path: Path) -> Survey:
    path = tmp_path / "two_languages.yaml"
    path.write_text(TWO_LANGUAGES, encoding="utf-8")
    return load_survey(path)


def test_a_missing_translation_is_a_warning_naming_question_and_field(
    two_languages: Survey,
) -> None:
    assert set(two_languages.warnings) == {
        "question 'school', option 'special', field text: no 'pl' translation; 'en' is used",
        "question 'plan', field text: no 'pl' translation; 'en' is used",
        "question 'more', field easy: no 'pl' translation; the plain 'pl' text is used",
    }


def test_a_missing_translation_falls_back_to_english_in_the_conversation(
    two_languages: Survey, wording: Wording
) -> None:
    ctx = Context(SurveyCatalog([two_languages]), wording)
    conversation = _ready(language="pl")
    first = advance(ctx, conversation, Input(Action.START, "two_languages")).prompts
    question = next(p for p in first if p.question_id == "school")
    assert question.text == "Gdzie uczy się dziecko?"
    assert [b.label for b in question.buttons] == ["Szkoła ogólnodostępna", "Special school"]

    second = advance(ctx, conversation, Input(Action.TEXT, "szkoła ogólnodostępna")).prompts
    question = next(p for p in second if p.question_id == "plan")
    assert question.text == "Is there a written plan?"  # no Polish: the English, not nothing
    assert [b.label for b in question.buttons] == ["Tak", "Nie", "Nie wiem"]

    third = advance(ctx, conversation, Input(Action.TEXT, "tak")).prompts  # typed Polish yes
    assert conversation.run is not None and conversation.run.answers["plan"] == "yes"
    assert next(p for p in third if p.question_id == "more").text == "Prosimy napisać więcej."


def test_text_in_a_language_the_survey_does_not_offer_is_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "stray.yaml"
    path.write_text(TWO_LANGUAGES.replace("languages: [en, pl]", "languages: [en]"))
    survey = load_survey(path)
    assert any(
        "has text in 'pl', which is not in the survey's languages" in w for w in survey.warnings
    )


def test_the_base_language_text_cannot_be_missing(tmp_path: Path) -> None:
    path = tmp_path / "no_base.yaml"
    path.write_text(TWO_LANGUAGES.replace('{en: "Tell us more.", pl:', "{pl:"))
    with pytest.raises(SurveyDefinitionError) as caught:
        load_survey(path)
    assert caught.value.problems == [
        "question 'more', field text: has no text in the base language 'en'"
    ]


def test_the_bundled_catalogue_is_what_the_service_loads(bundled_surveys: SurveyCatalog) -> None:
    assert set(bundled_surveys) == BUNDLED_IDS
    assert bundled_surveys.warnings == []


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_every_bundled_question_can_be_reached_and_answered_through_the_engine(
    path: Path, wording: Wording
) -> None:
    """Skipping everything visits each question that applies and ends with the thanks."""
    survey = load_survey(path)
    for language in survey.languages:
        for easy in (False, True):
            ctx = Context(SurveyCatalog([survey]), wording)
            conversation = _ready(language=language, easy=easy)
            prompts = advance(ctx, conversation, Input(Action.START, survey.id)).prompts
            seen = 0
            while _question_id(prompts) is not None:
                shown = next(p for p in prompts if p.question_id)
                assert shown.text and shown.progress
                seen += 1
                prompts = advance(ctx, conversation, Input(Action.SKIP)).prompts
            thanks = survey.thanks_easy if easy else survey.thanks
            assert prompts[-1].text == thanks.get(language)
            assert seen >= 6
