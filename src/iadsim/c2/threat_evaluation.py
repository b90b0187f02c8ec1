"""Threat evaluation: probability each track reaches each defended asset, value at risk, priority.

Pure array kernels over track estimates (position, velocity, covariance). **No truth label is
read**: a fire unit knows a threat only by its track.

Model (named simplification: "horizontal closest approach with a manoeuvre allowance")
---------------------------------------------------------------------------------------
In the local east–north plane of asset ``a`` (its ENU frame at the asset), with the track's
horizontal position ``r`` and velocity ``u`` relative to the asset:

* straight-line extrapolation; closest point of approach (CPA) at
  ``t* = max(0, −r·u / |u|²)`` (``t* = 0`` for an opening track or one with no horizontal
  speed), horizontal miss vector ``d = r + u t*``. The *horizontal* plane is used so that an
  aircraft overflying the asset at altitude, or a ballistic missile in midcourse, both of
  which fly a near-straight ground track at the asset, count as heading for it;
* uncertainty of the miss point: isotropic 2-D Gaussian of variance
  ``σ² = ½ tr(H P_pp Hᵀ) + ½ tr(H P_vv Hᵀ) t*² + (σ_ψ |u| t*)²`` — the track's horizontal
  position and velocity variances propagated to the CPA (cross terms neglected) plus a
  **manoeuvre allowance**: a 1-σ heading change ``σ_ψ`` before the CPA, whose lateral
  displacement after flying ``|u| t*`` is ``σ_ψ |u| t*`` (small angle). Default
  :data:`MANOEUVRE_ALLOWANCE_RAD` = 10° (stated assumption: the threat's intent is uncertain by
  about one route turn; a straight-flying track is believed to hold its heading to within 10°);
* the threat *reaches* the asset if its true CPA lies within ``R`` of it (default
  :data:`REACH_RADIUS_M` = 1 km, stated assumption: the extent of a defended base or town):

      P(reach a) = P(|d + e| ≤ R),  e ~ N(0, σ² I₂)  =  F_{χ'²}(R²/σ²; k = 2, λ = |d|²/σ²)

  (the non-central chi-square CDF with 2 degrees of freedom; with ``d = 0`` it is
  ``1 − exp(−R²/(2σ²))``).

Value at risk ``VaR = Σ_a value_a · P(reach a)`` (asset value units); time to go is
:func:`iadsim.c2.evaluation.time_to_go` (closing-speed model, earliest over assets).

Priority (documented rule): tracks are ranked by value at risk, highest first; ties by time to
go, earliest first; then by track id (:func:`priority_order`). The weapon–target assignment
uses ``VaR`` as the target value (with a small floor, :func:`assignment_values`).
"""

from __future__ import annotations

import llvmlite.binding as _llvm
import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import get_cython_function_address, intrinsic

from iadsim import numba_cache  # noqa: F401 - numba's cache under a cross-process lock (iadsim/numba_cache.py)
from iadsim.geo import frames

# SciPy's non-central χ² CDF (``scipy.special.chndtr``, the double-precision C function behind
# the ufunc, from ``scipy.special.cython_special``) callable from compiled code: its address is
# registered under a fixed symbol name, so the kernels that call it stay disk-cacheable.
def _chndtr_symbol() -> bool:
    """Register the double-precision ``chndtr`` of ``scipy.special.cython_special`` as
    ``iadsim_scipy_chndtr``; True when its C signature takes the trailing ``skip_dispatch`` flag.

    SciPy names it ``__pyx_fuse_0chndtr`` where the function is fused (float / double variants,
    the double one first) and ``chndtr`` where it is not; the capsule's signature string is checked
    so a SciPy with another layout fails at import with a clear message, not with wrong numbers.
    """
    import scipy.special.cython_special as cs

    capi = cs.__pyx_capi__  # type: ignore[attr-defined]
    for name in ("__pyx_fuse_0chndtr", "chndtr"):
        if name in capi:
            sig = str(capi[name])
            if "double (double, double, double" in sig:
                _llvm.add_symbol("iadsim_scipy_chndtr", get_cython_function_address("scipy.special.cython_special", name))
                return "skip_dispatch" in sig
    raise ImportError("iadsim: scipy.special.cython_special has no double chndtr(double, double, double) "
                      f"(SciPy {__import__('scipy').__version__}); threat evaluation needs it")


_CHNDTR_SKIP_DISPATCH = _chndtr_symbol()


@intrinsic
def _chndtr(typingctx, x, df, nc):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """``scipy.special.chndtr(x, df, nc)`` in compiled code (the same C function, same numbers)."""
    sig = types.float64(types.float64, types.float64, types.float64)

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        extra = [ir.IntType(32)] if _CHNDTR_SKIP_DISPATCH else []
        fnty = ir.FunctionType(ir.DoubleType(), [ir.DoubleType()] * 3 + extra)
        fn = cgutils.get_or_insert_function(builder.module, fnty, "iadsim_scipy_chndtr")
        return builder.call(fn, [args[0], args[1], args[2]] + [ir.Constant(t, 0) for t in extra])

    return sig, codegen


