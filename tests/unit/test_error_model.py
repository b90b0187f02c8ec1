"""The compiled kernels follow NumPy's error model (docs/design.md, "NumPy's error model in every
kernel"): a float division by zero gives ±inf or NaN, as the NumPy code they reproduce does,
instead of raising ``ZeroDivisionError`` in the middle of a run."""

from __future__ import annotations

import importlib
import pkgutil

import numpy as np
from numba.core.registry import CPUDispatcher

import iadsim
from iadsim.tracking import kernels


def _dispatchers() -> list[tuple[str, CPUDispatcher]]:
    out = []
    for info in pkgutil.walk_packages(iadsim.__path__, "iadsim."):
        if ".viewer" in info.name or info.name.endswith("__main__"):
            continue
        mod = importlib.import_module(info.name)
        for name, obj in vars(mod).items():
            if isinstance(obj, CPUDispatcher) and getattr(obj.py_func, "__module__", "") == info.name:
                out.append((f"{info.name}.{name}", obj))
    return out


def test_every_kernel_takes_numpys_error_model() -> None:
    found = _dispatchers()
    assert len(found) > 200  # the package's kernels, not an empty walk
    wrong = [name for name, d in found if d.targetoptions.get("error_model") != "numpy"]
    assert wrong == []


def test_a_singular_innovation_covariance_is_not_gated_as_in_numpy() -> None:
    # a predicted position and a detection with zero covariance: S = 0, det S = 0, so
    # d² = yᵀ S⁻¹ y is NaN in NumPy's arithmetic (0/0) and the pair is outside the gate; under
    # Python's error model the compiled gate raised ZeroDivisionError instead
    zp = np.zeros((1, 3))
    HPHt = np.zeros((1, 3, 3))
    z = np.zeros((1, 3))
    R = np.zeros((1, 3, 3))
    with np.errstate(divide="ignore", invalid="ignore"):
        Si_numpy = np.zeros(9) / np.float64(0.0)
    assert np.all(np.isnan(Si_numpy))
    ti, dj, y, d2, detS = kernels.gate_all_pairs(zp, HPHt, z, R, 3.0)
    assert ti.shape == (0,) and dj.shape == (0,)
    Si = np.empty((3, 3))
    assert kernels._inv3(np.zeros((3, 3)), Si) == 0.0
    assert np.all(np.isnan(Si))
