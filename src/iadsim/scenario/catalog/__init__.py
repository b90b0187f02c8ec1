"""The notional system / threat catalogue: YAML data and its validating loader.

The catalogue holds four kinds of entries — radars, interceptors, systems (batteries) and threats —
in four YAML files beside this module (``radars.yaml``, ``interceptors.yaml``, ``systems.yaml``,
``threats.yaml``). Every numeric parameter is a *sourced value*::

    max_range_km:
      value: 250              # number, or null when no open source gives it
      source: "https://..."   # URL(s), or "derived: <arithmetic> from <url>"
      confidence: B           # A | B | C (grades of docs/catalog.md)
      note: "..."             # optional
      alternatives: [{value: 200, source: "...", confidence: B}]   # optional: conflicting values
      assumption: "..."       # required when a value has no source: the modelling assumption

The loader enforces: a non-null value has (source and confidence) or an assumption; confidence is
one of A/B/C (or ``assumption`` next to an assumption text); no unknown fields; required fields
present (``value: null`` keeps an unknown explicit); cross references resolve. All problems are
collected and raised together as one :class:`CatalogValidationError` (a
:class:`~iadsim.errors.CatalogError`) whose lines read
``file:line:col: radars.92n6e.max_range_km: message``.

All values are notional (open press / encyclopaedic sources, many manufacturer or state-media
claims); they are not engineering data.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from iadsim.errors import CatalogError, Problem

__all__ = [
    "CONFIDENCE_LEVELS",
    "KINDS",
    "THREAT_CLASSES",
    "Catalog",
    "CatalogEntry",
    "CatalogValidationError",
    "SourcedValue",
    "load_catalog",
]

#: Confidence grades (see docs/catalog.md).
CONFIDENCE_LEVELS: Mapping[str, str] = MappingProxyType(
    {
        "A": "official or primary statement",
        "B": "mainstream/trade press or state media (state-media figures are government/manufacturer claims)",
        "C": "secondary, community or unclear source; placeholder",
    }
)
#: Threat classes; also the keys of every interceptor's ``pk`` mapping.
THREAT_CLASSES: tuple[str, ...] = ("aircraft", "cruise_missile", "ballistic_missile", "drone")
#: Entry kinds, in file order, with their YAML section names.
KINDS: Mapping[str, str] = MappingProxyType(
    {"radar": "radars", "interceptor": "interceptors", "system": "systems", "threat": "threats"}
)
FILES: tuple[str, ...] = tuple(f"{s}.yaml" for s in KINDS.values())
SCHEMA_VERSION = 1

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_SOURCED_KEYS = frozenset({"value", "source", "confidence", "note", "alternatives", "assumption"})
_ALT_KEYS = _SOURCED_KEYS - {"alternatives"}


class CatalogValidationError(CatalogError):
    """One or more problems in a catalogue, reported together (``problems`` keeps them)."""

    def __init__(self, problems: list[Problem]):
        self.problems: list[Problem] = list(problems)
        n = len(self.problems)
        head = f"{n} catalogue problem{'s' if n != 1 else ''} found"
        super().__init__(head + ":\n" + "\n".join(f"  {p}" for p in self.problems))


# --------------------------------------------------------------------------------------------
# value types
@dataclass(frozen=True)
class SourcedValue:
    """A catalogue number with its provenance.

    ``value`` is ``None`` when no open source gives it (the scenario must set it). ``source`` holds
    URLs or ``"derived: ..."`` strings; ``confidence`` is ``"A"``, ``"B"``, ``"C"`` or ``None``
    (pure assumption); ``assumption`` states the modelling assumption where one was made.
    """

    value: float | None
    source: tuple[str, ...] = ()
    confidence: str | None = None
    note: str | None = None
    assumption: str | None = None
    alternatives: tuple[SourcedValue, ...] = ()

    @property
    def provenance(self) -> str:
        """``'A'|'B'|'C'`` when sourced, ``'assumption'`` when only assumed, ``'unknown'`` if null."""
        if self.value is None:
            return "unknown"
        if self.confidence is not None and self.confidence in CONFIDENCE_LEVELS and self.source:
            return self.confidence
        return "assumption"

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form (for manifests and ``iadsim catalog show``)."""
        out: dict[str, Any] = {
            "value": self.value,
            "source": list(self.source),
            "confidence": self.confidence,
        }
        if self.note is not None:
            out["note"] = self.note
        if self.assumption is not None:
            out["assumption"] = self.assumption
        if self.alternatives:
            out["alternatives"] = [a.as_dict() for a in self.alternatives]
        return out