@njit(cache=True, error_model="numpy")
def chndtr2(x: float, nc: float) -> float:  # pragma: no cover - compiled
    """``scipy.special.chndtr(x, 2, nc)``: the non-central χ² CDF with 2 degrees of freedom."""
    return _chndtr(x, 2.0, nc)

#: Reach radius around a defended asset, m (stated assumption: a base or town of order 1 km).
REACH_RADIUS_M = 1000.0
#: Manoeuvre allowance: 1-σ heading change before the closest approach, rad (stated assumption, 10°).
MANOEUVRE_ALLOWANCE_RAD = float(np.deg2rad(10.0))
#: Relative floor of the assignment values (see :func:`assignment_values`).
VALUE_FLOOR = 1e-6


def asset_frames(asset_ecef_m: np.ndarray) -> np.ndarray:
    """(A, 3, 3) ECEF→ENU rotation at each asset (rows east, north, up)."""
    a = np.asarray(asset_ecef_m, float).reshape(-1, 3)
    if len(a) == 0:
        return np.zeros((0, 3, 3))
    lat, lon, _ = frames.ecef_to_geodetic(a)
    return np.asarray(frames.enu_rotation(np.asarray(lat, float), np.asarray(lon, float))).reshape(-1, 3, 3)


def reach_probability(p_m: np.ndarray, v_mps: np.ndarray, P: np.ndarray, asset_ecef_m: np.ndarray,
                      asset_rot: np.ndarray, radius_m: float = REACH_RADIUS_M,
                      manoeuvre_rad: float = MANOEUVRE_ALLOWANCE_RAD) -> np.ndarray:  # fmt: skip
    """Probability each track reaches each asset (module docstring: horizontal CPA model).

    Parameters
    ----------
    p_m, v_mps : (n, 3) track position (ECEF, m) and velocity (ECEF, m/s).
    P : (n, 6, 6) track covariance (position m², velocity m²/s²) or (n, 3, 3) position only.
    asset_ecef_m : (A, 3) assets (ECEF, m). asset_rot : (A, 3, 3) from :func:`asset_frames`.
    radius_m : reach radius R, m. manoeuvre_rad : manoeuvre allowance σ_ψ, rad.

    Returns
    -------
    (n, A) probabilities in [0, 1].
    """
    p = np.ascontiguousarray(p_m, float).reshape(-1, 3)
    v = np.ascontiguousarray(v_mps, float).reshape(-1, 3)
    n, A = len(p), len(asset_ecef_m)
    if n == 0 or A == 0:
        return np.zeros((n, A))
    Pm = np.ascontiguousarray(P, float)
    return reach_kernel(p, v, Pm.reshape(n, Pm.shape[-2], Pm.shape[-1]), np.ascontiguousarray(asset_ecef_m, float),
                        np.ascontiguousarray(asset_rot, float), float(radius_m), float(manoeuvre_rad))


@njit(cache=True, error_model="numpy")
def _dot3(h: np.ndarray, x0: float, x1: float, x2: float) -> float:  # pragma: no cover - compiled
    """h · x for 3-vectors, summed as (h₀x₀ + h₂x₂) + h₁x₁ (the order of NumPy's einsum here, so the
    kernel gives the numbers the former NumPy expression gave)."""
    return (h[0] * x0 + h[2] * x2) + h[1] * x1


@njit(cache=True, error_model="numpy")
def reach_kernel(p: np.ndarray, v: np.ndarray, P: np.ndarray, asset: np.ndarray, rot: np.ndarray,
                 radius_m: float, manoeuvre_rad: float) -> np.ndarray:  # pragma: no cover - compiled
    """:func:`reach_probability` of every (track, asset): the module docstring's model, one loop.

    p, v (n, 3); P (n, 6, 6) or (n, 3, 3); asset (A, 3); rot (A, 3, 3). Returns (n, A).
    """
    n, A = p.shape[0], asset.shape[0]
    out = np.zeros((n, A))
    has_v = P.shape[2] >= 6
    R2 = radius_m**2
    for k in range(n):
        for a in range(A):
            H = rot[a]
            d0, d1, d2_ = p[k, 0] - asset[a, 0], p[k, 1] - asset[a, 1], p[k, 2] - asset[a, 2]
            r0 = _dot3(H[0], d0, d1, d2_)  # horizontal position (east, north) relative to the asset
            r1 = _dot3(H[1], d0, d1, d2_)
            u0 = _dot3(H[0], v[k, 0], v[k, 1], v[k, 2])  # horizontal velocity
            u1 = _dot3(H[1], v[k, 0], v[k, 1], v[k, 2])
            uu = u0 * u0 + u1 * u1
            ts = -(r0 * u0 + r1 * u1) / uu if uu > 1e-12 else 0.0  # time of closest approach
            ts = max(ts, 0.0)
            m0, m1 = r0 + u0 * ts, r1 + u1 * ts  # miss vector at the CPA
            dd = m0 * m0 + m1 * m1
            var_p = 0.0  # ½ tr(H P_pp Hᵀ), ½ tr(H P_vv Hᵀ)
            var_v = 0.0
            for i in range(2):
                for j in range(3):
                    for l in range(3):
                        var_p += H[i, j] * P[k, j, l] * H[i, l]
                        if has_v:
                            var_v += H[i, j] * P[k, 3 + j, 3 + l] * H[i, l]
            s2 = 0.5 * var_p + 0.5 * var_v * ts**2 + (manoeuvre_rad * np.sqrt(uu) * ts) ** 2
            s2 = max(s2, 1e-6)
            c = _chndtr(R2 / s2, 2.0, dd / s2)
            out[k, a] = 0.0 if c < 0.0 else (1.0 if c > 1.0 else c)
    return out


