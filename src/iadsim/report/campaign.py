"""``iadsim report CAMPAIGN_DIR``: one self-contained HTML page of a Monte Carlo campaign.

Same rules as the run report (:mod:`iadsim.report.html`): one file, CSS/script/SVG/data inlined,
a Content-Security-Policy that forbids any fetch, built from :class:`~iadsim.report.html.Section`
objects and :func:`~iadsim.report.html.render_page`.

Every number comes from :func:`iadsim.campaign.report.compute` (mean, sample sd, Student-t 95 %
CI per variant and metric; paired differences against the baseline over the replications both
have) — nothing is re-estimated here, except the convergence curve, which applies the same
:func:`iadsim.campaign.stats.estimate` to the first ``k`` replications (``k`` = 2 … n) to show
how the CI narrows, and the replications needed for a half-width of 10 % of the mean
(:func:`iadsim.campaign.stats.replications_needed`, as in ``estimates.csv``).

Sections: summary (the notional-data caveat, key metrics per variant), manifest (base scenario
hash, variants and their overrides and costs, seeds, replications, version, catalogue sources),
estimates (every metric), paired differences (forest plot + table), distributions per variant,
cost frontier (only when every costed variant states a cost), convergence, and the replications
with their seeds and how to re-simulate any of them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import Any

import numpy as np

from iadsim.errors import InputError
from iadsim.report.figures import PALETTE, _axes
from iadsim.report.html import CAVEAT, Section, _fmt_usd, _json_script, _sources, _table, render_page

__all__ = ["is_campaign_dir", "load_campaign_results", "campaign_sections", "build_campaign_report", "KEY_METRICS"]

#: Metrics given a figure (every metric is in the tables). Shared with ``iadsim campaign report``.
from iadsim.campaign.report import KEY_METRICS, VALUE_PROTECTED  # noqa: E402

#: Metrics drawn in the distribution, forest and convergence figures (when stored).
FIG_METRICS = ("threats.leaked", "assets.value_lost", "cost.interceptors_fired")


def is_campaign_dir(path: str | Path) -> bool:
    """True when ``path`` holds a campaign manifest (``campaign.json``) and no single run."""
    p = Path(path)
    return (p / "campaign.json").exists() and not (p / "events.parquet").exists()


def load_campaign_results(path: str | Path) -> dict[str, Any]:
    """:func:`iadsim.campaign.report.compute` of a campaign directory, with clear errors.

    Raises
    ------
    InputError
        Unreadable or foreign ``campaign.json``, unreadable Parquet, or no replication stored yet.
    """
    import pyarrow as pa

    from iadsim.campaign.report import compute

    p = Path(path)
    try:
        raw = json.loads((p / "campaign.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{p / 'campaign.json'}: cannot read the campaign manifest ({exc}); is the campaign still being set up?") from None
    need = ("campaign", "variants", "baseline", "seed")
    if not isinstance(raw, dict) or raw.get("kind") != "iadsim-campaign" or any(k not in raw for k in need):
        raise InputError(f"{p / 'campaign.json'}: not an iadsim campaign manifest (expected kind 'iadsim-campaign' with {', '.join(need)})")
    try:
        res = compute(p)
    except (OSError, pa.ArrowException, KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{p}: cannot read the campaign's stored replications ({type(exc).__name__}: {exc})") from None
    if res["rows"].num_rows == 0:
        raise InputError(f"{p}: no replication stored yet (rerun `iadsim campaign ... --out {p}` to run or resume it)")
    return res


# ---------------------------------------------------------------------------------------------
# formatting helpers


def _g(x: float, digits: int = 4) -> str:
    return "–" if x is None or not math.isfinite(x) else f"{x:.{digits}g}"


def _pm(e: Any) -> str:
    if e.n == 0:
        return "–"
    return _g(e.mean) if not math.isfinite(e.half_width) else f"{_g(e.mean)} ± {_g(e.half_width, 2)}"


def _num(x: float) -> float | None:
    return float(x) if x is not None and math.isfinite(x) else None


def _values(res: dict[str, Any], variant: str, metric: str) -> np.ndarray:
    rows = res["rows"]
    var = np.array(rows["variant"].to_pylist(), dtype=object)
    x = rows[metric].to_numpy(zero_copy_only=False).astype(float)[var == variant]
    return x


def _fig_metrics(res: dict[str, Any]) -> list[str]:
    return [k for k in FIG_METRICS if k in res["metrics"]]


def _svg(cls: str, w: float, h: float, parts: Sequence[str]) -> str:
    return f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {cls}" viewBox="0 0 {w:.0f} {h:.0f}" width="{w:.0f}" height="{h:.0f}">' + "".join(parts) + "</svg>"


def _range(vals: Sequence[float]) -> tuple[float, float]:
    v = np.asarray([x for x in vals if x is not None and math.isfinite(x)], float)
    if not v.size:
        return 0.0, 1.0
    lo, hi = float(v.min()), float(v.max())
    if hi - lo < 1e-12:
        pad = max(abs(lo) * 0.1, 0.5)
        return lo - pad, hi + pad
    pad = 0.06 * (hi - lo)
    return lo - pad, hi + pad


# ---------------------------------------------------------------------------------------------
# figures (inline SVG)


def forest_svg(labels: Sequence[str], ests: Sequence[Any], title: str, width: float = 460.0) -> str:
    """Forest plot: one row per variant, the paired mean difference (dot) and its 95 % CI (bar);
    a vertical line at 0 (no difference)."""
    rh = 26
    ml = min(200, 14 + 6.5 * max((len(s) for s in labels), default=4))
    h = 56 + rh * max(len(labels), 1)
    lo, hi = _range([0.0] + [e.lo for e in ests] + [e.hi for e in ests] + [e.mean for e in ests])
    parts, sx, _ = _axes(width, h, ml, 14, 22, 36, lo, hi, 0, 1, title, "", x_fmt=".3g")
    parts.append(f'<line class="zero" x1="{sx(0):.1f}" x2="{sx(0):.1f}" y1="22" y2="{h - 36}" stroke="#777" stroke-dasharray="3,3"/>')
    for i, (lab, e) in enumerate(zip(labels, ests)):
        y = 22 + i * rh + rh / 2
        parts.append(f'<text x="{ml - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end">{escape(lab)}</text>')
        if e.n == 0 or not math.isfinite(e.mean):
            continue
        if math.isfinite(e.half_width):
            parts.append(f'<line class="ci" x1="{sx(e.lo):.1f}" x2="{sx(e.hi):.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="{PALETTE[2]}" stroke-width="2"/>'
                         f'<line x1="{sx(e.lo):.1f}" x2="{sx(e.lo):.1f}" y1="{y - 5:.1f}" y2="{y + 5:.1f}" stroke="{PALETTE[2]}" stroke-width="2"/>'
                         f'<line x1="{sx(e.hi):.1f}" x2="{sx(e.hi):.1f}" y1="{y - 5:.1f}" y2="{y + 5:.1f}" stroke="{PALETTE[2]}" stroke-width="2"/>')  # fmt: skip
        parts.append(f'<circle class="diff" cx="{sx(e.mean):.1f}" cy="{y:.1f}" r="4" fill="{PALETTE[1]}"><title>{escape(lab)}: {_pm(e)} (n={e.n})</title></circle>')
    return _svg("forest", width, h, parts)


def distribution_svg(labels: Sequence[str], data: Sequence[np.ndarray], ests: Sequence[Any], title: str, width: float = 460.0) -> str:
    """Per-variant distribution: every replication (jittered dot), the inter-quartile box with the
    median, and the mean with its 95 % CI (from :func:`compute`)."""
    rh = 30
    ml = min(200, 14 + 6.5 * max((len(s) for s in labels), default=4))
    h = 56 + rh * max(len(labels), 1)
    allv = [float(v) for x in data for v in x[np.isfinite(x)]] + [e.lo for e in ests] + [e.hi for e in ests]
    lo, hi = _range(allv)
    parts, sx, _ = _axes(width, h, ml, 14, 22, 36, lo, hi, 0, 1, title, "", x_fmt=".3g")
    for i, (lab, x, e) in enumerate(zip(labels, data, ests)):
        y = 22 + i * rh + rh / 2
        c = PALETTE[i % len(PALETTE)]
        parts.append(f'<text x="{ml - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end">{escape(lab)}</text>')
        x = x[np.isfinite(x)]
        if x.size:
            q1, med, q3 = np.percentile(x, [25, 50, 75])
            parts.append(f'<rect class="iqr" x="{sx(q1):.1f}" y="{y - 8:.1f}" width="{max(sx(q3) - sx(q1), 1.0):.1f}" height="16" fill="{c}" fill-opacity="0.18" stroke="{c}"/>'
                         f'<line class="median" x1="{sx(med):.1f}" x2="{sx(med):.1f}" y1="{y - 8:.1f}" y2="{y + 8:.1f}" stroke="{c}" stroke-width="2"/>')  # fmt: skip
            jit = np.random.default_rng(i).uniform(-6, 6, x.size)
            keep = np.linspace(0, x.size - 1, min(x.size, 400)).astype(int)
            parts.extend(f'<circle class="rep" cx="{sx(v):.1f}" cy="{y + j:.1f}" r="1.6" fill="#222" fill-opacity="0.45"/>' for v, j in zip(x[keep], jit[keep]))
        if e.n and math.isfinite(e.mean):
            if math.isfinite(e.half_width):
                parts.append(f'<line class="ci" x1="{sx(e.lo):.1f}" x2="{sx(e.hi):.1f}" y1="{y + 11:.1f}" y2="{y + 11:.1f}" stroke="#111" stroke-width="2"/>')
            parts.append(f'<path class="mean" d="M{sx(e.mean):.1f},{y + 7:.1f} l4,4 l-4,4 l-4,-4z" fill="#111"><title>{escape(lab)}: mean {_pm(e)} (n={e.n})</title></path>')
    return _svg("distribution", width, h, parts)


def nondominated(cost: np.ndarray, value: np.ndarray, higher_is_better: bool) -> list[int]:
    """Indices of the options no other option dominates (cheaper or equal and at least as good,
    differing in one), sorted by cost — the same rule as ``iadsim campaign report``'s frontier."""
    nd = []
    for i in range(len(cost)):
        dom = any(
            j != i and cost[j] <= cost[i] and ((value[j] >= value[i]) if higher_is_better else (value[j] <= value[i]))
            and (cost[j] < cost[i] or value[j] != value[i])
            for j in range(len(cost))
        )  # fmt: skip
        if not dom:
            nd.append(i)
    return sorted(nd, key=lambda i: cost[i])


