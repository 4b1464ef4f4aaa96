"""A published :class:`~analysis.summary.Summary` as files: CSV, XLSX, HTML, PDF and JSON.

Writers take only the published summary, never the store, so no file can hold a figure the
disclosure rule hid. Each file carries the survey versions, date range, tagger version and
the suppression rule. Spreadsheet cells that a spreadsheet would run as a formula (starting
with ``= + - @``, tab, CR, LF or NUL) are neutralised with a leading apostrophe (R-SEC-04).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from analysis.disclosure import Shown
from analysis.summary import Summary, Table, Theme


class Format(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"
    HTML = "html"
    PDF = "pdf"
    JSON = "json"


MEDIA_TYPES = {
    Format.CSV: "text/csv; charset=utf-8",
    Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    Format.HTML: "text/html; charset=utf-8",
    Format.PDF: "application/pdf",
    Format.JSON: "application/json",
}
FORMAT_NAMES = {
    Format.CSV: "CSV (one row per figure)",
    Format.XLSX: "Excel workbook",
    Format.HTML: "Web page report",
    Format.PDF: "PDF report",
    Format.JSON: "JSON data",
}


class ExportUnavailable(RuntimeError):
    """A format this installation cannot make; the message says what to install."""


@dataclass(frozen=True, slots=True)
class Export:
    """A file ready to send: its name, type, bytes, and how many figure rows it holds."""

    filename: str
    media_type: str
    body: bytes
    rows: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


_DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")


def neutralise(value: str) -> str:
    """Make a text cell inert in a spreadsheet: prefix ``'`` when it could start a formula."""
    return "'" + value if value.startswith(_DANGEROUS_START) else value


def export(summary: Summary, fmt: Format | str, *, area_name: str = "") -> Export:
    """Render ``summary`` as ``fmt``."""
    fmt = Format(fmt)
    writer: Callable[[Summary, str], bytes] = _WRITERS[fmt]
    body = writer(summary, area_name)
    return Export(_filename(summary, fmt), MEDIA_TYPES[fmt], body, len(list(figure_rows(summary))))


def _filename(summary: Summary, fmt: Format) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", summary.title.lower()).strip("-")[:50] or "summary"
    return f"everyones-voice-{slug}-{summary.generated_at:%Y-%m-%d}.{fmt.value}"


# ---------------------------------------------------------------------------- tidy rows

FIGURE_COLUMNS = ("table", "table_title", "row", "column", "shown", "count", "percent", "hidden")


def figure_rows(summary: Summary) -> Iterator[dict[str, Any]]:
    """One dict per published figure (the tidy form behind CSV and JSON)."""
    for table in summary.tables:
        rows = list(table.rows) + ([table.total] if table.total else [])
        for row in rows:
            for column, cell in zip(table.columns, row.cells, strict=False):
                if cell.value is None and not cell.suppressed:
                    continue  # a blank cell: nothing is published there
                yield {
                    "table": table.id,
                    "table_title": table.title,
                    "row": row.label,
                    "column": column,
                    "shown": cell.display,
                    "count": cell.value,
                    "percent": cell.percent,
                    "hidden": cell.hidden.value if cell.hidden else "",
                }


def _about(summary: Summary) -> list[tuple[str, str]]:
    meta = summary.provenance()
    return [
        ("title", meta["title"]),
        ("generated_at", meta["generated_at"]),
        *((f"filter: {k}", v) for k, v in meta["filters"].items()),
        (
            "survey_versions",
            "; ".join(f"{k} v{','.join(map(str, v))}" for k, v in meta["survey_versions"].items()),
        ),
        ("answers_from", meta["answers_from"] or ""),
        ("answers_to", meta["answers_to"] or ""),
        ("tagger_versions", ", ".join(meta["tagger_versions"])),
        ("suppression_rule", meta["suppression_rule"]),
        ("result", summary.message or "figures shown"),
    ]


# ---------------------------------------------------------------------------- CSV


