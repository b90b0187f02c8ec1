"""The README stays true: its example scenario validates and runs; its commands exist."""

from __future__ import annotations

import re
from pathlib import Path

import iadsim
from iadsim.cli import app
from iadsim.scenario.load import validate_text

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_example_scenario_validates_and_runs() -> None:
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, flags=re.S)
    assert blocks, "README has no YAML example"
    sc = validate_text(blocks[0], "README.md")
    res = iadsim.simulate(sc)
    assert res.summary["threats"]["launched"] == sc.raids[0].count


def test_readme_commands_exist() -> None:
    text = README.read_text(encoding="utf-8")
    names = {c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands}
    used = set(re.findall(r"^iadsim (\w+)", text, flags=re.M))
    assert used and used <= names, used - names
