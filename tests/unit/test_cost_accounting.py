"""Honest cost accounting: costed items only, missing costs never $0."""

import numpy as np

from iadsim.results.metrics import cost_accounting

NAN = float("nan")


def _acc(**kw):
    base = dict(target_asset=np.array([0, 0, 0]), asset_value=np.array([100.0, 50.0]), asset_lost=np.array([0.0, 0.0]),
                launched_threats=np.array([0, 1, 2]))
    base.update(kw)
    return cost_accounting(**base)


def test_uncosted_kill_and_its_rounds_left_out_of_both_sides():
    # threat 0: cruise missile $1.4 M, killed by a $2 M round; threat 1: ballistic, no cost, killed by
    # two $5 M rounds; threat 2: $1 M, engaged by an uncosted round and killed
    c = _acc(launch_cost=np.array([2e6, 5e6, 5e6, NAN]), launch_threat=np.array([0, 1, 1, 2]),
             killed=np.array([0, 1, 2]), threat_cost=np.array([1.4e6, NAN, 1e6]))
    assert c["exchange_ratio"] == 1.4e6 / 2e6  # only threat 0 and its round
    assert c["exchange_excluded_interceptors"] == 3
    assert c["exchange_excluded_threats_destroyed"] == 2
    assert c["threats_destroyed_without_public_cost"] == 1
    assert c["interceptors_without_public_cost"] == 1
    # the old mixed ratio would have been 2.4 M / 12 M = 0.2: $0 for the ballistic kill
    assert c["exchange_ratio"] != 2.4e6 / 12e6


def test_rounds_at_false_tracks_count_as_spent():
    c = _acc(launch_cost=np.array([2e6, 2e6]), launch_threat=np.array([0, -1]), killed=np.array([0]),
             threat_cost=np.array([1.4e6, NAN, NAN]))
    assert c["exchange_ratio"] == 1.4e6 / 4e6


def test_value_protected_per_dollar_none_when_any_round_uncosted():
    c = _acc(launch_cost=np.array([2e6, NAN]), launch_threat=np.array([0, 1]), killed=np.array([0, 1]),
             threat_cost=np.array([1.4e6, NAN, 1e6]))
    assert c["value_protected"] == 100.0  # asset 0 attacked and survived; asset 1 never attacked
    assert c["value_protected_per_interceptor_usd"] is None
    assert c["value_protected_per_interceptor_usd_upper_bound"] == 100.0 / 2e6
    c = _acc(launch_cost=np.array([2e6]), launch_threat=np.array([0]), killed=np.array([0]),
             threat_cost=np.array([1.4e6, NAN, 1e6]), asset_lost=np.array([100.0, 0.0]))
    assert c["value_protected"] == 0.0 and c["value_protected_per_interceptor_usd"] == 0.0
