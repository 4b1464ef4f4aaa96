"""De-identification: each kind of identifier becomes its placeholder; the story stays."""

from __future__ import annotations

import pytest

from analysis.deidentify import deidentify


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("My son Jack hates the bus.", "My son [name] hates the bus."),
        ("Mrs Patel, his teacher, is lovely.", "[name], his teacher, is lovely."),
        ("Priya's mum told us about it.", "[name]'s mum told us about it."),
        ("me and jayden went to youth club", "me and [name] went to youth club"),
        ("My daughter, Amelia, is 9.", "My daughter, [name], is 9."),
    ],
)
def test_names(text: str, expected: str) -> None:
    assert deidentify(text) == expected


def test_phone_numbers() -> None:
    assert deidentify("ring me on 07700 900123 or 0113 222 4403") == "ring me on [phone] or [phone]"
    assert deidentify("call +44 7700 900123") == "call [phone]"


def test_emails() -> None:
    assert deidentify("email jo.bloggs@example.co.uk please") == "email [email] please"


def test_postcodes() -> None:
    assert deidentify("we live at LS6 2AB near the park") == "we live at [postcode] near the park"
    assert deidentify("we're in ls12 3xy") == "we're in [postcode]"


def test_dates_of_birth() -> None:
    assert deidentify("born on 12/03/2014") == "born on [date]"
    assert deidentify("DOB 3rd March 2012, in Year 6") == "DOB [date], in Year 6"
    assert deidentify("his birthday is 4 May") == "his birthday is [date]"


def test_nhs_numbers() -> None:
    assert deidentify("NHS number 943 476 5919") == "NHS number [nhs number]"
    assert deidentify("his number is 9434765919") == "his number is [nhs number]"
    # Ten digits that fail the NHS check digit and start with 0 are a phone number.
    assert deidentify("0113 222 4403") == "[phone]"


def test_school_and_setting_names() -> None:
    assert deidentify("He goes to St Mary's Catholic Primary School.") == "He goes to [school]."
    assert deidentify("Allerton Grange Academy excluded him") == "[school] excluded him"
    # From config/deidentify.yaml, and from the caller's own list.
    assert deidentify("the staff at Powerhouse West SILC") == "the staff at [school]"
    assert deidentify("Little Acorns were great", settings_names=["Little Acorns"]) == (
        "[school] were great"
    )


def test_the_rest_of_the_quote_is_kept() -> None:
    text = "The Early Help hub in Leeds rang CAMHS and the SENCO on Monday about his EHCP."
    assert deidentify(text) == text
