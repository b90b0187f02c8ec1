"""Per-scan diagnosis of the "excess missed targets" on the public tracking files.

    python benchmarks/diagnose_tracking.py [--mtt-dir DIR]

For ``ss_linear_d2_N1000_T50_s11_kdtree`` and ``real_flights_d2_N250_T100_s2`` this runs iadsim's
tracker configured from the sidecar exactly as the Stone Soup reference (covariance deleters
only, ``-ssconfig``) and with the miss-count rule (the default of ``bench_tracking``), and
compares each scan with the reference tracks in ``tracks/<name>.stonesoup.npz``:

* missed targets per scan of the reference file, of iadsim's causal picture (confirmed tracks as
  output at that scan) and of iadsim in Stone Soup's track-history convention (every track
  confirmed by the end, with its states from before confirmation);
* every (scan, target) missed in iadsim's causal picture is classified by the nearest track of
  any status: a **tentative** track within the cut-off c (slow initiation: not yet confirmed),
  a **confirmed** track within c (assigned to another target: swap), a confirmed track within
  [c, 3c) (lag), or none within 3c (absent: never started or deleted);
* every false confirmed track (unassigned by GOSPA) is classified by its consecutive misses:
  ``≥ miss_delete`` (coasting past the sidecar's miss count) or fewer.

Writes ``benchmarks/results/tracking_diagnosis.json`` and ``docs/tracking-diagnosis.md``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

import bench_tracking as bt  # noqa: E402
from compare_stonesoup import mtt_dir  # noqa: E402

from iadsim.tracking.metrics import gospa_ospa  # noqa: E402
from iadsim.tracking.mtt import CONFIRMED, MultiTargetTracker, deletion_thresholds  # noqa: E402

FILES = ("ss_linear_d2_N1000_T50_s11_kdtree", "real_flights_d2_N250_T100_s2")


def run_recorded(arrays: dict, params: dict, miss_rule: bool) -> list[dict[str, np.ndarray]]:
    """Run the tracker; per scan every live track's id, position (file x, y), status, misses."""
    T = arrays["times_s"].shape[0]
    zs = bt.split_scans(arrays, T)
    trk = MultiTargetTracker(bt.tracker_config(params, "gnn", miss_rule=miss_rule))
    out = []
    for k in range(T):
        trk.step(float(arrays["times_s"][k]), zs[k])
        n = trk.n
        out.append(dict(ids=trk.ids[:n].copy(), pos=trk.x[:n, :2].copy(),
                        status=trk.status[:n].copy(), misses=trk.misses[:n].copy()))
    return out


