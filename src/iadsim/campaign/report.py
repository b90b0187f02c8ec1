"""Campaign report: per-variant estimates, paired differences, cost frontier; table, CSV, PNG.

``iadsim campaign report DIR`` reads ``DIR/campaign.json`` and the stored rows and writes
``DIR/report/`` (replaced atomically as a whole): ``estimates.csv`` (variant, metric, n, mean,
sd, 95 % CI, and the convergence check: replications needed for a half-width of 10 % of the mean), ``paired.csv`` (variant − baseline per metric), ``distributions.png`` (per-variant
distributions of the key metrics), ``forest.png`` (paired differences with CIs) and
``frontier.png`` (value protected — the value of the attacked assets that survived — and leakers
against each option's total cost, with CIs, and the non-dominated options joined).
"""

from __future__ import annotations

import csv
import io
import math
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from iadsim.campaign import store
from iadsim.campaign.stats import Estimate, estimate, paired_difference, replications_needed

#: Metrics shown in the table and plots (all are stored; CSV has every metric).
KEY_METRICS = (
    "threats.leaked", "threats.leakage_rate", "assets.value_lost", "assets.value_surviving_fraction",
    "cost.interceptors_fired", "cost.interceptor_cost_usd",
)  # fmt: skip

#: The frontier's value axis: the run summary's ``cost.value_protected``, the value of the assets that
#: were attacked (target of a launched threat) and survived (iadsim.results.metrics.cost_metrics). The
#: one definition of "value protected" everywhere: the run's summary, the report and the frontier.
VALUE_PROTECTED = "cost.value_protected"


def compute(out: Path) -> dict[str, Any]:
    """Estimates and paired differences of every metric, from the stored rows."""
    man = store.read_manifest(out)
    variants = [v["name"] for v in man["variants"]]
    rows = store.read_rows(out, variants)
    metrics = [c for c in rows.column_names if c not in ("variant", "rep", "seed")]
    var = np.array(rows["variant"].to_pylist(), dtype=object)
    rep = rows["rep"].to_numpy() if rows.num_rows else np.zeros(0, int)
    base = man["baseline"]
    est: dict[str, dict[str, Estimate]] = {}
    diff: dict[str, dict[str, Estimate]] = {}
    bm = var == base
    for v in variants:
        m = var == v
        est[v] = {k: estimate(rows[k].to_numpy(zero_copy_only=False)[m]) for k in metrics}
        if v != base:
            diff[v] = {
                k: paired_difference(rows[k].to_numpy(zero_copy_only=False)[m], rep[m],
                                     rows[k].to_numpy(zero_copy_only=False)[bm], rep[bm])
                for k in metrics
            }  # fmt: skip
    return {"manifest": man, "variants": variants, "metrics": metrics, "estimates": est, "paired": diff, "rows": rows}


def _fmt(e: Estimate) -> str:
    if e.n == 0:
        return "-"
    if not math.isfinite(e.half_width):
        return f"{e.mean:.4g}"
    return f"{e.mean:.4g} ± {e.half_width:.2g}"


def print_tables(res: dict[str, Any], console: Any) -> None:
    from rich.table import Table

    man = res["manifest"]
    keys = [k for k in KEY_METRICS if k in res["metrics"]]
    t = Table(title=f"Campaign {man['campaign']} — mean ± 95 % CI half-width (t)", title_justify="left")
    t.add_column("variant")
    t.add_column("n", justify="right")
    t.add_column("cost", justify="right")
    for k in keys:
        t.add_column(k, justify="right")
    for v in man["variants"]:
        e = res["estimates"][v["name"]]
        n = max((x.n for x in e.values()), default=0)
        cost = "n/a" if v["cost_usd"] is None else f"${v['cost_usd'] / 1e9:.2f} bn"
        t.add_row(v["name"], str(n), cost, *[_fmt(e[k]) for k in keys])
    console.print(t)
    if res["paired"]:
        p = Table(title=f"Paired differences vs {man['baseline']} (same seeds) — mean ± 95 % CI", title_justify="left")
        p.add_column("variant")
        p.add_column("pairs", justify="right")
        for k in keys:
            p.add_column(k, justify="right")
        for v, d in res["paired"].items():
            n = max((x.n for x in d.values()), default=0)
            p.add_row(v, str(n), *[_fmt(d[k]) for k in keys])
        console.print(p)


