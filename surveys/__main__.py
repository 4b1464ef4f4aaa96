"""``python -m surveys``: check, list and try out survey files without running the service.

Written for the person who edits the YAML (a VIC officer, not a programmer):

- ``validate PATH...`` says what is wrong, where (file, question, field), and exits non-zero
  on any error, so it can guard a deployment; missing translations are only warnings.
- ``list [PATH...]`` shows what is published: id, version, audience, languages, questions.
- ``play FILE`` takes the survey in the terminal through the same engine the chat uses, so
  skip logic, wording and easy read can be checked before anyone else sees them. Nothing is
  saved. It reads lines from stdin, so it can also be driven through a pipe.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TextIO

from config.settings import BUNDLED_SURVEYS_DIR
from surveys.definition import (
    Survey,
    SurveyCatalog,
    SurveyDefinitionError,
    load_survey,
    survey_files,
)
from surveys.engine import (
    ROLES,
    Action,
    Context,
    Conversation,
    Input,
    Profile,
    Prompt,
    PromptKind,
    advance,
)
from surveys.wording import Wording

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


def _default_paths() -> list[Path]:
    """The folder the service loads surveys from, named relative to here when it can be."""
    folder = Path(os.environ.get("SURVEYS_DIR") or BUNDLED_SURVEYS_DIR)
    try:
        return [folder.resolve().relative_to(Path.cwd())]
    except ValueError:
        return [folder]


# --------------------------------------------------------------------------- loading


class _Checked:
    """The outcome of loading some paths: the surveys that loaded, and every problem."""

    def __init__(self) -> None:
        self.surveys: list[Survey] = []
        self.errors: list[str] = []
        self.files = 0


def _check(paths: Sequence[str | Path]) -> _Checked:
    checked = _Checked()
    for path in map(Path, paths):
        if not path.exists():
            checked.errors.append(f"{path}: does not exist")
        elif path.is_dir() and not survey_files([path]):
            checked.errors.append(f"{path}: holds no survey files (*.yaml or *.yml)")
    first_file: dict[str, str] = {}
    for file in survey_files(p for p in map(Path, paths) if p.exists()):
        checked.files += 1
        try:
            survey = load_survey(file)
        except SurveyDefinitionError as exc:
            checked.errors.extend(f"{exc.path}: {problem}" for problem in exc.problems)
            continue
        if survey.id in first_file:
            first = first_file[survey.id]
            checked.errors.append(
                f"{file}: survey, field id: {survey.id!r} is already used by {first}"
            )
            continue
        first_file[survey.id] = str(file)
        checked.surveys.append(survey)
    return checked


# --------------------------------------------------------------------------- validate


def validate(paths: Sequence[str | Path], out: TextIO) -> int:
    """Print every error and warning; non-zero when any file cannot be used."""
    checked = _check(paths)
    warnings = 0
    for survey in checked.surveys:
        print(
            f"{survey.source}: ok, {survey.id!r} version {survey.version}, "
            f"{_count(len(survey.questions), 'question')}, {', '.join(survey.languages)}",
            file=out,
        )
        for warning in survey.warnings:
            print(f"{survey.source}: warning: {warning}", file=out)
            warnings += 1
    for error in checked.errors:
        print(error, file=out)
    print(
        f"{_count(checked.files, 'file')} checked: {_count(len(checked.errors), 'error')}, "
        f"{_count(warnings, 'warning')}.",
        file=out,
    )
    return EXIT_PROBLEMS if checked.errors else EXIT_OK


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


# --------------------------------------------------------------------------- list


def list_surveys(paths: Sequence[str | Path], out: TextIO) -> int:
    """A table of the surveys found; files with errors are named below it."""
    checked = _check(paths)
    rows = [("id", "version", "audience", "languages", "questions")] + [
        (
            s.id,
            str(s.version),
            s.audience.value,
            ", ".join(s.languages),
            str(len(s.questions)),
        )
        for s in sorted(checked.surveys, key=lambda s: s.id)
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        print("  ".join(cells).rstrip(), file=out)
    if checked.errors:
        print("\nNot listed, because of errors (see python -m surveys validate):", file=out)
        for error in checked.errors:
            print(f"  {error}", file=out)
        return EXIT_PROBLEMS
    return EXIT_OK


# --------------------------------------------------------------------------- play

_QUIT = {"quit", "exit", "/quit", "/exit", "q"}
_RESUME = {"resume", "/resume", "/start", "carry on", "continue"}
_HELP = """\
Type the number of an answer, or its words; for "choose all that fit", type every number,
like 1, 3. Also: back, skip, pause, resume, "i don't understand" (or ?), "i'd rather not say",
/language CODE, /easy, /words, help, quit."""


class _Player:
    """Takes one survey in a terminal: prompts out, typed lines in, through the engine."""

    def __init__(self, survey: Survey, language: str, easy: bool, out: TextIO) -> None:
        self.survey = survey
        self.out = out
        self.ctx = Context(SurveyCatalog([survey]), Wording.load())
        role = survey.audience.value if survey.audience.value in ROLES else "parent_carer"
        self.conversation = Conversation(
            consented=True,  # a practice run: nothing is stored, so there is nothing to agree
            profile=Profile(role=role, format="easy" if easy else "words", language=language),
        )
        self.last_question: Prompt | None = None
        self.answers: dict[str, Any] = {}
        self.not_understood: dict[str, int] = {}
        self.finished = False

    def start(self) -> None:
        self.send(Input(Action.START, self.survey.id))

    def send(self, given: Input) -> None:
        outcome = advance(self.ctx, self.conversation, given)
        for event in outcome.events:
            if event.kind == "answer" and event.question_id:
                status = event.status.value if event.status else "answered"
                self.answers[event.question_id] = (
                    event.value if event.value is not None else f"({status})"
                )
            elif event.kind == "answer_withdrawn" and event.question_id:
                self.answers.pop(event.question_id, None)
            elif event.kind == "not_understood" and event.question_id:
                self.not_understood[event.question_id] = (
                    self.not_understood.get(event.question_id, 0) + 1
                )
        for prompt in outcome.prompts:
            self.show(prompt)
            if prompt.kind is PromptKind.DONE:
                self.finished = True

    def show(self, prompt: Prompt) -> None:
        lines: list[str] = []
        if prompt.kind is PromptKind.QUESTION:
            self.last_question = prompt
            lines.append("")
            if prompt.progress:
                lines.append(f"── {prompt.progress} ──")
        marker = {PromptKind.PROBLEM: "! ", PromptKind.CONFIRMATION: "✓ "}.get(prompt.kind, "")
        speak = "🔊 " if prompt.speak else ""
        lines.append(f"{speak}{marker}{prompt.text}")
        for number, button in enumerate(prompt.buttons, 1):
            tick = ("[x] " if button.selected else "[ ] ") if prompt.multiple else ""
            lines.append(f"  {number}. {tick}{button.label}")
        if prompt.multiple:
            lines.append("  (type the numbers of all that fit, like 1, 3)")
        elif prompt.kind is PromptKind.QUESTION and not prompt.buttons and prompt.accepts_text:
            lines.append("  (type your answer)")
        if prompt.controls:
            lines.append("  " + " ".join(f"[{control.label}]" for control in prompt.controls))
        print("\n".join(lines), file=self.out)

    def input_for(self, typed: str) -> Input:
        """What a typed line means: a control's name, a setting, or text for the engine."""
        said = _plain(typed)
        if said in _RESUME:
            return Input(Action.RESUME)
        command, _, argument = typed.strip().partition(" ")
        if command in ("/language", "/lang") and argument:
            return Input(Action.LANGUAGE, argument.strip())
        if command in ("/easy", "/words", "/listen"):
            return Input(Action.FORMAT, command[1:])
        question = self.last_question
        for control in question.controls if question else ():
            if said and said == _plain(control.label):
                return control.input
        return Input(Action.TEXT, typed.strip())

    def summary(self) -> None:
        print("\nAnswers from this practice run (nothing was saved):", file=self.out)
        for question in self.survey.questions:
            if question.id in self.answers:
                print(f"  {question.id}: {_shown(self.answers[question.id])}", file=self.out)
        for question_id, times in self.not_understood.items():
            print(f"  {question_id}: not understood {_count(times, 'time')}", file=self.out)


