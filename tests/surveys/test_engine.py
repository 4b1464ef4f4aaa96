"""The engine on its own: pure, no database, no channel."""

from __future__ import annotations

import json

import pytest

from surveys.definition import SurveyCatalog
from surveys.engine import (
    Action,
    Context,
    Conversation,
    Input,
    Outcome,
    PromptKind,
    Step,
    advance,
    match_option,
)
from surveys.wording import Wording


@pytest.fixture
def ctx(test_surveys: SurveyCatalog, wording: Wording) -> Context:
    return Context(test_surveys, wording)


class Person:
    """Plays one person through the engine, restarting from JSON between every input."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.state: dict = {}
        self.events: list = []

    def send(self, action: Action, value: str = "") -> Outcome:
        conversation = Conversation.from_json(json.loads(json.dumps(self.state)))
        outcome = advance(self.ctx, conversation, Input(action, value))
        self.state = outcome.conversation.to_json()
        self.events.extend(outcome.events)
        return outcome

    def onboard(
        self, survey: str = "all_types", role: str = "parent_carer", fmt: str = "words"
    ) -> Outcome:
        self.send(Action.START, survey)
        self.send(Action.CHOOSE, "yes")
        outcome = self.send(Action.CHOOSE, role)
        if role == "young_person":
            outcome = self.send(Action.CHOOSE, "16_17")
        outcome = self.send(Action.CHOOSE, fmt)
        if outcome.conversation.step is Step.LANGUAGE:
            outcome = self.send(Action.CHOOSE, "en")
        if outcome.conversation.step is Step.ANSWERING_AS:
            value = "parent_view" if role == "parent_carer" else "self"
            outcome = self.send(Action.CHOOSE, value)
        return outcome

    def answers(self) -> dict:
        current: dict = {}
        for event in self.events:
            if event.kind == "answer":
                current[event.question_id] = (event.status.value, event.value)
            elif event.kind == "answer_withdrawn":
                current.pop(event.question_id, None)
        return current


def question(outcome: Outcome):  # noqa: ANN201
    return next(p for p in outcome.prompts if p.kind is PromptKind.QUESTION)


def test_privacy_message_comes_first_and_nothing_is_recorded_before_consent(ctx: Context) -> None:
    person = Person(ctx)
    outcome = person.send(Action.START, "all_types")
    prompt = question(outcome)
    assert "not a person" in prompt.text
    assert "not your name" in prompt.text
    assert [b.label for b in prompt.buttons] == ["Yes, let's start", "Not now", "Polski (Polish)"]
    outcome = person.send(Action.CHOOSE, "no")
    assert "Nothing has been saved" in outcome.prompts[0].text
    assert person.events == []


def test_a_parent_reaches_question_one_with_progress_counting_only_applicable_questions(
    ctx: Context,
) -> None:
    outcome = Person(ctx).onboard()
    prompt = question(outcome)
    assert prompt.progress == "Question 1 of 6"  # 'why_not' only applies to children not in school
    assert prompt.text == "Where does your child learn?"
    assert [b.label for b in prompt.buttons] == [
        "Mainstream school",
        "Special school",
        "Not in school",
    ]
    controls = [c.input.action for c in prompt.controls]
    assert Action.BACK not in controls  # nothing to go back to yet
    assert {Action.SKIP, Action.RATHER_NOT_SAY, Action.NOT_UNDERSTOOD, Action.PAUSE} <= set(
        controls
    )


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("3", "none"),
        ("three", "none"),
        ("Not in school", "none"),
        ("special", "special"),
        (" 1 ", "mainstream"),
    ],
)
def test_a_typed_answer_counts_like_a_tap(ctx: Context, typed: str, expected: str) -> None:
    person = Person(ctx)
    person.onboard()
    outcome = person.send(Action.TEXT, typed)
    assert person.answers()["school"] == ("answered", expected)
    assert outcome.prompts[0].kind is PromptKind.CONFIRMATION
    assert outcome.prompts[0].text.startswith("You chose:")


@pytest.mark.parametrize(
    ("typed", "expected"), [("yeah", "yes"), ("nope", "no"), ("dunno", "not_sure"), ("👍", "yes")]
)
def test_yes_no_synonyms(ctx: Context, typed: str, expected: str) -> None:
    person = Person(ctx)
    person.onboard()
    person.send(Action.CHOOSE, "special")
    person.send(Action.TEXT, typed)
    assert person.answers()["ehcp"] == ("answered", expected)


@pytest.mark.parametrize("typed", ["purple", "¹", "٣", "99"])
def test_an_unclear_typed_answer_is_asked_again_kindly(ctx: Context, typed: str) -> None:
    person = Person(ctx)
    person.onboard()
    outcome = person.send(Action.TEXT, typed)
    assert outcome.prompts[0].kind is PromptKind.PROBLEM
    assert question(outcome).question_id == "school"
    assert "school" not in person.answers()


def test_skip_logic_and_back_withdraws_an_answer_on_a_closed_branch(ctx: Context) -> None:
    person = Person(ctx)
    person.onboard()
    outcome = person.send(Action.CHOOSE, "none")
    assert question(outcome).question_id == "why_not"
    assert question(outcome).progress == "Question 2 of 7"
    person.send(Action.TEXT, "He was excluded")
    outcome = person.send(Action.BACK)
    assert question(outcome).question_id == "why_not"
    outcome = person.send(Action.BACK)
    assert question(outcome).question_id == "school"
    outcome = person.send(Action.CHOOSE, "mainstream")
    assert question(outcome).question_id == "ehcp"
    assert "why_not" not in person.answers()  # the branch closed, so that answer no longer stands
    assert person.answers()["school"] == ("answered", "mainstream")


def test_multiple_choice_toggles_then_done_and_exclusive_option_clears_others(ctx: Context) -> None:
    person = Person(ctx)
    person.onboard()
    for value in ("special", "yes", "4"):
        person.send(Action.CHOOSE, value)
    person.send(Action.CHOOSE, "senco")
    outcome = person.send(Action.CHOOSE, "camhs")
    assert [b.selected for b in question(outcome).buttons] == [True, True, False, False]
    outcome = person.send(Action.CHOOSE, "none_of_these")
    assert [b.selected for b in question(outcome).buttons] == [False, False, False, True]
    person.send(Action.CHOOSE, "none_of_these")
    outcome = person.send(Action.DONE)
    assert "haven't chosen anything" in outcome.prompts[0].text
    person.send(Action.CHOOSE, "short_breaks")
    outcome = person.send(Action.DONE)
    assert person.answers()["help"] == ("answered", ["short_breaks"])
    assert question(outcome).question_id == "waited"


def test_multiple_choice_typed_as_numbers(ctx: Context) -> None:
    person = Person(ctx)
    person.onboard()
    for value in ("special", "yes", "4"):
        person.send(Action.CHOOSE, value)
    person.send(Action.TEXT, "1, 3")
    assert person.answers()["help"] == ("answered", ["senco", "short_breaks"])


def test_number_questions_take_words_and_check_the_range(ctx: Context) -> None:
    person = Person(ctx)
    person.onboard()
    for value in ("special", "yes", "4"):
        person.send(Action.CHOOSE, value)
    person.send(Action.TEXT, "1")
    outcome = person.send(Action.TEXT, "500")
    assert "from 0 to 120" in outcome.prompts[0].text
    person.send(Action.TEXT, "eighteen")
    assert person.answers()["waited"] == ("answered", 18)


def test_free_text_over_its_limit_is_refused_with_the_numbers_and_nothing_recorded(
    ctx: Context,
) -> None:
    person = Person(ctx)
    person.onboard()
    person.send(Action.CHOOSE, "none")
    outcome = person.send(Action.TEXT, "x" * 10_000)
    assert "10,000 characters" in outcome.prompts[0].text
    assert "up to 500" in outcome.prompts[0].text
    assert "why_not" not in person.answers()
    assert question(outcome).question_id == "why_not"


def test_skip_and_rather_not_say_are_recorded_as_such(ctx: Context) -> None:
    person = Person(ctx)
    person.onboard()
    person.send(Action.SKIP)
    person.send(Action.TEXT, "I'd rather not say")
    assert person.answers()["school"] == ("skipped", None)
    assert person.answers()["ehcp"] == ("rather_not_say", None)


def test_required_questions_are_soft(ctx: Context) -> None:
    person = Person(ctx)
    person.onboard()
    for value in ("special", "yes", "4"):
        person.send(Action.CHOOSE, value)
    person.send(Action.TEXT, "1")
    person.send(Action.TEXT, "3")
    outcome = person.send(Action.SKIP)  # 'story' is required
    assert "matters to us" in outcome.prompts[0].text
    assert outcome.prompts[-1].kind is PromptKind.DONE
    assert person.answers()["story"] == ("skipped", None)


def test_i_dont_understand_gives_the_hint_and_is_counted(ctx: Context) -> None:
    person = Person(ctx)
    person.onboard()
    person.send(Action.CHOOSE, "special")
    outcome = person.send(Action.TEXT, "what does that mean?")
    assert "legal document" in outcome.prompts[0].text
    assert question(outcome).question_id == "ehcp"
    assert [e.question_id for e in person.events if e.kind == "not_understood"] == ["ehcp"]


def test_i_dont_understand_offers_the_easy_read_wording(ctx: Context) -> None:
    person = Person(ctx)
    outcome = person.onboard()
    outcome = person.send(Action.NOT_UNDERSTOOD)
    assert "Where do you go to school?" in outcome.prompts[0].text


def test_pause_then_resume_carries_on_where_they_left_off(ctx: Context) -> None:
    person = Person(ctx)
    person.onboard()
    person.send(Action.CHOOSE, "special")
    outcome = person.send(Action.PAUSE)
    assert outcome.conversation.step is Step.PAUSED
    assert "no time limit" in outcome.prompts[0].text
    outcome = person.send(Action.START, "")
    assert "carry on where you left off" in question(outcome).text.lower()
    assert question(outcome).question_id == "ehcp"


def test_young_people_under_13_get_easy_words_and_are_told_a_grown_up_can_help(
    ctx: Context,
) -> None:
    person = Person(ctx)
    person.send(Action.START, "all_types")
    person.send(Action.CHOOSE, "yes")
    person.send(Action.CHOOSE, "young_person")
    outcome = person.send(Action.CHOOSE, "under_13")
    assert any("grown-up" in p.text for p in outcome.prompts)
    person.send(Action.CHOOSE, "words")
    person.send(Action.CHOOSE, "en")
    outcome = person.send(Action.CHOOSE, "self")
    assert question(outcome).text == "Where do you go to school?"  # easy version, chosen for them
    assert question(outcome).easy


def test_listen_format_marks_prompts_to_be_spoken(ctx: Context) -> None:
    outcome = Person(ctx).onboard(fmt="listen")
    assert question(outcome).speak


def test_easy_words_missing_in_polish_give_plain_polish_not_easy_english(ctx: Context) -> None:
    person = Person(ctx)
    person.onboard()
    outcome = person.send(Action.LANGUAGE, "pl")
    assert question(outcome).text == "Gdzie uczy się twoje dziecko?"
    outcome = person.send(Action.FORMAT, "easy")
    # The easy version is only in English: the question stays in Polish, like its buttons.
    assert question(outcome).text == "Gdzie uczy się twoje dziecko?"
    assert question(outcome).buttons[0].label == "Szkoła ogólnodostępna"
    outcome = person.send(Action.LANGUAGE, "en")
    assert question(outcome).text == "Where do you go to school?"


def test_i_dont_understand_offers_no_english_as_the_easier_polish(ctx: Context) -> None:
    person = Person(ctx)
    person.onboard()
    person.send(Action.LANGUAGE, "pl")
    outcome = person.send(Action.NOT_UNDERSTOOD)
    assert outcome.prompts[0].text.startswith("Niestety nie ma prostszej wersji")
    assert "Where do you go to school?" not in outcome.prompts[0].text


def test_completing_a_survey_thanks_and_records_completion(ctx: Context) -> None:
    person = Person(ctx)
    person.onboard()
    for given in [
        (Action.CHOOSE, "mainstream"),
        (Action.CHOOSE, "no"),
        (Action.CHOOSE, "2"),
        (Action.TEXT, "2"),
        (Action.TEXT, "6"),
        (Action.TEXT, "Listen to us"),
    ]:
        outcome = person.send(*given)
    assert outcome.prompts[-1].kind is PromptKind.DONE
    assert outcome.conversation.step is Step.IDLE
    assert [e.kind for e in person.events].count("run_completed") == 1
    assert person.answers()["story"] == ("answered", "Listen to us")


def test_option_matching_prefers_numbers_then_words() -> None:
    labels = [("yes", ["Yes"]), ("no", ["No"]), ("not_sure", ["Not sure"])]
    assert match_option(labels, "2") == "no"
    assert match_option(labels, "Not sure") == "not_sure"
    assert match_option(labels, "nah") == "no"
    assert match_option(labels, "4") is None
    assert match_option(labels, "") is None


def test_the_privacy_message_offers_the_surveys_other_languages_before_anything_is_kept(
    ctx: Context,
) -> None:
    person = Person(ctx)
    prompt = question(person.send(Action.START, "all_types"))
    polish = next(b for b in prompt.buttons if b.input.action is Action.LANGUAGE)
    assert (polish.label, polish.input.value) == ("Polski (Polish)", "pl")

    prompt = question(person.send(Action.LANGUAGE, "pl"))
    assert prompt.language == "pl" and "automatyczny czat" in prompt.text
    assert [b.label for b in prompt.buttons][-1] == "English"
    assert person.events == [], "a language is where the chat is up to, not something kept"
    outcome = person.send(Action.CHOOSE, "yes")
    assert question(outcome).language == "pl"
    for value in ("parent_carer", "words"):
        outcome = person.send(Action.CHOOSE, value)
    assert question(outcome).text.startswith("Czy odpowiadają Państwo"), "no language step"