def _csv(rows: list[list[Any]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def _plots(res: dict[str, Any], d: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    man = res["manifest"]
    rows = res["rows"]
    variants = res["variants"]
    var = np.array(rows["variant"].to_pylist(), dtype=object)
    keys = [k for k in ("threats.leaked", "assets.value_lost", "cost.interceptors_fired") if k in res["metrics"]]
    files = []
    if keys:
        fig, axes = plt.subplots(1, len(keys), figsize=(4.5 * len(keys), 0.5 * len(variants) + 2.5), squeeze=False)
        for ax, k in zip(axes[0], keys):
            data = [rows[k].to_numpy(zero_copy_only=False)[var == v] for v in variants]
            data = [x[np.isfinite(x)] for x in data]
            ax.boxplot([x if len(x) else [np.nan] for x in data], orientation="horizontal", showmeans=True)
            ax.set_yticks(np.arange(1, len(variants) + 1), variants)
            for i, x in enumerate(data):
                jitter = np.random.default_rng(i).uniform(-0.15, 0.15, len(x))
                ax.plot(x, i + 1 + jitter, ".", alpha=0.3, color="k", ms=3)
            ax.set_title(k)
        fig.suptitle(f"{man['campaign']}: distributions per variant (notional data)")
        fig.tight_layout()
        fig.savefig(d / "distributions.png", dpi=110)
        plt.close(fig)
        files.append("distributions.png")
    if res["paired"] and keys:
        fig, axes = plt.subplots(1, len(keys), figsize=(4.5 * len(keys), 0.5 * len(res["paired"]) + 2.2), squeeze=False)
        names = list(res["paired"])
        for ax, k in zip(axes[0], keys):
            es = [res["paired"][v][k] for v in names]
            y = np.arange(len(names))
            ax.errorbar([e.mean for e in es], y, xerr=[0 if not math.isfinite(e.half_width) else e.half_width for e in es],
                        fmt="o", capsize=4)  # fmt: skip
            ax.axvline(0, color="grey", lw=1)
            ax.set_yticks(y, names)
            ax.set_title(f"{k}: variant − {man['baseline']}")
        fig.suptitle("Paired differences, 95 % CI (common random numbers)")
        fig.tight_layout()
        fig.savefig(d / "forest.png", dpi=110)
        plt.close(fig)
        files.append("forest.png")
    costed = [v for v in man["variants"] if v["cost_usd"] is not None]
    if costed and VALUE_PROTECTED in res["estimates"][costed[0]["name"]]:
        fig, axes = plt.subplots(1, 2, figsize=(10, 4.2))
        for ax, k, better in ((axes[0], VALUE_PROTECTED, "high"), (axes[1], "threats.leaked", "low")):
            xs = np.array([v["cost_usd"] / 1e9 for v in costed])
            es = [res["estimates"][v["name"]][k] for v in costed]
            ys = np.array([e.mean for e in es])
            ax.errorbar(xs, ys, yerr=[0 if not math.isfinite(e.half_width) else e.half_width for e in es], fmt="o", capsize=4)
            for x, yv, v in zip(xs, ys, costed):
                ax.annotate(v["name"], (x, yv), textcoords="offset points", xytext=(5, 5), fontsize=8)
            # non-dominated: no other option is cheaper-or-equal and at least as good (and differs)
            nd = []
            for i in range(len(costed)):
                dom = any(
                    j != i and xs[j] <= xs[i] and ((ys[j] >= ys[i]) if better == "high" else (ys[j] <= ys[i]))
                    and (xs[j] < xs[i] or ys[j] != ys[i])
                    for j in range(len(costed))
                )  # fmt: skip
                if not dom:
                    nd.append(i)
            nd.sort(key=lambda i: xs[i])
            ax.plot(xs[nd], ys[nd], "--", color="tab:red", lw=1, label="non-dominated (means)")
            ax.set_xlabel("acquisition cost, US$ bn (catalogue, notional)")
            ax.set_ylabel("value protected (attacked assets that survived)" if k == VALUE_PROTECTED else k)
            ax.legend(fontsize=8)
        fig.suptitle(f"{man['campaign']}: cost-effectiveness, mean ± 95 % CI")
        fig.tight_layout()
        fig.savefig(d / "frontier.png", dpi=110)
        plt.close(fig)
        files.append("frontier.png")
    return files


def write_report(out: Path, res: dict[str, Any] | None = None) -> tuple[Path, list[str]]:
    """Write ``out/report/`` (CSV + PNG) atomically: built in a temp dir, then renamed."""
    out = Path(out)
    res = res or compute(out)
    tmp = Path(tempfile.mkdtemp(prefix=".report.tmp-", dir=out))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes 0700; the report is an ordinary directory
    try:
        est_rows: list[list[Any]] = [["variant", "metric", "n", "mean", "sd", "ci95_lo", "ci95_hi", "ci95_half_width",
                                      "replications_for_half_width_10pct_of_mean", "cost_usd"]]  # fmt: skip
        costs = {v["name"]: v["cost_usd"] for v in res["manifest"]["variants"]}
        for v, em in res["estimates"].items():
            for k, e in em.items():
                need: Any = ""
                if e.n >= 2 and math.isfinite(e.sd) and e.mean != 0 and math.isfinite(e.mean):
                    need = replications_needed(e.sd, 0.1 * abs(e.mean))
                est_rows.append([v, k, e.n, e.mean, e.sd, e.lo, e.hi, e.half_width, need, costs.get(v)])
        (tmp / "estimates.csv").write_text(_csv(est_rows), encoding="utf-8")
        pr: list[list[Any]] = [["variant", "baseline", "metric", "pairs", "mean_difference", "sd", "ci95_lo", "ci95_hi"]]
        for v, dm in res["paired"].items():
            for k, e in dm.items():
                pr.append([v, res["manifest"]["baseline"], k, e.n, e.mean, e.sd, e.lo, e.hi])
        (tmp / "paired.csv").write_text(_csv(pr), encoding="utf-8")
        files = ["estimates.csv", "paired.csv"] + _plots(res, tmp)
        dest = out / "report"
        if dest.exists():
            old = Path(tempfile.mkdtemp(prefix=".report.old-", dir=out))
            os.rename(dest, old / "report")
            os.rename(tmp, dest)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return dest, files