@dataclass(frozen=True)
class CatalogEntry:
    """One radar, interceptor, system or threat.

    ``fields`` maps field names to plain values (str, list, dict, None) or, for numeric
    parameters, :class:`SourcedValue`; an interceptor's ``pk`` maps threat class → SourcedValue.
    """

    kind: str
    id: str
    fields: Mapping[str, Any]

    def sourced(self, field: str) -> SourcedValue:
        """The :class:`SourcedValue` of a numeric field (CatalogError if not one)."""
        v = self.fields.get(field)
        if not isinstance(v, SourcedValue):
            numeric = sorted(k for k, x in self.fields.items() if isinstance(x, SourcedValue))
            raise CatalogError(
                f"{self.kind} {self.id!r} has no numeric field {field!r} (fields: {', '.join(numeric)})"
            )
        return v

    def value(self, field: str) -> float | None:
        """The number of a numeric field, ``None`` when unknown (absent optional fields too)."""
        v = self.fields.get(field)
        if v is None and field in _SPECS[self.kind].sourced_optional:
            return None
        return self.sourced(field).value

    def pk(self, threat_class: str) -> SourcedValue:
        """Single-shot Pk of an interceptor against a threat class."""
        pk = self.fields.get("pk")
        if not isinstance(pk, Mapping):
            raise CatalogError(f"{self.kind} {self.id!r} has no pk table")
        if threat_class not in pk:
            raise CatalogError(
                f"unknown threat class {threat_class!r} (choose from: {', '.join(THREAT_CLASSES)})"
            )
        sv: SourcedValue = pk[threat_class]
        return sv

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form: ``{"kind", "id", <fields>}``."""
        out: dict[str, Any] = {"kind": self.kind, "id": self.id}
        for k, v in self.fields.items():
            out[k] = _jsonable(v)
        return out


def _jsonable(v: Any) -> Any:
    if isinstance(v, SourcedValue):
        return v.as_dict()
    if isinstance(v, Mapping):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    return v


@dataclass(frozen=True)
class Catalog:
    """The four kinds of entries, by id, and the catalogue ``meta`` (disclaimer, hashes)."""

    radars: Mapping[str, CatalogEntry]
    interceptors: Mapping[str, CatalogEntry]
    systems: Mapping[str, CatalogEntry]
    threats: Mapping[str, CatalogEntry]
    meta: dict[str, Any] = field(default_factory=dict)

    def _section(self, kind: str) -> Mapping[str, CatalogEntry]:
        k = kind[:-1] if kind.endswith("s") and kind[:-1] in KINDS else kind
        if k not in KINDS:
            raise CatalogError(f"unknown catalogue kind {kind!r} (choose from: {', '.join(KINDS)})")
        sec: Mapping[str, CatalogEntry] = getattr(self, KINDS[k])
        return sec

    def get(self, kind: str, id: str) -> CatalogEntry:
        """The entry ``id`` of ``kind`` (``'radar'`` or ``'radars'``, ...)."""
        sec = self._section(kind)
        if id not in sec:
            raise CatalogError(f"unknown catalogue {kind} {id!r} (choose from: {', '.join(sorted(sec))})")
        return sec[id]

    def find(self, id: str) -> CatalogEntry:
        """Search all kinds for ``id``; ``"kind:id"`` picks a kind explicitly.

        Ids are unique within a kind but not across kinds (``hq-9`` is both a system and its
        missile); a bare id resolves in the order system, radar, interceptor, threat.
        """
        if ":" in id:
            kind, _, rest = id.partition(":")
            return self.get(kind, rest)
        for kind in ("system", "radar", "interceptor", "threat"):
            sec = self._section(kind)
            if id in sec:
                return sec[id]
        choices = ", ".join(f"{e.kind}:{e.id}" for e in self.entries())
        raise CatalogError(f"no catalogue entry {id!r} (choose from: {choices})")

    def find_all(self, id: str) -> list[CatalogEntry]:
        """Every entry (of any kind) with this id."""
        return [e for e in self.entries() if e.id == id]

    def entries(self) -> Iterator[CatalogEntry]:
        """All entries: radars, interceptors, systems, threats (each in file order)."""
        for sec in KINDS.values():
            yield from getattr(self, sec).values()

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form of the whole catalogue."""
        out: dict[str, Any] = {"meta": dict(self.meta)}
        for sec in KINDS.values():
            out[sec] = {k: e.as_dict() for k, e in getattr(self, sec).items()}
        return out


