"""``iadsim report``: one self-contained HTML file per run (no CDN, no network at view time).

The page is a list of :class:`Section` objects rendered in order; CSS, the small script (table
filter and sort), the SVG figures and the data (the non-detection events, as JSON) are all inlined.
:func:`run_sections` builds the sections of a single run; a campaign directory (``campaign.json``)
gets the sections of :mod:`iadsim.report.campaign` (estimates, paired differences with CIs,
distributions, cost frontier, convergence) through the same :func:`render_page`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

import numpy as np

from iadsim.report import figures
from iadsim.report.data import OUTCOMES, RunData, load_run, paths_of, threat_outcomes
from iadsim.report.export import write_atomic

__all__ = ["Section", "run_sections", "render_page", "build_report", "write_report", "CAVEAT"]

CAVEAT = (
    "NOTIONAL DATA. Every system and threat parameter in iadsim comes from public sources, each with "
    "a source and a confidence grade (A official, B press, C secondary); many are contested estimates. "
    "This report is not an assessment of any real deployment, system or event."
)
#: At most this many events are inlined into the events table (detections are counted, not listed).
MAX_EVENTS_INLINE = 20_000


@dataclass(frozen=True)
class Section:
    """One part of the report: anchor id, heading and HTML body."""

    id: str
    title: str
    body: str


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]], cls: str = "") -> str:
    def fmt(v: Any) -> str:
        if isinstance(v, float):
            if np.isnan(v):
                return "–"
            return f"{v:,.6g}" if abs(v) < 1e6 else f"{v:,.0f}"
        return escape(str(v))

    h = "".join(f"<th>{escape(str(c))}</th>" for c in header)
    body = "".join("<tr>" + "".join(f"<td>{fmt(v)}</td>" for v in r) + "</tr>" for r in rows)
    return f'<table class="sortable {cls}"><thead><tr>{h}</tr></thead><tbody>{body}</tbody></table>'


def _arrow_rows(tbl: Any, cols: Sequence[str], limit: int | None = None) -> list[list[Any]]:
    d = tbl.select(list(cols)).slice(0, limit).to_pydict() if limit else tbl.select(list(cols)).to_pydict()
    return [list(r) for r in zip(*(d[c] for c in cols))]


def _fmt_usd(x: float | None) -> str:
    if x is None:
        return "n/a"
    return f"${x / 1e9:.2f} bn" if abs(x) >= 1e9 else (f"${x / 1e6:.1f} M" if abs(x) >= 1e6 else f"${x:,.0f}")


def _summary_section(run: RunData) -> Section:
    s = run.summary
    th = s["threats"]
    a = s["assets"]
    c = s.get("cost", {})
    m = run.manifest
    kpis = [
        ("threats", f"{th['total']}"), ("destroyed", f"{th['destroyed']}"), ("leaked", f"{th['leaked']}"),
        ("value lost", f"{a['value_lost']:g} of {a['total_value']:g}"),
        ("interceptors fired", f"{c.get('interceptors_fired', '–')}"),
        ("interceptor cost", _fmt_usd(c.get("interceptor_cost_usd"))),
    ]  # fmt: skip
    k = "".join(f'<div class="kpi"><div class="v">{escape(v)}</div><div class="k">{escape(n)}</div></div>' for n, v in kpis)
    body = (f'<p class="caveat">{escape(CAVEAT)}</p>'
            f'<p>Scenario <b>{escape(str(s.get("scenario", "")))}</b>, seed {escape(str(m.get("seed", "")))}, '
            f'{m.get("duration_s", 0):g} s at {m.get("time_step_s", 0):g} s steps from {escape(run.epoch.isoformat())}; '
            f'{m.get("n_threats", "?")} threats, {m.get("n_radars", "?")} radars, {m.get("n_fire_units", "?")} fire units; '
            f'association <code>{escape(str(m.get("fidelity", {}).get("association", "?")))}</code>.</p>'
            f'<div class="kpis">{k}</div>')  # fmt: skip
    body += _table(["threat type", "class", "launched", "destroyed", "leaked", "in flight at end"],
                   [[r["threat"], r["class"], r["launched"], r["destroyed"], r["leaked"], r["in_flight_at_end"]] for r in th["by_type"]])  # fmt: skip
    body += _table(["fire unit", "system", "site", "fired", "kills", "remaining", "by interceptor"],
                   [[r["fire_unit"], r["system"], r.get("site", ""), r["interceptors_fired"], r["kills"], r["remaining"],
                     ", ".join(f"{k}: {v}" for k, v in r["by_type"].items())] for r in s["fire_units"]])  # fmt: skip
    body += _table(["asset", "value", "leakers", "destroyed", "value lost"],
                   [[r["asset"], r["value"], r["leakers"], "yes" if r["destroyed"] else "no", r["value_lost"]] for r in a["by_asset"]])  # fmt: skip
    return Section("summary", "Summary", body)


def _map_section(run: RunData) -> Section:
    st = run.tables["sites"].to_pydict()
    at = run.tables["assets"].to_pydict()
    sites = list(zip(st["name"], st["lat_deg"], st["lon_deg"]))
    assets = list(zip(at["name"], at["lat_deg"], at["lon_deg"], at["value"]))
    rings: list[tuple[str, np.ndarray]] = []
    for kind, key in (("radar", "radars"), ("fire_unit", "fire_units")):
        t = run.tables[key].to_pydict()
        seen = set()
        for la, lo, r in zip(t["lat_deg"], t["lon_deg"], t["max_range_m"]):
            if (round(la, 4), round(lo, 4), round(r)) in seen or not r > 0:
                continue
            seen.add((round(la, 4), round(lo, 4), round(r)))
            rings.append((kind, figures.ring_lonlat(la, lo, r)))
    outcome, _ = threat_outcomes(run)
    ids, starts, _, ll, _ = paths_of(run, "threat")
    tracks = [(OUTCOMES[outcome[i]], ll[starts[k]:starts[k + 1]]) for k, i in enumerate(ids)]
    iids, istarts, _, ill, _ = paths_of(run, "interceptor")
    inter = [ill[istarts[k]:istarts[k + 1]] for k in range(len(iids))]
    hit = run.col(run.events, "kind").astype(str) == "Intercept"
    pts = np.column_stack([run.col(run.events, "lon_deg")[hit], run.col(run.events, "lat_deg")[hit]])
    svg = figures.map_svg(sites=sites, assets=assets, rings=rings, tracks=tracks, interceptors=inter, intercepts=pts)
    legend = ("".join(f'<span class="sw" style="background:{figures.OUTCOME_COLOURS[o]}"></span>{o.replace("_", " ")} ({int((outcome == i).sum())}) '
                      for i, o in enumerate(OUTCOMES))
              + f'<span class="sw" style="background:{figures.INTERCEPTOR_COLOUR}"></span>interceptor flyout '
              '· × intercept point · ▲ site · ■ defended asset · ● city (GeoNames) · rings: fire-unit maximum range (solid), radar instrumented range (dashed)')  # fmt: skip
    note = ("<p class=\"note\">Rings are ground ranges only (no horizon, altitude band or terrain): run "
            "<code>iadsim coverage</code> for the coverage model. Threat tracks are the true trajectories.</p>")
    return Section("map", "Map", f'<div class="mapwrap">{svg}</div><p class="legend">{legend}</p>{note}')


def _charts_section(run: RunData) -> Section:
    ev = run.events
    kind = run.col(ev, "kind").astype(str)
    t = run.col(ev, "time_s")
    shot = run.col(ev, "shot")
    fu = run.col(ev, "fire_unit")
    T = run.duration_s
    fu_names = run.names("fire_units")
    # engagement timeline: launch → intercept/miss per shot
    lm = kind == "Launch"
    end_t = {int(s): (float(tt), "hit" if k == "Intercept" else "miss")
             for s, tt, k in zip(shot[np.isin(kind, ("Intercept", "Miss"))], t[np.isin(kind, ("Intercept", "Miss"))], kind[np.isin(kind, ("Intercept", "Miss"))])}  # fmt: skip
    bars = []
    for s, tt, f in zip(shot[lm], t[lm], fu[lm]):
        e = end_t.get(int(s))
        if e is not None and f >= 0:
            bars.append((int(f), float(tt), e[0], e[1]))
    parts = ["<h3>Engagement timeline per fire unit</h3>", figures.timeline_svg(fu_names, bars, T)]
    # magazine depletion
    mag0 = run.col(run.tables["fire_units"], "magazine")
    series = []
    for f, name in enumerate(fu_names):
        tl = np.sort(t[lm & (fu == f)])
        series.append((name, np.concatenate([[0.0], tl]), mag0[f] - np.arange(len(tl) + 1)))
    parts += ["<h3>Magazine depletion (rounds remaining)</h3>", figures.step_svg(series, T, "rounds")]
    # leakers and value lost over time
    lk = np.sort(t[kind == "Leak"])
    im = kind == "Impact"
    order = np.argsort(t[im], kind="stable")
    vt = t[im][order]
    vv = np.nan_to_num(run.col(ev, "value")[im][order])
    parts += ["<h3>Leakers and value lost over time</h3>",
              figures.step_svg([("leakers (cumulative)", np.concatenate([[0.0], lk]), np.arange(len(lk) + 1))], T, "leakers", height=200),
              figures.step_svg([("value lost (cumulative)", np.concatenate([[0.0], vt]), np.concatenate([[0.0], np.cumsum(vv)]))], T, "value", height=200)]  # fmt: skip
    # miss reasons (a `reason` column when the engine writes one)
    mm = kind == "Miss"
    parts.append("<h3>Miss reasons</h3>")
    if "reason" in ev.column_names:
        reasons = np.asarray(ev.column("reason").to_pylist(), dtype=object)[mm]
        vals, counts = np.unique(np.array(["(none)" if r is None or r == "" else str(r) for r in reasons], dtype=str), return_counts=True)
        items = sorted(zip(vals.tolist(), counts.astype(float).tolist()), key=lambda x: -x[1])
        parts.append(figures.bars_svg(items) if items else "<p>No misses.</p>")
    else:
        parts.append(f"<p class=\"note\">{int(mm.sum())} misses; this results directory records no miss "
                     "<code>reason</code> column (written by later engine versions), so they are not broken down.</p>")
    vals, counts = np.unique(kind, return_counts=True)
    parts += ["<h3>Events by kind</h3>", figures.bars_svg(sorted(zip(vals.tolist(), counts.astype(float).tolist()), key=lambda x: -x[1]))]
    return Section("charts", "Charts", "\n".join(parts))


def _events_data(run: RunData, limit: int | None = MAX_EVENTS_INLINE) -> tuple[list[str], list[list[Any]], int]:
    """Non-detection events with names (the first ``limit``; all if None), and how many there are."""
    ev = run.events
    kind = run.col(ev, "kind").astype(str)
    keep = np.flatnonzero(kind != "Detection")
    n_total = len(keep)
    keep = keep[:limit] if limit is not None else keep
    names = {k: run.names(t) for k, t in (("threat", "threats"), ("fire_unit", "fire_units"), ("asset", "assets"),
                                          ("site", "sites"), ("interceptor_type", "interceptors"))}  # fmt: skip
    cols = ["time_s", "kind", "threat", "fire_unit", "site", "asset", "track", "shot", "interceptor_type", "pk", "lat_deg", "lon_deg", "alt_m"]
    if "reason" in ev.column_names:
        cols.append("reason")
    data = {c: ev.column(c).take(keep).to_pylist() for c in cols if c in ev.column_names}
    rows = []
    for i in range(len(keep)):
        r = []
        for c in cols:
            v = data.get(c, [None] * len(keep))[i]
            if c in names:
                v = names[c][v] if isinstance(v, int) and 0 <= v < len(names[c]) else ""
            elif isinstance(v, float):
                v = None if np.isnan(v) else round(v, 5 if c.endswith("_deg") else 2)
            elif isinstance(v, int) and v < 0:
                v = None
            r.append(v)
        rows.append(r)
    return cols, rows, n_total


def _tables_section(run: RunData) -> Section:
    parts = []
    cols, rows, n_total = _events_data(run)
    n_det = int((run.col(run.events, "kind").astype(str) == "Detection").sum())
    parts.append(f"<h3>Events</h3><p>{n_total} events other than detections ({n_det} detections are counted, not listed)"
                 + (f"; the first {MAX_EVENTS_INLINE} are shown" if n_total > MAX_EVENTS_INLINE else "")
                 + '. Filter: <input id="evfilter" type="search" placeholder="e.g. Intercept or a name"></p>'
                 '<div class="scroll"><table id="events" class="sortable"><thead><tr>'
                 + "".join(f"<th>{escape(c)}</th>" for c in cols) + "</tr></thead><tbody></tbody></table></div>"
                 + f'<script type="application/json" id="events-data">{_json_script({"cols": cols, "rows": rows})}</script>')  # fmt: skip
    spec = {
        "sites": ["site", "name", "lat_deg", "lon_deg", "alt_m", "n_radars", "n_fire_units"],
        "radars": ["sensor", "name", "type", "site_name", "max_range_m", "max_alt_m"],
        "fire_units": ["fire_unit", "name", "system", "site_name", "max_range_m", "max_alt_m", "magazine", "doctrine"],
        "interceptors": ["interceptor_type", "name", "max_range_m", "max_alt_m", "speed_mps", "cost_usd", "rounds"],
        "assets": ["asset", "name", "lat_deg", "lon_deg", "alt_m", "value"],
        "threats": ["threat", "name", "type", "class", "target_name", "launch_time_s", "arrival_time_s", "lat_deg", "lon_deg"],
    }
    outcome, when = threat_outcomes(run)
    for name, cols_ in spec.items():
        rows_ = _arrow_rows(run.tables[name], cols_, 2000)
        hdr = list(cols_)
        if name == "threats":
            hdr += ["outcome", "outcome time (s)"]
            rows_ = [r + ([OUTCOMES[outcome[r[0]]], float(when[r[0]])] if r[0] < len(outcome) else ["friendly", float("nan")])
                     for r in rows_]  # fmt: skip
        parts.append(f"<h3>{name.replace('_', ' ').capitalize()} ({run.tables[name].num_rows})</h3><div class=\"scroll\">{_table(hdr, rows_)}</div>")
    return Section("tables", "Tables", "\n".join(parts))


def _sources(obj: Any, out: set[str]) -> None:
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == "source":
                for s in v if isinstance(v, list) else [v]:
                    if s:
                        out.add(str(s))
            else:
                _sources(v, out)
    elif isinstance(obj, list):
        for v in obj:
            _sources(v, out)


def _manifest_section(run: RunData) -> Section:
    m = run.manifest
    keys = ["iadsim_version", "scenario", "scenario_sha256", "seed", "epoch_utc", "time_step_s", "duration_s",
            "n_threats", "n_radars", "n_fire_units", "n_events", "engine_wall_s", "created_utc", "python", "numpy"]  # fmt: skip
    rows = [[k, json.dumps(m[k]) if isinstance(m[k], (dict, list)) else m[k]] for k in keys if k in m]
    rows += [[k, json.dumps(m[k])] for k in ("fidelity", "tracking") if k in m]
    body = _table(["field", "value"], rows)
    used = m.get("catalog_entries_used", {})
    ent = []
    for kind, entries in used.items():
        for eid, e in entries.items():
            srcs: set[str] = set()
            _sources(e, srcs)
            name = e.get("name", "") if isinstance(e, dict) else ""
            ent.append(f"<li><b>{escape(kind)}/{escape(eid)}</b> {escape(str(name))}<ul>"
                       + "".join(f"<li>{escape(s)}</li>" for s in sorted(srcs)) + "</ul></li>")  # fmt: skip
    body += f"<h3>Catalogue entries used and their sources</h3><ul class=\"sources\">{''.join(ent)}</ul>"
    if "notional_data" in m:
        body += f"<p class=\"caveat\">{escape(str(m['notional_data']))}</p>"
    return Section("manifest", "Manifest", body)


def run_sections(run: RunData) -> list[Section]:
    """Sections of a single-run report, in order."""
    return [_summary_section(run), _map_section(run), _charts_section(run), _tables_section(run), _manifest_section(run)]


def _json_script(obj: Any) -> str:
    """JSON safe inside ``<script type=application/json>`` (no ``</`` sequence)."""
    return json.dumps(obj, allow_nan=False, separators=(",", ":")).replace("</", "<\\/")


_CSS = """
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;color:#1a1a1a;background:#f6f7f9}
header{background:#0b2540;color:#fff;padding:14px 24px} header h1{margin:0;font-size:20px}
nav a{color:#cfe3ff;margin-right:14px;text-decoration:none} main{padding:8px 24px 40px;max-width:1280px}
section{background:#fff;border:1px solid #dde3ea;border-radius:6px;padding:8px 18px 16px;margin:14px 0}
h2{font-size:18px;border-bottom:1px solid #e5e8ec;padding-bottom:4px} h3{font-size:15px;margin:16px 0 6px}
.caveat{background:#fff4e5;border-left:4px solid #c2410c;padding:8px 12px;color:#7c2d12;font-weight:600}
.kpis{display:flex;flex-wrap:wrap;gap:10px;margin:10px 0}.kpi{background:#f0f4f8;border-radius:6px;padding:8px 14px;min-width:110px}
.kpi .v{font-size:20px;font-weight:700}.kpi .k{font-size:12px;color:#555}
table{border-collapse:collapse;margin:8px 0;font-size:12.5px} th,td{border:1px solid #e1e4e8;padding:3px 7px;text-align:left}
th{background:#f3f5f7;cursor:pointer;user-select:none;position:sticky;top:0} tbody tr:nth-child(even){background:#fafbfc}
.scroll{max-height:420px;overflow:auto;border:1px solid #eee} .mapwrap svg{max-width:100%;height:auto;border:1px solid #cbd5e1}
.chart{max-width:100%;height:auto} .legend{font-size:12.5px} .sw{display:inline-block;width:12px;height:12px;margin:0 4px 0 10px;vertical-align:-2px}
.note{color:#555;font-size:12.5px} code{background:#f3f4f6;padding:0 3px;border-radius:3px} ul.sources{font-size:12.5px}
.figrow{display:flex;flex-wrap:wrap;gap:12px} pre{background:#f3f4f6;padding:8px 12px;overflow:auto;font-size:12.5px}
"""

_JS = """
(function(){
  function sortTable(th){var t=th.closest('table'),i=[].indexOf.call(th.parentNode.children,th),b=t.tBodies[0];
    var asc=th.dataset.asc!=='1';th.dataset.asc=asc?'1':'0';
    var rows=[].slice.call(b.rows);rows.sort(function(a,c){var x=a.cells[i].textContent,y=c.cells[i].textContent;
      var nx=parseFloat(x.replace(/,/g,'')),ny=parseFloat(y.replace(/,/g,''));
      var r=(!isNaN(nx)&&!isNaN(ny))?nx-ny:x.localeCompare(y);return asc?r:-r;});
    rows.forEach(function(r){b.appendChild(r);});}
  document.querySelectorAll('table.sortable th').forEach(function(th){th.addEventListener('click',function(){sortTable(th);});});
  var el=document.getElementById('events-data');if(!el)return;var d=JSON.parse(el.textContent);
  var tb=document.querySelector('#events tbody');
  function render(q){q=(q||'').toLowerCase();var html=[],n=0;
    for(var i=0;i<d.rows.length&&n<3000;i++){var r=d.rows[i];var s=r.join(' ').toLowerCase();if(q&&s.indexOf(q)<0)continue;n++;
      html.push('<tr>'+r.map(function(v){return '<td>'+(v===null?'':String(v).replace(/[&<>]/g,function(c){return {'&':'&amp;','<':'&lt;','>':'&gt;'}[c];}))+'</td>';}).join('')+'</tr>');}
    tb.innerHTML=html.join('');}
  render('');document.getElementById('evfilter').addEventListener('input',function(e){render(e.target.value);});
})();
"""


def render_page(title: str, sections: Sequence[Section]) -> str:
    """The whole HTML document (everything inline)."""
    nav = "".join(f'<a href="#{s.id}">{escape(s.title)}</a>' for s in sections)
    body = "\n".join(f'<section id="{s.id}"><h2>{escape(s.title)}</h2>\n{s.body}\n</section>' for s in sections)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">"
        f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{escape(title)}</title><style>{_CSS}</style></head>"
        f"<body><header><h1>{escape(title)}</h1><nav>{nav}</nav></header><main>{body}</main><script>{_JS}</script></body></html>\n"
    )


def build_report(results_dir: str | Path) -> str:
    """HTML text of the report of a results directory: a single run, or a campaign directory
    (``campaign.json``; :mod:`iadsim.report.campaign`)."""
    from iadsim.report.campaign import build_campaign_report, is_campaign_dir

    if is_campaign_dir(results_dir):
        return build_campaign_report(results_dir)
    run = load_run(results_dir)
    title = f"iadsim report — {run.summary.get('scenario', run.path.name)} (seed {run.manifest.get('seed', '?')})"
    return render_page(title, run_sections(run))


def write_report(results_dir: str | Path, out: str | Path | None = None) -> Path:
    """Write the report atomically (default ``RESULTS_DIR/report.html``); returns its path."""
    html = build_report(results_dir)
    target = Path(out) if out is not None else Path(results_dir) / "report.html"
    return write_atomic(target, html)