def analyse(name: str, folder: Path) -> dict[str, Any]:
    arrays, params = bt.load(folder / f"{name}.npz")
    c = float(params["cutoff"])
    truth = arrays["truth"]
    T = truth.shape[0]
    ref = np.load(folder / "tracks" / f"{name}.stonesoup.npz")
    res: dict[str, Any] = dict(file=name, cutoff_m=c, min_points=int(params["min_points"]),
                               miss_delete=int(params["miss_delete"]))
    ref_json = folder / f"{name}.result.json"
    if ref_json.exists():
        rj = json.loads(ref_json.read_text())
        res["reference_gospa"] = rj.get("gospa_mean")
        res["reference_deleter"] = {k: rj.get("deleter", {}).get(k) for k in
                                    ("confirmed_deleter_trace", "tentative_deleter_trace")}
    conf_thr, tent_thr = deletion_thresholds(2, params["dt"], params["q"], params["sigma"],
                                             params["prior_vel_std"], int(params["miss_delete"]),
                                             int(params["min_points"]))
    res["format_md_deleter"] = dict(confirmed_deleter_trace=conf_thr, tentative_deleter_trace=tent_thr)
    ref_tracks = [(ref["trk_id"][ref["trk_scan"] == k], ref["trk_x"][ref["trk_scan"] == k])
                  for k in range(T)]
    res["reference_tracks_at_scan"] = [int(len(ref_tracks[k][0])) for k in range(3)]
    for label, miss_rule in (("ssconfig", False), ("fixed", True)):
        rec = run_recorded(arrays, params, miss_rule)
        ever = np.unique(np.concatenate([r["ids"][r["status"] == CONFIRMED] for r in rec]))
        causal, hist = [], []
        for r in rec:
            cm = r["status"] == CONFIRMED
            causal.append((r["ids"][cm], np.column_stack([r["pos"][cm, 0], np.zeros(cm.sum()),
                                                          r["pos"][cm, 1], np.zeros(cm.sum())])))
            hm = np.isin(r["ids"], ever)
            hist.append((r["ids"][hm], np.column_stack([r["pos"][hm, 0], np.zeros(hm.sum()),
                                                        r["pos"][hm, 1], np.zeros(hm.sum())])))
        cat = dict(tentative_within_c=0, confirmed_within_c_other_target=0, confirmed_lag_c_3c=0,
                   absent_3c=0)
        false_cat = dict(misses_ge_miss_delete=0, misses_below=0)
        miss_causal, miss_hist, miss_ref = [], [], []
        for k in range(T):
            present = np.flatnonzero(np.isfinite(truth[k][:, 0]))
            tp = truth[k][present][:, [0, 2]]
            r = rec[k]
            cm = r["status"] == CONFIRMED
            g = gospa_ospa(r["pos"][cm], tp, c)
            miss_causal.append(g.n_missed)
            miss_hist.append(gospa_ospa(hist[k][1][:, [0, 2]], tp, c).n_missed)
            miss_ref.append(gospa_ospa(ref_tracks[k][1][:, [0, 2]], tp, c).n_missed)
            missed = np.flatnonzero(g.truth_to_track < 0)
            if missed.size and r["pos"].shape[0]:
                tree = cKDTree(r["pos"])
                near_any = tree.query_ball_point(tp[missed], c)
                dd, jj = (cKDTree(r["pos"][cm]).query(tp[missed]) if cm.any()
                          else (np.full(missed.size, np.inf), None))
                for i, lst in enumerate(near_any):
                    st = r["status"][lst]
                    if (st != CONFIRMED).any():
                        cat["tentative_within_c"] += 1
                    elif len(lst):
                        cat["confirmed_within_c_other_target"] += 1
                    elif dd[i] < 3 * c:
                        cat["confirmed_lag_c_3c"] += 1
                    else:
                        cat["absent_3c"] += 1
            else:
                cat["absent_3c"] += int(missed.size)
            assigned = np.zeros(int(cm.sum()), bool)
            assigned[g.truth_to_track[g.truth_to_track >= 0]] = True
            fm = r["misses"][cm][~assigned]
            false_cat["misses_ge_miss_delete"] += int((fm >= int(params["miss_delete"])).sum())
            false_cat["misses_below"] += int((fm < int(params["miss_delete"])).sum())
        sc = bt.score(causal, arrays, params)
        sh = bt.score(hist, arrays, params)
        res[label] = dict(
            gospa_causal=sc["gospa_mean"], gospa_history=sh["gospa_mean"],
            missed_per_scan_causal=miss_causal, missed_per_scan_history=miss_hist,
            missed_mean_causal=float(np.mean(miss_causal)), missed_mean_history=float(np.mean(miss_hist)),
            false_mean_causal=sc["false_tracks_mean"], false_mean_history=sh["false_tracks_mean"],
            localisation_history=sh["gospa_localisation_mean"],
            missed_classes=cat, false_track_classes=false_cat,
            track_breaks=sc["track_breaks"], id_switches=sc["id_switches"])
    sref = bt.score(ref_tracks, arrays, params)
    res["reference"] = dict(gospa_history=sref["gospa_mean"], missed_per_scan=miss_ref,
                            missed_mean=float(np.mean(miss_ref)), false_mean=sref["false_tracks_mean"],
                            localisation=sref["gospa_localisation_mean"])
    return res


