"""Motion phase, picture-quality sample and quiescence test of the tick loop: calls per tick and
cumulative cProfile time, before (a source tree of the base commit) and after (this tree).

Usage: ``python benchmarks/bench_motion_phase.py [BASE_COMMIT] [BASE_SRC]`` (default ``d894d00``, the
main commit this work started from; its tree is extracted with ``git archive`` into a temporary
folder, or taken from the ``src`` folder ``BASE_SRC`` of such an extraction). Each code version runs in its own process (``_results.child_json``): per scenario
(``turkey-2017`` seed 2017, ``turkey-2017-integrated`` seed 0) one warm ``simulate``, then one
under cProfile. For each block, the roots called from ``_run`` — motion: ``PlannedMover.state``
(before), ``motion_phase.motion_tick`` / ``motion.state_into`` (after); sample: ``sample``;
quiescence: ``_quiescent`` — give ncalls, cumulative seconds, and the Python-visible calls of
their whole subtree (the root and every function below it, numba dispatches included; a function
shared with other blocks counted in proportion to the calls made on this block's behalf) per tick
(ticks = calls of ``_identify``, one per tick run). Writes ``benchmarks/results/motion-phase.json``.
cProfile times on a shared machine are pessimistic: compare ratios and call counts.

Since the tick loop became one compiled call (``engine/tick_loop.py``) the phases run inside it are
invisible to cProfile (``_identify`` is gone; ``_engage`` and the others are called only at a need):
this script measures the per-phase steps of the earlier Python loop, its recorded results stand for
those; ``benchmarks/bench_campaign.py`` measures the current engine.
"""

from __future__ import annotations

import cProfile
import json
import pstats
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCENARIOS = [("turkey-2017", 2017), ("turkey-2017-integrated", 0)]
BLOCKS = {"motion": {"state", "motion_tick", "state_into"}, "sample": {"sample"}, "quiescent": {"_quiescent"}}


def _subtree(stats: dict, roots: list) -> int:
    """Calls under ``roots`` (roots included): each caller → callee edge of the subtree, where a
    function reached by only part of its calls passes that share of its own callee calls down
    (pstats aggregates per function, not per path: a function the blocks share, e.g. a NumPy
    wrapper, counts only the calls made on this block's behalf)."""
    callees: dict = {}
    for f, (_, _, _, _, callers) in stats.items():
        for c, edge in callers.items():
            callees.setdefault(c, []).append((f, edge[1]))

    def down(f: tuple, share: float, path: frozenset) -> float:
        total = 0.0
        for g, nc in callees.get(f, ()):
            if g in path:
                continue
            c = nc * share
            if c < 0.5:
                continue
            total += c + down(g, c / max(stats[g][1], 1), path | {g})
        return total

    return int(round(sum(stats[r][1] + down(r, 1.0, frozenset({r})) for r in roots)))


def child(name: str, seed: int) -> dict:
    from iadsim.engine.run import simulate

    simulate(name, seed)  # warm: compiled kernels loaded
    prof = cProfile.Profile()
    prof.enable()
    simulate(name, seed)
    prof.disable()
    st = pstats.Stats(prof).stats  # type: ignore[attr-defined]
    ticks = sum(v[1] for f, v in st.items() if f[2] == "_identify")
    out: dict = {"ticks": ticks, "total_calls": sum(v[1] for v in st.values()),
                 "total_s": max(v[3] for v in st.values())}  # fmt: skip
    for block, names in BLOCKS.items():
        roots = [f for f, v in st.items() if f[2] in names and any(c[2] == "_run" for c in v[4])]
        out[block] = {
            "roots": {f"{Path(f[0]).name}:{f[2]}": st[f][1] for f in roots},
            "cumulative_s": round(sum(st[f][3] for f in roots), 5),
            "subtree_calls": _subtree(st, roots),
            "calls_per_tick": round(_subtree(st, roots) / max(ticks, 1), 2),
        }
    return out


def main() -> None:
    from _results import child_json, write_json

    base = sys.argv[1] if len(sys.argv) > 1 else "d894d00"
    repo = HERE.parent
    res: dict = {"base_commit": base, "note": "cProfile on a shared 2-core machine (6 engineers): compare ratios and "
                                              "call counts, not absolute seconds",
                 "motion_before_note": "before = PlannedMover.state only: the former block's launch / arrival / "
                                       "route-end NumPy glue ran inline in _run and is not attributed (the before "
                                       "figures are a lower bound); after = motion_tick, which includes it",
                 "scenarios": {}}  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        src = sys.argv[2] if len(sys.argv) > 2 else f"{tmp}/src"
        if len(sys.argv) <= 2:
            tar = subprocess.run(["git", "-C", str(repo), "archive", base, "src"], check=True, capture_output=True).stdout
            subprocess.run(["tar", "-x", "-C", tmp], input=tar, check=True)
        for name, seed in SCENARIOS:
            before = child_json(__file__, src, "--child", name, str(seed))
            after = child_json(__file__, str(repo / "src"), "--child", name, str(seed))
            ratio = {b: round(before[b]["cumulative_s"] / max(after[b]["cumulative_s"], 1e-9), 2) for b in BLOCKS}
            res["scenarios"][name] = {"before": before, "after": after, "cumulative_ratio_before_over_after": ratio}
            print(name, json.dumps(ratio))
    write_json(repo / "benchmarks/results/motion-phase.json", res)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(child(sys.argv[2], int(sys.argv[3]))))
    else:
        main()
