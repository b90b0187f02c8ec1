"""docs/ballistic-trajectories.md is the output of its generator (so its figures are the model's)."""

from __future__ import annotations

import runpy
from pathlib import Path

DOCS = Path(__file__).resolve().parents[3] / "docs"


def test_ballistic_table_page_is_current() -> None:
    gen = runpy.run_path(str(DOCS / "ballistic" / "generate.py"), run_name="not_main")
    assert (DOCS / "ballistic-trajectories.md").read_text(encoding="utf-8") == gen["render"](), (
        "regenerate with: .venv/bin/python docs/ballistic/generate.py"
    )