def value_at_risk(p_reach: np.ndarray, asset_value: np.ndarray) -> np.ndarray:
    """(n,) value at risk ``VaR = Σ_a value_a · P(reach a)`` (asset value units).

    Parameters
    ----------
    p_reach : (n, A) from :func:`reach_probability`. asset_value : (A,) asset values.
    """
    pr = np.asarray(p_reach, float)
    if pr.shape[1] == 0:
        return np.zeros(pr.shape[0])
    return np.asarray(pr @ np.asarray(asset_value, float))


def priority_order(var: np.ndarray, tgo_s: np.ndarray, track_id: np.ndarray) -> np.ndarray:
    """Indices of the tracks in priority order: VaR descending, then time to go, then track id
    (ties in index order; NaN after every number), by :func:`priority_order_kernel`, the one the
    engine's compiled decision calls.

    Parameters
    ----------
    var, tgo_s, track_id : (n,) value at risk, time to go [s] (∞ allowed), track id.
    """
    return priority_order_kernel(np.ascontiguousarray(var, float), np.ascontiguousarray(tgo_s, float),
                                 np.ascontiguousarray(track_id, np.int64))


@njit(cache=True, error_model="numpy")
def _before(a: float, b: float) -> int:  # pragma: no cover - compiled
    """−1 / 0 / 1: a sorts before / with / after b in NumPy's ascending sort (NaN last, NaNs equal)."""
    if a != a:
        return 0 if b != b else 1
    if b != b:
        return -1
    return -1 if a < b else (1 if a > b else 0)


@njit(cache=True, error_model="numpy")
def priority_order_kernel(var: np.ndarray, tgo: np.ndarray, track_id: np.ndarray) -> np.ndarray:  # pragma: no cover
    """The priority order of :func:`priority_order`, the same as ``np.lexsort((track_id, tgo, −var))``,
    i.e. value at risk descending, then time to go, then track id, ties in index order (stable;
    NaN after every number, as NumPy sorts). An insertion sort: a cycle has a few engagements."""
    n = var.shape[0]
    order = np.arange(n)
    for i in range(1, n):
        j = i
        while j > 0:
            a, b = order[j - 1], order[j]  # is b before a?
            c = _before(-var[b], -var[a])
            if c == 0:
                c = _before(tgo[b], tgo[a])
            if c == 0:
                c = -1 if track_id[b] < track_id[a] else (1 if track_id[b] > track_id[a] else 0)
            if c >= 0:
                break
            order[j - 1], order[j] = b, a
            j -= 1
    return order


def assignment_values(var: np.ndarray) -> np.ndarray:
    """(n,) target values for the weapon–target assignment of one decision group.

    ``V_j = max(VaR_j / max_k VaR_k, VALUE_FLOOR)`` (1 for every target when all VaR are 0):
    scaled to the group's largest value at risk (the solver's objective is scale-free), and
    floored so that a hostile or unknown track whose straight-line extrapolation threatens no
    asset now (e.g. a cruise missile on a dog-leg of its route) is still worth a round when no
    more valuable target needs it (stated doctrine assumption: every engageable threat is
    engaged when a round is free, as before threat evaluation existed).
    """
    v = np.ascontiguousarray(var, float)
    if len(v) == 0:
        return v
    return assignment_values_kernel(v)


@njit(cache=True, error_model="numpy")
def assignment_values_kernel(v: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """:func:`assignment_values` of a non-empty (n,) array (compiled; NaN in ``v`` gives all ones)."""
    top = v[0]
    for x in v:
        if np.isnan(x) or np.isnan(top):
            top = np.nan
        elif x > top:
            top = x
    if not np.isfinite(top) or top <= 0:
        return np.ones(len(v))
    out = np.empty(len(v))
    for k in range(len(v)):
        out[k] = max(v[k] / top, VALUE_FLOOR)
    return out


def evaluate(p_m: np.ndarray, v_mps: np.ndarray, P: np.ndarray, asset_ecef_m: np.ndarray, asset_rot: np.ndarray,
             asset_value: np.ndarray, radius_m: float = REACH_RADIUS_M,
             manoeuvre_rad: float = MANOEUVRE_ALLOWANCE_RAD) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Value at risk and time to go of each track, ``(VaR (n,), tgo (n,) s)``."""
    from iadsim.c2.evaluation import time_to_go

    pr = reach_probability(p_m, v_mps, P, asset_ecef_m, asset_rot, radius_m, manoeuvre_rad)
    return value_at_risk(pr, asset_value), time_to_go(np.asarray(p_m, float), np.asarray(v_mps, float), asset_ecef_m)
