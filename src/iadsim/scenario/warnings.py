"""Warnings: scenarios that validate but cannot mean what they say.

``validate`` and ``run`` print these and exit 0; ``--strict`` turns them into errors (exit 2).
Each check is a cheap estimate from the validated scenario and the catalogue (no world is
compiled), vectorised over the threats of a raid:

``cannot-reach``
    a threat launched at ``t_i`` cannot reach its target before the end: ``t_i ≤ D`` and
    ``t_i + T > D``, with the flight time estimated as ``T = L / v`` for air-breathing threats
    (``L`` the geodesic length launch → waypoints → target on WGS84 less the launch disc radius
    ``r``, ``v`` the raid's or the catalogue's speed) and as the Keplerian free-flight time of the
    minimum-energy (or the given flight-path-angle) trajectory over the ground range less ``r`` for
    ballistic missiles (:mod:`iadsim.threats.ballistic`). Subtracting ``r`` makes ``T`` the
    shortest flight from anywhere in the disc, so the warning fires only for threats that cannot
    arrive wherever in the disc they start.
``launch-after-end``
    a whole raid launches at or after the end (``launch_time_s ≥ duration_s``).
``never-launch``
    some threats of a raid launch after the end because of its spacing:
    ``t_i = t_0 + i·spacing_s > D``.
``sector-blind``
    a sector radar (field of regard ``F < 360°``) with a given boresight ``β`` sees none of the
    raid axes: for every raid, the geodesic bearing ``α`` from the site to the raid's launch point
    has ``|wrap(α − β)| > F/2``.
``coarse-step``
    the time step is longer than a radar's revisit (it scans at most once per tick), than a fire
    unit's launch interval (it launches at most one salvo per tick), or than a tenth of the
    shortest interceptor flight to maximum range ``R_max / v_avg`` (an assumption: intercepts are
    resolved on ticks, so a step of 10 % of the flight time already shifts them by that much).
``empty-network``
    a network that no site names as its ``network`` (it fuses and delivers nothing).
``large``
    a large scenario (at least :data:`LARGE_THREATS` threats, or :data:`LARGE_WORK` threat-ticks),
    with a rough estimate of its run time and memory (:func:`estimate_cost`).

Every warning carries ``file:line:col`` of the value it is about.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from iadsim.errors import Problem, ScenarioError
from iadsim.scenario.schema import Scenario

__all__ = ["ScenarioWarning", "scenario_warnings", "estimate_cost", "raise_if_strict", "LARGE_THREATS", "LARGE_WORK"]

AIR_BREATHING = ("aircraft", "cruise_missile", "drone")
#: A scenario counts as large from this many threats, or this many threat-ticks.
LARGE_THREATS = 2_000
LARGE_WORK = 5e7
#: Fraction of the shortest interceptor flight time a time step may take (stated assumption).
STEP_FRACTION_OF_FLIGHT = 0.1


@dataclass(frozen=True)
class ScenarioWarning:
    """One warning: a stable ``code``, where it is, and the message."""

    code: str
    file: str
    line: int | None
    col: int | None
    key_path: str
    message: str

    def problem(self) -> Problem:
        return Problem(self.file, self.line, self.col, self.key_path, self.message)

    def __str__(self) -> str:
        return f"{self.problem()} [{self.code}]"


def _geod() -> Any:
    from pyproj import Geod

    return Geod(ellps="WGS84")


def _wrap_deg(x: np.ndarray) -> np.ndarray:
    return (np.asarray(x) + 180.0) % 360.0 - 180.0


def flight_time_s(sc: Scenario, raid_index: int, catalog: Any) -> float | None:
    """Shortest estimated flight time of a raid's threats from its launch disc, s (None if unknown).

    The path length (or ballistic ground range) is measured from the disc's centre and shortened by
    its radius, i.e. from the disc's nearest point.
    """
    raid = sc.raids[raid_index]
    th = catalog.threats[raid.threat]
    cls = th.fields.get("class")
    target = next(a for a in sc.assets if a.name == raid.target)
    geod = _geod()
    if cls in AIR_BREATHING:
        speed = raid.speed_mps if raid.speed_mps is not None else th.value("speed_mps")
        if not speed:
            return None
        lats = [raid.launch.lat_deg, *[w.lat_deg for w in raid.route], target.lat_deg]
        lons = [raid.launch.lon_deg, *[w.lon_deg for w in raid.route], target.lon_deg]
        length = max(float(geod.line_length(lons, lats)) - raid.launch.radius_km * 1000.0, 0.0)
        return length / float(speed)
    if cls == "ballistic_missile":
        from iadsim.errors import InputError
        from iadsim.threats.ballistic import lofted_or_depressed, min_energy_solution

        _, _, d = geod.inv(raid.launch.lon_deg, raid.launch.lat_deg, target.lon_deg, target.lat_deg)
        d = float(d) - raid.launch.radius_km * 1000.0
        if d <= 1000.0:
            return 0.0
        try:
            if raid.flight_path_angle_deg is not None:
                sol = lofted_or_depressed(d, math.radians(raid.flight_path_angle_deg))
            else:
                sol = min_energy_solution(d)
        except InputError:
            return None
        return float(sol.flight_time_s)
    return None


def estimate_cost(sc: Scenario) -> tuple[float, float]:
    """Rough run time (s) and peak memory (GB) of a run: an order of magnitude, not a promise.

    ``time ≈ c_s·N + K·(a + b·N_L·(R + 3))`` and ``memory ≈ m₀ + m₁·N + m₂·N_L·K`` with ``N``
    threats, ``N_L`` of them launched before the end, ``K`` ticks and ``R`` radars. Coefficients
    fitted to ``benchmarks/results/engine.json`` (10–1,000 threats, 4–20 sites, 1,800 ticks on the
    2-core development machine): a = 0.6 ms per tick, b = 0.25 µs per launched threat, radar and
    tick, m₀ = 0.15 GB, m₂ = 120 B per launched threat-tick (events); and to the report of
    issue 7 (100,002 threats set up in about 240 s and 3.9 GB): c_s = 2.4 ms and m₁ = 40 kB per
    threat for compiling the world.
    """
    K = sc.duration_s / sc.time_step_s
    n = sum(r.count for r in sc.raids)
    n_l = 0
    for r in sc.raids:
        t = r.launch_time_s + r.spacing_s * np.arange(r.count)
        n_l += int(np.count_nonzero(t <= sc.duration_s))
    n_radars = sum(len(s.sensors) for s in sc.sites)
    secs = 2.4e-3 * n + K * (6e-4 + 2.5e-7 * n_l * (n_radars + 3))
    gb = 0.15 + 40e3 * n / 1e9 + 120.0 * n_l * K / 1e9
    return secs, gb


def scenario_warnings(sc: Scenario, root: Any = None, file: str = "<scenario>", catalog: Any = None) -> list[ScenarioWarning]:
    """All warnings of a validated scenario; ``root`` (the YAML tree) gives the positions."""
    from iadsim.scenario.catalog import load_catalog
    from iadsim.scenario.load import _fmt_loc, _pos_of

    cat = catalog if catalog is not None else load_catalog()
    out: list[ScenarioWarning] = []

    def add(code: str, loc: tuple[str | int, ...], msg: str) -> None:
        line, col = _pos_of(root, loc) if root is not None else (None, None)
        out.append(ScenarioWarning(code, file, line, col, _fmt_loc(loc), msg))

    D = sc.duration_s
    dt = sc.time_step_s
    # ---- raids: launches and flight times
    for i, raid in enumerate(sc.raids):
        t = raid.launch_time_s + raid.spacing_s * np.arange(raid.count)
        if raid.launch_time_s >= D:
            add("launch-after-end", ("raids", i, "launch_time_s"),
                f"raid {raid.name!r} launches at {raid.launch_time_s:g} s, at or after the end of the run ({D:g} s): none of its {raid.count} threats will fly")  # fmt: skip
            continue
        late = int(np.count_nonzero(t > D))
        if late:
            add("never-launch", ("raids", i, "spacing_s"),
                f"raid {raid.name!r}: {late} of its {raid.count} threats never launch (launches {raid.spacing_s:g} s apart from {raid.launch_time_s:g} s run past the end, {D:g} s)")  # fmt: skip
        tf = flight_time_s(sc, i, cat)
        if tf is not None:
            short = int(np.count_nonzero((t <= D) & (t + tf > D)))
            if short:
                add("cannot-reach", ("raids", i),
                    f"raid {raid.name!r}: {short} of its {raid.count} threats cannot reach {raid.target!r} before the end (flight ≈ {tf:.0f} s, "
                    f"last launch at {min(float(t[-1]), D):g} s, duration_s {D:g} s): they will be 'in flight at end'")  # fmt: skip
    # ---- sector radars vs raid axes
    if sc.raids:
        geod = _geod()
        for i, site in enumerate(sc.sites):
            lo = np.array([r.launch.lon_deg for r in sc.raids])
            la = np.array([r.launch.lat_deg for r in sc.raids])
            az, _, _ = geod.inv(np.full(lo.shape, site.lon_deg), np.full(la.shape, site.lat_deg), lo, la)
            for j, sen in enumerate(site.sensors):
                if sen.boresight_az_deg is None or sen.type not in cat.radars:
                    continue
                fov = sen.field_of_regard_deg if sen.field_of_regard_deg is not None else cat.radars[sen.type].value("field_of_regard_deg")
                if fov is None or fov >= 360.0:
                    continue
                off = np.abs(_wrap_deg(np.asarray(az) - sen.boresight_az_deg))
                if not np.any(off <= fov / 2.0):
                    add("sector-blind", ("sites", i, "sensors", j, "boresight_az_deg"),
                        f"radar {sen.name or sen.type!r} at {site.name!r} faces {sen.boresight_az_deg:g}° with a {fov:g}° field of regard "
                        f"and sees none of the raid launch bearings ({', '.join(f'{a % 360:.0f}°' for a in np.asarray(az))})")  # fmt: skip
    # ---- time step against radar revisits, launch intervals and interceptor flight times
    for i, site in enumerate(sc.sites):
        for j, sen in enumerate(site.sensors):
            if sen.type not in cat.radars:
                continue
            rv = sen.revisit_s if sen.revisit_s is not None else cat.radars[sen.type].value("revisit_s")
            if rv is not None and dt > rv:
                add("coarse-step", ("time_step_s",),
                    f"time_step_s {dt:g} s is longer than the revisit of radar {sen.name or sen.type!r} at {site.name!r} ({rv:g} s): it scans at most once per tick")  # fmt: skip
        for j, fu in enumerate(site.fire_units):
            if fu.type not in cat.systems:
                continue
            system = cat.systems[fu.type]
            li = fu.launch_interval_s if fu.launch_interval_s is not None else system.value("launch_interval_s")
            if li is not None and li > 0 and dt > li:
                add("coarse-step", ("time_step_s",),
                    f"time_step_s {dt:g} s is longer than the launch interval of {fu.name or fu.type!r} at {site.name!r} ({li:g} s): it launches at most once per tick")  # fmt: skip
            loadout = fu.loadout if fu.loadout is not None else dict(system.fields.get("default_loadout") or {})
            flights = []
            for k, n in loadout.items():
                if not n or k not in cat.interceptors:
                    continue
                ov = fu.interceptors.get(k)
                rmax = ov.max_range_km if ov is not None and ov.max_range_km is not None else cat.interceptors[k].value("max_range_km")
                v = ov.average_speed_mps if ov is not None and ov.average_speed_mps is not None else cat.interceptors[k].value("average_speed_mps")
                if rmax and v:
                    flights.append((rmax * 1000.0 / v, k))
            if flights:
                tfl, k = min(flights)
                if dt > STEP_FRACTION_OF_FLIGHT * tfl:
                    add("coarse-step", ("time_step_s",),
                        f"time_step_s {dt:g} s is more than {STEP_FRACTION_OF_FLIGHT:.0%} of interceptor {k!r}'s flight to maximum range (≈ {tfl:.0f} s) at {site.name!r}: intercepts are resolved on ticks")  # fmt: skip
    # ---- networks without members
    members = {s.network for s in sc.sites if s.network is not None}
    for i, net in enumerate(sc.networks):
        if net.name not in members:
            add("empty-network", ("networks", i, "name"),
                f"network {net.name!r} has no member sites (set sites.<i>.network: {net.name}): it fuses nothing")  # fmt: skip
    # ---- size
    n = sum(r.count for r in sc.raids)
    if n >= LARGE_THREATS or n * D / dt >= LARGE_WORK:
        secs, gb = estimate_cost(sc)
        add("large", ("raids",),
            f"a large scenario: {n:,} threats over {D / dt:,.0f} ticks; rough estimate {secs:,.0f} s of run time and {gb:.1f} GB of memory")  # fmt: skip
    # identical warnings (two identical radars at one site) once
    seen: set[str] = set()
    uniq = []
    for w in out:
        key = str(w)
        if key in seen:
            continue
        seen.add(key)
        uniq.append(w)
    return uniq


def print_warnings(warnings: Sequence[ScenarioWarning], console: Any) -> None:
    """Print each warning as ``warning: file:line:col: key: message [code]`` (one line each)."""
    for w in warnings:
        console.print("[yellow]warning:[/] ", end="", highlight=False)
        console.print(str(w), highlight=False, soft_wrap=True, markup=False)


def raise_if_strict(warnings: Sequence[ScenarioWarning], strict: bool) -> None:
    """``--strict``: raise the warnings as one :class:`~iadsim.errors.ScenarioError`."""
    if strict and warnings:
        raise ScenarioError([Problem(w.file, w.line, w.col, w.key_path, f"{w.message} [{w.code}; --strict]") for w in warnings])
