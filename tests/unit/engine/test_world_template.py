"""Template worlds (issue 12 item 9): build the seed-independent world once, draw per seed.

* ``build_template(sc).draw(streams)`` equals the loop-based compiler it replaced
  (``reference_world.compile_world_reference``, a verbatim copy) array by array, for several
  seeds and scenarios covering every kind of threat placement: waypoint raids (with and without
  the terminal dive), direct raids, aircraft, ballistic raids with and without aim error,
  friendly flights with failing transponders, terrain following on a DEM;
* the events of a run are identical, column by column, to the reference compiler's;
* a template is never modified by a run: two seeds from one template and then the first again
  give the first run's events exactly, and every array of the template is byte-identical after;
* the vectorised route polylines equal ``RouteMover``'s own loop attribute by attribute.
"""

from __future__ import annotations

import dataclasses
import hashlib
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rasterio
from affine import Affine
from reference_world import compile_world_reference

import iadsim
from iadsim.rng_kernels import states_of
import iadsim.engine.run as run_mod
from iadsim.engine.polylines import assemble_rows, densify_legs, route_mover_from_rows
from iadsim.engine.world import build_template, compile_world
from iadsim.errors import InputError
from iadsim.rng import make_streams
from iadsim.scenario.load import validate_text
from iadsim.threats.routes import RouteMover

MIXED = textwrap.dedent("""\
    name: mixed
    duration_s: {duration}
    seed: 3
    fidelity: {fidelity}
    sites:
      - name: adana
        lat_deg: 37.0
        lon_deg: 35.3
        sensors:
          - type: an-mpq-65
            boresight_az_deg: 180
        fire_units:
          - type: patriot
      - name: north
        lat_deg: 37.3
        lon_deg: 35.1
        sensors:
          - type: 91n6e
    assets:
      - {{name: base, lat_deg: 36.95, lon_deg: 35.35, value: 10}}
      - {{name: town, lat_deg: 37.2, lon_deg: 35.0, value: 5}}
    raids:
      - name: cm-route
        threat: cruise-subsonic
        count: 4
        launch: {{lat_deg: 36.0, lon_deg: 35.0, radius_km: 15}}
        route:
          - {{lat_deg: 36.4, lon_deg: 35.6}}
          - {{lat_deg: 36.7, lon_deg: 35.5, alt_agl_m: 80}}
        target: base
        spacing_s: 20
      - name: cm-direct
        threat: cruise-subsonic
        count: 3
        launch: {{lat_deg: 36.2, lon_deg: 34.6, radius_km: 10}}
        target: town
        altitude_agl_m: 60
      - name: jets
        threat: fighter-4gen
        count: 2
        launch: {{lat_deg: 36.1, lon_deg: 35.9, radius_km: 5}}
        route:
          - {{lat_deg: 36.6, lon_deg: 35.8}}
        target: base
      - name: short-hop
        threat: male-drone
        count: 2
        launch: {{lat_deg: 36.9, lon_deg: 35.36, radius_km: 1}}
        route:
          - {{lat_deg: 36.93, lon_deg: 35.355}}
        target: base
      - name: scud
        threat: scud-b
        count: 3
        launch: {{lat_deg: 35.3, lon_deg: 36.6, radius_km: 20}}
        target: base
        launch_time_s: 30
      - name: exact
        threat: scud-b
        count: 2
        launch: {{lat_deg: 35.5, lon_deg: 36.5}}
        aim_error_m: 0
        target: town
    friendly_flights:
      - name: cap
        type: fighter-4gen
        count: 3
        spacing_s: 40
        transponder_failure_probability: 0.5
        route:
          - {{lat_deg: 36.6, lon_deg: 34.6, alt_agl_m: 9000}}
          - {{lat_deg: 36.6, lon_deg: 36.0, alt_agl_m: 9000}}
          - {{lat_deg: 36.8, lon_deg: 36.2}}
""")

SEEDS = (0, 1, 5, 2017)


def _write_dem(path: Path) -> Path:
    """A synthetic DEM (0.01° pixels) with hills, covering the MIXED scenario."""
    pix, west, north = 0.01, 34.0, 38.0
    nrow, ncol = int(3.5 / pix), int(3.0 / pix)
    lat = north - (np.arange(nrow) + 0.5) * pix
    lon = west + (np.arange(ncol) + 0.5) * pix
    h = (400.0 + 300.0 * np.sin(lat[:, None] * 7.0) * np.cos(lon[None, :] * 5.0)).astype(np.float32)
    with rasterio.open(path, "w", driver="GTiff", height=nrow, width=ncol, count=1, dtype="float32",
                       crs="EPSG:4326", transform=Affine(pix, 0.0, west, 0.0, -pix, north)) as dst:  # fmt: skip
        dst.write(h, 1)
    return path


