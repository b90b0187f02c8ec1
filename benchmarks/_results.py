"""Shared helpers of the benchmark scripts: write a result JSON atomically (a temporary file, then a
rename); run a child process of a script against one source tree and read the JSON it prints."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any


def write_json(path: str | Path, doc: Any) -> Path:
    """Write ``doc`` as indented JSON to ``path`` atomically; returns the path."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    tmp.replace(out)
    return out


def child_json(script: str | Path, src: str, *args: str) -> Any:
    """Run ``python script *args`` with ``PYTHONPATH=src`` (one thread, from /tmp) and return the JSON of
    its last printed line: how the before/after benchmarks run each code version in its own process."""
    env = dict(os.environ, PYTHONPATH=src, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    out = subprocess.run([sys.executable, str(script), *args], env=env, check=True, capture_output=True, text=True,
                         cwd="/tmp").stdout  # fmt: skip
    return json.loads(out.strip().splitlines()[-1])