# --------------------------------------------------------------------------------------------
# field specifications per kind
def _is_str(v: Any) -> bool:
    return isinstance(v, str) and bool(v.strip())


def _opt_str(v: Any) -> bool:
    return v is None or _is_str(v)


def _str_list(v: Any) -> bool:
    return isinstance(v, list) and all(_is_str(x) for x in v)


def _str_or_list(v: Any) -> bool:
    return _is_str(v) or (_str_list(v) and bool(v))


def _enum(*choices: str) -> Callable[[Any], bool]:
    def check(v: Any) -> bool:
        return v in choices

    check.__doc__ = "one of: " + ", ".join(choices)
    return check


#: IFF modes known to the catalogue (``systems.*.iff_modes``); the same vocabulary as the scenario's
#: ``friendly_flights[*].transponder_modes``.
IFF_MODES: tuple[str, ...] = ("nato-mode-4", "nato-mode-5", "parol")


def _iff_modes(v: Any) -> bool:
    return isinstance(v, list) and all(x in IFF_MODES for x in v)


def _loadout(v: Any) -> bool:
    return isinstance(v, Mapping) and all(
        _is_str(k) and isinstance(n, int) and not isinstance(n, bool) and n >= 0 for k, n in v.items()
    )


def _reserve(v: Any) -> bool:
    return isinstance(v, Mapping) and all(
        _is_str(k) and isinstance(c, list) and all(x in THREAT_CLASSES for x in c) for k, c in v.items()
    )


_PLAIN_MSG: dict[Callable[[Any], bool], str] = {
    _is_str: "a non-empty string",
    _opt_str: "a string or null",
    _str_list: "a list of strings",
    _str_or_list: "a string or a list of strings",
    _loadout: "a mapping interceptor id -> non-negative integer count",
    _reserve: "a mapping interceptor id -> list of threat classes it is reserved for",
    _iff_modes: "a list of IFF modes (" + ", ".join(IFF_MODES) + ")",
}

# numeric domains: (low, high, low_inclusive)
_PROB = (0.0, 1.0, True)
_POS = (0.0, math.inf, False)
_NONNEG = (0.0, math.inf, True)
_DOMAINS: dict[str, tuple[float, float, bool]] = {
    "reference_pd": _PROB,
    "pfa": (0.0, 1.0, False),
    "p_damage": _PROB,
    "min_elevation_deg": (-90.0, 90.0, True),
    "field_of_regard_deg": (0.0, 360.0, False),
    "reference_range_km": _POS,
    "reference_rcs_m2": _POS,
    "max_range_km": _POS,
    "revisit_s": _POS,
    "track_update_s": _POS,
    "track_dwell_gain_db": (0.0, 40.0, True),
    "track_lost_dwells": (1.0, 100.0, True),
    "cue_delay_s": _NONNEG,
    "average_speed_mps": _POS,
    "max_speed_mps": _POS,
    "speed_mps": _POS,
    "rcs_m2": _POS,
    "launchers": _POS,
    "ballistic_max_range_km": _POS,
    "ballistic_max_altitude_km": _POS,
    "burn_time_s": _POS,
    "rounds_per_launcher": _POS,
    "missiles_per_launcher": _POS,
    "salvo_size": _POS,
    "iff_reply_probability": _PROB,
    "max_simultaneous_engagements": _POS,
    "max_missiles_guided": _POS,
    "midcourse_datalink": (0.0, 1.0, True),
}


