"""Salvo resolution with a non-finite aim error (a diverged estimate): a miss with Pk 0, no crash."""

from __future__ import annotations

import numpy as np

from iadsim.weapons.kill_assessment import PK_DRAW, resolve


def test_nan_aim_error_is_a_miss_with_pk_zero() -> None:
    # two rounds at two live threats, nominal Pk 1; the first one's aim error is NaN
    kill, pk, reason = resolve(
        pk0=np.array([1.0, 1.0]), basket_m=np.array([10.0, 10.0]), miss_m=np.array([np.nan, 0.0]),
        target_valid=np.array([True, True]), target_alive=np.array([True, True]), guided=np.array([True, True]),
        threat=np.array([0, 1]), u=np.array([0.5, 0.5]),
    )  # fmt: skip
    assert kill.tolist() == [False, True]
    assert pk[0] == 0.0 and np.isfinite(pk).all()
    assert reason[0] == PK_DRAW


def test_infinite_aim_error_is_a_miss() -> None:
    kill, pk, _ = resolve(np.array([1.0]), np.array([10.0]), np.array([np.inf]), np.array([True]), np.array([True]),
                          np.array([True]), np.array([0]), np.array([0.0]))  # fmt: skip
    assert not kill[0] and pk[0] == 0.0
