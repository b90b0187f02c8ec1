"""Fire-control validation note: 10 seeds of ``turkey-2017``, before and after (issue 8).

Usage::

    python docs/validation/fire_control.py --json docs/validation/after.json
    python docs/validation/fire_control.py --note docs/validation-fire-control.md \
        --before docs/validation/before.json --after docs/validation/after.json

The first form runs the bundled scenario for seeds 0..9 with the code it is run against and writes
the figures as JSON (the BEFORE figures were produced by running this same script once against the
original commit, see ``before.json``'s ``commit``). The second form writes the Markdown note from
two such files. Every figure is computed from the events table: nothing is hard-coded.

Figures per run, averaged over seeds: rounds fired, kills, rounds per kill by system; ``Miss``
events by reason (when the code records one; the original code did not); engagement (intercept)
slant ranges by system and threat class; leakers per raid.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

SEEDS = tuple(range(10))
SCENARIO = "turkey-2017"


def _git_commit() -> str:
    """The commit of the code under test (``IADSIM_VALIDATION_COMMIT`` overrides, e.g. for an export)."""
    import os

    if os.environ.get("IADSIM_VALIDATION_COMMIT"):
        return os.environ["IADSIM_VALIDATION_COMMIT"]
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True,
                              cwd=Path(__file__).parent).stdout.strip()  # fmt: skip
    except Exception:  # noqa: BLE001 - informational only
        return "unknown"


def run_seeds(seeds: tuple[int, ...] = SEEDS) -> dict[str, Any]:
    """Run the scenario for every seed and collect the figures (means over seeds)."""
    import iadsim
    from iadsim.scenario.schema import THREAT_CLASSES

    per_seed: list[dict[str, Any]] = []
    for seed in seeds:
        res = iadsim.simulate(SCENARIO, seed=seed)
        ev = res.events.to_pydict()
        w = res.world
        fus = w.fire_units
        th = w.threats
        kind = np.array(ev["kind"])
        fu = np.array(ev["fire_unit"])
        thr = np.array(ev["threat"])
        reason = np.array(ev["reason"]) if "reason" in ev else np.full(len(kind), "unrecorded", dtype=object)
        rounds: dict[str, int] = defaultdict(int)
        kills: dict[str, int] = defaultdict(int)
        for f in fu[kind == "Launch"]:
            rounds[fus.system[f]] += 1
        for f in fu[kind == "Intercept"]:
            kills[fus.system[f]] += 1
        miss: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        m = kind == "Miss"
        for f, r in zip(fu[m], reason[m]):
            miss[fus.system[f]][str(r) if r is not None else "none"] += 1
        # intercept slant range from the fire unit
        ranges: dict[str, list[float]] = defaultdict(list)
        ik = np.flatnonzero(kind == "Intercept")
        if len(ik):
            xyz = np.stack([np.array(ev[c])[ik] for c in ("x_m", "y_m", "z_m")], axis=1)
            d = np.linalg.norm(xyz - fus.ecef_m[fu[ik]], axis=1) / 1000.0
            for f, t_i, r in zip(fu[ik], thr[ik], d):
                ranges[f"{fus.system[f]}/{THREAT_CLASSES[int(th.class_index[t_i])]}"].append(float(r))
        # rounds that found their target dead: killed by a round of the same unit, of another
        # unit, or leaked before (needs the reason column)
        killer = {int(t_i): int(f) for t_i, f in zip(thr[kind == "Intercept"], fu[kind == "Intercept"])}
        dead_by: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        md = np.flatnonzero((kind == "Miss") & (reason == "target_already_dead"))
        for i in md:
            k_f = killer.get(int(thr[i]))
            who = "leaked" if k_f is None else ("same_unit" if k_f == int(fu[i]) else "other_unit")
            dead_by[fus.system[fu[i]]][who] += 1
        leak: dict[str, int] = defaultdict(int)
        for t_i in thr[kind == "Leak"]:
            leak[w.raid_names[int(th.raid_index[t_i])]] += 1
        per_seed.append({"seed": seed, "rounds": dict(rounds), "kills": dict(kills),
                         "miss": {k: dict(v) for k, v in miss.items()}, "ranges_km": dict(ranges),
                         "leakers": dict(leak), "engine_wall_s": res.engine_wall_s,
                         "already_dead_by": {k: dict(v) for k, v in dead_by.items()},
                         "threats": len(th), "part_c": _part_c_figures(res)})  # fmt: skip
    return {"scenario": SCENARIO, "seeds": list(seeds), "commit": _git_commit(), "runs": per_seed,
            "summary": summarise(per_seed, list(w.raid_names))}  # fmt: skip


def summarise(per_seed: list[dict[str, Any]], raids: list[str]) -> dict[str, Any]:
    """Means over seeds of every figure, and pooled range quantiles."""
    n = len(per_seed)
    systems = sorted({s for r in per_seed for s in r["rounds"]} | {s for r in per_seed for s in r["kills"]})
    out: dict[str, Any] = {"systems": {}, "ranges_km": {}, "leakers": {}}
    for s in systems:
        rounds = sum(r["rounds"].get(s, 0) for r in per_seed) / n
        kills = sum(r["kills"].get(s, 0) for r in per_seed) / n
        reasons: dict[str, float] = defaultdict(float)
        for r in per_seed:
            for k, v in r["miss"].get(s, {}).items():
                reasons[k] += v / n
        by: dict[str, float] = defaultdict(float)
        for r in per_seed:
            for k, v in r.get("already_dead_by", {}).get(s, {}).items():
                by[k] += v / n
        out["systems"][s] = {"rounds_per_run": rounds, "kills_per_run": kills,
                             "rounds_per_kill": rounds / kills if kills else None,
                             "misses_per_run_by_reason": dict(sorted(reasons.items())),
                             "target_already_dead_by": dict(sorted(by.items()))}  # fmt: skip
    keys = sorted({k for r in per_seed for k in r["ranges_km"]})
    for k in keys:
        vals = np.concatenate([r["ranges_km"].get(k, []) for r in per_seed])
        out["ranges_km"][k] = {"n": int(len(vals)), "median": float(np.median(vals)), "p90": float(np.quantile(vals, 0.9)),
                               "max": float(vals.max())}  # fmt: skip
    for raid in raids:
        out["leakers"][raid] = sum(r["leakers"].get(raid, 0) for r in per_seed) / n
    out["leakers_total"] = sum(out["leakers"].values())
    out["engine_wall_s_median"] = float(np.median([r["engine_wall_s"] for r in per_seed]))
    out["part_c"] = _summarise_part_c(per_seed)
    return out


def _f(x: Any, nd: int = 1) -> str:
    return "–" if x is None else f"{x:.{nd}f}"


def write_note(before: dict[str, Any], after: dict[str, Any], path: Path) -> None:
    """The Markdown note from the BEFORE and AFTER figures."""
    b, a = before["summary"], after["summary"]
    lines = [
        "# Fire-control validation: turkey-2017, 10 seeds, before and after (issue 8)",
        "",
        "Generated by `docs/validation/fire_control.py` from the events of 10 runs (seeds "
        f"{before['seeds'][0]}–{before['seeds'][-1]}) of the bundled `turkey-2017` scenario. BEFORE: "
        f"commit `{before['commit'][:10]}` (`docs/validation/before.json`); AFTER: commit "
        f"`{after['commit'][:10]}` (`docs/validation/after.json`). Means per run unless stated.",
        "No Pk, gate or catalogue value was tuned to reach any figure here.",
        "",
        "## Rounds per kill by system",
        "",
        "| system | rounds/run before | kills/run before | rounds/kill before | rounds/run after | kills/run after | rounds/kill after |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in sorted(set(b["systems"]) | set(a["systems"])):
        x, y = b["systems"].get(s, {}), a["systems"].get(s, {})
        lines.append(f"| {s} | {_f(x.get('rounds_per_run'))} | {_f(x.get('kills_per_run'))} | {_f(x.get('rounds_per_kill'), 2)} "
                     f"| {_f(y.get('rounds_per_run'))} | {_f(y.get('kills_per_run'))} | {_f(y.get('rounds_per_kill'), 2)} |")  # fmt: skip
    lines += ["", "## Miss reasons (misses per run)", "",
              "The original code recorded no reason (`unrecorded`).", "",
              "| system | before | after |", "|---|---|---|"]  # fmt: skip
    for s in sorted(set(b["systems"]) | set(a["systems"])):
        def fmt(d: dict[str, float]) -> str:
            return ", ".join(f"{k} {v:.1f}" for k, v in d.items()) or "none"

        lines.append(f"| {s} | {fmt(b['systems'].get(s, {}).get('misses_per_run_by_reason', {}))} "
                     f"| {fmt(a['systems'].get(s, {}).get('misses_per_run_by_reason', {}))} |")  # fmt: skip
    lines += ["", "Rounds that found their target already dead (`target_already_dead`), by who had killed it "
              "(per run, AFTER only: the original code recorded no reason):", "",
              "| system | same unit (salvo partner) | other unit | leaked before |", "|---|---|---|---|"]  # fmt: skip
    for s in sorted(a["systems"]):
        d = a["systems"][s].get("target_already_dead_by", {})
        lines.append(f"| {s} | {_f(d.get('same_unit', 0.0))} | {_f(d.get('other_unit', 0.0))} | {_f(d.get('leaked', 0.0))} |")
    lines += ["", "## Engagement ranges (slant range fire unit → intercept point, km, all seeds pooled)", "",
              "| system/class | n before | median | p90 | max | n after | median | p90 | max |",
              "|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for k in sorted(set(b["ranges_km"]) | set(a["ranges_km"])):
        x, y = b["ranges_km"].get(k, {}), a["ranges_km"].get(k, {})
        lines.append(f"| {k} | {x.get('n', 0)} | {_f(x.get('median'))} | {_f(x.get('p90'))} | {_f(x.get('max'))} "
                     f"| {y.get('n', 0)} | {_f(y.get('median'))} | {_f(y.get('p90'))} | {_f(y.get('max'))} |")  # fmt: skip
    lines += ["", "## Leakers per raid (per run)", "", "| raid | before | after |", "|---|---|---|"]
    for raid in list(dict.fromkeys(list(b["leakers"]) + list(a["leakers"]))):
        lines.append(f"| {raid} | {_f(b['leakers'].get(raid))} | {_f(a['leakers'].get(raid))} |")
    lines.append(f"| **total** | {_f(b['leakers_total'])} | {_f(a['leakers_total'])} |")
    lines += ["", f"Median engine wall time per run: before {b['engine_wall_s_median']:.2f} s, after "
              f"{a['engine_wall_s_median']:.2f} s (shared 2-core machine: pessimistic).", ""]  # fmt: skip
    lines += _note_part_c(b, a)
    reasons = Path(__file__).with_name("reasons.md")
    if reasons.exists():
        lines += [reasons.read_text().rstrip(), ""]
    for part in ("reasons_part_c.md", "reasons_part_a.md"):
        extra = Path(__file__).with_name(part)
        if extra.exists():
            lines += [extra.read_text().rstrip(), ""]
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text("\n".join(lines))
    tmp.replace(path)


# ---------------------------------------------------------------- issue 8 part C figures
def _part_c_figures(res: Any) -> dict[str, Any]:
    """Rounds by interceptor type and true target class; honest cost accounting of the run."""
    from iadsim.scenario.schema import THREAT_CLASSES

    ev = res.events.to_pydict()
    w = res.world
    kind = np.array(ev["kind"])
    la = kind == "Launch"
    thr = np.array(ev["threat"])[la]
    it = np.array(ev["interceptor_type"])[la]
    by: dict[str, int] = defaultdict(int)
    for t_i, i in zip(thr, it):
        c = THREAT_CLASSES[int(w.threats.class_index[t_i])] if t_i >= 0 else "false_track"
        by[f"{w.interceptors.ids[int(i)]}/{c}"] += 1
    cost = res.summary["cost"]
    keys = ("exchange_ratio", "exchange_excluded_interceptors", "exchange_excluded_threats_destroyed",
            "interceptors_without_public_cost", "threats_destroyed_without_public_cost",
            "value_protected_per_interceptor_usd_upper_bound")  # fmt: skip
    return {"rounds_by_type_class": dict(by), "cost": {k: cost.get(k) for k in keys}}


def _summarise_part_c(per_seed: list[dict[str, Any]]) -> dict[str, Any]:
    """Means over seeds of the part C figures (old runs without them give an empty summary)."""
    runs = [r["part_c"] for r in per_seed if "part_c" in r]
    if not runs:
        return {}
    n = len(runs)
    keys = sorted({k for r in runs for k in r["rounds_by_type_class"]})
    by = {k: sum(r["rounds_by_type_class"].get(k, 0) for r in runs) / n for k in keys}
    ex = [r["cost"]["exchange_ratio"] for r in runs if r["cost"]["exchange_ratio"] is not None]
    return {"rounds_by_type_class": by,
            "exchange_ratio_mean": float(np.mean(ex)) if ex else None,
            "excluded_interceptors_mean": float(np.mean([r["cost"]["exchange_excluded_interceptors"] for r in runs])),
            "excluded_kills_mean": float(np.mean([r["cost"]["exchange_excluded_threats_destroyed"] for r in runs]))}  # fmt: skip


def _note_part_c(b: dict[str, Any], a: dict[str, Any]) -> list[str]:
    """Markdown lines: weapon use by true target class and the cost exchange (AFTER only)."""
    c = a.get("part_c") or {}
    if not c:
        return []
    lines = ["## Weapon use by interceptor and true target class (rounds per run, AFTER)", "",
             "Weapon choice reads only the class assessed from the track; the true class is shown for scoring.", "",
             "| interceptor / true class | rounds per run |", "|---|---|"]  # fmt: skip
    for k, v in c["rounds_by_type_class"].items():
        lines.append(f"| {k} | {v:.1f} |")
    lines += ["", "## Cost exchange from costed items only (AFTER)", "",
              f"Mean exchange ratio {_f(c.get('exchange_ratio_mean'), 2)} (threat value destroyed / interceptor cost, "
              f"over threats and rounds that all have a public cost); left out for a missing cost, per run: "
              f"{_f(c.get('excluded_interceptors_mean'))} interceptors and {_f(c.get('excluded_kills_mean'))} kills. "
              "The BEFORE code counted uncosted kills (ballistic missiles) as $0 and mixed their rounds into the cost.", ""]  # fmt: skip
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path, help="run the seeds and write the figures here")
    ap.add_argument("--note", type=Path, help="write the Markdown note here (needs --before and --after)")
    ap.add_argument("--before", type=Path)
    ap.add_argument("--after", type=Path)
    args = ap.parse_args(argv)
    if args.json:
        data = run_seeds()
        tmp = args.json.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
        tmp.replace(args.json)
    if args.note:
        if not (args.before and args.after):
            ap.error("--note needs --before and --after")
        write_note(json.loads(args.before.read_text()), json.loads(args.after.read_text()), args.note)
    if not (args.json or args.note):
        ap.error("give --json and/or --note")
    return 0


if __name__ == "__main__":
    sys.exit(main())