def mixed(duration: int = 900, terrain: Path | None = None) -> iadsim.Scenario:
    fid = f"{{association: truth, terrain: dem, dem_path: {terrain}}}" if terrain else "{association: truth}"
    return validate_text(MIXED.format(duration=duration, fidelity=fid), "mixed.yaml")


def assert_same(a: Any, b: Any, path: str = "world", seen: set[int] | None = None) -> None:
    """Deep equality of two worlds: every array (dtype, shape, values; NaN equal NaN), every mover."""
    seen = set() if seen is None else seen
    if isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray) and a.shape == b.shape and a.dtype == b.dtype, path
        if a.dtype == object:
            assert a.tolist() == b.tolist(), path
        else:
            assert np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"), path
        return
    if id(a) in seen:
        return
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        seen.add(id(a))
        assert type(a) is type(b), path
        for f in dataclasses.fields(a):
            if f.name != "scenario":
                assert_same(getattr(a, f.name), getattr(b, f.name), f"{path}.{f.name}", seen)
        return
    if isinstance(a, (tuple, list)):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{path}[{i}]", seen)
        return
    if isinstance(a, dict):
        assert list(a) == list(b), path
        for k in a:
            assert_same(a[k], b[k], f"{path}[{k}]", seen)
        return
    if type(a).__module__.startswith("iadsim") and hasattr(a, "__dict__"):  # movers, terrain
        seen.add(id(a))
        assert type(a) is type(b), path
        assert set(vars(a)) == set(vars(b)), (path, set(vars(a)) ^ set(vars(b)))
        for k in vars(a):
            assert_same(vars(a)[k], vars(b)[k], f"{path}.{k}", seen)
        return
    if isinstance(a, float) and np.isnan(a):
        assert isinstance(b, float) and np.isnan(b), path
        return
    assert a == b, (path, a, b)


def fingerprint(obj: Any, h: Any = None, seen: set[int] | None = None) -> Any:
    """SHA-256 over every array and value reachable from ``obj`` (the scenario excluded)."""
    h = hashlib.sha256() if h is None else h
    seen = set() if seen is None else seen
    if isinstance(obj, np.ndarray):
        h.update(repr((obj.shape, obj.dtype)).encode())
        h.update(repr(obj.tolist()).encode() if obj.dtype == object else obj.tobytes())
    elif id(obj) in seen:
        pass
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        seen.add(id(obj))
        for f in dataclasses.fields(obj):
            if f.name != "scenario":
                fingerprint(getattr(obj, f.name), h, seen)
    elif isinstance(obj, (list, tuple)):
        for x in obj:
            fingerprint(x, h, seen)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            h.update(repr(k).encode())
            fingerprint(v, h, seen)
    elif type(obj).__module__.startswith("iadsim") and hasattr(obj, "__dict__"):
        seen.add(id(obj))
        fingerprint(vars(obj), h, seen)
    else:
        h.update(repr(obj).encode())
    return h


def same_events(a: Any, b: Any) -> bool:
    """Every column equal (floats byte for byte, so NaN equals NaN)."""
    if a.num_rows != b.num_rows or a.column_names != b.column_names or a.schema != b.schema:
        return False
    for c in a.column_names:
        x, y = a.column(c).to_numpy(zero_copy_only=False), b.column(c).to_numpy(zero_copy_only=False)
        if x.dtype.kind == "f":
            if x.tobytes() != y.tobytes():
                return False
        elif not np.array_equal(x, y):
            return False
    return True


@pytest.fixture(scope="module")
def dem_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _write_dem(tmp_path_factory.mktemp("dem") / "hills.tif")


@pytest.mark.parametrize("name", ["turkey-2017", "turkey-2017-integrated", "adana-patriot-small", "mixed", "mixed-dem"])
def test_template_draw_equals_the_loop_compiler(name: str, dem_path: Path) -> None:
    if name.startswith("mixed"):
        sc = mixed(terrain=dem_path if name == "mixed-dem" else None)
    else:
        sc = iadsim.load_scenario(name)
    tpl = build_template(sc)
    for seed in SEEDS:
        ref = compile_world_reference(sc, None, make_streams(seed))
        assert_same(tpl.draw(make_streams(seed)), ref)
        assert_same(compile_world(sc, None, make_streams(seed)), ref)
    # the draws differ between seeds (the test compares something random)
    a, b = tpl.draw(make_streams(0)), tpl.draw(make_streams(1))
    assert not np.array_equal(a.radars.scan_phase_s, b.radars.scan_phase_s)
    assert not np.array_equal(a.threats.arrival_time_s, b.threats.arrival_time_s)


