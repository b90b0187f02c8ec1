"""Arguments of the engine's kernels held as borrowed references (no reference counting on them).

numba gives every function argument that holds a reference-counted value (an array, a tuple of
arrays, a ``StructRef``) its own reference: an ``NRT_incref`` when the argument is bound on entry
and an ``NRT_decref`` where the variable is last used (numba's ``ir.Del``, placed after the last
use). Its reference-count pruning pass (llvmlite's ``refprune``) removes such a pair only when no
other decrement lies between the two, since any decrement might free memory; in a kernel that
frees a work array, or whose arguments die at different places, the pairs stay. They cost the
engine a call each: ``NRT_incref`` alone was 13–15 % of a ``turkey-2017`` replication's samples
(``benchmarks/perf_steady.py``), about 30 reference operations per call of a kernel such as
``tracking.kernels.joseph_pair``.

The caller holds its own reference to every argument for the whole call (numba's call lowering
deletes an argument's variable only after the call statement; the CPython wrapper releases the
unboxed arrays after the call returns), so the callee's reference adds nothing. :func:`install`
makes numba keep the caller's reference instead, for the functions of the ``iadsim`` modules.
A variable is *borrowed* (:func:`borrowed_names`) when it is assigned exactly once in the function
and from its ``ir.Arg`` (a parameter reassigned in the body — numba's front end names the new
value apart — or a variable assigned twice keeps numba's rule), or from an item of a borrowed
tuple, the unpacking of one, or a copy of a borrowed variable (a tuple is immutable, so the items
of a borrowed tuple live as long as it does). numba's lowering is changed for those variables only
(``numba.core.lowering.Lower``):

1. ``lower_assign``: the increment numba emits for the assignment is followed at once by a
   decrement, and ``refprune`` removes the two (same basic block, nothing between);
2. ``lower_inst`` of its ``ir.Del``: the variable's slot is cleared as numba does, without the
   decrement;
3. ``storevar``: a store (in a loop, say) does not release the value held before, which was
   borrowed too.

Everything else is numba's own: a borrowed value put in a tuple or a list, returned (numba's
``cast`` before a return increments), passed to a variable that is also assigned something else,
or viewed (a slice holds its parent) takes its own reference as before. Generators keep numba's
rule. The machine code differs, so :func:`install` also adds a marker to numba's cache key (``CPUCodegen.magic_tuple``): a kernel
cached without the rule is recompiled, never loaded, in a process with it, and the other way
round.

``IADSIM_NUMBA_BORROWED_ARGS=0`` in the environment (read once, at import) keeps numba's rule
everywhere: for comparisons (``benchmarks/bench_borrowed_args.py``) and as a way out should a
numba release change the internals patched here. Where those internals are missing (another numba
version) nothing is patched and numba's rule stays.

Measured on 2026-12-07 (``benchmarks/profile_compiled.py 40``, the two codes alternated on one
host): 36.1–36.4 ms of CPU a ``turkey-2017`` replication against 46.8–50.4 ms without the rule,
the same events to the byte on the five scenarios of ``benchmarks/bench_events_identity.py``.
``benchmarks/bench_borrowed_args.py`` compares the two side by side in one script (not yet run:
no results file).
"""

from __future__ import annotations

import os
from typing import Any

#: the modules whose functions get borrowed arguments (prefixes of ``func_id.modname``)
MODULES: tuple[str, ...] = ("iadsim",)
#: added to numba's cache key while the rule is on (bump it when the rule changes)
CACHE_MARKER = ("iadsim-borrowed-args", 2)
_ENV = "IADSIM_NUMBA_BORROWED_ARGS"
_installed: list[bool] = []


def enabled() -> bool:
    """Whether the rule is installed in this process."""
    return bool(_installed and _installed[0])


