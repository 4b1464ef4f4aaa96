"""How a prompt reads and sounds: pure functions, checked directly."""

from __future__ import annotations

from bot.telegram._render import chunks, decode_tap, keyboard, message_text, spoken_text
from surveys.definition import QuestionType
from surveys.engine import Action, Button, Input, Prompt, PromptKind
from surveys.wording import Wording


def rating() -> Prompt:
    return Prompt(
        PromptKind.QUESTION,
        "How do you feel about the support?",
        buttons=(
            Button("😞 Very bad", Input(Action.CHOOSE, "1")),
            Button("🙂 Good", Input(Action.CHOOSE, "4")),
        ),
        controls=(Button("Skip", Input(Action.SKIP)),),
        progress="Question 3 of 6",
        question_id="feel",
        question_type=QuestionType.RATING,
    )


def test_the_voice_reads_sentences_and_numbers_not_emoji() -> None:
    assert spoken_text(rating()) == (
        "Question 3 of 6. How do you feel about the support? 1: Very bad. 2: Good."
    )
    intro = Prompt(PromptKind.INFO, "Every kind of question\n\nA short survey.")
    assert spoken_text(intro) == "Every kind of question. A short survey."


def test_the_voice_leaves_nothing_of_an_emoji_behind() -> None:
    """A tool emoji ends in a variation selector; a family emoji is joined by joiners."""
    choice = Prompt(
        PromptKind.QUESTION,
        "Where do you learn now?",
        buttons=(
            Button("🛠️ Training or work", Input(Action.CHOOSE, "work")),
            Button("👨\u200d👩\u200d👧 Family", Input(Action.CHOOSE, "family")),
        ),
        question_type=QuestionType.SINGLE_CHOICE,
    )
    assert spoken_text(choice) == "Where do you learn now? 1: Training or work. 2: Family."


def test_a_question_starts_with_its_progress_and_ends_with_how_to_answer() -> None:
    text = message_text(rating(), Wording.load())
    assert text.split("\n") == [
        "Question 3 of 6",
        "How do you feel about the support?",
        "",
        "Tap an answer, or type its number.",
    ]


def test_buttons_carry_their_question_and_fit_telegrams_64_bytes() -> None:
    markup = keyboard(rating())
    assert markup is not None
    payloads = [b.callback_data for row in markup.inline_keyboard for b in row]
    assert all(isinstance(p, str) and len(p.encode()) <= 64 for p in payloads)
    taps = [decode_tap(str(p)) for p in payloads]
    assert {t.tag for t in taps} == {taps[0].tag} and taps[0].tag is not None
    assert [t.input for t in taps] == [
        Input(Action.CHOOSE, "1"),
        Input(Action.CHOOSE, "4"),
        Input(Action.SKIP),
    ]
    assert decode_tap("choose:yes").tag is None


def test_long_texts_are_split_at_line_breaks_to_fit_a_message() -> None:
    text = "\n".join(f"line {i} " + "x" * 90 for i in range(100))
    pieces = chunks(text, limit=1000)
    assert all(len(p) <= 1000 for p in pieces)
    assert "\n".join(pieces) == text
    assert chunks("y" * 2500, limit=1000) == ["y" * 1000, "y" * 1000, "y" * 500]