def _csv(summary: Summary, _area: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(FIGURE_COLUMNS)
    for name, value in _about(summary):
        writer.writerow(_safe(["about", "About these figures", name, "", value, "", "", ""]))
    for row in figure_rows(summary):
        writer.writerow(_safe([row[c] for c in FIGURE_COLUMNS]))
    for theme in summary.themes:
        for phrase in theme.key_phrases:
            writer.writerow(
                _safe(["key_phrases", "Words people used", theme.label, "", phrase, "", "", ""])
            )
        for quote in theme.quotes:
            writer.writerow(
                _safe(["quotes", "Quotes", theme.label, quote.audience, quote.text, "", "", ""])
            )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _safe(values: list[Any]) -> list[Any]:
    return [neutralise(v) if isinstance(v, str) else "" if v is None else v for v in values]


# ---------------------------------------------------------------------------- XLSX


def _xlsx(summary: Summary, _area: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    bold = Font(bold=True)
    sheets = {
        "overview": book.active,
        "themes": book.create_sheet("themes"),
        "questions": book.create_sheet("questions"),
        "quotes": book.create_sheet("quotes"),
        "method": book.create_sheet("method"),
    }
    sheets["overview"].title = "overview"

    def put(sheet: Any, values: list[Any], header: bool = False) -> None:
        sheet.append([_cell(v) for v in values])
        if header:
            for cell in sheet[sheet.max_row]:
                cell.font = bold

    def table(sheet: Any, t: Table) -> None:
        put(sheet, [t.title], header=True)
        put(
            sheet,
            ["", *t.columns, "Share (%)" if len(t.columns) == 1 and t.percent_of else ""],
            header=True,
        )
        for row in (*t.rows, *([t.total] if t.total else [])):
            shares = [row.cells[0].percent] if len(t.columns) == 1 and t.percent_of else []
            put(sheet, [row.label, *(_xlsx_value(c) for c in row.cells), *shares])
        if t.note:
            put(sheet, [t.note])
        put(sheet, [])

    overview = sheets["overview"]
    put(overview, [f"{summary.title}: what people told us"], header=True)
    if summary.too_few:
        put(overview, [summary.message])
    for t in summary.tables:
        if t.id in ("overview", "audience", "age_bands", "months"):
            table(overview, t)
        elif t.id.startswith("q."):
            table(sheets["questions"], t)
        else:
            table(sheets["themes"], t)
    put(sheets["themes"], ["Theme", "Words people used"], header=True)
    for theme in summary.themes:
        put(sheets["themes"], [theme.label, ", ".join(theme.key_phrases)])
    put(sheets["quotes"], ["Theme", "Who", "Quote (names and details taken out)"], header=True)
    for theme in summary.themes:
        for quote in theme.quotes:
            put(sheets["quotes"], [theme.label, quote.audience, quote.text])
    method = sheets["method"]
    put(method, ["About these figures"], header=True)
    for name, value in _about(summary):
        put(method, [name, value])
    put(method, [])
    put(method, ["Caveats"], header=True)
    for caveat in summary.caveats:
        put(method, [caveat])
    for sheet in book.worksheets:
        sheet.column_dimensions["A"].width = 48
        for letter in "BCDEFG":
            sheet.column_dimensions[letter].width = 18
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_value(cell: Shown) -> Any:
    return cell.value if cell.value is not None and not cell.suppressed else cell.display


def _cell(value: Any) -> Any:
    """Numbers stay numbers; every text is neutralised and stored as text, never a formula."""
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, int | float):
        return value
    return neutralise(_strip_control(str(value)))


_ILLEGAL_XLSX = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f]")


def _strip_control(text: str) -> str:
    return _ILLEGAL_XLSX.sub("", text)


# ---------------------------------------------------------------------------- HTML / PDF


_ENV = Environment(
    loader=PackageLoader("analysis", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def theme_groups(summary: Summary) -> list[tuple[str, list[Theme]]]:
    """Themes grouped by kind, in the strategy's order (priorities first)."""
    groups: dict[str, list[Theme]] = {}
    for theme in summary.themes:
        groups.setdefault(theme.kind_label, []).append(theme)
    return list(groups.items())


def render_html(summary: Summary, area_name: str = "") -> str:
    template = _ENV.get_template("report.html")
    return template.render(
        summary=summary,
        theme_groups=theme_groups(summary),
        area_name=area_name or "Leeds area SEND and AP Partnership Board",
    )


def _html(summary: Summary, area: str) -> bytes:
    return render_html(summary, area).encode("utf-8")


def _pdf(summary: Summary, area: str) -> bytes:
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # OSError: the pango system library is missing
        raise ExportUnavailable(
            "PDF needs WeasyPrint and its system libraries (pango): "
            "pip install weasyprint; apt-get install libpango-1.0-0 libpangoft2-1.0-0"
        ) from exc
    return bytes(HTML(string=render_html(summary, area)).write_pdf())


# ---------------------------------------------------------------------------- JSON


def _json(summary: Summary, _area: str) -> bytes:
    def cell(c: Shown) -> dict[str, Any]:
        return {"shown": c.display, "count": c.value, "percent": c.percent, "hidden": c.hidden}

    document = {
        "about": summary.provenance(),
        "too_few": summary.too_few,
        "message": summary.message,
        "tables": [
            {
                "id": t.id,
                "title": t.title,
                "columns": list(t.columns),
                "rows": [{"label": r.label, "cells": [cell(c) for c in r.cells]} for r in t.rows],
                "total": {"label": t.total.label, "cells": [cell(c) for c in t.total.cells]}
                if t.total
                else None,
                "note": t.note,
            }
            for t in summary.tables
        ],
        "themes": [
            {
                "id": th.id,
                "label": th.label,
                "kind": th.kind,
                "answers": cell(th.answers),
                "verified": cell(th.verified),
                "sentiment": {k: cell(v) for k, v in th.sentiment.items()},
                "key_phrases": list(th.key_phrases),
                "quotes": [
                    {"text": q.text, "who": q.audience, "sentiment": q.sentiment} for q in th.quotes
                ],
            }
            for th in summary.themes
        ],
        "caveats": list(summary.caveats),
    }
    return json.dumps(document, ensure_ascii=False, indent=1, default=_default).encode("utf-8")


def _default(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


_WRITERS: dict[Format, Callable[[Summary, str], bytes]] = {
    Format.CSV: _csv,
    Format.XLSX: _xlsx,
    Format.HTML: _html,
    Format.PDF: _pdf,
    Format.JSON: _json,
}
