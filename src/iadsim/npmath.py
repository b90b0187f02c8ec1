"""NumPy's own float64 ``arctan2``, ``tan``, ``power`` and ``expm1`` as scalar functions for numba kernels.

Why: a compiled kernel that replaces a NumPy formula must give the same bits, and for these
functions NumPy and numba differ. NumPy (≥ 1.22, built with Intel's SVML) evaluates
float64 ``arctan2``, ``tan``, ``power`` and ``expm1`` with the SVML high-accuracy vector routines
(``__svml_atan28_ha``, ``__svml_tan8_ha``, ``__svml_pow8_ha``, ``__svml_expm18_ha``, exported by
``numpy._core._multiarray_umath``) whenever its runtime dispatch picked the AVX512_SKX / X86_V4
loop, and with the C library otherwise; numba always calls the C library. Measured on this
project's machines: libm and SVML disagree in the last bit on ≈ 7 % (``arctan2``), ≈ 40 % (``tan``)
and ≈ 5 % (``x**3``) of random arguments, while ``sin``, ``cos``, ``sqrt`` and ``hypot`` agree.

:func:`atan2`, :func:`tan`, :func:`pow` and :func:`expm1` are numba intrinsics that call exactly what NumPy
calls here: the SVML routine (the scalar broadcast to the 8 lanes of a ``<8 x double>``, lane 0
returned) when NumPy's dispatch for that ufunc is not its baseline and the symbol is exported,
else the C library's ``atan2`` / ``tan`` / ``pow`` / ``expm1``. The choice is made once at import and
compiled into the kernels (numba's on-disk cache is keyed by the CPU, so another machine compiles
its own). ``tests/unit/test_npmath.py`` checks bit-identity with NumPy on random arguments; with
``NPY_DISABLE_CPU_FEATURES="X86_V4 AVX512_ICL AVX512_SPR"`` (NumPy on its baseline loops, as on a
CPU without AVX-512) and a fresh ``NUMBA_CACHE_DIR`` the same tests, and the ballistic kernels'
bit-identity tests, pass on the C-library branch.

Caveat: numba's cache key does not include this module's source nor ``NPY_DISABLE_CPU_FEATURES``;
after changing either, clear the kernels' ``__pycache__`` (or use another ``NUMBA_CACHE_DIR``).
"""

from __future__ import annotations

import ctypes
from typing import Any

import llvmlite.binding as llvm
import llvmlite.ir as ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

__all__ = ["atan2", "tan", "pow", "expm1", "atan2_block", "tan_block", "BLOCK", "USES_SVML"]

_SVML = {"arctan2": ("__svml_atan28_ha", "atan2", 2), "tan": ("__svml_tan8_ha", "tan", 1),
         "power": ("__svml_pow8_ha", "pow", 2), "expm1": ("__svml_expm18_ha", "expm1", 1)}  # fmt: skip


def _umath() -> Any:
    try:
        from numpy._core import _multiarray_umath as umath  # NumPy ≥ 2
    except ImportError:  # pragma: no cover - NumPy 1.x
        from numpy.core import _multiarray_umath as umath  # type: ignore[no-redef]
    return umath


def _numpy_uses_svml(ufunc: str, symbol: str) -> bool:
    """True when NumPy's float64 ``ufunc`` loop is its SVML one (and ``symbol`` is exported).

    NumPy ≥ 2: its dispatch report (``numpy.lib.introspect.opt_func_info``) says the loop is past
    the baseline; NumPy 1.x: the CPU has AVX512_SKX (the only SVML target).
    """
    try:
        umath = _umath()
        try:
            from numpy.lib.introspect import opt_func_info
        except ImportError:  # pragma: no cover - NumPy 1.x
            if not umath.__cpu_features__.get("AVX512_SKX", False):
                return False
        else:
            info = opt_func_info(func_name=f"^{ufunc}$", signature="float64")[ufunc]
            if next(iter(info.values()))["current"].startswith("baseline"):
                return False
        lib = ctypes.CDLL(umath.__file__)
        llvm.add_symbol(symbol, ctypes.cast(lib[symbol], ctypes.c_void_p).value)
        return True
    except (ImportError, AttributeError, KeyError, OSError, StopIteration):  # no SVML in this build
        return False