def test_draw_continues_the_runs_entity_streams() -> None:
    """The draw uses the run's streams: the engine continues the same generator objects."""
    sc = mixed()
    st = make_streams(4)
    tpl = build_template(sc)
    tpl.draw(st)
    ref_st = make_streams(4)
    compile_world_reference(sc, None, ref_st)
    # the draw's compiled draws leave the streams as state rows (RunStreams.states/put_states)
    assert sorted(set(st._entities) | set(st._rows)) == sorted(ref_st._entities)
    for key, g in ref_st._entities.items():  # same state after the compile step, and Python continues it
        np.testing.assert_array_equal(st.states(*key[:1], [key[1]]), states_of([g]), err_msg=str(key))
        assert st.entity(*key).random() == g.random(), key


@pytest.mark.parametrize("seed", [1, 8])
def test_events_identical_to_the_loop_compiler(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    sc = mixed(duration=700)
    new = iadsim.simulate(sc, seed)
    monkeypatch.setattr(run_mod, "compile_world", compile_world_reference)
    ref = iadsim.simulate(sc, seed)
    assert ref.events.num_rows > 50
    assert same_events(new.events, ref.events)
    assert new.summary == ref.summary


def test_events_identical_on_turkey_2017(monkeypatch: pytest.MonkeyPatch) -> None:
    sc = iadsim.load_scenario("turkey-2017")
    tpl = build_template(sc)
    new = iadsim.simulate(sc, 3, template=tpl)
    monkeypatch.setattr(run_mod, "compile_world", compile_world_reference)
    ref = iadsim.simulate(sc, 3)
    assert same_events(new.events, ref.events)


def test_a_run_never_modifies_its_template() -> None:
    sc = mixed(duration=700)
    tpl = build_template(sc)
    before = fingerprint(tpl).hexdigest()
    first = iadsim.simulate(sc, 11, template=tpl)
    second = iadsim.simulate(sc, 12, template=tpl)
    again = iadsim.simulate(sc, 11, template=tpl)
    assert fingerprint(tpl).hexdigest() == before
    assert same_events(first.events, again.events)
    assert not same_events(first.events, second.events)
    assert same_events(first.events, iadsim.simulate(sc, 11).events)  # and equal to a fresh compile


def test_simulate_refuses_a_template_of_another_scenario() -> None:
    sc = mixed()
    other = iadsim.load_scenario("adana-patriot-small")
    with pytest.raises(ValueError, match="another scenario"):
        iadsim.simulate(other, 1, template=build_template(sc))


class _Hills:
    """A smooth analytic terrain (``height_m`` elementwise, like a DEM)."""

    pixel_spacing_m = 90.0

    def height_m(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        return 300.0 + 200.0 * np.sin(np.asarray(lat) * 500.0) * np.cos(np.asarray(lon) * 300.0)


@pytest.mark.parametrize("terrain", [None, _Hills()])
def test_vectorised_polylines_equal_route_mover_attribute_by_attribute(terrain: Any) -> None:
    rng = np.random.default_rng(0)
    n = 40
    counts = rng.integers(2, 6, n)
    lat = [np.radians(36.0 + rng.uniform(0.0, 3.0, c)) for c in counts]
    lon = [np.radians(30.0 + rng.uniform(0.0, 5.0, c)) for c in counts]
    alt = [rng.uniform(50.0, 3000.0, c) for c in counts]
    speed, t0 = rng.uniform(100.0, 300.0, n), rng.uniform(0.0, 100.0, n)
    ref = RouteMover(lat, lon, alt, speed, t0, terrain=terrain)
    legs = densify_legs(np.concatenate(lat), np.concatenate(lon), np.concatenate(alt), counts, ref.spacing_m)
    got = route_mover_from_rows(assemble_rows(legs, n, terrain, ref.spacing_m), speed, t0, ref.spacing_m)
    assert_same(got, ref, "mover")
    assert ref.n_points.max() > 100  # long rows: many points per leg


def test_vectorised_polylines_reject_coincident_waypoints() -> None:
    lat = np.radians([36.0, 36.5, 36.5])
    lon = np.radians([35.0, 35.2, 35.2])
    with pytest.raises(InputError, match="threat 0 leg 1 has zero length"):
        densify_legs(lat, lon, np.zeros(3), np.array([3]), 2000.0)
