"""World compilation: catalogue resolution, units, threat order."""

from __future__ import annotations

import numpy as np

import iadsim
from iadsim.engine.world import compile_world
from iadsim.geo import frames
from iadsim.units import DEG, KM


def test_threat_order_is_raid_order_and_launch_points_in_their_disc() -> None:
    sc = iadsim.load_scenario("turkey-2017")
    w = compile_world(sc)
    th = w.threats
    assert np.all(np.diff(th.raid_index) >= 0)
    assert len(th) == sum(r.count for r in sc.raids)
    for ri, raid in enumerate(sc.raids):
        idx = np.flatnonzero(th.raid_index == ri)
        assert np.allclose(th.launch_time_s[idx], raid.launch_time_s + raid.spacing_s * np.arange(raid.count))
        # position just after launch lies in the raid's launch disc (+ a few km of flight)
        for i in idx[:3]:
            p = th.mover.state(float(th.launch_time_s[i]) + 1.0).pos_ecef_m[i]
            lat, lon, _ = frames.ecef_to_geodetic(p)
            _, _, d = frames.geodesic_inverse(lat, lon, np.array(raid.launch.lat_deg * DEG), np.array(raid.launch.lon_deg * DEG))
            assert float(d) <= raid.launch.radius_km * KM + 3 * KM
        # arrival at the target asset
        a = w.assets.name.index(raid.target)
        end = th.mover.state(float(th.arrival_time_s[idx[0]]) + 1.0).pos_ecef_m[idx[0]]
        assert np.linalg.norm(end - w.assets.ecef_m[a]) < (20 * KM if th.class_index[idx[0]] == 2 else 12 * KM)


def test_overrides_and_units() -> None:
    sc = iadsim.load_scenario("adana-patriot-small")
    data = sc.model_dump()
    data["sites"][0]["sensors"][0]["reference_range_km"] = 123.0
    data["sites"][0]["fire_units"][0]["reaction_time_s"] = 7.5
    data["sites"][0]["fire_units"][0]["interceptors"] = {"pac-3": {"max_range_km": 33.0}}
    w = compile_world(type(sc).model_validate(data))
    assert w.radars.ref_range_m[0] == 123_000.0
    assert w.radars.boresight_az_rad[0] == np.pi  # boresight_az_deg: 180
    assert w.fire_units.reaction_time_s[0] == 7.5
    i = w.interceptors.ids.index("pac-3")
    assert w.interceptors.max_range_m[0, i] == 33_000.0
    assert w.fire_units.magazine[0].sum() > 0
    assert w.fire_units.salvo_size[0] == 1  # shoot-look-shoot
