"""Measuring the tagger, sentiment and safeguarding screen against labelled sets.

Theme lines look like ``{"id", "text", "labels": ["P1", ...], "sentiment"}``; safeguarding
lines like ``{"id", "text", "risk": true|false}``. Reports are plain dicts, ready for JSON.

Themes are scored on every code of the kinds the labels use (a set labelled with priorities
is scored on P1–P6, and a value or work-group tag the tagger also gives is not counted as a
false positive). Macro-F1 weighs each code equally, so a rare priority counts as much as a
common one; micro-F1 and the share of answers with no theme are given too.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analysis import safeguarding, sentiment
from analysis.theming import Tagger


class DataError(Exception):
    """A labelled file that cannot be read, with the line that is wrong."""


@dataclass(frozen=True, slots=True)
class Example:
    id: str
    text: str
    labels: frozenset[str] = frozenset()
    sentiment: str | None = None
    risk: bool | None = None


def read_examples(path: str | Path) -> list[Example]:
    """Read a JSON-lines file; a bad line names its number and what is wrong."""
    examples = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise DataError(f"{path}: cannot be read ({exc.strerror})") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            text = row["text"]
            if not isinstance(text, str):
                raise TypeError("text must be a string")
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise DataError(f"{path}, line {number}: not a labelled example ({exc})") from None
        examples.append(
            Example(
                id=str(row.get("id", number)),
                text=text,
                labels=frozenset(row.get("labels") or ()),
                sentiment=row.get("sentiment"),
                risk=row.get("risk"),
            )
        )
    return examples


def _f1(precision: float, recall: float) -> float:
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def _ratio(a: int, b: int) -> float:
    return a / b if b else 0.0


def evaluate_themes(examples: Sequence[Example], tagger: Tagger) -> dict[str, Any]:
    """Per-code precision/recall/F1, macro and micro F1, and sentiment accuracy."""
    kinds = {tagger.codebook.code(label).kind for ex in examples for label in ex.labels}
    codes = [c.id for c in tagger.codebook.codes if c.kind in kinds] or sorted(
        {label for ex in examples for label in ex.labels}
    )
    predicted: list[set[str]] = []
    mistakes = []
    sentiment_right = sentiment_total = 0
    confusion: dict[str, dict[str, int]] = {}
    for ex in examples:
        tags = {t.id for t in tagger.tag(ex.text) if t.id in codes}
        predicted.append(tags)
        if tags != ex.labels:
            mistakes.append(
                {"id": ex.id, "expected": sorted(ex.labels), "got": sorted(tags), "text": ex.text}
            )
        if ex.sentiment:
            got = sentiment.score(ex.text).label
            sentiment_total += 1
            sentiment_right += got == ex.sentiment
            row = confusion.setdefault(ex.sentiment, {})
            row[got] = row.get(got, 0) + 1
    per_label = {}
    all_tp = all_fp = all_fn = 0
    for code in codes:
        pairs = list(zip(predicted, examples, strict=True))
        tp = sum(code in p and code in ex.labels for p, ex in pairs)
        fp = sum(code in p and code not in ex.labels for p, ex in pairs)
        fn = sum(code not in p and code in ex.labels for p, ex in pairs)
        precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
        per_label[code] = {
            "precision": round(precision, 3),
            "recall": round(recall, 3),
            "f1": round(_f1(precision, recall), 3),
            "support": tp + fn,
        }
        all_tp, all_fp, all_fn = all_tp + tp, all_fp + fp, all_fn + fn
    macro = sum(v["f1"] for v in per_label.values()) / len(per_label) if per_label else 0.0
    micro = _f1(_ratio(all_tp, all_tp + all_fp), _ratio(all_tp, all_tp + all_fn))
    none_gold = [not ex.labels for ex in examples]
    none_pred = [not p for p in predicted]
    none_tp = sum(g and p for g, p in zip(none_gold, none_pred, strict=True))
    report: dict[str, Any] = {
        "task": "themes",
        "examples": len(examples),
        "tagger_version": tagger.version,
        "macro_f1": round(macro, 3),
        "micro_f1": round(micro, 3),
        "per_label": per_label,
        "no_theme": {
            "precision": round(_ratio(none_tp, sum(none_pred)), 3),
            "recall": round(_ratio(none_tp, sum(none_gold)), 3),
        },
        "exact_match": round(_ratio(len(examples) - len(mistakes), len(examples)), 3),
        "mistakes": mistakes,
    }
    if sentiment_total:
        report["sentiment_accuracy"] = round(sentiment_right / sentiment_total, 3)
        report["sentiment_confusion"] = confusion
    return report


def evaluate_safeguarding(examples: Iterable[Example]) -> dict[str, Any]:
    """Recall on the risky lines, precision, and false-positive rate on the safe ones."""
    tp = fp = fn = tn = 0
    missed, false_alarms = [], []
    for ex in examples:
        if ex.risk is None:
            continue
        flagged = safeguarding.assess(ex.text) is not None
        if ex.risk and flagged:
            tp += 1
        elif ex.risk:
            fn += 1
            missed.append({"id": ex.id, "text": ex.text})
        elif flagged:
            fp += 1
            false_alarms.append({"id": ex.id, "text": ex.text})
        else:
            tn += 1
    return {
        "task": "safeguarding",
        "examples": tp + fp + fn + tn,
        "recall": round(_ratio(tp, tp + fn), 3),
        "precision": round(_ratio(tp, tp + fp), 3),
        "false_positive_rate": round(_ratio(fp, fp + tn), 3),
        "true_positives": tp,
        "false_positives": fp,
        "false_negatives": fn,
        "true_negatives": tn,
        "missed": missed,
        "false_alarms": false_alarms,
    }