def _plain(text: str) -> str:
    return re.sub(r"[^\w\s']", "", text.replace("’", "'")).strip().lower()


def _shown(value: Any) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def play(
    file: str | Path,
    language: str | None,
    easy: bool,
    lines: Iterable[str],
    out: TextIO,
    echo: bool = False,
) -> int:
    """Take the survey in ``file`` with typed ``lines``; zero once it is finished or quit."""
    try:
        survey = load_survey(file)
    except SurveyDefinitionError as exc:
        print(exc, file=out)
        return EXIT_PROBLEMS
    language = language or survey.base_language
    if language not in survey.languages:
        print(
            f"{file}: this survey is in {', '.join(survey.languages)}, not {language!r}",
            file=out,
        )
        return EXIT_USAGE
    player = _Player(survey, language, easy, out)
    print(
        f"Trying {survey.id!r} version {survey.version} in {language}"
        f"{', easy read' if easy else ''}. Nothing is saved.\n{_HELP}",
        file=out,
    )
    player.start()
    typed_lines = iter(lines)
    while not player.finished:
        print("> ", end="", file=out, flush=True)
        typed = next(typed_lines, None)
        if typed is None:
            print("\nThe input ended before the survey was finished.", file=out)
            player.summary()
            return EXIT_PROBLEMS
        typed = typed.rstrip("\r\n")
        if echo:
            print(typed, file=out)
        if _plain(typed) in _QUIT:
            print("Stopped.", file=out)
            player.summary()
            return EXIT_OK
        if _plain(typed) in ("help", "/help"):
            print(_HELP, file=out)
            continue
        player.send(player.input_for(typed))
    player.summary()
    return EXIT_OK