def markdown(results: list[dict[str, Any]]) -> str:
    L = ["# Tracking diagnosis: the \"excess missed targets\" on the public files",
         "",
         "*Generated by `python benchmarks/diagnose_tracking.py` (numbers from "
         "`benchmarks/results/tracking_diagnosis.json`; do not edit by hand).*",
         "",
         "Issue 10 reported 5–6× more missed targets per scan for iadsim than for the Stone Soup "
         "reference on `ss_linear_d2_N1000_T50_s11_kdtree` and `real_flights_d2_N250_T100_s2`. "
         "Scan by scan against the reference tracks (`tracks/*.stonesoup.npz`) the cause is not lag, "
         "swaps or wrong deletions; it is two things:",
         "",
         "1. **Scoring convention (initiation, counted differently).** The reference's tracks and "
         "metrics are Stone Soup *track histories*: a track confirmed at its `min_points`-th "
         "detection carries the states of its tentative phase, so it counts from its first "
         "detection. The reference has tracks at scan 0, which no causal tracker with "
         "`min_points` = 3 can have. iadsim was scored on its causal picture (confirmed tracks as "
         "output at each scan). Scored in the reference's convention, iadsim configured exactly as "
         "the reference misses the same targets, and the missed targets iadsim has in excess in "
         "its causal picture are almost all **tentative tracks within the cut-off** (not yet "
         "confirmed). Stone Soup run causally with the same settings (`compare_stonesoup.py`, "
         "rows `stonesoup-kdtree`, GOSPA *causal*) gives iadsim's causal numbers exactly.",
         "2. **Coasting false tracks (deletion).** What remains is false tracks: the covariance-"
         "growth deleter of FORMAT.md is set so that a *just-confirmed* track dies at its "
         "`miss_delete`-th miss, but a converged track's covariance grows much more slowly, so a "
         "track whose target has gone (or that lost it to a neighbour) coasts far more scans. Most "
         "false confirmed tracks have missed at least `miss_delete` consecutive scans. The "
         "reference files were also made with tighter thresholds than FORMAT.md's construction "
         "gives (table below).",
         "",
         "**Fix.** No defect was found in the shared association or filter: configured exactly as "
         "the reference, iadsim's tracks are Stone Soup's (same localisation term to the last digit "
         "in the history convention, same causal GOSPA when Stone Soup is run causally). The fix is "
         "in the track management: the benchmark configuration now applies the shared tracker's "
         "consecutive-miss deletion rule (`TrackerConfig.miss_delete` of `MultiTargetTracker`, the "
         "rule the engine's `TrackTable` already applies as `tracking.drop_misses`) with the "
         "sidecar's own `miss_delete`, on top of the covariance deleters — derived from each "
         "file's sidecar, not tuned. The causal scores are the ones to compare trackers by (a "
         "causal tracker cannot know at a track's first detection that it will be confirmed); "
         "both are reported by `compare_stonesoup.py`. Note that the history convention "
         "reconstructed from Stone Soup's track objects also contains each deleted track's state at "
         "the scan it was deleted, which its per-scan output does not.",
         "",
         "On the real-flight file the false tracks that remain with the miss-count rule have "
         "fewer than `miss_delete` misses: they are tracks of manoeuvring aircraft that the CV "
         "filter carries beyond the cut-off (they count as missed targets too). The IMM "
         "(`motion='imm'`, CV + coordinated turns at ±3°/s) addresses that: see the "
         "`iadsim-gnn-imm` rows of `benchmarks/results/tracking_vs_stonesoup.md` (GOSPA and "
         "track breaks against `cv`).",
         ""]
    for r in results:
        s, f, ref = r["ssconfig"], r["fixed"], r["reference"]
        L += [f"## `{r['file']}` (c = {r['cutoff_m']:.0f} m, min_points {r['min_points']}, "
              f"miss_delete {r['miss_delete']})", "",
              f"Reference tracks at scans 0, 1, 2: {r['reference_tracks_at_scan']} "
              "(tracks at scan 0–1 are pre-confirmation states of the track histories).", "",
              "| picture | GOSPA causal | GOSPA history | missed / scan | false / scan | localisation (history) |",
              "|---|---:|---:|---:|---:|---:|",
              f"| Stone Soup reference file | — | {ref['gospa_history']:.0f} | {ref['missed_mean']:.2f} | "
              f"{ref['false_mean']:.2f} | {ref['localisation']:.0f} |",
              f"| iadsim, reference configuration (`-ssconfig`) | {s['gospa_causal']:.0f} | "
              f"{s['gospa_history']:.0f} | {s['missed_mean_causal']:.2f} causal / "
              f"{s['missed_mean_history']:.2f} history | {s['false_mean_causal']:.2f} / "
              f"{s['false_mean_history']:.2f} | {s['localisation_history']:.0f} |",
              f"| iadsim with the miss-count rule (fixed) | {f['gospa_causal']:.0f} | "
              f"{f['gospa_history']:.0f} | {f['missed_mean_causal']:.2f} / {f['missed_mean_history']:.2f} | "
              f"{f['false_mean_causal']:.2f} / {f['false_mean_history']:.2f} | {f['localisation_history']:.0f} |",
              "",
              "Missed targets per scan, first 12 scans:", "",
              "| scan | " + " | ".join(str(k) for k in range(12)) + " |",
              "|---|" + "---:|" * 12,
              "| reference | " + " | ".join(str(v) for v in ref["missed_per_scan"][:12]) + " |",
              "| iadsim causal | " + " | ".join(str(v) for v in s["missed_per_scan_causal"][:12]) + " |",
              "| iadsim history | " + " | ".join(str(v) for v in s["missed_per_scan_history"][:12]) + " |",
              "",
              "Each (scan, target) missed in iadsim's causal picture (reference configuration), by "
              "the nearest track:", "",
              "| tentative within c (initiation) | confirmed within c, on another target (swap) | "
              "confirmed in [c, 3c) (lag) | none within 3c (absent) |",
              "|---:|---:|---:|---:|",
              "| " + " | ".join(str(s["missed_classes"][k]) for k in
                               ("tentative_within_c", "confirmed_within_c_other_target",
                                "confirmed_lag_c_3c", "absent_3c")) + " |",
              "",
              "False confirmed tracks (scan × track), by consecutive misses:", "",
              "| configuration | misses ≥ miss_delete | fewer |", "|---|---:|---:|",
              f"| reference configuration | {s['false_track_classes']['misses_ge_miss_delete']} | "
              f"{s['false_track_classes']['misses_below']} |",
              f"| with the miss-count rule | {f['false_track_classes']['misses_ge_miss_delete']} | "
              f"{f['false_track_classes']['misses_below']} |",
              "",
              "Covariance deleter thresholds on tr P_pp [m²]: FORMAT.md construction "
              f"{r['format_md_deleter']['confirmed_deleter_trace']:.0f} (confirmed) / "
              f"{r['format_md_deleter']['tentative_deleter_trace']:.0f} (tentative); the reference "
              f"result file records {r.get('reference_deleter', {}).get('confirmed_deleter_trace', float('nan')):.0f} / "
              f"{r.get('reference_deleter', {}).get('tentative_deleter_trace', float('nan')):.0f}.",
              ""]
    return "\n".join(L) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mtt-dir", type=Path, default=None)
    a = ap.parse_args()
    folder = mtt_dir(a.mtt_dir)
    results = [analyse(n, folder) for n in FILES]
    out = HERE / "results" / "tracking_diagnosis.json"
    out.write_text(json.dumps(results, indent=1))
    (HERE.parent / "docs" / "tracking-diagnosis.md").write_text(markdown(results))
    print(markdown(results))


if __name__ == "__main__":
    main()
