"""Command line for the analysis: ``python -m analysis evaluate|tag|retag``.

* ``evaluate --task themes|safeguarding --data FILE.jsonl [--json]`` measures the tagger,
  sentiment or the safeguarding screen against a labelled file;
* ``tag "some text"`` shows the tags, scores, reasons and sentiment for one answer;
* ``retag`` analyses every stored free-text answer again (after the codebook changed), on the
  database named by ``DATABASE_URL``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from analysis.codebook import CodebookError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m analysis", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    evaluate = commands.add_parser("evaluate", help="measure against a labelled JSON-lines file")
    evaluate.add_argument("--task", choices=["themes", "safeguarding"], required=True)
    evaluate.add_argument("--data", required=True, help="JSON lines: id, text, labels/risk")
    evaluate.add_argument("--json", action="store_true", help="print the full report as JSON")
    evaluate.add_argument("--codebook", help="a strategy.yaml other than config/strategy.yaml")
    tag = commands.add_parser("tag", help="tag one text and show why")
    tag.add_argument("text")
    tag.add_argument("--codebook", help="a strategy.yaml other than config/strategy.yaml")
    tag.add_argument("--json", action="store_true")
    retag = commands.add_parser("retag", help="re-tag every stored free-text answer")
    retag.add_argument("--codebook", help="a strategy.yaml other than config/strategy.yaml")
    args = parser.parse_args(argv)
    try:
        if args.command == "evaluate":
            return _evaluate(args)
        if args.command == "tag":
            return _tag(args)
        return _retag(args)
    except CodebookError as exc:
        print(f"The codebook has a problem: {exc}", file=sys.stderr)
        return 2


def _evaluate(args: argparse.Namespace) -> int:
    from analysis.evaluate import DataError, evaluate_safeguarding, evaluate_themes, read_examples
    from analysis.theming import Tagger

    try:
        examples = read_examples(args.data)
    except DataError as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.task == "themes":
        report = evaluate_themes(examples, Tagger.load(args.codebook))
    else:
        report = evaluate_safeguarding(examples)
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        _print_summary(report)
    return 0


def _print_summary(report: dict[str, Any]) -> None:
    if report["task"] == "themes":
        print(f"{report['examples']} answers, tagger {report['tagger_version']}")
        print(f"macro-F1 {report['macro_f1']:.3f}   micro-F1 {report['micro_f1']:.3f}")
        for label, row in report["per_label"].items():
            print(
                f"  {label:<14} P {row['precision']:.2f}  R {row['recall']:.2f}  "
                f"F1 {row['f1']:.2f}  (n={row['support']})"
            )
        if "sentiment_accuracy" in report:
            print(f"sentiment accuracy {report['sentiment_accuracy']:.3f}")
    else:
        print(
            f"{report['examples']} messages: recall {report['recall']:.3f}, precision "
            f"{report['precision']:.3f}, false-positive rate {report['false_positive_rate']:.3f}"
        )


def _tag(args: argparse.Namespace) -> int:
    from analysis import sentiment
    from analysis.safeguarding import assess
    from analysis.theming import Tagger

    tags = Tagger.load(args.codebook).tag(args.text)
    mood = sentiment.score(args.text)
    risk = assess(args.text)
    if args.json:
        print(
            json.dumps(
                {
                    "tags": [
                        {
                            "id": t.id,
                            "kind": t.kind,
                            "label": t.label,
                            "score": t.score,
                            "reasons": t.reasons,
                        }
                        for t in tags
                    ],
                    "sentiment": {"label": mood.label, "score": mood.score},
                    "safeguarding": None
                    if risk is None
                    else {"category": risk.category, "level": risk.level, "reasons": risk.reasons},
                },
                indent=2,
                ensure_ascii=False,
            )
        )
        return 0
    if not tags:
        print("no theme")
    for t in tags:
        print(f"{t.id:<16} {t.score:.2f}  {t.label}")
        for reason in t.reasons:
            print(f"{'':<22}{reason}")
    print(f"sentiment: {mood.label} ({mood.score:+.2f})")
    if risk is not None:
        print(f"safeguarding: {risk.category}, {risk.level} — {'; '.join(risk.reasons)}")
    return 0


def _retag(args: argparse.Namespace) -> int:
    from analysis.pipeline import retag
    from analysis.theming import Tagger
    from config.settings import SettingsError, load_settings
    from surveys.database import Database

    try:
        settings = load_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    tagger = Tagger.load(args.codebook)

    async def run() -> int:
        db = Database.from_url(settings.database_url)
        try:
            return await retag(db, tagger)
        finally:
            await db.dispose()

    count = asyncio.run(run())
    print(f"re-tagged {count} answers with {tagger.version}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
