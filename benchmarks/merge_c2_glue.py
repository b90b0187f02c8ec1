"""Merge repeated ``bench_c2_glue.py`` results into one before/after comparison.

Usage::

    python benchmarks/merge_c2_glue.py OUT.json --before b1.json b2.json … --after a1.json a2.json … [--note TEXT]

Per scenario and part the minimum cumulative time over the runs is kept (a shared machine's load
only adds time), with its split into glue and other helpers' code (``external_s``); the ratio is
before / after. Run the before and after measurements alternately so that both see the same load.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import write_json  # noqa: E402


def _best(docs: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for sc in docs[0]["scenarios"]:
        runs = [d["scenarios"][sc] for d in docs]
        parts = {}
        for p in runs[0]["parts"]:
            parts[p] = min((r["parts"][p] for r in runs), key=lambda v: v["cumulative_s"])
        out[sc] = {
            "ticks": runs[0]["ticks"],
            "engine_wall_s": min(r["engine_wall_s"] for r in runs),
            "run_own_s": min(r["run_own_s"] for r in runs),
            "python_calls_per_tick": runs[0]["python_calls_per_tick"],
            "parts": parts,
            "sum_parts_s": round(sum(v["cumulative_s"] for v in parts.values()), 5),
            "sum_glue_s": round(sum(v["glue_s"] for v in parts.values()), 5),
        }
    return out


def main(argv: list[str]) -> int:
    out = argv[0]
    args = argv[1:]
    note = ""
    if "--note" in args:
        i = args.index("--note")
        note = args[i + 1]
        args = args[:i] + args[i + 2:]
    b, a = args.index("--before"), args.index("--after")
    before_files = args[b + 1: a] if b < a else args[b + 1:]
    after_files = args[a + 1:] if a > b else args[a + 1: b]
    before = _best([json.loads(Path(f).read_text()) for f in before_files])
    after = _best([json.loads(Path(f).read_text()) for f in after_files])
    ratio = {}
    for sc in before:
        r: dict[str, float | None] = {}
        for p, v in before[sc]["parts"].items():
            w = after[sc]["parts"][p]
            r[p] = round(v["cumulative_s"] / w["cumulative_s"], 2) if w["cumulative_s"] > 0 else None
        r["sum_parts"] = round(before[sc]["sum_parts_s"] / after[sc]["sum_parts_s"], 2)
        r["sum_glue"] = round(before[sc]["sum_glue_s"] / after[sc]["sum_glue_s"], 2)
        ratio[sc] = r
    doc = {"note": note, "runs": {"before": len(before_files), "after": len(after_files)},
           "before": before, "after": after, "ratio_before_over_after": ratio}
    write_json(out, doc)
    print(json.dumps(ratio, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