@dataclass(frozen=True)
class _Spec:
    kind: str
    plain_required: Mapping[str, Callable[[Any], bool]]
    plain_optional: Mapping[str, Callable[[Any], bool]]
    sourced_required: frozenset[str]
    sourced_optional: frozenset[str]
    has_pk: bool = False

    @property
    def allowed(self) -> frozenset[str]:
        return frozenset(
            set(self.plain_required) | set(self.plain_optional) | self.sourced_required
            | self.sourced_optional | ({"pk"} if self.has_pk else set())
        )  # fmt: skip


_SPECS: dict[str, _Spec] = {
    "radar": _Spec(
        "radar",
        {"name": _is_str, "system": _is_str, "role": _enum("surveillance", "fire-control", "multifunction"), "band": _opt_str},
        {"notes": _opt_str},
        frozenset({
            "reference_range_km", "reference_rcs_m2", "reference_pd", "pfa", "max_range_km",
            "max_altitude_km", "min_elevation_deg", "field_of_regard_deg", "revisit_s",
            "sigma_range_m", "sigma_azimuth_mrad", "sigma_elevation_mrad", "antenna_agl_m",
        }),
        frozenset({"track_update_s", "track_dwell_gain_db", "track_lost_dwells", "cue_delay_s"}),
    ),  # fmt: skip
    "interceptor": _Spec(
        "interceptor",
        {"name": _is_str, "system": _is_str, "guidance": _opt_str},
        {"notes": _opt_str},
        frozenset({
            "max_range_km", "min_range_km", "max_altitude_km", "min_altitude_km",
            "average_speed_mps", "max_speed_mps", "max_target_speed_mps", "basket_m", "cost_usd",
        }),
        frozenset({"ballistic_max_range_km", "ballistic_max_altitude_km", "burn_time_s", "rounds_per_launcher",
                   "midcourse_datalink"}),
        has_pk=True,
    ),  # fmt: skip
    "system": _Spec(
        "system",
        {"name": _is_str, "country": _is_str, "radars": _str_list, "interceptors": _str_list,
         "default_loadout": _loadout, "loadout_note": _opt_str, "notes": _opt_str},
        {"doctrine": _enum("salvo", "shoot-look-shoot"), "weapon_choice": _enum("loadout-order", "cheapest"),
         "reserve": _reserve, "reserve_rule": _enum("hold", "last-resort"), "doctrine_note": _opt_str,
         "iff_modes": _iff_modes, "iff_note": _opt_str,
         "dead_target_rounds": _enum("self_destruct", "retarget")},
        frozenset({
            "launchers", "missiles_per_launcher", "reaction_time_s", "launch_interval_s",
            "max_simultaneous_engagements", "max_missiles_guided", "cost_usd_per_battery", "salvo_size",
        }),
        frozenset({"reload_time_s", "iff_reply_probability"}),
    ),  # fmt: skip
    "threat": _Spec(
        "threat",
        {"name": _is_str, "class": _enum(*THREAT_CLASSES), "examples": _str_or_list},
        {"notes": _opt_str, "trajectory": _enum("minimum_energy", "depressed", "lofted")},
        frozenset({"rcs_m2", "speed_mps", "max_range_km", "cost_usd", "p_damage"}),
        frozenset({"cruise_altitude_agl_m", "cep_m", "apogee_km", "burn_time_s"}),
    ),  # fmt: skip
}