#: ufunc name → whether the kernels call SVML (True) or the C library (False) for it.
USES_SVML: dict[str, bool] = {u: _numpy_uses_svml(u, s) for u, (s, _c, _n) in _SVML.items()}


def _codegen(ufunc: str, svml: bool | None = None) -> Any:
    """LLVM code of one call: SVML (``svml`` True) or the C library; ``None`` = what NumPy uses here."""
    symbol, cname, nargs = _SVML[ufunc]
    svml = USES_SVML[ufunc] if svml is None else svml

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        d = ir.DoubleType()
        if not svml:
            fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(d, [d] * nargs), cname)
            return builder.call(fn, list(args))
        vec = ir.VectorType(d, 8)
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(vec, [vec] * nargs), symbol)
        lanes = []
        for a in args:
            v = ir.Constant(vec, ir.Undefined)
            for lane in range(8):
                v = builder.insert_element(v, a, ir.Constant(ir.IntType(32), lane))
            lanes.append(v)
        return builder.extract_element(builder.call(fn, lanes), ir.Constant(ir.IntType(32), 0))

    return codegen


@intrinsic
def atan2(typingctx: Any, y: Any, x: Any) -> Any:
    """``np.arctan2(y, x)`` for float64 scalars, bit for bit (compiled code only)."""
    return types.float64(types.float64, types.float64), _codegen("arctan2")


@intrinsic
def tan(typingctx: Any, x: Any) -> Any:
    """``np.tan(x)`` for a float64 scalar, bit for bit (compiled code only)."""
    return types.float64(types.float64), _codegen("tan")


@intrinsic
def pow(typingctx: Any, x: Any, y: Any) -> Any:  # noqa: A001 - NumPy's name for it is power
    """``np.power(x, y)`` (= ``x ** y`` on float64 arrays) for float64 scalars, bit for bit."""
    return types.float64(types.float64, types.float64), _codegen("power")


@intrinsic
def expm1(typingctx: Any, x: Any) -> Any:
    """``np.expm1(x)`` for a float64 scalar, bit for bit (compiled code only)."""
    return types.float64(types.float64), _codegen("expm1")


#: Lanes of one :func:`atan2_block` / :func:`tan_block` call.
BLOCK = 8


def _block_codegen(ufunc: str, svml: bool | None = None) -> Any:
    """LLVM code of ``out[i:i+8] = f(a[i:i+8], ...)`` (contiguous float64 arrays; SVML or libm)."""
    symbol, cname, nargs = _SVML[ufunc]
    svml = USES_SVML[ufunc] if svml is None else svml

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        d = ir.DoubleType()
        vec = ir.VectorType(d, BLOCK)
        arrs = [context.make_array(signature.args[k])(context, builder, args[k]) for k in range(nargs + 1)]
        idx = args[nargs + 1]

        def ptr(a: Any) -> Any:
            return builder.bitcast(builder.gep(a.data, [idx]), vec.as_pointer())

        ins = [builder.load(ptr(a), align=8) for a in arrs[:nargs]]
        if svml:
            fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(vec, [vec] * nargs), symbol)
            res = builder.call(fn, ins)
        else:
            fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(d, [d] * nargs), cname)
            res = ir.Constant(vec, ir.Undefined)
            for lane in range(BLOCK):
                k = ir.Constant(ir.IntType(32), lane)
                res = builder.insert_element(res, builder.call(fn, [builder.extract_element(v, k) for v in ins]), k)
        builder.store(res, ptr(arrs[nargs]), align=8)
        return context.get_dummy_value()

    return codegen


@intrinsic
def atan2_block(typingctx: Any, y: Any, x: Any, out: Any, i: Any) -> Any:
    """``out[i:i+8] = np.arctan2(y[i:i+8], x[i:i+8])`` bit for bit, one vector call (compiled code
    only). ``y, x, out``: C-contiguous float64 1-d arrays with at least i + 8 elements (not checked)."""
    return types.none(y, x, out, types.int64), _block_codegen("arctan2")


@intrinsic
def tan_block(typingctx: Any, x: Any, out: Any, i: Any) -> Any:
    """``out[i:i+8] = np.tan(x[i:i+8])`` bit for bit, one vector call (compiled code only)."""
    return types.none(x, out, types.int64), _block_codegen("tan")
