"""Borrowed arguments (iadsim/numba_refs.py): the reference operations go, memory stays right.

* the rule removes the argument reference operations of a kernel (counted in its machine code),
  and without the rule (``IADSIM_NUMBA_BORROWED_ARGS=0``, in a subprocess) they are there;
* kernels that return, view, pack, rebind or raise on their arguments give the right values and
  leave numba's allocation statistics balanced (every allocation and every MemInfo freed) after
  thousands of calls: a missing reference would free an array too early (wrong values, a crash, or
  more frees than allocations), an extra one would leak (fewer frees);
* the rule's marker is in numba's cache key, so code compiled without it is never loaded with it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap

import numpy as np
from numba import njit

from iadsim import numba_refs
from iadsim.tracking import kernels


def ref_calls(f) -> tuple[int, int]:  # noqa: ANN001
    """(NRT_incref calls, NRT_decref calls) in the machine code of ``f``'s native function (its
    first signature), the CPython wrapper left out."""
    sig = f.signatures[0]
    name = f.overloads[sig].fndesc.mangled_name
    asm = f.inspect_asm(sig)
    body = asm[asm.index(f"\n{name}:") : asm.index(f".size\t{name}")]
    regs: dict[str, str] = {}
    inc = dec = 0
    for line in body.splitlines():
        m = re.search(r"movabsq\s+\$(NRT_\w+), %(\w+)", line)
        if m:
            regs[m.group(2)] = m.group(1)
            continue
        m = re.search(r"call\w*\s+\*%(\w+)", line) or re.search(r"call\w*\s+(NRT_\w+)", line)
        if m:
            target = regs.get(m.group(1), m.group(1))
            inc += target == "NRT_incref"
            dec += target == "NRT_decref"
    return inc, dec


def _joseph_pair_refs() -> tuple[int, int]:
    """:func:`iadsim.tracking.kernels.joseph_pair` compiled afresh (no cache), its reference calls."""
    f = njit(error_model="numpy")(kernels.joseph_pair.py_func)
    x, z = np.zeros((4, 6)), np.zeros((4, 3))
    P, R, Kt = np.tile(np.eye(6), (4, 1, 1)), np.tile(np.eye(3), (4, 1, 1)), np.zeros((4, 3, 6))
    f(x, P, 0, z, R, 0, Kt, 0, x, P, 1, np.zeros(3), np.zeros((6, 6)), np.zeros((6, 6)), np.zeros((6, 3)),
      np.zeros((6, 6)))  # fmt: skip
    return ref_calls(f)


def _run(code: str, **env: str) -> dict:
    """``code`` in a fresh interpreter (its own numba cache directory, the extra ``env``); it
    prints one JSON line, returned."""
    e = dict(os.environ, **env)
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=e,
                         timeout=600, check=False)  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_rule_is_on_in_the_engine() -> None:
    assert numba_refs.enabled()
    assert numba_refs.CACHE_MARKER in kernels.joseph_pair.targetctx.codegen().magic_tuple()


def test_a_kernel_makes_no_reference_operations_on_its_arguments() -> None:
    # 12 array arguments: numba's own rule leaves 8 increments and 11 decrements in this kernel
    # (the subprocess test below); with the rule, none
    assert _joseph_pair_refs() == (0, 0)


def test_tuple_items_in_a_loop_make_no_reference_operations() -> None:
    # run_ticks-like: the items of a tuple argument passed on at every pass of a loop that also
    # frees a work array (numba's own rule: an increment and a decrement per item and pass)
    import types

    mod = types.ModuleType("iadsim._borrowed_asm")
    sys.modules[mod.__name__] = mod  # numba names a function's module only when it is imported
    exec(compile(_KERNELS, "<borrowed-asm>", "exec"), mod.__dict__)
    mod.items_in_a_loop((np.arange(3.0), np.ones(2)), 2)
    inc, dec = ref_calls(mod.items_in_a_loop)
    assert inc == 0 and dec <= 1, (inc, dec)  # what is left: the work array's own release


def test_without_the_rule_the_operations_are_there(tmp_path) -> None:  # noqa: ANN001
    code = """
        import json
        from iadsim import numba_refs
        import tests.unit.test_numba_refs as t
        print(json.dumps({"on": numba_refs.enabled(), "refs": t._joseph_pair_refs()}))
    """
    off = _run(code, IADSIM_NUMBA_BORROWED_ARGS="0", NUMBA_CACHE_DIR=str(tmp_path))
    assert off["on"] is False
    inc, dec = off["refs"]
    assert inc > 0 and dec > 0


#: kernels of a module named like the engine's (the rule applies by module name), each holding its
#: arguments in a way that needs the references right
_KERNELS = '''
import numpy as np
from numba import njit


@njit
def ident(a):
    return a


@njit
def pack(a):
    return (a, a[1:])


@njit
def rebind(a):
    a = a * 2.0
    return a


@njit
def maybe_raise(a, b):
    w = np.empty(3)
    if a[0] < 0:
        raise ValueError("negative")
    w[0] = a[0] + b[0]
    return w[0]


@njit
def inner(a, w):
    w[0] = a[0]
    return a


@njit
def outer(a):
    w = np.empty(2)
    out = []
    for i in range(3):
        out.append(inner(a, w))
    return out[2]


@njit
def unpack(t):
    x, y = t
    s = 0.0
    for i in range(x.shape[0]):
        s += x[i] + y[i]
    return s, x[:2]


@njit
def keep_in_tuple(a, b):
    t = (a, b)
    return t[1]


@njit
def loop_items(t, n):
    x = t[1]
    s = 0.0
    for k in range(n):
        x = t[0]  # stored again on every pass, live after the loop, returned
        s += x[k % x.shape[0]]
    return s, x


@njit
def work(a, b):
    s = 0.0
    for i in range(a.shape[0]):
        for j in range(b.shape[0]):
            s += np.sin(a[i]) * np.cos(b[j]) if a[i] > b[j] else -np.sqrt(abs(a[i] - b[j]))
    a[0] = s
    return s


@njit
def items_in_a_loop(t, n):
    s = 0.0
    for k in range(n):
        w = np.empty(2)  # a work array freed on every pass: a decrement between any pair
        w[0] = work(t[0], t[1])
        s += w[0]
    return s
'''


def test_kernels_on_borrowed_arguments_count_their_memory_right(tmp_path) -> None:  # noqa: ANN001
    code = f"""
        import gc, json, sys, types
        import numpy as np
        from iadsim import numba_cache  # installs the rule
        from iadsim import numba_refs
        from numba.core.runtime import rtsys
        mod = types.ModuleType("iadsim._borrowed_check")
        sys.modules[mod.__name__] = mod
        exec(compile({_KERNELS!r}, "<borrowed-check>", "exec"), mod.__dict__)
        a = np.arange(5.0)
        b = np.ones(5)
        for f, args in ((mod.ident, (a,)), (mod.pack, (a,)), (mod.rebind, (a,)), (mod.maybe_raise, (a, b)),
                        (mod.outer, (a,)), (mod.unpack, ((a, b),)), (mod.keep_in_tuple, (a, b)),
                        (mod.loop_items, ((a, b), 3)), (mod.items_in_a_loop, ((a.copy(), b.copy()), 2))):
            f(*args)  # compile
        gc.collect()
        s0 = rtsys.get_allocation_stats()
        ok = True
        neg = -a - 1.0
        for k in range(2000):
            r = mod.ident(np.arange(5.0) + k)
            ok &= bool(r[4] == 4.0 + k)
            p, q = mod.pack(np.arange(5.0) + k)
            ok &= bool(p[0] == k and q[0] == k + 1)
            ok &= bool(mod.rebind(np.arange(5.0))[4] == 8.0)
            ok &= bool(mod.maybe_raise(a, b) == 1.0)
            try:
                mod.maybe_raise(neg, b)
                ok = False
            except ValueError:
                pass
            ok &= bool(mod.outer(np.full(3, float(k)))[2] == k)
            s, v = mod.unpack((np.arange(5.0), np.ones(5)))
            ok &= bool(s == 15.0 and v[1] == 1.0)
            ok &= bool(mod.keep_in_tuple(np.zeros(2), np.full(2, 3.0))[0] == 3.0)
            s, v = mod.loop_items((np.arange(3.0) + k, np.ones(4)), 4)
            ok &= bool(s == 4 * k + 3.0 and v[2] == k + 2.0)
            w = np.arange(3.0)
            mod.items_in_a_loop((w, np.ones(2)), 2)
        ok &= bool(a[4] == 4.0 and b[0] == 1.0)
        del r, p, q, v
        gc.collect()
        s1 = rtsys.get_allocation_stats()
        from tests.unit.test_numba_refs import ref_calls
        borrowed = ref_calls(mod.items_in_a_loop)[0] == 0  # the rule applied to this module
        print(json.dumps({{"on": numba_refs.enabled(), "ok": ok, "borrowed": borrowed, "alloc": s1.alloc - s0.alloc,
                          "free": s1.free - s0.free, "mi_alloc": s1.mi_alloc - s0.mi_alloc,
                          "mi_free": s1.mi_free - s0.mi_free}}))
    """
    res = _run(code, NUMBA_NRT_STATS="1", NUMBA_CACHE_DIR=str(tmp_path))
    assert res["on"] and res["ok"] and res["borrowed"], res
    assert res["alloc"] > 10_000, res  # the loop did allocate (the check is not vacuous)
    assert res["alloc"] == res["free"] and res["mi_alloc"] == res["mi_free"], res


def test_borrowed_names_are_the_singly_assigned_arguments() -> None:
    from numba.core import compiler, ir

    def f(a, b, n):  # noqa: ANN001, ANN202
        b = b + 1.0
        return a[0] + b[0] + n

    fir = compiler.run_frontend(f)
    # numba's front end names the rebound value apart (b.1): the argument b itself stays borrowed
    assert numba_refs.borrowed_names(fir) == {"a", "b", "n"}
    # a variable assigned twice (an argument and something else) keeps numba's rule
    blk = fir.blocks[min(fir.blocks)]
    a = blk.scope.get("a")
    blk.body.insert(len(blk.body) - 1, ir.Assign(ir.Const(0.0, a.loc), a, a.loc))
    assert numba_refs.borrowed_names(fir) == {"b", "n"}
