"""The targets on the labelled development sets, and the command line that measures them.

The lexicons were written with the whole theming set read, so the odd/even halves are a
check on stability rather than a true held-out score; both halves must still pass.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from analysis.evaluate import DataError, evaluate_safeguarding, evaluate_themes, read_examples
from analysis.theming import Tagger

ROOT = Path(__file__).resolve().parents[2]


def test_theme_and_sentiment_targets(tagger: Tagger, data_dir: Path) -> None:
    report = evaluate_themes(read_examples(data_dir / "theming-dev.jsonl"), tagger)
    assert report["macro_f1"] >= 0.85, report["per_label"]
    assert report["sentiment_accuracy"] >= 0.80
    assert all(row["f1"] >= 0.75 for row in report["per_label"].values()), report["per_label"]


@pytest.mark.parametrize("half", [0, 1])
def test_targets_hold_on_each_half(tagger: Tagger, data_dir: Path, half: int) -> None:
    examples = [
        ex
        for ex in read_examples(data_dir / "theming-dev.jsonl")
        if int(ex.id.lstrip("d")) % 2 == half
    ]
    report = evaluate_themes(examples, tagger)
    assert report["macro_f1"] >= 0.85
    assert report["sentiment_accuracy"] >= 0.80


def test_safeguarding_targets(data_dir: Path) -> None:
    report = evaluate_safeguarding(read_examples(data_dir / "safeguarding-dev.jsonl"))
    assert report["recall"] >= 0.97, report["missed"]
    assert report["false_positive_rate"] <= 0.10, report["false_alarms"]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "analysis", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_evaluate_command_prints_the_json_report(data_dir: Path) -> None:
    done = _cli(
        "evaluate", "--task", "themes", "--data", str(data_dir / "theming-dev.jsonl"), "--json"
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert set(report["per_label"]) == {"P1", "P2", "P3", "P4", "P5", "P6"}
    assert {"precision", "recall", "f1"} <= set(report["per_label"]["P1"])
    assert 0 <= report["macro_f1"] <= 1 and 0 <= report["sentiment_accuracy"] <= 1

    done = _cli(
        "evaluate",
        "--task",
        "safeguarding",
        "--data",
        str(data_dir / "safeguarding-dev.jsonl"),
        "--json",
    )
    assert done.returncode == 0, done.stderr
    assert {"recall", "precision", "false_positive_rate"} <= set(json.loads(done.stdout))


def test_evaluate_names_the_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "a", "text": "fine", "labels": []}\nnot json\n')
    with pytest.raises(DataError, match="line 2"):
        read_examples(path)
    done = _cli("evaluate", "--task", "themes", "--data", str(path))
    assert done.returncode == 2
    assert "line 2" in done.stderr


def test_tag_command_shows_tags_reasons_and_sentiment() -> None:
    done = _cli("tag", "waited ages for my adhd assesment")
    assert done.returncode == 0, done.stderr
    assert "P1" in done.stdout
    assert "assesment→assessment" in done.stdout
    assert "sentiment: negative" in done.stdout
    done = _cli("tag", "I like football")
    assert "no theme" in done.stdout
