"""The compiled ballistic draw equals the NumPy formulas it replaced, bit for bit.

Reference: ``ballistic_reference.py``, a verbatim copy of the NumPy ``threats/ballistic.py``
(boost fixed point, golden-section minimum-energy angle, RK4 arc, impact root, ragged tables).
Every array attribute of ``BallisticMover`` is compared with ``np.array_equal`` over random
missiles (many draws, with and without boost, every trajectory shape, explicit angles, terminal
weaves), and so are ``boosted_burnout`` and ``shape_flight_path_angle``.
"""

from __future__ import annotations

import numpy as np
import pytest
from ballistic_reference import BallisticMover as RefMover
from ballistic_reference import boosted_burnout as ref_burnout
from ballistic_reference import shape_flight_path_angle as ref_shape

from iadsim.threats import ballistic
from iadsim.threats.ballistic import BallisticMover, boosted_burnout, shape_flight_path_angle
from iadsim.units import EARTH_MEAN_RADIUS_M


def _assert_same(new: object, old: object) -> None:
    assert new.__dict__.keys() >= {k for k, v in old.__dict__.items() if isinstance(v, np.ndarray)}
    for key, v0 in old.__dict__.items():
        if isinstance(v0, np.ndarray):
            v1 = new.__dict__[key]
            assert v1.dtype == v0.dtype and v1.shape == v0.shape, key
            assert np.array_equal(v1, v0, equal_nan=True), key
    for f in ("burnout_speed_mps", "flight_time_s", "eccentricity"):
        assert np.array_equal(getattr(new.closed_form, f), getattr(old.closed_form, f))


def _raid(seed: int, n: int) -> dict[str, object]:
    rng = np.random.default_rng(seed)
    lat0 = np.radians(36.0 + rng.uniform(-2, 2, n))
    lon0 = np.radians(44.0 + rng.uniform(-2, 2, n))
    rng_km = rng.uniform(150.0, 1400.0, n)
    az = rng.uniform(0, 2 * np.pi, n)
    d = rng_km * 1e3 / EARTH_MEAN_RADIUS_M
    lat1 = np.arcsin(np.sin(lat0) * np.cos(d) + np.cos(lat0) * np.sin(d) * np.cos(az))
    lon1 = lon0 + np.arctan2(np.sin(az) * np.sin(d) * np.cos(lat0), np.cos(d) - np.sin(lat0) * np.sin(lat1))
    fpa = np.where(rng.random(n) < 0.3, np.radians(rng.uniform(25, 60, n)), np.nan)
    return dict(
        launch_lat_rad=lat0, launch_lon_rad=lon0, impact_lat_rad=lat1, impact_lon_rad=lon1,
        launch_time_s=rng.uniform(0, 300, n), flight_path_angle_rad=fpa, integrate_dt_s=float(rng.choice([0.5, 2.0])),
        burn_time_s=np.where(rng.random(n) < 0.7, rng.uniform(0.0, 70.0, n) * (rng_km > 400), 0.0),
        shape=rng.choice(["minimum_energy", "depressed", "lofted"], n).astype(object),
        terminal_manoeuvre_g=np.where(rng.random(n) < 0.4, rng.uniform(1, 8, n), 0.0),
        terminal_manoeuvre_alt_m=rng.uniform(10e3, 60e3, n), terminal_manoeuvre_period_s=rng.uniform(4, 20, n),
    )  # fmt: skip


@pytest.mark.parametrize("seed", range(12))
def test_mover_tables_equal_the_numpy_mover(seed: int) -> None:
    kw = _raid(seed, 1 + seed * 3)
    _assert_same(BallisticMover(**kw), RefMover(**kw))  # type: ignore[arg-type]


def test_mover_defaults_and_scalar_inputs_equal_the_numpy_mover() -> None:
    args = (np.radians(33.3), np.radians(44.4), np.radians(37.0), np.radians(35.3), 5.0)
    _assert_same(BallisticMover(*args), RefMover(*args))
    _assert_same(BallisticMover(*args, burn_time_s=40.0, shape="lofted"),
                 RefMover(*args, burn_time_s=40.0, shape="lofted"))  # fmt: skip


def test_burnout_and_shape_angle_equal_the_numpy_formulas() -> None:
    rng = np.random.default_rng(7)
    psi = rng.uniform(0.01, 0.4, 300)
    gamma = np.radians(rng.uniform(1.0, 89.0, 300))
    tb = rng.uniform(0.0, 120.0, 300)
    for it in (0, 1, 5, 60):
        for a, b in zip(boosted_burnout(psi, gamma, tb, iterations=it), ref_burnout(psi, gamma, tb, iterations=it)):
            assert np.array_equal(a, b)
    shapes = rng.choice(["minimum_energy", "depressed", "lofted"], 40).astype(object)
    assert np.array_equal(shape_flight_path_angle(psi[:40], tb[:40], shapes), ref_shape(psi[:40], tb[:40], shapes))
    # a (2, 3) batch keeps its shape
    v, xy, bad = boosted_burnout(psi[:6].reshape(2, 3), gamma[:6].reshape(2, 3), tb[:6].reshape(2, 3))
    assert v.shape == (2, 3) and xy.shape == (2, 3, 2) and bad.shape == (2, 3)


def test_arc_kernel_reports_a_missile_that_never_comes_down() -> None:
    """k_max too small: the kernel says so (the mover raises NumericalError, as before)."""
    ok, k_imp, *_ = ballistic.arc_kernel(np.array([0.7]), np.array([2000.0]), np.array([0.0]),
                                         np.array([[EARTH_MEAN_RADIUS_M, 0.0]]), 2.0, EARTH_MEAN_RADIUS_M,
                                         3.986004418e14, 5)  # fmt: skip
    assert not ok
    ok, k_imp, *_ = ballistic.arc_kernel(np.array([0.7]), np.array([2000.0]), np.array([0.0]),
                                         np.array([[EARTH_MEAN_RADIUS_M, 0.0]]), 2.0, EARTH_MEAN_RADIUS_M,
                                         3.986004418e14, 10_000)  # fmt: skip
    assert ok and k_imp[0] > 5


@pytest.mark.parametrize("name", ["turkey-2017", "turkey-2017-integrated"])
def test_template_draws_the_numpy_movers_ballistic_tables(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each seed's drawn ``BallisticMover`` (the template's static columns + the drawn points) has
    the tables the NumPy mover computes from the same inputs, and the draw equals ``compile_world``."""
    import iadsim
    import iadsim.engine.world as world
    from iadsim.rng import make_streams

    seen: list[tuple[tuple, dict]] = []

    class Capture(BallisticMover):
        def __init__(self, *a: object, **k: object) -> None:
            seen.append((a, k))
            super().__init__(*a, **k)  # type: ignore[arg-type]

    sc = iadsim.load_scenario(name)
    tpl = world.build_template(sc)
    monkeypatch.setattr(world, "BallisticMover", Capture)
    for seed in range(6):
        w = tpl.draw(make_streams(seed))
        assert np.array_equal(w.threats.arrival_time_s, world.compile_world(sc, None, make_streams(seed)).threats.arrival_time_s)
    assert len(seen) == 12 and len({a[0].tobytes() for a, _k in seen}) == 6  # seeds draw different launch points
    for a, k in seen[::2]:
        _assert_same(BallisticMover(*a, **k), RefMover(*a, **k))  # type: ignore[arg-type]
