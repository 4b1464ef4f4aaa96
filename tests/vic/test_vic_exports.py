"""Every file format from one summary: same figures, provenance, no formulas, nothing hidden."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from analysis.disclosure import DisclosureRule, Hidden, Shown
from analysis.exports import Format, export, neutralise
from analysis.summary import Filters, Quote, Row, Summary, Table, Theme, build_summary
from surveys.definition import SurveyCatalog
from tests.vic._seed import ALERT_EXCERPT, RESTRICTED_WORDS, seed

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PAYLOADS = ['=HYPERLINK("http://x","y")', "+1", "-1+1", "@SUM(1)", "\t=1", "\r=1", "\n=1"]


def payload_summary() -> Summary:
    """A summary whose every text slot carries a spreadsheet-formula payload."""
    rule = DisclosureRule()
    rows = tuple(Row(p, (Shown(15, 50),)) for p in PAYLOADS)
    table = Table(
        "q.s.x", PAYLOADS[0], ("Number",), rows, Row("+total", (Shown(30),)), "-note", True, "x"
    )
    theme = Theme(
        "P1",
        "=cmd|' /C calc'!A0",
        "priority",
        Shown(20, 40),
        Shown(20),
        Shown(5),
        {"negative": Shown(10, 50), "positive": Shown(None, None, Hidden.SMALL)},
        ("@SUM(1)",),
        tuple(Quote(p, "negative", "A parent or carer") for p in PAYLOADS),
    )
    return Summary(
        "=1+2",
        Filters(),
        rule,
        dt.datetime(2026, 6, 1, tzinfo=dt.UTC),
        {"s": [1]},
        ["t1"],
        dt.date(2026, 1, 1),
        dt.date(2026, 5, 31),
        False,
        (table,),
        (theme,),
        ("-caveat",),
    )


def test_neutralise_prefixes_every_dangerous_start() -> None:
    for payload in PAYLOADS + ["\0=1"]:
        assert neutralise(payload) == "'" + payload
    assert neutralise("Mainstream school") == "Mainstream school"
    assert neutralise("") == ""


def test_csv_is_rfc4180_and_inert() -> None:
    body = export(payload_summary(), Format.CSV).body
    text = body.decode("utf-8-sig")
    assert "\r\n" in text
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0][:5] == ["table", "table_title", "row", "column", "shown"]
    cells = [cell for row in rows for cell in row]
    for cell in cells:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r", "\n")), repr(cell)
    for payload in PAYLOADS:
        assert "'" + payload in cells  # kept, readable, but inert
    # A line break inside a quote survives as one quoted field, not a new record.
    assert all(len(row) == 8 for row in rows)


def test_xlsx_holds_no_formula_and_has_the_sheets() -> None:
    body = export(payload_summary(), Format.XLSX).body
    book = load_workbook(io.BytesIO(body))
    assert book.sheetnames == ["overview", "themes", "questions", "quotes", "method"]
    texts = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula"
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r", "\n"))
                    texts.append(cell.value)
    assert '\'=HYPERLINK("http://x","y")' in texts
    assert any(t.startswith("'@SUM") for t in texts)


@pytest.fixture(scope="module")
def catalog() -> SurveyCatalog:
    return SurveyCatalog.from_paths(FIXTURES)


async def test_every_format_from_the_store(db, catalog, tmp_path) -> None:
    await seed(db)
    summary = await build_summary(
        db, catalog, Filters(survey_ids=("vic_voice",)), require_quote_approval=False
    )
    files = {fmt: export(summary, fmt) for fmt in Format}
    for fmt, file in files.items():
        assert file.body, fmt
        assert len(file.sha256) == 64
        assert file.filename.endswith("." + fmt.value)
        for secret in (RESTRICTED_WORDS, ALERT_EXCERPT, "RESTRICTED-WORDS", "ALERT-EXCERPT"):
            assert secret.encode() not in file.body, f"{fmt} leaks restricted words"

    document = json.loads(files[Format.JSON].body)
    about = document["about"]
    assert about["survey_versions"] == {"vic_voice": [3]}
    assert about["tagger_versions"] == ["lex-test-1"]
    assert about["suppression"] == {"k": 10, "round_to": 5, "class_base": 20}
    assert about["answers_from"] == "2026-03-10" and about["answers_to"] == "2026-05-02"
    school = next(t for t in document["tables"] if t["id"] == "q.vic_voice.school")
    assert [c["shown"] for r in school["rows"] for c in r["cells"]] == [
        "20",
        "fewer than 10",
        "fewer than 10",
    ]

    text = files[Format.CSV].body.decode("utf-8-sig")
    assert "suppression_rule" in text and "vic_voice v3" in text and "lex-test-1" in text
    assert "Mainstream school,Number,20,20,64," in text

    html = files[Format.HTML].body.decode()
    assert '<html lang="en">' in html and "<caption" in html and 'role="img"' in html
    assert "Not in the chart, to protect small numbers" in html
    assert "#0072B2" in html  # Okabe–Ito blue: safe for colour-blind readers
    assert "fewer than 10" in html and "vic_voice: version 3" in html

    book = load_workbook(io.BytesIO(files[Format.XLSX].body))
    method = [c.value for row in book["method"].iter_rows() for c in row if c.value]
    assert "suppression_rule" in method and "lex-test-1" in method

    pdf = files[Format.PDF].body
    assert pdf.startswith(b"%PDF-")
    if shutil.which("pdftotext"):
        path = tmp_path / "r.pdf"
        path.write_bytes(pdf)
        words = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
        assert "School and support" in words and "fewer than 10" in words


async def test_too_few_files_say_so_and_hold_no_figures(db, catalog) -> None:
    await seed(db)
    summary = await build_summary(
        db, catalog, Filters(survey_ids=("vic_voice",), audience="practitioner")
    )
    document = json.loads(export(summary, Format.JSON).body)
    assert document["too_few"] and document["tables"] == []
    assert "Too few responses to show" in export(summary, Format.HTML).body.decode()
