"""Campaign files: schema, key-path overrides, validation with ``file:line:col`` errors.

A campaign file (YAML)::

    name: adana-doctrine
    base: adana-patriot-small          # bundled scenario name, or a path relative to this file
    seed: 2026
    replications: 50
    overrides: {duration_s: 600}       # applied to every variant
    variants:
      - name: shoot-look-shoot
      - name: salvo
        set: {sites.adana-patriot.fire_units.0.doctrine: salvo}
        cost_usd: 1.1e9                # optional; default: batteries x catalogue cost
    sweeps:                            # optional cartesian product over every variant
      - {path: tracking.clutter_per_scan, values: [0, 2]}

Key paths are dot-separated. A list item is named by its ``name:`` where it has one
(``sites.murted-s400-1``) or by its index (``fire_units.0``). A path whose list item does not
exist is an error at the line of the override; a key that the scenario schema does not allow is
reported by the scenario validator, also at the line of the override. Variants may also
``remove: [path, ...]`` items and ``append: {path: [item, ...]}`` to lists (add or remove
batteries, raids, assets).
"""

from __future__ import annotations

import copy
import hashlib
import io
import itertools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from ruamel.yaml import YAML

from iadsim.errors import InputError, Problem, ScenarioError
from iadsim.scenario import load as scenario_load
from iadsim.scenario.schema import Scenario

SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class VariantSpec(_M):
    """One named variant: overrides of the base scenario."""

    name: Annotated[str, Field(min_length=1, max_length=80, pattern=SLUG.pattern)]
    description: str = ""
    set: dict[str, Any] = Field(default_factory=dict, description="key path -> new value")
    remove: list[str] = Field(default_factory=list, description="key paths of list items to remove")
    append: dict[str, list[Any]] = Field(default_factory=dict, description="key path of a list -> items to append")
    cost_usd: Annotated[float, Field(ge=0.0)] | None = Field(
        None, description="Acquisition cost of this option; default: sum of catalogue cost_usd_per_battery"
    )


class SweepSpec(_M):
    """One swept key path; several sweeps form a cartesian product."""

    path: Annotated[str, Field(min_length=1)]
    values: list[Any] = Field(min_length=1)


class CampaignSpec(_M):
    """A campaign file."""

    name: Annotated[str, Field(min_length=1, max_length=80)]
    description: str = ""
    base: Annotated[str, Field(min_length=1)] = Field(description="Bundled scenario name or path")
    seed: Annotated[int, Field(ge=0)] = 0
    replications: Annotated[int, Field(ge=1, le=10_000_000)] = 30
    baseline: str | None = Field(None, description="Variant the paired differences are taken against (default: first)")
    overrides: dict[str, Any] = Field(default_factory=dict, description="key path -> value, every variant")
    variants: list[VariantSpec] = Field(default_factory=lambda: [VariantSpec.model_validate({"name": "base"})], min_length=1)
    sweeps: list[SweepSpec] = Field(default_factory=list)
    events_sample: Annotated[int, Field(ge=0)] = Field(
        1, description="Full events are stored for the first N replications of each variant"
    )
    chunk_size: Annotated[int, Field(ge=1, le=100_000)] | None = Field(
        None, description="Replications per task (default: about 4 tasks per worker and variant)"
    )


@dataclass(frozen=True)
class Variant:
    """A fully resolved variant: its validated scenario and cost."""

    name: str
    description: str
    scenario: Scenario
    scenario_sha256: str
    cost_usd: float | None
    cost_basis: str
    ops: dict[str, Any]


@dataclass(frozen=True)
class Campaign:
    """A validated campaign, ready to run."""

    name: str
    description: str
    file: str
    base: str
    base_sha256: str
    seed: int
    replications: int
    baseline: str
    variants: tuple[Variant, ...]
    events_sample: int
    chunk_size: int | None
    identity_sha256: str = field(default="")

    def variant(self, name: str) -> Variant:
        for v in self.variants:
            if v.name == name:
                return v
        raise InputError(f"campaign {self.name!r} has no variant {name!r}")

    def with_replications(self, n: int) -> Campaign:
        if n < 1:
            raise InputError(f"--replications must be at least 1 (got {n})")
        import dataclasses

        return dataclasses.replace(self, replications=int(n))