def borrowed_names(func_ir: Any, typeof: Any = None) -> set[str]:
    """The variables of ``func_ir`` that hold only borrowed references: each assigned exactly once,
    from an ``ir.Arg``, or — given ``typeof`` (variable name → numba type) — from an item of, or
    the unpacking of, a borrowed tuple (``static_getitem``, ``getitem``, ``exhaust_iter``), or as
    a plain copy of a borrowed variable."""
    from numba.core import ir, types

    defs: dict[str, list[Any]] = {}
    for blk in func_ir.blocks.values():
        for stmt in blk.body:
            if isinstance(stmt, ir.Assign):
                defs.setdefault(stmt.target.name, []).append(stmt.value)
    single = {name: vals[0] for name, vals in defs.items() if len(vals) == 1}
    out = {name for name, v in single.items() if isinstance(v, ir.Arg)}
    if typeof is None:
        return out
    grown = True
    while grown:
        grown = False
        for name, v in single.items():
            if name in out:
                continue
            if isinstance(v, ir.Var):
                src = v.name
            elif isinstance(v, ir.Expr) and v.op in ("static_getitem", "getitem", "exhaust_iter"):
                src = v.value.name
                if not isinstance(typeof(src), types.BaseTuple):  # an array's item is a new view
                    continue
            else:
                continue
            if src in out:
                out.add(name)
                grown = True
    return out


def install() -> bool:
    """Install the rule (idempotent); returns whether it is on."""
    if _installed:
        return _installed[0]
    if os.environ.get(_ENV, "1").strip() == "0":
        _installed.append(False)
        return False
    try:
        from llvmlite.ir import Constant
        from numba.core import codegen, ir, lowering

        lower_assign = lowering.Lower.lower_assign
        lower_inst = lowering.Lower.lower_inst
        storevar = lowering.Lower.storevar
        magic_tuple = codegen.CPUCodegen.magic_tuple
        for attr in ("_alloca_var", "getvar", "decref", "typeof"):
            getattr(lowering.Lower, attr)
    except (ImportError, AttributeError):  # pragma: no cover - other numba internals: keep numba's rule
        _installed.append(False)
        return False

    def _borrowed(self: Any) -> frozenset:
        names = self.__dict__.get("_iadsim_borrowed")
        if names is None:
            fir = self.func_ir
            on = not fir.is_generator and str(getattr(fir.func_id, "modname", "")).startswith(MODULES)
            names = frozenset(borrowed_names(fir, self.typeof)) if on else frozenset()
            self._iadsim_borrowed = names
        return names

    def _lower_assign(self: Any, ty: Any, inst: Any) -> Any:
        res = lower_assign(self, ty, inst)
        if inst.target.name in _borrowed(self):
            self.decref(ty, res)  # undoes the increment just made: the reference is borrowed
        return res

    def _storevar(self: Any, value: Any, name: str, argidx: Any = None) -> None:
        if argidx is not None or name not in _borrowed(self):
            return storevar(self, value, name, argidx=argidx)
        # numba's store without releasing the old value: a borrowed variable never owns one
        self._alloca_var(name, self.typeof(name))
        if name in self._singly_assigned_vars and not self._disable_sroa_like_opt:
            self._blk_local_varmap[name] = value
        else:
            self.builder.store(value, self.getvar(name))
        return None

    def _lower_inst(self: Any, inst: Any) -> Any:
        if not (isinstance(inst, ir.Del) and inst.value in _borrowed(self)):
            return lower_inst(self, inst)
        # numba's delvar without the decrement (the slot is still cleared)
        name = inst.value
        if name not in self._blk_local_varmap and not self._disable_sroa_like_opt:
            self._singly_assigned_vars.discard(name)
        self._alloca_var(name, self.typeof(name))
        if not (name in self._blk_local_varmap and not self._disable_sroa_like_opt):
            ptr = self.getvar(name)
            self.builder.store(Constant(ptr.type.pointee, None), ptr)
        return None

    def _magic_tuple(self: Any) -> tuple:
        return tuple(magic_tuple(self)) + (CACHE_MARKER,)

    lowering.Lower.lower_assign = _lower_assign
    lowering.Lower.storevar = _storevar
    lowering.Lower.lower_inst = _lower_inst
    codegen.CPUCodegen.magic_tuple = _magic_tuple
    _installed.append(True)
    return True
