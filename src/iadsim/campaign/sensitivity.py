"""Global sensitivity analysis of campaign outputs with SALib (Morris screening, Sobol indices).

A sensitivity file (YAML) names a base scenario, uncertain parameters by scenario key path, the
outputs (summary metrics, e.g. ``threats.leaked``), the method and its budget::

    name: adana-sensitivity
    base: adana-patriot-small
    seed: 5
    replications: 4            # per design point; the SAME seeds at every point (CRN)
    method: morris             # morris | sobol | auto (Sobol when max_runs allows N·(k+2)·reps)
    trajectories: 10           # Morris r: r·(k+1) design points
    samples: 64                # Sobol N (a power of 2): N·(k+2) points (first and total order)
    outputs: [threats.leaked, assets.value_lost]
    parameters:
      - path: sites.adana-patriot.sensors.0.reference_range_km        # range from its grade
      - {path: sites.adana-patriot.fire_units.0.interceptors.pac-3.pk.ballistic_missile, range: [0.5, 0.9]}

**Default ranges from the catalogue's confidence grades** (a stated assumption, not a source):
nominal ``x0`` (the scenario's value where it sets one, else the catalogue's) ± 10 % for grade A,
± 25 % for B, ± 50 % for C and for pure assumptions; probabilities are clipped to [0, 1] and
positive quantities kept > 0. Recognised paths: radar fields
(``sites.S.sensors.I.<field>``), fire-unit fields (``sites.S.fire_units.I.<field>``), interceptor
fields and Pk (``sites.S.fire_units.I.interceptors.ID.<field>`` / ``.pk.<class>``) and threat
fields of a raid (``raids.R.speed_mps|rcs_m2``); any other numeric path needs an explicit range.

Each design point's output is the mean over its replications; every point uses the same
replication seeds, so the indices measure the parameters' effect and not seed noise between
points (common random numbers). The runner is pluggable: :func:`analyse` takes any model
``f(X (n, k)) -> Y (n, m)``, and the scenario path is one such model; tests pass SALib's
Ishigami function through the same code.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from iadsim.campaign.spec import PathError, _walk, apply_set, split_path
from iadsim.errors import InputError, Problem, ScenarioError
from iadsim.scenario import load as scenario_load

GRADE_HALF_RANGE = {"A": 0.10, "B": 0.25, "C": 0.50, "assumption": 0.50}
INT_FIELDS = {"salvo_size", "max_simultaneous_engagements", "count"}
PROB_FIELDS = {"reference_pd", "pfa"}

Model = Callable[[np.ndarray], np.ndarray]


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ParamSpec(_M):
    path: Annotated[str, Field(min_length=1)]
    name: str | None = None
    range: tuple[float, float] | None = None


class SensitivitySpec(_M):
    name: Annotated[str, Field(min_length=1, max_length=80)]
    description: str = ""
    base: Annotated[str, Field(min_length=1)]
    seed: Annotated[int, Field(ge=0)] = 0
    replications: Annotated[int, Field(ge=1, le=100_000)] = 4
    method: Literal["morris", "sobol", "auto"] = "morris"
    trajectories: Annotated[int, Field(ge=2, le=10_000)] = 10
    levels: Annotated[int, Field(ge=2, le=20)] = 4
    samples: Annotated[int, Field(ge=2, le=1_048_576)] = 64
    max_runs: Annotated[int, Field(ge=1)] | None = None
    outputs: list[str] = Field(default_factory=lambda: ["threats.leaked", "assets.value_lost"], min_length=1)
    overrides: dict[str, Any] = Field(default_factory=dict)
    parameters: list[ParamSpec] = Field(min_length=1)


@dataclass(frozen=True)
class Param:
    name: str
    path: str
    lo: float
    hi: float
    nominal: float | None
    basis: str
    integer: bool


def budget(method: str, k: int, trajectories: int, samples: int, replications: int) -> tuple[int, int]:
    """(design points, simulation runs): Morris r·(k+1); Sobol (first+total order) N·(k+2)."""
    pts = trajectories * (k + 1) if method == "morris" else samples * (k + 2)
    return pts, pts * replications


def sample(method: str, problem: dict[str, Any], trajectories: int, levels: int, samples: int, seed: int) -> np.ndarray:
    if method == "morris":
        from SALib.sample import morris as ms

        return np.asarray(ms.sample(problem, N=trajectories, num_levels=levels, seed=seed))
    from SALib.sample import sobol as ss

    return np.asarray(ss.sample(problem, samples, calc_second_order=False, seed=seed))


def analyse(method: str, problem: dict[str, Any], model: Model, *, trajectories: int = 10, levels: int = 4,
            samples: int = 64, seed: int = 0, outputs: list[str] | None = None) -> dict[str, Any]:  # fmt: skip
    """Sample the design, evaluate ``model`` (X (n, k) -> Y (n, m)), and analyse each output.

    Returns ``{"X", "Y", "indices": {output: {param: {...}}}}`` where Morris gives ``mu_star``,
    ``mu_star_conf``, ``sigma``, and Sobol gives ``S1``, ``S1_conf``, ``ST``, ``ST_conf``.
    """
    X = sample(method, problem, trajectories, levels, samples, seed)
    Y = np.asarray(model(X), float)
    if Y.ndim == 1:
        Y = Y[:, None]
    outs = outputs or [f"y{j}" for j in range(Y.shape[1])]
    indices: dict[str, dict[str, dict[str, float]]] = {}
    for j, o in enumerate(outs):
        y = Y[:, j]
        if method == "morris":
            from SALib.analyze import morris as ma

            r = ma.analyze(problem, X, y, num_levels=levels, seed=seed)
            fields = ("mu", "mu_star", "mu_star_conf", "sigma")
        else:
            from SALib.analyze import sobol as sa

            r = sa.analyze(problem, y, calc_second_order=False, seed=seed)
            fields = ("S1", "S1_conf", "ST", "ST_conf")
        indices[o] = {n: {f: float(np.asarray(r[f])[i]) for f in fields} for i, n in enumerate(problem["names"])}
    return {"X": X, "Y": Y, "indices": indices}


# --------------------------------------------------------------------------------------------
def _default_range(tree: Any, path: str, catalog: Any) -> tuple[float, float, float, str, bool]:
    """(lo, hi, nominal, basis, integer) from the catalogue confidence grade of ``path``."""
    parts = split_path(path)
    parent, key, loc = _walk(tree, parts, create=True)
    current = parent.get(key) if isinstance(parent, dict) else parent[key]
    sv = None
    field = parts[-1]
    if len(parts) >= 5 and parts[0] == "sites" and parts[2] in ("sensors", "fire_units"):
        site_item_parent, i_key, _ = _walk(tree, parts[:4], create=False)
        item = site_item_parent[i_key]
        typ = item.get("type")
        if parts[2] == "sensors" and len(parts) == 5 and typ in catalog.radars:
            sv = catalog.radars[typ].sourced(field)
        elif parts[2] == "fire_units" and len(parts) == 5 and typ in catalog.systems:
            sv = catalog.systems[typ].sourced(field)
        elif parts[2] == "fire_units" and len(parts) >= 7 and parts[4] == "interceptors" and parts[5] in catalog.interceptors:
            ent = catalog.interceptors[parts[5]]
            sv = ent.pk(parts[7]) if len(parts) == 8 and parts[6] == "pk" else (ent.sourced(field) if len(parts) == 7 else None)
    elif len(parts) == 3 and parts[0] == "raids" and field in ("speed_mps", "rcs_m2"):
        rp, rk, _ = _walk(tree, parts[:2], create=False)
        tid = rp[rk].get("threat")
        if tid in catalog.threats:
            sv = catalog.threats[tid].sourced(field)
    if sv is None:
        raise PathError("no catalogue value or grade known for this path; give range: [lo, hi]")
    nominal = float(current) if isinstance(current, (int, float)) and not isinstance(current, bool) else sv.value
    if nominal is None:
        raise PathError("the catalogue has no value here (unknown); give range: [lo, hi]")
    grade = sv.provenance
    h = GRADE_HALF_RANGE.get(grade, 0.5)
    lo, hi = nominal * (1 - h), nominal * (1 + h)
    is_prob = parts[-2] == "pk" or field in PROB_FIELDS
    if is_prob:
        lo, hi = max(0.0, lo), min(1.0, hi)
        if field in PROB_FIELDS:
            lo, hi = max(lo, 1e-9), min(hi, 1 - 1e-9)
    label = f"catalogue grade {grade}" if grade in ("A", "B", "C") else "catalogue assumption (no grade)"
    basis = f"{label}: {nominal:g} ± {100 * h:.0f} %" + (" (clipped to [0, 1])" if is_prob else "")
    return lo, hi, float(nominal), basis, field in INT_FIELDS


@dataclass
class Study:
    spec: SensitivitySpec
    file: str
    params: list[Param]
    base_tree: Any
    method: str

    @property
    def problem(self) -> dict[str, Any]:
        return {"num_vars": len(self.params), "names": [p.name for p in self.params],
                "bounds": [[p.lo, p.hi] for p in self.params]}  # fmt: skip

    def budget(self) -> tuple[int, int]:
        s = self.spec
        return budget(self.method, len(self.params), s.trajectories, s.samples, s.replications)


def load_study(path: str | Path, catalog: Any = None, method: str | None = None) -> Study:
    """Validate a sensitivity file: every parameter path resolves and has a range."""
    from iadsim.scenario.catalog import load_catalog

    cat = catalog if catalog is not None else load_catalog()
    p = Path(path)
    if not p.is_file():
        raise InputError(f"sensitivity file not found: {path}")
    file = str(p)
    text = p.read_text(encoding="utf-8")
    root = scenario_load.parse_yaml(text, file)
    try:
        spec = SensitivitySpec.model_validate(json.loads(json.dumps(scenario_load._plain(root), default=str)))
    except ValidationError as exc:
        probs = []
        for e in exc.errors(include_url=False):
            loc = tuple(k for k in e["loc"] if isinstance(k, int) or "[" not in str(k))
            line, col = scenario_load._pos_of(root, loc)
            msg = f"unknown key {str(loc[-1])!r}" if e["type"] == "extra_forbidden" else f"{e['msg']} (got {scenario_load._short(e.get('input'))})"
            probs.append(Problem(file, line, col, scenario_load._fmt_loc(loc), msg))
        raise ScenarioError(probs) from None
    probs = []

    def add(loc: tuple[Any, ...], msg: str) -> None:
        line, col = scenario_load._pos_of(root, loc)
        probs.append(Problem(file, line, col, scenario_load._fmt_loc(loc), msg))

    bp = p.parent / spec.base
    base_path = bp if bp.is_file() else scenario_load.resolve_scenario_path(spec.base)
    base_text = base_path.read_text(encoding="utf-8")
    scenario_load.validate_text(base_text, str(base_path), cat)
    tree = json.loads(json.dumps(scenario_load._plain(scenario_load.parse_yaml(base_text, str(base_path))), default=str))
    for k, v in spec.overrides.items():
        try:
            apply_set(tree, k, v)
        except PathError as exc:
            add(("overrides", k), f"unknown path {k!r}: {exc}")
    params: list[Param] = []
    for i, ps in enumerate(spec.parameters):
        try:
            if ps.range is not None:
                _walk(tree, split_path(ps.path), create=True)
                lo, hi = ps.range
                if not lo < hi:
                    add(("parameters", i, "range"), f"range must be [lo, hi] with lo < hi (got {[lo, hi]})")
                    continue
                basis, nominal, integer = "range given in the file", None, ps.path.split(".")[-1] in INT_FIELDS
            else:
                lo, hi, nominal, basis, integer = _default_range(tree, ps.path, cat)
        except PathError as exc:
            add(("parameters", i, "path"), f"{ps.path}: {exc}")
            continue
        params.append(Param(ps.name or ps.path, ps.path, float(lo), float(hi), nominal, basis, integer))
    if probs:
        raise ScenarioError(probs)
    m = method or spec.method
    if m == "auto":
        m = "sobol" if spec.max_runs is not None and budget("sobol", len(params), spec.trajectories, spec.samples, spec.replications)[1] <= spec.max_runs else "morris"
    st = Study(spec, file, params, tree, m)
    if spec.max_runs is not None and st.budget()[1] > spec.max_runs:
        raise InputError(f"{file}: {m} needs {st.budget()[1]} runs, more than max_runs = {spec.max_runs}")
    return st


def scenario_model(study: Study, executor: Any, on_runs: Callable[[int], None] | None = None) -> Model:
    """The simulation as a model ``X (n, k) -> Y (n, len(outputs))``: one variant per design
    point, all with the same replication seeds (CRN), mean over replications."""
    from iadsim.campaign.executors import Chunk
    from iadsim.rng import replication_seeds
    from iadsim.scenario.schema import Scenario

    spec = study.spec

    def model(X: np.ndarray) -> np.ndarray:
        seeds = replication_seeds(spec.seed, spec.replications)
        chunks = []
        for i, x in enumerate(X):
            tree = copy.deepcopy(study.base_tree)
            for p, val in zip(study.params, x):
                apply_set(tree, p.path, int(round(val)) if p.integer else float(val))
            try:
                sc = Scenario.model_validate(tree)
            except ValidationError as exc:
                raise InputError(f"{study.file}: design point {i} is not a valid scenario: {exc.errors()[0]['msg']}") from None
            chunks.append(Chunk(variant=str(i), scenario_json=sc.model_dump_json(), scenario_sha256=scenario_load.scenario_hash(sc),
                                reps=tuple(range(spec.replications)), seeds=tuple(seeds)))  # fmt: skip
        Y = np.full((len(X), len(spec.outputs)), np.nan)
        for res in executor.map_unordered(chunks):
            i = int(res.variant)
            for j, o in enumerate(spec.outputs):
                if o not in res.rows[0]:
                    raise InputError(f"{study.file}: unknown output {o!r} (metrics: e.g. threats.leaked, assets.value_lost)")
                vals = np.array([r[o] for r in res.rows], float)
                Y[i, j] = float(np.nanmean(vals)) if np.isfinite(vals).any() else 0.0
            if on_runs is not None:
                on_runs(len(res.rows))
        return Y

    return model


def ranked(indices: dict[str, dict[str, dict[str, float]]], method: str) -> dict[str, list[tuple[str, dict[str, float]]]]:
    key = "mu_star" if method == "morris" else "ST"
    return {o: sorted(d.items(), key=lambda kv: -abs(kv[1][key]) if math.isfinite(kv[1][key]) else 0.0) for o, d in indices.items()}


def write_outputs(out: Path, study: Study, result: dict[str, Any]) -> list[str]:
    """sensitivity.json, sensitivity.csv and sensitivity.png in ``out`` (each written atomically)."""
    import csv
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from iadsim.campaign.store import atomic_write_bytes

    out.mkdir(parents=True, exist_ok=True)
    rk = ranked(result["indices"], study.method)
    doc = {
        "name": study.spec.name, "method": study.method, "replications_per_point": study.spec.replications,
        "seed": study.spec.seed, "design_points": int(len(result["X"])),
        "parameters": [p.__dict__ for p in study.params], "indices": result["indices"],
    }  # fmt: skip
    atomic_write_bytes(out / "sensitivity.json", (json.dumps(doc, indent=2, allow_nan=True) + "\n").encode())
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    fields = list(next(iter(next(iter(result["indices"].values())).values())).keys())
    w.writerow(["output", "rank", "parameter", *fields])
    for o, items in rk.items():
        for r, (n, d) in enumerate(items, 1):
            w.writerow([o, r, n, *[d[f] for f in fields]])
    atomic_write_bytes(out / "sensitivity.csv", buf.getvalue().encode())
    key, conf = ("mu_star", "mu_star_conf") if study.method == "morris" else ("ST", "ST_conf")
    fig, axes = plt.subplots(1, len(rk), figsize=(5.5 * len(rk), 0.45 * len(study.params) + 2), squeeze=False)
    for ax, (o, items) in zip(axes[0], rk.items()):
        names = [n for n, _ in items][::-1]
        vals = [d[key] for _, d in items][::-1]
        errs = [d[conf] for _, d in items][::-1]
        ax.barh(range(len(names)), vals, xerr=errs, capsize=3)
        if study.method == "sobol":
            ax.plot([d["S1"] for _, d in items][::-1], range(len(names)), "k|", ms=12, label="S1")
            ax.legend(fontsize=8)
        ax.set_yticks(range(len(names)), [n.split(".", 2)[-1] if len(n) > 40 else n for n in names], fontsize=7)
        ax.set_title(f"{o}: {key}")
    fig.suptitle(f"{study.spec.name}: {study.method} sensitivity (notional data)")
    fig.tight_layout()
    b = io.BytesIO()
    fig.savefig(b, format="png", dpi=110)
    plt.close(fig)
    atomic_write_bytes(out / "sensitivity.png", b.getvalue())
    return ["sensitivity.json", "sensitivity.csv", "sensitivity.png"]