# --------------------------------------------------------------------------------------------
# parsing
class _Ctx:
    """Collects problems with file/line/col for one YAML document."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []

    def add(self, node: Any, key: Any, path: str, msg: str) -> None:
        line, col = _pos(node, key)
        self.problems.append(Problem(self.file, line, col, path, msg))


def _pos(node: Any, key: Any) -> tuple[int | None, int | None]:
    """1-based position of ``key`` inside the ruamel mapping/sequence ``node``."""
    lc = getattr(node, "lc", None)
    if lc is None:
        return None, None
    try:
        if key is None:
            line, col = lc.line, lc.col
        elif isinstance(node, list):
            line, col = lc.item(key)
        else:
            line, col = lc.key(key)
        return int(line) + 1, int(col) + 1
    except (KeyError, IndexError, TypeError, AttributeError):
        try:
            return int(lc.line) + 1, int(lc.col) + 1
        except (TypeError, AttributeError):  # pragma: no cover - defensive
            return None, None


def _plain(v: Any) -> Any:
    """ruamel round-trip types → plain Python types."""
    if isinstance(v, Mapping):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_plain(x) for x in v]
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, int):
        return int(v)
    if isinstance(v, float):
        return float(v)
    if isinstance(v, str):
        return str(v)
    return v


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _parse_sourced(ctx: _Ctx, parent: Any, key: str, path: str, *, alt: bool = False) -> SourcedValue | None:
    node = parent[key]
    if not isinstance(node, Mapping):
        ctx.add(parent, key, path, f"must be a sourced value mapping {{value, source, confidence, ...}} (got {_plain(node)!r})")
        return None
    allowed = _ALT_KEYS if alt else _SOURCED_KEYS
    ok = True
    for k in node:
        if k not in allowed:
            ctx.add(node, k, f"{path}.{k}", f"unknown key {k!r} in a sourced value (allowed: {', '.join(sorted(allowed))})")
            ok = False
    if "value" not in node:
        ctx.add(parent, key, path, "missing 'value' (use value: null when unknown)")
        return None
    raw = node["value"]
    value: float | None
    if raw is None:
        value = None
    elif _is_number(raw) and math.isfinite(float(raw)):
        value = float(raw)
    else:
        ctx.add(node, "value", f"{path}.value", f"must be a finite number or null (got {_plain(raw)!r})")
        return None

    src_raw = node.get("source")
    source: tuple[str, ...] = ()
    if src_raw is not None:
        if _is_str(src_raw):
            source = (str(src_raw).strip(),)
        elif isinstance(src_raw, list) and src_raw and all(_is_str(s) for s in src_raw):
            source = tuple(str(s).strip() for s in src_raw)
        else:
            ctx.add(node, "source", f"{path}.source", f"must be a URL string or a list of them (got {_plain(src_raw)!r})")
            ok = False

    conf = node.get("confidence")
    assumption = node.get("assumption")
    note = node.get("note")
    for k, v in (("assumption", assumption), ("note", note)):
        if v is not None and not _is_str(v):
            ctx.add(node, k, f"{path}.{k}", f"must be a non-empty string (got {_plain(v)!r})")
            ok = False
    has_assumption = _is_str(assumption)
    if conf is not None:
        if conf == "assumption":
            if not has_assumption:
                ctx.add(node, "confidence", f"{path}.confidence", "confidence 'assumption' needs an 'assumption' text")
                ok = False
            conf = None
        elif conf not in CONFIDENCE_LEVELS:
            ctx.add(node, "confidence", f"{path}.confidence", f"must be one of A, B, C (or 'assumption') (got {_plain(conf)!r})")
            ok = False
        elif not source and value is None:  # (a non-null value without source is reported below)
            ctx.add(node, "confidence", f"{path}.confidence", "a confidence grade needs a 'source'")
            ok = False
    if value is not None and not ((source and conf in CONFIDENCE_LEVELS) or has_assumption):
        if not source:
            ctx.add(parent, key, f"{path}.source", "non-null value has no 'source' (give source + confidence, or an 'assumption' text)")
        else:
            ctx.add(parent, key, f"{path}.confidence", "non-null value has a source but no confidence A/B/C (or give an 'assumption' text)")
        ok = False

    alternatives: list[SourcedValue] = []
    alts = node.get("alternatives")
    if alts is not None:
        if not isinstance(alts, list):
            ctx.add(node, "alternatives", f"{path}.alternatives", "must be a list of sourced values")
            ok = False
        else:
            for i, _a in enumerate(alts):
                sv = _parse_sourced(ctx, alts, i, f"{path}.alternatives[{i}]", alt=True)  # type: ignore[arg-type]
                if sv is None:
                    ok = False
                elif sv.value is None:
                    ctx.add(alts, i, f"{path}.alternatives[{i}].value", "an alternative needs a value")
                    ok = False
                else:
                    alternatives.append(sv)
    if not ok:
        return None
    return SourcedValue(
        value=value,
        source=source,
        confidence=str(conf) if conf is not None else None,
        note=str(note) if note is not None else None,
        assumption=str(assumption) if assumption is not None else None,
        alternatives=tuple(alternatives),
    )


def _check_domain(ctx: _Ctx, parent: Any, key: str, path: str, name: str, sv: SourcedValue) -> None:
    lo, hi, lo_incl = _DOMAINS.get(name, _NONNEG)
    vals = [sv.value] + [a.value for a in sv.alternatives]
    for v in vals:
        if v is None:
            continue
        if v > hi or v < lo or (v == lo and not lo_incl):
            rng = f"{'[' if lo_incl else '('}{lo:g}, {hi:g}]"
            ctx.add(parent, key, path, f"value {v:g} outside {rng}")


def _parse_entry(ctx: _Ctx, kind: str, section: Any, eid: str) -> CatalogEntry | None:
    spec = _SPECS[kind]
    sec_name = KINDS[kind]
    base = f"{sec_name}.{eid}"
    node = section[eid]
    if not isinstance(eid, str) or not _ID_RE.match(eid):
        ctx.add(section, eid, base, "ids must be lowercase letters, digits and '-' (e.g. 's400', 'pac-3')")
    if not isinstance(node, Mapping):
        ctx.add(section, eid, base, f"an entry must be a mapping of fields (got {_plain(node)!r})")
        return None
    n0 = len(ctx.problems)
    fields: dict[str, Any] = {}
    for k in node:
        if k not in spec.allowed:
            ctx.add(node, k, f"{base}.{k}", f"unknown field {k!r} for a {kind} (allowed: {', '.join(sorted(spec.allowed))})")
    for k, check in {**spec.plain_required, **spec.plain_optional}.items():
        if k not in node:
            if k in spec.plain_required:
                ctx.add(section, eid, f"{base}.{k}", f"missing required field {k!r}")
            continue
        v = node[k]
        if not check(v):
            what = _PLAIN_MSG.get(check) or check.__doc__ or "a valid value"
            ctx.add(node, k, f"{base}.{k}", f"must be {what} (got {_plain(v)!r})")
            continue
        fields[k] = _plain(v)
    for k in sorted(spec.sourced_required | spec.sourced_optional):
        if k not in node:
            if k in spec.sourced_required:
                ctx.add(section, eid, f"{base}.{k}", f"missing required field {k!r} (use value: null when unknown)")
            continue
        sv = _parse_sourced(ctx, node, k, f"{base}.{k}")
        if sv is not None:
            _check_domain(ctx, node, k, f"{base}.{k}", k, sv)
            fields[k] = sv
    if spec.has_pk:
        pk = node.get("pk")
        if pk is None:
            ctx.add(section, eid, f"{base}.pk", f"missing required field 'pk' (mapping of {', '.join(THREAT_CLASSES)})")
        elif not isinstance(pk, Mapping):
            ctx.add(node, "pk", f"{base}.pk", "must be a mapping threat class -> sourced value")
        else:
            table: dict[str, SourcedValue] = {}
            for c in pk:
                if c not in THREAT_CLASSES:
                    ctx.add(pk, c, f"{base}.pk.{c}", f"unknown threat class {c!r} (allowed: {', '.join(THREAT_CLASSES)})")
            for c in THREAT_CLASSES:
                if c not in pk:
                    ctx.add(node, "pk", f"{base}.pk.{c}", f"missing threat class {c!r} (use value: null where it cannot engage)")
                    continue
                sv = _parse_sourced(ctx, pk, c, f"{base}.pk.{c}")
                if sv is not None:
                    _check_domain(ctx, pk, c, f"{base}.pk.{c}", "p_damage", sv)  # probability domain
                    table[c] = sv
            fields["pk"] = table  # plain dict: callers test isinstance(v, dict)
    # internal consistency of pairs
    for lo_k, hi_k in (("min_range_km", "max_range_km"), ("min_altitude_km", "max_altitude_km")):
        lo_v, hi_v = fields.get(lo_k), fields.get(hi_k)
        if isinstance(lo_v, SourcedValue) and isinstance(hi_v, SourcedValue):
            if lo_v.value is not None and hi_v.value is not None and lo_v.value >= hi_v.value:
                ctx.add(node, lo_k, f"{base}.{lo_k}", f"{lo_k} {lo_v.value:g} must be below {hi_k} {hi_v.value:g}")
    if len(ctx.problems) > n0:
        return None
    return CatalogEntry(kind=kind, id=str(eid), fields=MappingProxyType(fields))


def _read_yaml(path: Path | Any, name: str) -> tuple[Any, str]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogError(f"cannot read catalogue file {name}: {exc}") from exc
    try:
        return YAML(typ="rt").load(text), text
    except YAMLError as exc:
        raise CatalogError(f"{name}: not valid YAML: {exc}") from exc


def _parse_documents(docs: list[tuple[str, Any, str]], origin: str) -> Catalog:
    """Validate and build a catalogue from ``(file name, YAML root, text)`` documents."""
    problems: list[Problem] = []
    raw: dict[str, list[tuple[_Ctx, Any, str]]] = {k: [] for k in KINDS}
    meta: dict[str, Any] = {}
    hasher = hashlib.sha256()
    files: dict[str, str] = {}
    for name, root, text in docs:
        ctx = _Ctx(name)
        base = Path(name).name  # hashes do not depend on where the catalogue lives
        hasher.update(base.encode() + b"\0" + text.encode() + b"\0")
        files[base] = hashlib.sha256(text.encode()).hexdigest()
        if not isinstance(root, Mapping):
            problems.append(Problem(name, 1, 1, "", "a catalogue file must be a mapping with 'meta' and entry sections"))
            continue
        for k in root:
            if k != "meta" and k not in KINDS.values():
                ctx.add(root, k, str(k), f"unknown top-level key {k!r} (allowed: meta, {', '.join(KINDS.values())})")
        m = root.get("meta")
        if not isinstance(m, Mapping):
            ctx.add(root, None, "meta", "missing 'meta' block (disclaimer, schema_version)")
        else:
            if m.get("schema_version") != SCHEMA_VERSION:
                ctx.add(m, "schema_version", "meta.schema_version", f"must be {SCHEMA_VERSION} (got {_plain(m.get('schema_version'))!r})")
            if not _is_str(m.get("disclaimer")):
                ctx.add(m, None, "meta.disclaimer", "missing 'disclaimer' text")
            for k, v in m.items():
                meta.setdefault(str(k), _plain(v))
        for kind, sec in KINDS.items():
            if sec in root:
                if not isinstance(root[sec], Mapping):
                    ctx.add(root, sec, sec, "must be a mapping id -> entry")
                else:
                    raw[kind].append((ctx, root[sec], name))
        problems.extend(ctx.problems)
        ctx.problems = []

    sections: dict[str, dict[str, CatalogEntry]] = {k: {} for k in KINDS}
    where: dict[tuple[str, str], tuple[_Ctx, Any]] = {}
    for kind, parts in raw.items():
        for ctx, sec, _name in parts:
            for eid in sec:
                if eid in sections[kind] or (kind, eid) in where:
                    ctx.add(sec, eid, f"{KINDS[kind]}.{eid}", f"duplicate {kind} id {eid!r}")
                    continue
                where[(kind, str(eid))] = (ctx, sec)
                e = _parse_entry(ctx, kind, sec, eid)
                if e is not None:
                    sections[kind][e.id] = e
            problems.extend(ctx.problems)
            ctx.problems = []

    # cross references (on raw nodes, so dangling ids are reported even if an entry is invalid)
    def xref(kind: str, eid: str, fld: str, target_kind: str, tid: Any, key: Any = None) -> None:
        ids = {k for (kk, k) in where if kk == target_kind}
        if tid not in ids:
            ctx, sec = where[(kind, eid)]
            node = sec[eid]
            sub = node[fld] if key is not None else node
            ctx.add(sub, key if key is not None else fld, f"{KINDS[kind]}.{eid}.{fld}",
                    f"unknown {target_kind} id {_plain(tid)!r} (choose from: {', '.join(sorted(ids))})")  # fmt: skip
            problems.extend(ctx.problems)
            ctx.problems = []

    for (kind, eid), (ctx, sec) in list(where.items()):
        node = sec[eid]
        if not isinstance(node, Mapping):
            continue
        if kind in ("radar", "interceptor") and _is_str(node.get("system")):
            xref(kind, eid, "system", "system", node["system"])
            sys_key = ("system", node["system"])
            if sys_key in where:
                sctx, ssec = where[sys_key]
                listed = ssec[node["system"]].get(KINDS[kind]) if isinstance(ssec[node["system"]], Mapping) else None
                if isinstance(listed, list) and eid not in listed:
                    ctx.add(node, "system", f"{KINDS[kind]}.{eid}.system",
                            f"system {node['system']!r} does not list {kind} {eid!r} in its {KINDS[kind]}")  # fmt: skip
                    problems.extend(ctx.problems)
                    ctx.problems = []
        if kind == "system":
            for fld, tk in (("radars", "radar"), ("interceptors", "interceptor")):
                lst = node.get(fld)
                if isinstance(lst, list):
                    for i, tid in enumerate(lst):
                        xref(kind, eid, fld, tk, tid, i)
            lo = node.get("default_loadout")
            carried_node = node.get("interceptors")
            carried: list[Any] = carried_node if isinstance(carried_node, list) else []
            if isinstance(lo, Mapping):
                for k in lo:
                    if k not in carried:
                        ctx.add(lo, k, f"systems.{eid}.default_loadout.{k}",
                                f"interceptor {k!r} is not in this system's interceptors (choose from: {', '.join(map(str, carried))})")  # fmt: skip
                        problems.extend(ctx.problems)
                        ctx.problems = []

    if problems:
        raise CatalogValidationError(problems)
    meta["origin"] = origin
    meta["files"] = files
    meta["sha256"] = hasher.hexdigest()
    return Catalog(
        radars=MappingProxyType(sections["radar"]),
        interceptors=MappingProxyType(sections["interceptor"]),
        systems=MappingProxyType(sections["system"]),
        threats=MappingProxyType(sections["threat"]),
        meta=meta,
    )


def _load_from(root: Any, origin: str, single: bool) -> Catalog:
    docs: list[tuple[str, Any, str]] = []
    if single:
        doc, text = _read_yaml(root, str(origin))
        docs.append((str(origin), doc, text))
    else:
        for name in FILES:
            p = root / name
            if not p.is_file():
                raise CatalogError(f"catalogue directory {origin} has no {name}")
            doc, text = _read_yaml(p, f"{origin}/{name}" if origin != "<bundled>" else name)
            docs.append((f"{origin}/{name}" if origin != "<bundled>" else name, doc, text))
    return _parse_documents(docs, origin)


@lru_cache(maxsize=1)
def _bundled() -> Catalog:
    return _load_from(resources.files(__name__), "<bundled>", single=False)


def load_catalog(path: str | Path | None = None) -> Catalog:
    """Load and validate a catalogue.

    Parameters
    ----------
    path
        ``None`` for the bundled catalogue (cached); a directory holding ``radars.yaml``,
        ``interceptors.yaml``, ``systems.yaml`` and ``threats.yaml``; or one YAML file holding
        ``meta`` and any of the four sections.

    Raises
    ------
    CatalogError
        (a :class:`CatalogValidationError` listing every problem) when the catalogue is invalid.
    """
    if path is None:
        return _bundled()
    p = Path(path)
    if p.is_dir():
        return _load_from(p, str(p), single=False)
    if p.is_file():
        return _load_from(p, str(p), single=True)
    raise CatalogError(f"catalogue not found: {p}")