def frontier_svg(names: Sequence[str], cost_usd: np.ndarray, ests: Sequence[Any], ylabel: str, higher_is_better: bool,
                 width: float = 470.0, height: float = 300.0) -> str:  # fmt: skip
    """Mean ± 95 % CI of a metric against each option's total cost (US$ bn), the non-dominated
    options joined by a dashed line."""
    xs = np.asarray(cost_usd, float) / 1e9
    ys = np.array([e.mean for e in ests], float)
    x0, x1 = _range(list(xs))
    y0, y1 = _range(list(ys) + [e.lo for e in ests] + [e.hi for e in ests])
    parts, sx, sy = _axes(width, height, 60, 16, 10, 40, x0, x1, y0, y1, "acquisition cost, US$ bn (notional)", ylabel, x_fmt=".3g")
    nd = nondominated(xs, ys, higher_is_better)
    if len(nd) > 1:
        parts.append(f'<polyline class="frontier" points="{" ".join(f"{sx(xs[i]):.1f},{sy(ys[i]):.1f}" for i in nd)}" fill="none" stroke="#d7301f" stroke-dasharray="5,4"/>')
    for i, (n, e) in enumerate(zip(names, ests)):
        if not math.isfinite(e.mean):
            continue
        c = PALETTE[i % len(PALETTE)]
        if math.isfinite(e.half_width):
            parts.append(f'<line class="ci" x1="{sx(xs[i]):.1f}" x2="{sx(xs[i]):.1f}" y1="{sy(e.lo):.1f}" y2="{sy(e.hi):.1f}" stroke="{c}" stroke-width="2"/>')
        mark = "nd" if i in nd else "dominated"
        parts.append(f'<circle class="option {mark}" cx="{sx(xs[i]):.1f}" cy="{sy(e.mean):.1f}" r="4.5" fill="{c}"><title>{escape(n)}: {_fmt_usd(float(cost_usd[i]))}, {_pm(e)}</title></circle>'
                     f'<text x="{sx(xs[i]) + 7:.1f}" y="{sy(e.mean) - 6:.1f}" font-size="10">{escape(n)}</text>')  # fmt: skip
    return _svg("frontier", width, height, parts)