# --------------------------------------------------------------------------- entry point


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m surveys",
        description="Check, list and try out survey files (YAML) for Everyone's Voice.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    check = commands.add_parser(
        "validate",
        help="check survey files; exits non-zero on any error",
        description="Check survey files. Each problem names the file, question and field. "
        "Missing translations are warnings. Exits 1 if any file has an error.",
    )
    check.add_argument(
        "paths", nargs="*", metavar="PATH", help="files or folders (default: the bundled surveys)"
    )
    listing = commands.add_parser(
        "list", help="list surveys: id, version, audience, languages, questions"
    )
    listing.add_argument(
        "paths", nargs="*", metavar="PATH", help="files or folders (default: the bundled surveys)"
    )
    player = commands.add_parser(
        "play",
        help="take a survey in the terminal (nothing is saved)",
        description="Take a survey in the terminal through the chat engine. Type a number or "
        "words to answer; back, skip, pause, resume and quit work too. Nothing is saved.",
    )
    player.add_argument("file", metavar="FILE", help="a survey file")
    player.add_argument(
        "--language", "-l", help="language code, e.g. pl (default: the survey's first)"
    )
    player.add_argument("--easy", action="store_true", help="show the easy read wording")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    out = sys.stdout
    for stream in (sys.stdout, sys.stdin):  # emoji and Polish letters, whatever the locale
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors="replace")  # type: ignore[union-attr]
    if args.command == "validate":
        return validate(args.paths or _default_paths(), out)
    if args.command == "list":
        return list_surveys(args.paths or _default_paths(), out)
    return play(args.file, args.language, args.easy, sys.stdin, out, echo=not sys.stdin.isatty())


if __name__ == "__main__":
    sys.exit(main())
