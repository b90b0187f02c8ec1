"""Double engagements of two fire units on ONE site (issue 9, standalone fire distribution).

Builds a variant of the bundled ``turkey-2017`` with both S-400 fire units on the site
``murted-s400-1`` (the second site removed) and reports, per seed, the threats the two S-400 units
engaged, how many of them both units engaged with rounds in flight at the same time
(:func:`iadsim.results.metrics.double_engagements`), their rounds and kills.

    python benchmarks/fire_distribution_one_site.py [--seeds 10] [--out benchmarks/results/fire_distribution_one_site.json]

Run it on another checkout (``PYTHONPATH=<checkout>/src``) to compare code versions; the metric
kernel is taken from this file's checkout so that older versions are scored the same way.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from _results import write_json  # benchmarks/_results.py (this folder is on sys.path when run as a script)

HERE = Path(__file__).resolve().parents[1]


def _metric():  # the double-engagement kernel of THIS checkout (older versions lack it)
    spec = importlib.util.spec_from_file_location("_m", HERE / "src/iadsim/results/metrics.py")
    assert spec and spec.loader
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    return m.double_engagements


def one_site_text() -> str:
    s = (HERE / "src/iadsim/data/scenarios/turkey-2017.yaml").read_text()
    start = s.index("  - name: murted-s400-2")
    end = s.index("  - name: adana-patriot")
    s = s[:start] + s[end:]
    s = s.replace("    fire_units:\n      - type: s400\n  - name: adana-patriot",
                  "    fire_units:\n      - type: s400\n        name: s400-a\n      - type: s400\n        name: s400-b\n"
                  "  - name: adana-patriot", 1)  # fmt: skip
    return s.replace("name: turkey-2017", "name: turkey-2017-one-site", 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    import iadsim
    from iadsim.scenario.load import load_scenario

    double_engagements = _metric()
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "turkey-2017-one-site.yaml"
        p.write_text(one_site_text())
        sc = load_scenario(p)
    rows = []
    for seed in range(a.seeds):
        ev = iadsim.simulate(sc, seed).events.to_pandas()
        la = ev[ev.kind == "Launch"]
        end = ev[ev.kind.isin(["Intercept", "Miss"])].set_index("shot").time_s
        te = la.shot.map(end).fillna(np.inf).to_numpy()
        m = la.fire_unit.isin([0, 1]).to_numpy()  # the two S-400 units (listed first)
        rows.append({"seed": seed, "threats_engaged": int(la[m & (la.threat >= 0).to_numpy()].threat.nunique()),
                     "double_engagements": int(double_engagements(la.fire_unit.to_numpy()[m], la.threat.to_numpy()[m],
                                                                  la.time_s.to_numpy()[m], te[m])),
                     "rounds": int(m.sum()),
                     "kills": int(((ev.kind == "Intercept") & ev.fire_unit.isin([0, 1])).sum())})  # fmt: skip
        print(json.dumps(rows[-1]), flush=True)
    tot = {k: int(sum(r[k] for r in rows)) for k in ("threats_engaged", "double_engagements", "rounds", "kills")}
    result = {"benchmark": "fire_distribution_one_site", "iadsim": iadsim.__file__, "seeds": a.seeds, "totals": tot,
              "rows": rows, "created_unix": time.time(), "load_avg_start": os.getloadavg()}  # fmt: skip
    print(json.dumps(tot))
    if a.out:
        write_json(a.out, result)


if __name__ == "__main__":
    main()
