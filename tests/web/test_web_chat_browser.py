"""A person completes a survey in real headless Chromium, with the keyboard alone.

With JavaScript on (the live chat) and off (one question per page): back, skip, tick boxes,
a reload part-way, a typed number and words. The answers in the database must be exactly those
given, and no request may leave 127.0.0.1. Then axe-core checks every page and state of the
chat at desktop width and at 320 px, in normal and forced colours.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.browser import (
    FOCUSED,
    Recorder,
    Server,
    axe_source,
    control,
    launch,
    require_chromium,
    run_axe,
    start_server,
    tab_to,
    text_box,
)

pytestmark = pytest.mark.browser

EXPECTED = {
    "school": ("answered", "special"),
    "ehcp": ("answered", "no"),
    "feel": ("skipped", None),
    "help": ("answered", ["senco", "short_breaks"]),
    "waited": ("answered", 7),
    "story": ("answered", "Someone who listens."),
}


@pytest.fixture
def server(tmp_path: Path, sqlite_template: Path) -> Iterator[Server]:
    require_chromium()
    yield from start_server(tmp_path, sqlite_template)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


class Person:
    """Someone at a keyboard: Tab to a control, Enter or Space; no mouse anywhere."""

    def __init__(self, page: Any, javascript: bool) -> None:
        self.page = page
        self.javascript = javascript

    def last_bot_words(self) -> str:
        return str(self.page.locator("#log .msg.from-bot").last.inner_text())

    def wait_for(self, text: str) -> None:
        from playwright.sync_api import expect

        expect(self.page.locator("#log .msg.from-bot").last).to_contain_text(text)

    def to_answer(self) -> None:
        """Without JavaScript each answer is a new page: use the skip link to reach it."""
        if self.javascript:
            return
        self.page.keyboard.press("Tab")
        assert "Skip to the question" in self.page.evaluate(FOCUSED)["words"]
        self.page.keyboard.press("Enter")

    def press(self, words: str, then: str) -> None:
        self.to_answer()
        tab_to(self.page, control(words))
        self.page.keyboard.press("Enter")
        self.wait_for(then)

    def tick_and_finish(self, boxes: list[str], then: str) -> None:
        self.to_answer()
        for box in boxes:
            tab_to(self.page, control(box))
            self.page.keyboard.press("Space")
        tab_to(self.page, control("Done"))
        self.page.keyboard.press("Enter")
        self.wait_for(then)

    def type_number(self, number: str, then: str) -> None:
        self.to_answer()
        tab_to(self.page, text_box("input"))
        self.page.keyboard.type(number)
        self.page.keyboard.press("Enter")
        self.wait_for(then)

    def write(self, words: str, then: str) -> None:
        self.to_answer()
        tab_to(self.page, text_box("textarea"))
        self.page.keyboard.type(words)
        tab_to(self.page, control("Send"))
        self.page.keyboard.press("Enter")
        self.wait_for(then)


def _complete_the_survey(person: Person, server: Server) -> None:
    page = person.page
    page.goto(server.url + "/")
    person.wait_for("It is not a person")
    person.press("Yes, let's start", then="Which of these best describes you?")
    if person.javascript:  # the live chat moves focus to the new answers
        assert page.evaluate(FOCUSED)["words"] == "Parent or carer"
    person.press("Parent or carer", then="How would you like the questions?")
    person.press("Words", then="Which would you like to answer?")
    person.press("Every kind of question", then="Which language would you like?")
    person.press("English", then="your own experience")
    person.press("My own experience", then="Where does your child learn?")
    assert "Question 1 of 6" in person.last_bot_words()
    person.press("Special school", then="Does your child have an EHC plan?")
    person.press("Yes", then="How do you feel about the support?")
    person.press("Back", then="Does your child have an EHC plan?")
    person.press("No", then="How do you feel about the support?")
    person.press("Skip", then="Which of these have helped?")
    person.tick_and_finish(["The SENCO", "Short breaks"], then="How many months did you wait?")

    page.reload()  # part-way through, the page is reloaded: the person carries on
    person.wait_for("How many months did you wait?")
    person.type_number("7", then="Tell us one thing that would make things better.")
    person.write("Someone who listens.", then="Thank you, that's everything.")


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_a_person_completes_a_survey_with_the_keyboard_alone(
    browser: Any, server: Server, javascript: bool
) -> None:
    context = browser.new_context(
        java_script_enabled=javascript, viewport={"width": 1024, "height": 800}
    )
    requests = Recorder()
    context.on("request", requests)
    try:
        person = Person(context.new_page(), javascript)
        _complete_the_survey(person, server)
    finally:
        context.close()

    assert server.answers() == EXPECTED
    assert requests.urls, "the browser made no requests at all?"
    assert requests.elsewhere() == []


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_after_a_disclosure_the_help_card_is_shown_exactly_once(
    browser: Any, server: Server, javascript: bool
) -> None:
    """What the person sees after writing that they are not safe: the kind words, then the
    help card, once (it was also folded into the words once, so every number showed twice)."""
    context = browser.new_context(java_script_enabled=javascript)
    try:
        page = context.new_page()
        person = Person(page, javascript)
        page.goto(server.url + "/")
        person.wait_for("It is not a person")
        person.press("Yes, let's start", then="Which of these best describes you?")
        person.press("Parent or carer", then="How would you like the questions?")
        person.press("Words", then="Which would you like to answer?")
        person.press("Every kind of question", then="Which language would you like?")
        person.press("English", then="your own experience")
        person.press("My own experience", then="Where does your child learn?")
        person.press("Not in school", then="Why isn't your child in school?")
        person.write(
            "my step dad hits me and i dont feel safe at home",
            then="Does your child have an EHC plan?",
        )
        seen = str(page.locator("body").inner_text())
        help_cards = page.locator("#log .msg.kind-help").count()
    finally:
        context.close()

    assert help_cards == 1
    assert seen.index("Thank you for telling me") < seen.index("0800 1111")
    for number in ("Call 999", "0800 1111", "85258", "116 123", "mindmate.org.uk"):
        assert seen.count(number) == 1, f"{number} shown {seen.count(number)} times"


# --------------------------------------------------------------------------- axe-core


class Audit:
    """Runs axe at desktop width and at 320 px on each state, and checks reflow at 320 px."""

    def __init__(self, page: Any, source: str) -> None:
        self.page = page
        self.source = source
        self.problems: list[str] = []
        self.states: list[str] = []

    def check(self, state: str) -> None:
        self.states.append(state)
        for width in (1280, 320):
            self.page.set_viewport_size({"width": width, "height": 800})
            for violation in run_axe(self.page, self.source):
                self.problems.append(f"{state} at {width}px: {violation}")
            if width == 320:
                overflow = self.page.evaluate(
                    "() => document.documentElement.scrollWidth - window.innerWidth"
                )
                if overflow > 0:
                    self.problems.append(f"{state} at 320px: scrolls sideways by {overflow}px")
        self.page.set_viewport_size({"width": 1280, "height": 800})


def _click(page: Any, words: str, then: str) -> None:
    from playwright.sync_api import expect

    page.locator("#answer-body").get_by_role("button", name=words, exact=True).click()
    expect(page.locator("#log .msg.from-bot").last).to_contain_text(then)


def _every_state(page: Any, server: Server, audit: Audit) -> None:
    from playwright.sync_api import expect

    base = server.url
    page.goto(base + "/")
    audit.check("privacy message")
    _click(page, "Yes, let's start", "Which of these")
    audit.check("role")
    _click(page, "Young person (11 to 25)", "How old are you?")
    audit.check("age band")
    _click(page, "13 to 15", "How would you like")
    audit.check("format")
    _click(page, "Words", "Which would you like to answer?")
    audit.check("survey menu")
    _click(page, "Every kind of question", "Which language")
    audit.check("language")
    _click(page, "English", "by yourself")
    audit.check("answering as")
    _click(page, "By myself", "Where does your child learn?")
    audit.check("single choice")
    _click(page, "Mainstream school", "EHC plan")
    audit.check("yes / no, after a confirmation")
    _click(page, "I don't understand", "EHC plan")
    # The question was already last before the hint came: wait for the hint itself.
    expect(page.locator("#log")).to_contain_text("legal document")
    audit.check("a hint")
    _click(page, "Yes", "How do you feel")
    audit.check("rating with faces")
    _click(page, "Good", "Which of these have helped?")
    page.locator("#answer-body").get_by_label("The SENCO").check()
    audit.check("tick boxes")
    _click(page, "Done", "How many months")
    page.locator("#answer-text").fill("lots")
    page.locator("#answer-body").get_by_role("button", name="Send").click()
    expect(page.locator("#log .msg.kind-problem").last).to_contain_text("Please type a number")
    audit.check("a problem with the answer")
    page.locator("#settings").get_by_role("button", name="Easy words").click()
    expect(page.locator("#settings button[aria-pressed=true]").first).to_contain_text("Easy")
    audit.check("easy words, switched part-way")
    page.goto(base + "/help")
    expect(page.locator(".help-card")).to_contain_text("if you feel very bad inside")
    audit.check("help card in easy words")
    page.goto(base + "/")
    page.locator("#settings").get_by_role("button", name="Polski (Polish)").click()
    expect(page.locator("html")).to_have_attribute("lang", "pl")
    audit.check("another language")
    page.goto(base + "/help")
    expect(page.locator(".help-card")).to_contain_text("jeśli grozi Ci teraz niebezpieczeństwo")
    audit.check("help card in Polish easy words")
    page.goto(base + "/")
    page.locator("#settings").get_by_role("button", name="English").click()
    _click(page, "Pause", "saved")
    audit.check("paused, with a resume code")
    page.reload()
    audit.check("paused, reloaded")
    page.locator("#answer-body").get_by_role("button", name="Carry on").click()
    page.locator("#answer-text").fill("3")
    page.locator("#answer-body").get_by_role("button", name="Send").click()
    expect(page.locator("#log .msg.from-bot").last).to_contain_text("one thing")
    audit.check("free text")
    page.locator("#answer-text").fill("i dont feel safe at home")
    page.locator("#answer-body").get_by_role("button", name="Send").click()
    expect(page.locator("#log .msg.kind-help").last).to_contain_text("0800 1111")
    audit.check("a possible disclosure: support, then the help card")
    expect(page.locator("#log .msg.from-bot").last).to_contain_text("Thank you")
    audit.check("survey finished")
    for path, state in [
        ("/help", "help card"),
        ("/privacy", "privacy page"),
        ("/my-answers", "my answers"),
        ("/delete", "delete: confirm"),
        ("/resume", "carry on with a code"),
        ("/embed", "embed snippet"),
        ("/?embed=1", "chat inside an iframe"),
        ("/no-such-page", "page not found"),
    ]:
        page.goto(base + path)
        audit.check(state)
    page.goto(base + "/resume")
    page.locator("#code").fill("WRONG-ONE")
    page.get_by_role("button", name="Carry on").click()
    audit.check("carry on: a wrong code")
    page.goto(base + "/delete")
    page.get_by_role("button", name="Yes, delete my answers").click()
    audit.check("deleted")


def test_axe_finds_no_problem_on_any_page_or_state_at_desktop_width_or_320px(
    browser: Any, server: Server
) -> None:
    source = axe_source()
    context = browser.new_context()
    requests = Recorder()
    context.on("request", requests)
    try:
        audit = Audit(context.new_page(), source)
        _every_state(audit.page, server, audit)
    finally:
        context.close()
    assert len(audit.states) >= 25
    assert not audit.problems, "\n".join(audit.problems)
    assert requests.elsewhere() == []


def test_forced_colours_and_reduced_motion_keep_focus_visible_and_nothing_moving(
    browser: Any, server: Server
) -> None:
    from playwright.sync_api import expect

    source = axe_source()
    context = browser.new_context(reduced_motion="reduce", forced_colors="active")
    try:
        page = context.new_page()
        page.goto(server.url + "/")
        tab_to(page, control("Yes, let's start"))
        page.keyboard.press("Enter")
        expect(page.locator("#log .msg.from-bot").last).to_contain_text("Which of these")
        violations = run_axe(page, source)
        assert not violations, "\n".join(str(v["nodes"]) for v in violations)
        focused = tab_to(page, control("Parent or carer"))
        assert focused["outline"]
        animated = page.evaluate(
            "() => [...document.querySelectorAll('.msg')]"
            ".map(m => getComputedStyle(m).animationName).filter(n => n !== 'none')"
        )
        assert animated == []
    finally:
        context.close()
