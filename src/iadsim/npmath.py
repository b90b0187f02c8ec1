"""NumPy's own float64 ``arctan2``, ``tan``, ``power``, ``expm1``, ``cbrt`` and ``arcsin`` as scalar functions for numba kernels.

Why: a compiled kernel that replaces a NumPy formula must give the same bits, and for these
functions NumPy and numba differ. NumPy (≥ 1.22, built with Intel's SVML) evaluates
float64 ``arctan2``, ``tan``, ``power``, ``expm1``, ``cbrt`` and ``arcsin`` with the SVML high-accuracy vector
routines (``__svml_atan28_ha``, ``__svml_tan8_ha``, ``__svml_pow8_ha``, ``__svml_expm18_ha``,
``__svml_cbrt8_ha``, ``__svml_asin8_ha``, exported by
``numpy._core._multiarray_umath``) whenever its runtime dispatch picked the AVX512_SKX / X86_V4
loop, and with the C library otherwise; numba always calls the C library. Measured on this
project's machines: libm and SVML disagree in the last bit on ≈ 7 % (``arctan2``), ≈ 40 % (``tan``)
and ≈ 5 % (``x**3``) of random arguments (``cbrt`` ≈ 56 %, ``arcsin`` ≈ 8 % of uniform arguments in
[0, 1)), while ``sin``, ``cos``, ``sqrt`` and ``hypot`` agree.

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

from iadsim import numba_cache  # noqa: F401 - numba's cache under a cross-process lock (iadsim/numba_cache.py)

__all__ = ["atan2", "tan", "pow", "expm1", "cbrt", "arcsin", "atan2_block", "tan_block", "BLOCK", "USES_SVML", "exp_into",
           "NUMPY_EXP_LOOP"]

_SVML = {"arctan2": ("__svml_atan28_ha", "atan2", 2), "tan": ("__svml_tan8_ha", "tan", 1),
         "power": ("__svml_pow8_ha", "pow", 2), "expm1": ("__svml_expm18_ha", "expm1", 1),
         "cbrt": ("__svml_cbrt8_ha", "cbrt", 1), "arcsin": ("__svml_asin8_ha", "asin", 1)}  # fmt: skip


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


@intrinsic
def cbrt(typingctx: Any, x: Any) -> Any:
    """``np.cbrt(x)`` for a float64 scalar, bit for bit (compiled code only)."""
    return types.float64(types.float64), _codegen("cbrt")


@intrinsic
def arcsin(typingctx: Any, x: Any) -> Any:
    """``np.arcsin(x)`` for a float64 scalar, bit for bit (compiled code only)."""
    return types.float64(types.float64), _codegen("arcsin")


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


# ---------------------------------------------------------------------------------------------
# float64 exp: NumPy's own inner loop
# ---------------------------------------------------------------------------------------------
#
# NumPy's float64 ``exp`` is neither SVML nor the C library on a CPU with AVX-512: its dispatch
# picks NumPy's own AVX512F routine (``loops_exponent_log``), whose last bit differs from libm's on
# ≈ 5 % of arguments. That routine exports no symbol; it is reached through the ufunc's loop
# table. ``PyUFuncObject`` (public, ``numpy/ufuncobject.h``) begins with PyObject_HEAD, the ints
# nin, nout, nargs, identity, then ``functions`` (the loops), ``data``, ``ntypes``, ``reserved1``,
# ``name`` and ``types``: the layout is read once, checked against what the ufunc reports
# (nin, nout, ntypes, name and the type table), and the first ``d->d`` loop — the one NumPy runs
# for a float64 array, the dispatched one — is registered as a symbol for the kernels.

_EXP_SYMBOL = "iadsim_numpy_exp_float64_loop"


def _numpy_exp_loop() -> int | None:
    """The address of ``np.exp``'s float64 loop (registered as :data:`_EXP_SYMBOL`), or None when
    the layout check fails or that loop takes a data pointer (a generic wrapper)."""
    import numpy as np

    try:
        u, base, vp, ci = np.exp, id(np.exp), ctypes.c_void_p, ctypes.c_int
        head = ctypes.sizeof(ctypes.c_ssize_t) + ctypes.sizeof(ctypes.c_void_p)  # ob_refcnt, ob_type
        nin, nout = ci.from_address(base + head).value, ci.from_address(base + head + 4).value
        off = head + 16
        functions, data = vp.from_address(base + off).value, vp.from_address(base + off + 8).value
        ntypes = ci.from_address(base + off + 16).value
        name = ctypes.c_char_p.from_address(base + off + 24).value
        table = vp.from_address(base + off + 32).value
        if (nin, nout, ntypes, name) != (u.nin, u.nout, u.ntypes, b"exp") or not functions or not table:
            return None
        char = {np.dtype(c).num: c for sig in u.types for c in sig.split("->")}  # its types' number → character
        codes = ctypes.string_at(table, ntypes * 2)
        if [f"{char.get(codes[2 * i])}->{char.get(codes[2 * i + 1])}" for i in range(ntypes)] != list(u.types):
            return None
        i = list(u.types).index("d->d")
        fn = vp.from_address(functions + 8 * i).value
        if not fn or (data and vp.from_address(data + 8 * i).value):
            return None
        llvm.add_symbol(_EXP_SYMBOL, fn)
        return fn
    except (AttributeError, ValueError, OSError, KeyError, TypeError):  # pragma: no cover - another NumPy
        return None


#: The address of NumPy's float64 exp loop here, or None (the kernels then call libm's ``exp``, which
#: is not bit-identical to NumPy's on an AVX-512 CPU; the engine keeps NumPy's exp in Python then:
#: ``engine.run``'s arrivals).
NUMPY_EXP_LOOP: int | None = _numpy_exp_loop()


@intrinsic
def exp_into(typingctx: Any, x: Any, out: Any) -> Any:
    """``out[:] = np.exp(x)`` for C-contiguous float64 1-d arrays of one length (not checked), bit
    for bit: one call of NumPy's own float64 loop (:data:`NUMPY_EXP_LOOP`); the C library's
    ``exp`` element by element where that loop was not found (compiled code only)."""
    sig = types.none(x, out)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        d, i8p, i64 = ir.DoubleType(), ir.IntType(8).as_pointer(), ir.IntType(64)
        xa = context.make_array(signature.args[0])(context, builder, args[0])
        oa = context.make_array(signature.args[1])(context, builder, args[1])
        n = cgutils.unpack_tuple(builder, xa.shape, 1)[0]
        if NUMPY_EXP_LOOP is None:
            fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(d, [d]), "exp")
            with cgutils.for_range(builder, n) as loop:
                v = builder.load(builder.gep(xa.data, [loop.index]))
                builder.store(builder.call(fn, [v]), builder.gep(oa.data, [loop.index]))
            return context.get_dummy_value()
        # void loop(char **args, npy_intp const *dimensions, npy_intp const *steps, void *data)
        fty = ir.FunctionType(ir.VoidType(), [i8p.as_pointer(), i64.as_pointer(), i64.as_pointer(), i8p])
        fn = cgutils.get_or_insert_function(builder.module, fty, _EXP_SYMBOL)
        argv = cgutils.alloca_once(builder, i8p, size=2)
        builder.store(builder.bitcast(xa.data, i8p), builder.gep(argv, [ir.Constant(i64, 0)]))
        builder.store(builder.bitcast(oa.data, i8p), builder.gep(argv, [ir.Constant(i64, 1)]))
        dims = cgutils.alloca_once_value(builder, n)
        steps = cgutils.alloca_once(builder, i64, size=2)
        builder.store(ir.Constant(i64, 8), builder.gep(steps, [ir.Constant(i64, 0)]))
        builder.store(ir.Constant(i64, 8), builder.gep(steps, [ir.Constant(i64, 1)]))
        dp = builder.inttoptr(ir.Constant(i64, 0), i8p)  # the d->d loop's data (NULL: checked at import)
        with builder.if_then(builder.icmp_signed(">", n, ir.Constant(i64, 0))):
            builder.call(fn, [argv, dims, steps, dp])
        return context.get_dummy_value()

    return sig, codegen
