"""The help-now card from config/signposting.yaml: every line in the person's language where
it is translated, English where it is not, and a file that cannot be shown as written refused
with the service and field named."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from analysis.safeguarding import Signposting, SignpostingError, Words
from bot.__main__ import serve
from bot.signposting import FALLBACK, load_help_card
from config.settings import CONFIG_DIR, load_settings
from surveys.wording import Wording

SHIPPED = CONFIG_DIR / "signposting.yaml"
# What must read the same in every language: numbers, web addresses, words to text.
_EXACT = re.compile(r"\d+(?: \d+)*|[\w.-]+\.org\.uk|\b[A-Z]{3,}\b")


def _card(**services: dict[str, Any]) -> dict[str, Any]:
    entries = [{"id": "emergency", "name": "999", "contact": "Call 999", "when": "in danger"}]
    entries += [{"id": key, **fields} for key, fields in services.items()]
    return {"last_verified": "2026-11-22", "services": entries}


def _write(tmp_path: Path, raw: dict[str, Any]) -> Path:
    path = tmp_path / "signposting.yaml"
    text = yaml.safe_dump(raw, allow_unicode=True, sort_keys=False)
    path.write_text(text.replace("'2026-11-22'", "2026-11-22"), encoding="utf-8")
    return path


def test_every_service_is_in_polish_with_the_same_numbers_names_and_addresses() -> None:
    raw = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    assert all("how" not in service for service in raw["services"]), "one field per line"
    for service in Signposting.load(SHIPPED).services:
        for field in ("contact", "when", "when_easy"):
            texts = getattr(service, field)
            assert set(texts) == {"en", "pl"}, f"{service.id}.{field}"
            for exact in _EXACT.findall(texts["en"]):
                assert exact in texts["pl"], f"{service.id}.{field}: {exact!r} changed"


def test_english_only_services_say_so_in_polish() -> None:
    card = {line.name: line for line in Signposting.load(SHIPPED).lines("pl")}
    for name in ("Childline", "Shout", "Samaritans"):
        assert "po angielsku" in card[name].contact.text
    assert "możesz poprosić o tłumacza" in card["NHS 111"].contact.text


def test_a_missing_translation_falls_back_to_english_for_that_line_only(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        _card(
            childline={
                "name": "Childline",
                "contact": {"en": "Call 0800 1111 (free)", "pl": "Zadzwoń pod 0800 1111"},
                "when": "if you are under 19",
                "when_easy": {"en": "free, for children"},
            },
            samaritans={
                "name": "Samaritans",
                "contact": "Call 116 123 (free)",
                "when": {"en": "any time", "pl": "o każdej porze"},
                "when_easy": "free, any time",
            },
        ),
    )
    signposting = Signposting.load(path)
    _, childline, samaritans = signposting.lines("pl")
    assert childline.contact == Words("Zadzwoń pod 0800 1111", "pl")
    assert childline.when == Words("if you are under 19", "en")
    assert samaritans.contact == Words("Call 116 123 (free)", "en")
    assert samaritans.when == Words("o każdej porze", "pl")

    _, childline, samaritans = signposting.lines("pl", easy=True)
    assert childline.when == Words("free, for children", "en")
    assert samaritans.when == Words("o każdej porze", "pl"), "Polish before English easy words"

    card = signposting.card(Wording.load(), "pl")
    assert card.startswith("Możesz teraz z kimś porozmawiać:\n• 999: ")
    assert "• Childline: Zadzwoń pod 0800 1111 — if you are under 19" in card
    english = [str(line) for line in signposting.lines("de", easy=True)]
    assert english[1] == "• Childline: Call 0800 1111 (free) — free, for children"


@pytest.mark.parametrize(
    ("services", "problem"),
    [
        (
            {"childline": {"name": "Childline", "contact": "Call", "when": {"pl": "zawsze"}}},
            "service 'childline', field when: has no 'en' text",
        ),
        (
            {"shout": {"name": "Shout", "contact": "Text", "when": "now", "how": "Text"}},
            "service 'shout', field how: not a field the card uses",
        ),
        (
            {"samaritans": {"name": "Samaritans", "when": "any time"}},
            "service 'samaritans', field contact: needs text",
        ),
        (
            {"shout": {"name": "Shout", "contact": {"en": "Text", "pl": ""}, "when": "now"}},
            "service 'shout', field contact: the 'pl' text is empty",
        ),
        (
            {"shout": {"contact": "Text", "when": "now"}},
            "service 'shout', field name: needs plain text",
        ),
        (
            {"emergency": {"name": "999", "contact": "Call 999", "when": "now"}},
            "service id 'emergency' is used twice",
        ),
    ],
)
def test_a_malformed_entry_is_refused_naming_the_service_and_field(
    tmp_path: Path, services: dict[str, Any], problem: str
) -> None:
    path = _write(tmp_path, _card(**services))
    with pytest.raises(SignpostingError) as refused:
        Signposting.load(path)
    assert str(refused.value).startswith(f"{path}: ")
    assert problem in str(refused.value)


def test_999_must_come_first(tmp_path: Path) -> None:
    raw = _card(childline={"name": "Childline", "contact": "Call", "when": "now"})
    raw["services"].reverse()
    with pytest.raises(SignpostingError, match=r"must list 999 \(id: emergency\) first"):
        Signposting.load(_write(tmp_path, raw))


def test_a_broken_card_never_hides_help_and_stops_the_service_with_a_clear_message(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(
        tmp_path, _card(childline={"name": "Childline", "contact": {"pl": "Zadzwoń"}, "when": "x"})
    )
    with caplog.at_level(logging.ERROR):
        card = load_help_card(path)
    assert card is FALLBACK and card.last_verified is None
    assert "service 'childline', field contact" in caplog.text
    assert [line.contact.text for line in card.entries("pl")] == [
        "Zadzwoń pod 999",
        "Zadzwoń pod 0800 1111 (bezpłatnie, rozmowa po angielsku)",
    ]

    settings = load_settings(
        database_url=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        pseudonym_key="k" * 40,
        signposting_file=path,
    )
    with pytest.raises(SystemExit) as stopped:
        serve(settings)
    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert "The help-now card (SIGNPOSTING_FILE) has a problem" in error
    assert "service 'childline', field contact: has no 'en' text" in error