def running_estimates(x: np.ndarray, max_points: int = 60) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and 95 % CI half-width of the first ``k`` finite values, for up to ``max_points`` values
    of ``k`` from 2 to n (:func:`iadsim.campaign.stats.estimate` on each prefix).

    Returns ``k`` (K,), mean (K,), half-width (K,)."""
    from iadsim.campaign.stats import estimate

    x = np.asarray(x, float)
    x = x[np.isfinite(x)]
    if x.size < 2:
        return np.zeros(0, int), np.zeros(0), np.zeros(0)
    ks = np.unique(np.round(np.linspace(2, x.size, min(max_points, x.size - 1))).astype(int))
    es = [estimate(x[:k]) for k in ks]
    return ks, np.array([e.mean for e in es]), np.array([e.half_width for e in es])


def convergence_svg(series: Sequence[tuple[str, np.ndarray, np.ndarray, np.ndarray]], title: str, width: float = 460.0, height: float = 240.0) -> str:
    """Running mean (line) and its 95 % CI band against the number of replications, per variant."""
    if not any(len(k) for _, k, _, _ in series):
        return '<p class="note">fewer than 2 replications: no convergence curve.</p>'
    n_max = max((int(k[-1]) for _, k, _, _ in series if len(k)), default=2)
    vals = [float(v) for _, _, m, hw in series for v in np.concatenate([m - np.nan_to_num(hw), m + np.nan_to_num(hw)])]
    y0, y1 = _range(vals)
    parts, sx, sy = _axes(width, height, 60, 16, 10, 40, 2, max(n_max, 3), y0, y1, f"replications — {title}", "", x_fmt=".0f")
    for i in np.linspace(y0, y1, 5):
        parts.append(f'<text x="54" y="{sy(i) + 3:.1f}" font-size="10" text-anchor="end">{i:.3g}</text>')
    for j, (name, k, m, hw) in enumerate(series):
        if not len(k):
            continue
        c = PALETTE[j % len(PALETTE)]
        up = np.column_stack([sx(k), sy(m + hw)])
        dn = np.column_stack([sx(k), sy(m - hw)])[::-1]
        band = " ".join(f"{a:.1f},{b:.1f}" for a, b in np.concatenate([up, dn]))
        parts.append(f'<polygon class="band" points="{band}" fill="{c}" fill-opacity="0.15" stroke="none"/>')
        parts.append(f'<polyline class="running" points="{" ".join(f"{a:.1f},{b:.1f}" for a, b in zip(sx(k), sy(m)))}" fill="none" stroke="{c}" stroke-width="1.8"><title>{escape(name)}</title></polyline>')
    leg = "".join(f'<tspan fill="{PALETTE[j % len(PALETTE)]}">■</tspan> {escape(n)}  ' for j, (n, _, _, _) in enumerate(series))
    parts.append(f'<text x="60" y="{height - 22}" font-size="10">{leg}</text>')
    return _svg("convergence", width, height, parts)


# ---------------------------------------------------------------------------------------------
# sections


def _summary(res: dict[str, Any]) -> Section:
    man = res["manifest"]
    keys = [k for k in KEY_METRICS if k in res["metrics"]]
    n_rows = res["rows"].num_rows
    rows = []
    for v in man["variants"]:
        e = res["estimates"][v["name"]]
        n = max((x.n for x in e.values()), default=0)
        rows.append([v["name"] + (" (baseline)" if v["name"] == man["baseline"] else ""), n, _fmt_usd(v.get("cost_usd"))]
                    + [_pm(e[k]) for k in keys])  # fmt: skip
    body = (f'<p class="caveat">{escape(CAVEAT)}</p>'
            f'<p>Campaign <b>{escape(str(man["campaign"]))}</b>{": " + escape(str(man["description"])) if man.get("description") else ""}. '
            f'Base scenario <code>{escape(str(man.get("base_scenario", "")))}</code>, {len(man["variants"])} variants, '
            f'{n_rows} replications stored ({escape(str(man.get("replications_requested", "?")))} requested per variant), '
            f'seed {escape(str(man["seed"]))}, paired design: replication <i>r</i> of every variant runs with the same seed '
            f'(common random numbers). Paired differences are against <b>{escape(str(man["baseline"]))}</b>.</p>'
            '<p>Mean ± half-width of the 95 % confidence interval (Student t on the replications; '
            'see <code>docs/campaigns.md</code>).</p>')  # fmt: skip
    body += _table(["variant", "n", "cost"] + keys, rows)
    return Section("summary", "Summary", body)


def _manifest(res: dict[str, Any]) -> Section:
    man = res["manifest"]
    keys = ["campaign", "description", "file", "identity_sha256", "base_scenario", "base_scenario_sha256", "seed", "seeding",
            "replications_requested", "baseline", "events_sample", "iadsim_version"]  # fmt: skip
    body = _table(["field", "value"], [[k, man[k]] for k in keys if k in man])
    body += "<h3>Variants</h3>" + _table(
        ["variant", "description", "scenario sha256", "cost", "cost basis", "overrides", "fire units", "total asset value"],
        [[v["name"], v.get("description", ""), str(v.get("scenario_sha256", ""))[:16], _fmt_usd(v.get("cost_usd")), v.get("cost_basis", ""),
          json.dumps(v.get("overrides", {}), sort_keys=True), v.get("n_fire_units", ""), v.get("total_asset_value", "")] for v in man["variants"]],
    )  # fmt: skip
    ent = []
    for kind, entries in (man.get("catalog_entries_used") or {}).items():
        if not isinstance(entries, dict):
            continue
        for eid, e in entries.items():
            srcs: set[str] = set()
            _sources(e, srcs)
            name = e.get("name", "") if isinstance(e, dict) else ""
            ent.append(f"<li><b>{escape(str(kind))}/{escape(str(eid))}</b> {escape(str(name))}<ul>"
                       + "".join(f"<li>{escape(s)}</li>" for s in sorted(srcs)) + "</ul></li>")  # fmt: skip
    if ent:
        body += f"<h3>Catalogue entries used and their sources</h3><ul class=\"sources\">{''.join(ent)}</ul>"
    if man.get("notional_data"):
        body += f"<p class=\"caveat\">{escape(str(man['notional_data']))}</p>"
    return Section("manifest", "Manifest", body)


def _estimates(res: dict[str, Any]) -> Section:
    from iadsim.campaign.stats import replications_needed

    costs = {v["name"]: v.get("cost_usd") for v in res["manifest"]["variants"]}
    rows = []
    for v, em in res["estimates"].items():
        for k, e in em.items():
            need: Any = ""
            if e.n >= 2 and math.isfinite(e.sd) and e.mean != 0 and math.isfinite(e.mean):
                need = replications_needed(e.sd, 0.1 * abs(e.mean))
            rows.append([v, k, e.n, float(e.mean), float(e.sd), float(e.lo), float(e.hi), float(e.half_width), need, _fmt_usd(costs.get(v))])
    body = ('<p>Every stored metric, per variant: n, mean, sample sd (ddof 1), 95 % CI (t), and the replications '
            'needed for a half-width of 10 % of the mean (same numbers as <code>iadsim campaign report</code>\'s '
            '<code>estimates.csv</code>). Click a heading to sort.</p>'
            '<div class="scroll">' + _table(["variant", "metric", "n", "mean", "sd", "ci95 lo", "ci95 hi", "half-width",
                                             "reps for ±10 %", "cost"], rows, "estimates") + "</div>")  # fmt: skip
    return Section("estimates", "Estimates (mean, sd, 95 % CI)", body)


def _paired(res: dict[str, Any]) -> Section:
    man = res["manifest"]
    if not res["paired"]:
        return Section("paired", "Paired differences", "<p>One variant only: no paired difference.</p>")
    names = list(res["paired"])
    figs = [forest_svg(names, [res["paired"][v][k] for v in names], f"{k}: variant − {man['baseline']}") for k in _fig_metrics(res)]
    rows = [[v, man["baseline"], k, e.n, float(e.mean), float(e.sd), float(e.lo), float(e.hi)]
            for v, dm in res["paired"].items() for k, e in dm.items()]  # fmt: skip
    body = (f"<p>Difference variant − {escape(str(man['baseline']))} replication by replication (same seed), "
            "mean and 95 % CI (t on the differences). A CI that excludes 0 is a difference the replications "
            "resolve; common random numbers make it tighter than comparing two independent means.</p>"
            f'<div class="figrow">{"".join(figs)}</div><div class="scroll">'
            + _table(["variant", "baseline", "metric", "pairs", "mean difference", "sd", "ci95 lo", "ci95 hi"], rows, "paired") + "</div>")  # fmt: skip
    return Section("paired", "Paired differences", body)


def _distributions(res: dict[str, Any]) -> Section:
    vs = res["variants"]
    figs = [distribution_svg(vs, [_values(res, v, k) for v in vs], [res["estimates"][v][k] for v in vs], k) for k in _fig_metrics(res)]
    body = ("<p>Each dot is one replication; box: inter-quartile range with the median; ◆ and bar: mean and 95 % CI.</p>"
            f'<div class="figrow">{"".join(figs)}</div>')  # fmt: skip
    return Section("distributions", "Distributions per variant", body)


def _frontier(res: dict[str, Any]) -> Section | None:
    costed = [v for v in res["manifest"]["variants"] if v.get("cost_usd") is not None]
    if not costed or VALUE_PROTECTED not in res["estimates"][costed[0]["name"]]:
        return None
    names = [v["name"] for v in costed]
    cost = np.array([v["cost_usd"] for v in costed], float)
    figs = []
    for k, better, label in ((VALUE_PROTECTED, True, "value protected (attacked assets that survived)"),
                             ("threats.leaked", False, "leakers")):
        if k in res["estimates"][names[0]]:
            figs.append(frontier_svg(names, cost, [res["estimates"][n][k] for n in names], label, better))
    rows = [[n, _fmt_usd(c), v.get("cost_basis", ""), _pm(res["estimates"][n][VALUE_PROTECTED]),
             _pm(res["estimates"][n]["threats.leaked"]) if "threats.leaked" in res["estimates"][n] else "–"]
            for n, c, v in zip(names, cost, costed)]  # fmt: skip
    body = ("<p>Value protected (the value of the assets that were attacked and survived) and leakers against each option's acquisition cost (stated in the campaign file, "
            "or batteries × the catalogue's cost per battery), mean ± 95 % CI; the dashed line joins the options "
            "no other option beats at equal or lower cost (on the means — overlapping CIs mean the replications do "
            "not separate them).</p>"
            f'<div class="figrow">{"".join(figs)}</div>'
            + _table(["variant", "cost", "cost basis", "value protected", "leakers"], rows, "frontier-table"))  # fmt: skip
    uncosted = [v["name"] for v in res["manifest"]["variants"] if v.get("cost_usd") is None]
    if uncosted:
        body += f'<p class="note">No cost stated or derivable for: {escape(", ".join(uncosted))} (not on the frontier).</p>'
    return Section("frontier", "Cost frontier", body)


def _convergence(res: dict[str, Any]) -> Section:
    vs = res["variants"]
    figs = []
    for k in _fig_metrics(res):
        figs.append(convergence_svg([(v, *running_estimates(_values(res, v, k))) for v in vs], k))
    body = ("<p>Running mean and 95 % CI after the first <i>k</i> replications (same estimator as the tables). "
            "A curve still drifting, or a band much wider than the difference you care about, asks for more "
            "replications: rerun the same command with <code>--replications N</code> (it resumes) or "
            "<code>--until-ci METRIC=HALF_WIDTH</code>; the estimates table lists the replications needed for a "
            "half-width of 10 % of the mean.</p>"
            f'<div class="figrow">{"".join(figs)}</div>')  # fmt: skip
    return Section("convergence", "Convergence", body)


def _replications(res: dict[str, Any], out: Path) -> Section:
    man = res["manifest"]
    rows = res["rows"]
    var = rows["variant"].to_pylist()
    rep = rows["rep"].to_pylist()
    seed = rows["seed"].to_pylist()
    limit = 2000
    tbl = []
    for v, r, s in list(zip(var, rep, seed))[:limit]:
        ev = out / "events" / f"variant={v}" / f"rep={int(r):07d}.parquet"
        tbl.append([v, r, s, f"events/variant={v}/rep={int(r):07d}.parquet" if ev.exists() else "re-simulate"])
    first = man["variants"][0]["name"]
    snippet = (
        "import iadsim\n"
        "from iadsim.campaign.spec import load_campaign\n"
        f"camp = load_campaign({str(man.get('file', 'CAMPAIGN.yaml'))!r})   # the campaign file (or bundled name)\n"
        f"v = camp.variant({first!r})                     # any variant\n"
        "res = iadsim.simulate(v.scenario, seed=SEED)     # SEED from the table above\n"
        "res.write('rep-dir')                              # then: iadsim report rep-dir / iadsim serve rep-dir"
    )
    body = (f"<p>{rows.num_rows} replications stored{f'; the first {limit} are listed' if rows.num_rows > limit else ''}. "
            f"Full events are kept for the first {escape(str(man.get('events_sample', '?')))} replication(s) of each variant "
            "(path relative to this directory); any other one is re-simulated exactly from its seed — runs are "
            "deterministic for the same scenario, seed and iadsim version "
            f"({escape(str(man.get('iadsim_version', '?')))} here).</p>"
            f'<div class="scroll">{_table(["variant", "rep", "seed", "events"], tbl, "reps")}</div>'
            f"<h3>Re-simulate a replication</h3><pre><code>{escape(snippet)}</code></pre>"
            "<p class=\"note\">The variant's scenario is the base scenario with the campaign's overrides and the "
            "variant's own (listed in the manifest); its hash must match the manifest's <code>scenario sha256</code>.</p>")  # fmt: skip
    return Section("replications", "Replications and re-simulation", body)


def _data_block(res: dict[str, Any]) -> str:
    """The estimates and paired differences as inline JSON (for scripts reading the page)."""

    def ed(e: Any) -> dict[str, Any]:
        return {"n": e.n, "mean": _num(e.mean), "sd": _num(e.sd), "lo": _num(e.lo), "hi": _num(e.hi), "half_width": _num(e.half_width)}

    data = {
        "campaign": res["manifest"]["campaign"],
        "baseline": res["manifest"]["baseline"],
        "estimates": {v: {k: ed(e) for k, e in em.items()} for v, em in res["estimates"].items()},
        "paired": {v: {k: ed(e) for k, e in dm.items()} for v, dm in res["paired"].items()},
    }
    return f'<script type="application/json" id="campaign-data">{_json_script(data)}</script>'


def campaign_sections(res: dict[str, Any], out: str | Path) -> list[Section]:
    """Sections of a campaign report, in order (``res`` from :func:`load_campaign_results`)."""
    secs = [_summary(res), _manifest(res), _estimates(res), _paired(res), _distributions(res)]
    fr = _frontier(res)
    if fr is not None:
        secs.append(fr)
    secs += [_convergence(res), _replications(res, Path(out))]
    last = secs[-1]
    secs[-1] = Section(last.id, last.title, last.body + _data_block(res))
    return secs


def build_campaign_report(out: str | Path) -> str:
    """HTML text of the report of a campaign directory."""
    res = load_campaign_results(out)
    title = f"iadsim campaign report — {res['manifest']['campaign']} ({res['rows'].num_rows} replications)"
    return render_page(title, campaign_sections(res, out))
