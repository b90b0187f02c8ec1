"""Readable results: entity tables join every event id to a name; lat/lon/alt; sampled truth."""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow.parquet as pq
import pytest

import iadsim
from iadsim.geo import frames
from iadsim.results.tables import entity_tables, truth_table, with_geodetic


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    res = iadsim.simulate("adana-patriot-small")
    out = tmp_path_factory.mktemp("r") / "run"
    res.write(out)
    return res, out


def test_entity_tables_written_and_every_event_id_joins_to_a_name(run_dir) -> None:
    res, out = run_dir
    for name in ("threats", "sites", "radars", "fire_units", "assets", "interceptors", "truth"):
        assert (out / f"{name}.parquet").exists(), name
    ev = str(out / "events.parquet")
    for key, tbl in (("threat", "threats"), ("fire_unit", "fire_units"), ("sensor", "radars"),
                     ("site", "sites"), ("asset", "assets"), ("interceptor_type", "interceptors")):  # fmt: skip
        n_ids, n_joined = duckdb.sql(
            f"SELECT count(*), count(t.name) FROM '{ev}' e LEFT JOIN '{out / (tbl + '.parquet')}' t ON e.{key} = t.{key} WHERE e.{key} >= 0"
        ).fetchall()[0]
        assert n_ids == n_joined, key
    # names are the scenario's
    w = res.world
    assert pq.read_table(out / "fire_units.parquet").column("name").to_pylist() == list(w.fire_units.name)
    assert pq.read_table(out / "assets.parquet").column("name").to_pylist() == list(w.assets.name)


def test_site_and_asset_positions_are_the_scenario_coordinates(run_dir) -> None:
    res, _ = run_dir
    t = entity_tables(res.world)
    sc = res.world.scenario
    np.testing.assert_allclose(t["sites"].column("lat_deg").to_numpy(), [s.lat_deg for s in sc.sites])
    np.testing.assert_allclose(t["assets"].column("lon_deg").to_numpy(), [a.lon_deg for a in sc.assets])


def test_geodetic_columns_invert_the_ecef_position(run_dir) -> None:
    res, out = run_dir
    ev = pq.read_table(out / "events.parquet")
    assert ev.column_names[: len(res.events.column_names)] == res.events.column_names  # appended, not reordered
    xyz = np.column_stack([ev.column(c).to_numpy() for c in ("x_m", "y_m", "z_m")])
    ok = np.isfinite(xyz).all(axis=1)
    assert ok.any()
    lat, lon, alt = (ev.column(c).to_numpy()[ok] for c in ("lat_deg", "lon_deg", "alt_m"))
    back = frames.geodetic_to_ecef(np.radians(lat), np.radians(lon), alt)
    np.testing.assert_allclose(back, xyz[ok], atol=1e-3)
    assert np.isnan(ev.column("lat_deg").to_numpy()[~ok]).all()


def test_with_geodetic_on_a_known_point() -> None:
    import pyarrow as pa

    p = frames.geodetic_to_ecef(np.radians(40.0), np.radians(32.5), 1000.0).reshape(3)
    t = with_geodetic(pa.table({"x_m": [p[0]], "y_m": [p[1]], "z_m": [p[2]]}))
    assert t.column("lat_deg")[0].as_py() == pytest.approx(40.0, abs=1e-9)
    assert t.column("lon_deg")[0].as_py() == pytest.approx(32.5, abs=1e-9)
    assert t.column("alt_m")[0].as_py() == pytest.approx(1000.0, abs=1e-4)


def test_threat_truth_follows_the_mover_and_ends_at_the_kill_or_leak(run_dir) -> None:
    res, _ = run_dir
    w = res.world
    tr = truth_table(w, res.events, sample_s=10.0)
    thr = tr.filter(np.asarray(tr.column("entity").to_pylist()) == "threat")
    ids = thr.column("id").to_numpy()
    ts = thr.column("time_s").to_numpy()
    xyz = np.column_stack([thr.column(c).to_numpy() for c in ("x_m", "y_m", "z_m")])
    ev = res.events.to_pydict()
    killed = {ev["threat"][i]: ev["time_s"][i] for i, k in enumerate(ev["kind"]) if k in ("Intercept", "Leak")}
    assert killed, "the small scenario has kills or leaks"
    for k, t_end in killed.items():
        m = ids == k
        assert ts[m].max() == pytest.approx(t_end)  # ends exactly at the event
        assert ts[m].min() == pytest.approx(w.threats.launch_time_s[k])
        j = np.flatnonzero(m)[len(np.flatnonzero(m)) // 2]
        np.testing.assert_allclose(xyz[j], w.threats.mover.state(float(ts[j])).pos_ecef_m[k], atol=1e-6)


def test_interceptor_truth_is_a_straight_flyout_from_launcher_to_intercept_point(run_dir) -> None:
    res, _ = run_dir
    w = res.world
    tr = truth_table(w, res.events, sample_s=5.0)
    ic = tr.filter(np.asarray(tr.column("entity").to_pylist()) == "interceptor")
    ev = res.events.to_pydict()
    hits = [i for i, k in enumerate(ev["kind"]) if k == "Intercept"]
    assert hits
    i = hits[0]
    shot = ev["shot"][i]
    launch = next(j for j, k in enumerate(ev["kind"]) if k == "Launch" and ev["shot"][j] == shot)
    m = ic.column("id").to_numpy() == shot
    ts = ic.column("time_s").to_numpy()[m]
    xyz = np.column_stack([ic.column(c).to_numpy()[m] for c in ("x_m", "y_m", "z_m")])
    assert ts[0] == pytest.approx(ev["time_s"][launch]) and ts[-1] == pytest.approx(ev["time_s"][i])
    np.testing.assert_allclose(xyz[0], w.fire_units.ecef_m[ev["fire_unit"][launch]], atol=1e-6)
    np.testing.assert_allclose(xyz[-1], [ev["x_m"][i], ev["y_m"][i], ev["z_m"][i]], atol=1e-6)
    # constant speed along the line: equal time steps → equal distance steps
    step = np.linalg.norm(np.diff(xyz, axis=0), axis=1) / np.diff(ts)
    np.testing.assert_allclose(step, step[0], rtol=1e-9)
