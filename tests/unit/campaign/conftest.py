from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).parent


def write_campaign(tmp: Path, body: str, name: str = "c.yaml") -> Path:
    p = tmp / name
    p.write_text(body, encoding="utf-8")
    return p


SMALL = """\
name: small
base: adana-patriot-small
seed: 11
replications: {reps}
overrides: {{duration_s: {dur}}}
variants:
{variants}
"""


@pytest.fixture
def small(tmp_path: Path):
    def make(variants: str = "  - name: a\n  - name: b\n", reps: int = 3, dur: int = 300, extra: str = "") -> Path:
        return write_campaign(tmp_path, SMALL.format(reps=reps, dur=dur, variants=variants) + extra)

    return make