# --------------------------------------------------------------------------------------------
def bundled_campaigns() -> dict[str, Path]:
    """Bundled campaign names -> paths."""
    return scenario_load.bundled_files("campaigns")


def resolve_campaign_path(name_or_path: str | Path) -> Path:
    p = Path(name_or_path)
    if p.is_file():
        return p
    b = bundled_campaigns()
    if str(name_or_path) in b:
        return b[str(name_or_path)]
    if p.suffix in (".yaml", ".yml") or "/" in str(name_or_path):
        raise InputError(f"campaign file not found: {name_or_path}")
    raise InputError(f"no campaign file or bundled campaign named {str(name_or_path)!r}; bundled: {', '.join(b) or 'none'}")


# --------------------------------------------------------------------------------------------
# key paths
class PathError(Exception):
    """A key path that does not resolve in the scenario tree."""


def split_path(path: str) -> list[str]:
    parts = path.split(".")
    if any(p == "" for p in parts):
        raise PathError(f"empty segment in key path {path!r}")
    return parts


def _step(node: Any, seg: str, where: str) -> tuple[Any, str | int]:
    """Child of ``node`` named ``seg`` and its concrete key (int index for lists)."""
    if isinstance(node, list):
        names = [it.get("name") for it in node if isinstance(it, dict)]
        if seg in names:
            i = names.index(seg)
            return node[i], i
        if seg.lstrip("-").isdigit():
            i = int(seg)
            if 0 <= i < len(node):
                return node[i], i
            raise PathError(f"index {i} out of range in {where or 'the scenario'} ({len(node)} items)")
        shown = ", ".join(str(n) for n in names if n is not None) or "items have no names; use an index"
        raise PathError(f"no item named {seg!r} in {where or 'the scenario'} (names: {shown})")
    if isinstance(node, dict):
        if seg not in node:
            raise KeyError(seg)
        return node[seg], seg
    raise PathError(f"{where or 'the scenario'} is a value ({node!r}), not a mapping or list; cannot descend into {seg!r}")


def _walk(root: Any, parts: list[str], create: bool) -> tuple[Any, str | int, tuple[str | int, ...]]:
    """Parent container, final key, and the concrete location of ``parts``."""
    node = root
    loc: tuple[str | int, ...] = ()
    for seg in parts[:-1]:
        try:
            child, key = _step(node, seg, ".".join(str(x) for x in loc))
        except KeyError:
            if not create:
                raise PathError(f"no key {seg!r} in {'.'.join(str(x) for x in loc) or 'the scenario'}") from None
            node[seg] = {}
            child, key = node[seg], seg
        node = child
        loc += (key,)
    last = parts[-1]
    if isinstance(node, list):
        _, key = _step(node, last, ".".join(str(x) for x in loc))
        return node, key, loc + (key,)
    if isinstance(node, dict):
        if last not in node and not create:
            raise PathError(f"no key {last!r} in {'.'.join(str(x) for x in loc) or 'the scenario'}")
        return node, last, loc + (last,)
    raise PathError(f"{'.'.join(str(x) for x in loc)} is a value ({node!r}), not a mapping or list")


def apply_set(root: Any, path: str, value: Any) -> tuple[str | int, ...]:
    """Set ``path`` to ``value`` in place (missing mapping keys are created; the scenario
    validator then rejects keys its schema does not allow). Returns the concrete location."""
    parent, key, loc = _walk(root, split_path(path), create=True)
    parent[key] = copy.deepcopy(value)
    return loc


def apply_remove(root: Any, path: str) -> tuple[str | int, ...]:
    parent, key, loc = _walk(root, split_path(path), create=False)
    if isinstance(parent, list):
        del parent[key]  # type: ignore[arg-type]
    else:
        del parent[key]
    return loc


def apply_append(root: Any, path: str, items: list[Any]) -> tuple[str | int, ...]:
    parent, key, loc = _walk(root, split_path(path), create=True)
    has = (isinstance(parent, dict) and key in parent) or isinstance(parent, list)
    cur: Any = parent[key] if has else None  # type: ignore[index]
    if cur is None:
        parent[key] = []
        cur = parent[key]
    if not isinstance(cur, list):
        raise PathError(f"{path} is not a list; append needs a list")
    cur.extend(copy.deepcopy(items))
    return loc


