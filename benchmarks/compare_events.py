"""Compare the events of two ``bench_events_identity.py`` labels, column by column.

Usage: ``python benchmarks/compare_events.py DIR_A/LABEL_A DIR_B/LABEL_B`` (paths without the
``_<scenario>.parquet`` suffix). For every scenario of ``bench_events_identity.SCENARIOS``:

- *discrete identical*: the same number of rows and every non-float column (kind, priority, seq,
  entity ids, reason, ...) and ``time_s`` equal row by row;
- *floats*: the largest absolute and relative difference of every other float column (NaN equal to
  NaN), and whether the float bytes are identical.

Exit 0 when every scenario is discrete-identical with float differences within
``--rtol`` (default 1e-9) relative or ``--atol`` (default 1e-6) absolute, 1 otherwise. Compiled
kernels may reorder floating-point sums (last-bit differences); they must never change an event.
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np
import pyarrow.parquet as pq

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_events_identity import SCENARIOS  # noqa: E402


def compare(a: str, b: str, rtol: float, atol: float) -> bool:
    ok_all = True
    for name, _ in SCENARIOS:
        pa, pb = f"{a}_{name}.parquet", f"{b}_{name}.parquet"
        if not (os.path.exists(pa) and os.path.exists(pb)):
            print(f"{name}: missing {pa if not os.path.exists(pa) else pb}")
            ok_all = False
            continue
        ta, tb = pq.read_table(pa), pq.read_table(pb)
        if ta.num_rows != tb.num_rows or ta.column_names != tb.column_names:
            print(f"{name}: DIFFERENT shape {ta.num_rows} vs {tb.num_rows} rows")
            ok_all = False
            continue
        bad, notes, byte_same = [], [], True
        for c in ta.column_names:
            xa, xb = ta.column(c).to_numpy(zero_copy_only=False), tb.column(c).to_numpy(zero_copy_only=False)
            if xa.dtype.kind == "f" and c != "time_s":
                both_nan = np.isnan(xa) & np.isnan(xb)
                d = np.where(both_nan, 0.0, np.abs(xa - xb))
                d = np.where(np.isnan(d), np.inf, d)
                rel = d / np.maximum(np.abs(xa), 1e-300)
                if xa.tobytes() != xb.tobytes():
                    byte_same = False
                if d.size and d.max() > 0:
                    notes.append(f"{c}: max abs {d.max():.3g} rel {rel.max():.3g}")
                if np.any((d > atol) & (rel > rtol)):
                    bad.append(c)
            else:
                same = np.array_equal(xa, xb) if xa.dtype.kind != "f" else xa.tobytes() == xb.tobytes()
                if not same:
                    first = int(np.flatnonzero(xa != xb)[0])
                    bad.append(f"{c} (first row {first}: {xa[first]!r} vs {xb[first]!r})")
        ok = not bad
        ok_all &= ok
        print(f"{name}: {'OK' if ok else 'DIFFERENT'} rows={ta.num_rows} "
              f"{'byte-identical' if byte_same and not notes else 'floats: ' + '; '.join(notes)}"
              + (f" bad: {bad}" if bad else ""))
    return ok_all


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--rtol", type=float, default=1e-9)
    ap.add_argument("--atol", type=float, default=1e-6)
    args = ap.parse_args()
    sys.exit(0 if compare(args.a, args.b, args.rtol, args.atol) else 1)


if __name__ == "__main__":
    main()
