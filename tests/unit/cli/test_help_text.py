"""`--help` reads as prose at any width: paragraphs on one line each (rich wraps them to the
terminal), no value type beside a flag, no help text cut off with an ellipsis."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from iadsim.cli import _one_line_paragraphs, app

COMMANDS = ["run", "warmup", "validate", "scenarios", "catalog", "schema", "coverage", "site", "campaign",
            "sensitivity", "report", "serve", "export"]  # fmt: skip


def _help(args: list[str], width: int) -> str:
    r = CliRunner().invoke(app, [*args, "--help"], env={"COLUMNS": str(width), "TERM": "dumb"})
    assert r.exit_code == 0, r.output
    return r.output


def test_docstring_paragraphs_are_joined_not_blocks() -> None:
    doc = "First line\nof one paragraph.\n\nSecond\nparagraph.\n\nA block:\n    kept   as\n    written"
    out = _one_line_paragraphs("Summary.\n\n" + doc)
    assert out.split("\n\n")[1:3] == ["First line of one paragraph.", "Second paragraph."]
    assert "kept   as\n" in out  # an indented paragraph is not reflowed


def test_run_help_wraps_to_the_terminal_not_to_the_source() -> None:
    wide = _help(["run"], 200)
    # the docstring breaks this sentence after "track_quality.parquet,"; a wide terminal shows it on one line
    assert re.search(r"track_quality\.parquet, track_states\.parquet, summary\.json", wide), wide


@pytest.mark.parametrize("cmd", COMMANDS)
def test_flags_show_no_value_type_and_nothing_is_cut(cmd: str) -> None:
    out = _help([cmd], 80)
    assert "<bool>" not in out, out
    assert "…" not in out, out  # a word longer than the help column is cut by rich with an ellipsis


def test_options_with_values_keep_their_type() -> None:
    out = _help(["run"], 120)
    assert re.search(r"--seed\s+-s\s+<int>", out), out
    assert re.search(r"--json\s+Print the summary", out), out  # the flag: no type column entry