# --------------------------------------------------------------------------------------------
def _loc_str(loc: tuple[str | int, ...]) -> str:
    return scenario_load._fmt_loc(loc)


def _pos(root: Any, loc: tuple[str | int, ...], key: bool = False) -> tuple[int | None, int | None]:
    return (scenario_load._key_pos if key else scenario_load._pos_of)(root, loc)


def battery_cost(scenario: Scenario, catalog: Any) -> tuple[float | None, str]:
    """Sum of the catalogue ``cost_usd_per_battery`` over the scenario's fire units."""
    total = 0.0
    parts: dict[str, int] = {}
    for site in scenario.sites:
        for fu in site.fire_units:
            parts[fu.type] = parts.get(fu.type, 0) + 1
    missing = []
    for sid, n in sorted(parts.items()):
        c = catalog.systems[sid].value("cost_usd_per_battery") if "cost_usd_per_battery" in catalog.systems[sid].fields else None
        if c is None:
            missing.append(sid)
        else:
            total += n * float(c)
    basis = " + ".join(f"{n} x {sid}" for sid, n in sorted(parts.items())) + " (catalogue cost_usd_per_battery)"
    if missing:
        return None, f"no catalogue cost for {', '.join(missing)}"
    return total, basis


def _canon(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)


def load_campaign(name_or_path: str | Path, catalog: Any = None) -> Campaign:
    """Load and validate a campaign file (or bundled campaign by name); one ScenarioError lists
    every problem with ``file:line:col``."""
    from iadsim.scenario.catalog import load_catalog

    path = resolve_campaign_path(name_or_path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read campaign {path}: {exc}") from None
    return validate_campaign_text(text, str(path), catalog if catalog is not None else load_catalog(), base_dir=path.parent)


def validate_campaign_text(text: str, file: str, catalog: Any, base_dir: Path | None = None) -> Campaign:
    root = scenario_load.parse_yaml(text, file)
    problems: list[Problem] = scenario_load._check_tree(file, root)[0]
    try:
        spec = CampaignSpec.model_validate(json.loads(json.dumps(scenario_load._plain(root), default=str)))
    except ValidationError as exc:
        for e in exc.errors(include_url=False):
            loc = tuple(k for k in e["loc"] if isinstance(k, int) or "[" not in str(k))
            if e["type"] == "extra_forbidden":
                line, col = _pos(root, loc, key=True)
                msg = f"unknown key {str(loc[-1])!r}"
            elif e["type"] == "missing":
                line, col = _pos(root, loc[:-1])
                msg = f"missing required key {str(loc[-1])!r}"
            else:
                line, col = _pos(root, loc)
                msg = f"{e['msg']} (got {scenario_load._short(e.get('input'))})"
            problems.append(Problem(file, line, col, _loc_str(loc), msg))
        raise ScenarioError(sorted(problems, key=lambda p: (p.line or 0, p.col or 0))) from None
    if problems:
        raise ScenarioError(problems)

    def add(loc: tuple[str | int, ...], msg: str, key: bool = False) -> None:
        line, col = _pos(root, loc, key)
        problems.append(Problem(file, line, col, _loc_str(loc), msg))

    names = [v.name for v in spec.variants]
    for i, n in enumerate(names):
        if names.index(n) != i:
            add(("variants", i, "name"), f"duplicate variant name {n!r}")
    if spec.baseline is not None and spec.baseline not in names:
        add(("baseline",), f"unknown variant {spec.baseline!r} (variants: {', '.join(names)})")

    # base scenario
    base_path: Path | None = None
    bp = Path(spec.base)
    if base_dir is not None and not bp.is_absolute() and (base_dir / bp).is_file():
        base_path = base_dir / bp
    else:
        try:
            base_path = scenario_load.resolve_scenario_path(spec.base)
        except InputError as exc:
            add(("base",), str(exc))
    if base_path is None:
        raise ScenarioError(problems)
    base_text = base_path.read_text(encoding="utf-8")
    try:
        base_sc = scenario_load.validate_text(base_text, str(base_path), catalog)
    except ScenarioError as exc:
        raise ScenarioError(problems + exc.problems) from None
    base_tree = json.loads(json.dumps(scenario_load._plain(scenario_load.parse_yaml(base_text, str(base_path))), default=str))

    sweeps: list[list[tuple[str, Any]]] = [[(s.path, v) for v in s.values] for s in spec.sweeps]
    combos = list(itertools.product(*sweeps)) if sweeps else [()]

    variants: list[Variant] = []
    yaml = YAML(typ="safe")
    yaml.default_flow_style = False
    for vi, vs in enumerate(spec.variants):
        for combo in combos:
            tree = copy.deepcopy(base_tree)
            applied: list[tuple[tuple[str | int, ...], tuple[str | int, ...]]] = []  # (campaign loc, scenario loc)
            ok = True
            ops: list[tuple[tuple[str | int, ...], str, str, Any]] = []
            ops += [(("overrides", k), "set", k, v) for k, v in spec.overrides.items()]
            ops += [(("variants", vi, "remove", j), "remove", p, None) for j, p in enumerate(vs.remove)]
            ops += [(("variants", vi, "set", k), "set", k, v) for k, v in vs.set.items()]
            ops += [(("variants", vi, "append", k), "append", k, v) for k, v in vs.append.items()]
            ops += [(("sweeps", si, "path"), "set", p, v) for si, (p, v) in enumerate(combo)]
            for cloc, op, p, v in ops:
                try:
                    if op == "set":
                        sloc = apply_set(tree, p, v)
                    elif op == "remove":
                        sloc = apply_remove(tree, p)
                    else:
                        sloc = apply_append(tree, p, v)
                except PathError as exc:
                    add(cloc, f"unknown path {p!r}: {exc}", key=cloc[-1] == p)
                    ok = False
                    continue
                applied.append((cloc, sloc))
            if not ok:
                continue
            suffix = "".join(f"_{p.split('.')[-1]}-{v}" for p, v in combo)
            vname = re.sub(r"[^A-Za-z0-9._+-]", "_", vs.name + suffix)
            buf = io.StringIO()
            yaml.dump(tree, buf)
            label = f"{base_path} [variant {vname}]"
            try:
                sc = scenario_load.validate_text(buf.getvalue(), label, catalog)
            except ScenarioError as exc:
                for prob in exc.problems:
                    hit = None
                    for cloc, sloc in applied:
                        s = _loc_str(sloc)
                        if prob.key_path == s or prob.key_path.startswith(s + ".") or prob.key_path.startswith(s + "["):
                            hit = cloc
                    if hit is not None:
                        add(hit, f"variant {vname!r}: {prob.key_path}: {prob.message}", key=True)
                    else:
                        add(("variants", vi, "name"), f"variant {vname!r}: {prob.key_path}: {prob.message}")
                continue
            cost: float | None
            if vs.cost_usd is not None:
                cost, basis = float(vs.cost_usd), "stated in the campaign file"
            else:
                cost, basis = battery_cost(sc, catalog)
            variants.append(Variant(
                name=vname, description=vs.description, scenario=sc,
                scenario_sha256=scenario_load.scenario_hash(sc), cost_usd=cost, cost_basis=basis,
                ops={"set": {**spec.overrides, **vs.set, **dict(combo)}, "remove": list(vs.remove), "append": dict(vs.append)},
            ))  # fmt: skip
    if problems:
        raise ScenarioError(sorted(problems, key=lambda p: (p.line or 0, p.col or 0)))
    vnames = [v.name for v in variants]
    dup = sorted({n for n in vnames if vnames.count(n) > 1})
    if dup:
        raise ScenarioError(Problem(file, None, None, "variants", f"expanded variant names collide: {', '.join(dup)}"))
    baseline = variants[0].name
    if spec.baseline is not None:
        baseline = next(v.name for v in variants if v.name == spec.baseline or v.name.startswith(spec.baseline + "_"))
    base_sha = scenario_load.scenario_hash(base_sc)
    ident = hashlib.sha256(_canon({
        "base_sha256": base_sha, "seed": spec.seed,
        "variants": [[v.name, v.scenario_sha256, v.cost_usd] for v in variants],
        "events_sample": spec.events_sample,
    }).encode()).hexdigest()  # fmt: skip
    return Campaign(
        name=spec.name, description=spec.description, file=file, base=spec.base, base_sha256=base_sha,
        seed=spec.seed, replications=spec.replications, baseline=baseline, variants=tuple(variants),
        events_sample=spec.events_sample, chunk_size=spec.chunk_size, identity_sha256=ident,
    )  # fmt: skip
