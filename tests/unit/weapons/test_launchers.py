"""Launchers hold their own rounds, reload after empty, fire only when ready."""

import numpy as np
import pytest

from iadsim.weapons.launchers import LauncherState, launchers_needed, layout


def _patriot():
    # 16 PAC-2 (4 per launcher) + 32 PAC-3 (16 per launcher): 4 + 2 = 6 launchers
    mag = np.array([[16, 32]])
    cap = np.array([[4, 16]])
    return mag, cap


def test_layout_distributes_loadout_over_launchers():
    mag, cap = _patriot()
    assert launchers_needed(mag, cap).tolist() == [6]
    tbl = layout(mag, cap, np.array([600.0]))
    assert tbl.itype.tolist() == [0, 0, 0, 0, 1, 1]
    assert tbl.initial_rounds.tolist() == [4, 4, 4, 4, 16, 16]
    tbl = layout(np.array([[10, 0]]), cap, np.array([600.0]))  # remainder on the last launcher
    assert tbl.initial_rounds.tolist() == [4, 4, 2]
    tbl = layout(mag, cap, np.array([600.0]), loadout_rank=np.array([[1, 0]]))
    assert tbl.itype.tolist() == [1, 1, 0, 0, 0, 0]


def test_salvo_drawn_from_ready_launchers_in_order_and_reload():
    mag = np.array([[6]])
    cap = np.array([[4]])
    st = LauncherState(layout(mag, cap, np.array([600.0])), reserve=np.array([[4]]))
    assert st.ready_rounds(0.0, 1, 1).tolist() == [[6]]
    used = st.take(np.array([0]), np.array([0]), np.array([3]), t_s=10.0)
    assert used.tolist() == [0, 0, 0]
    used = st.take(np.array([0]), np.array([0]), np.array([2]), t_s=20.0, t_empty_s=np.array([23.0]))
    assert used.tolist() == [0, 1]  # last round of launcher 0, then launcher 1
    # launcher 0 emptied at 23 s: reload of 4 from the reserve, ready at 623 s
    assert st.ready_at_s[0] == 623.0 and st.reload_n[0] == 4 and st.reserve[0, 0] == 0
    assert st.ready_rounds(600.0, 1, 1).tolist() == [[1]]
    with pytest.raises(ValueError):
        st.take(np.array([0]), np.array([0]), np.array([2]), t_s=600.0)
    assert st.complete_reloads(622.0).tolist() == []
    assert st.complete_reloads(623.0).tolist() == [0]
    assert st.ready_rounds(623.0, 1, 1).tolist() == [[5]]


def test_empty_launcher_without_reserve_stays_empty():
    st = LauncherState(layout(np.array([[4]]), np.array([[4]]), np.array([60.0])), reserve=np.zeros((1, 1)))
    st.take(np.array([0]), np.array([0]), np.array([4]), t_s=0.0)
    st.complete_reloads(1e6)
    assert st.ready_rounds(1e6, 1, 1).tolist() == [[0]]
    assert st.total_rounds(1, 1).tolist() == [[0]]


def test_take_serves_each_unit_from_its_own_launchers_and_names_the_short_one():
    """Two units in one call: each takes from its own ready launchers of the type, in launcher
    order; a unit with fewer ready rounds than requested raises, naming unit, type and counts,
    after the engagements before it were served."""
    tbl = layout(np.array([[3, 2], [4, 0]]), np.array([[2, 2], [2, 2]]), np.array([60.0, 90.0]))
    st = LauncherState(tbl, reserve=np.array([[2, 0], [0, 0]]))
    used = st.take(np.array([0, 1]), np.array([0, 0]), np.array([3, 1]), t_s=5.0)
    lau = [li for li in range(len(tbl)) if tbl.fire_unit[li] == 0 and tbl.itype[li] == 0]
    lau1 = [li for li in range(len(tbl)) if tbl.fire_unit[li] == 1 and tbl.itype[li] == 0]
    assert used.tolist() == [lau[0], lau[0], lau[1], lau1[0]]
    # unit 0's first launcher emptied at 5 s: reloaded from its reserve (2 rounds), ready at 65 s
    assert st.reload_n[lau[0]] == 2 and st.ready_at_s[lau[0]] == 65.0 and st.reserve[0, 0] == 0
    with pytest.raises(ValueError, match=r"unit 1 has 3 ready rounds of type 0, 4 requested"):
        st.take(np.array([0, 1]), np.array([1, 0]), np.array([1, 4]), t_s=6.0)
    assert st.rounds[[li for li in range(len(tbl)) if tbl.fire_unit[li] == 0 and tbl.itype[li] == 1]].sum() == 1


def test_ready_is_loaded_and_past_its_ready_time():
    """A launcher is ready when its ready time has come (to 1e-9 s) and it still holds rounds."""
    st = LauncherState(layout(np.array([[6]]), np.array([[4]]), np.array([60.0])), reserve=np.zeros((1, 1)))
    assert st.ready(0.0).tolist() == [True, True]
    st.take(np.array([0]), np.array([0]), np.array([4]), t_s=0.0)  # launcher 0 emptied, no reserve: no reload
    assert st.ready(1e6).tolist() == [False, True]
    st.ready_at_s[1] = 10.0
    assert st.ready(10.0 - 5e-10).tolist() == [False, True] and st.ready(10.0 - 2e-9).tolist() == [False, False]
