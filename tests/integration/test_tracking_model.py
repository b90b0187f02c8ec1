"""End to end: the scenario's ``tracking.model`` reaches the engine's track table."""

from __future__ import annotations

import numpy as np

import iadsim

SMALL = "adana-patriot-small"


def _run(model: str):  # noqa: ANN202
    sc = iadsim.load_scenario(SMALL)
    data = sc.model_dump()
    data["fidelity"]["association"] = "gnn"
    data["tracking"]["model"] = model
    return iadsim.simulate(type(sc).model_validate(data))


def _states(res) -> dict[tuple[float, int, int], np.ndarray]:  # noqa: ANN001
    t = res.track_states
    key = zip(t["time_s"].to_numpy(), t["site"].to_numpy(), t["track"].to_numpy())
    x = np.column_stack([t[c].to_numpy() for c in ("x_m", "y_m", "z_m", "vx_mps", "vy_mps", "vz_mps")])
    return {k: x[i] for i, k in enumerate(key)}


def test_imm_model_runs_tracks_and_differs_from_cv() -> None:
    cv, imm = _run("cv"), _run("imm")
    assert imm.manifest["tracking"]["model"] == "imm" and cv.manifest["tracking"]["model"] == "cv"
    assert imm.summary["tracking"]["threats_ever_tracked"] == cv.summary["tracking"]["threats_ever_tracked"] == 8
    g_imm, g_cv = imm.summary["tracking"]["gospa"], cv.summary["tracking"]["gospa"]
    assert g_imm["samples"] > 0 and g_imm["mean_m"] <= 1.5 * g_cv["mean_m"] + 50.0
    # the option is not ignored: the filtered states of the same tracks differ
    a, b = _states(cv), _states(imm)
    common = sorted(set(a) & set(b))
    assert len(common) > 10
    diff = max(float(np.max(np.abs(a[k] - b[k]))) for k in common)
    assert diff > 1.0
