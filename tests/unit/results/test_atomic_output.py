"""results/atomic.py: only iadsim results are replaced, atomically; dangerous targets refused."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from iadsim.errors import InputError
from iadsim.results.atomic import (
    MARKER,
    atomic_output,
    is_iadsim_result,
    prepare_output,
    sanitize_name,
    write_marker_manifest,
)


def _result(path: Path, payload: str) -> None:
    with atomic_output(path) as tmp:
        (tmp / "data.txt").write_text(payload)
        write_marker_manifest(tmp, "test")


def test_new_directory_is_written_with_marker(tmp_path: Path) -> None:
    out = tmp_path / "a" / "b"
    _result(out, "one")
    assert (out / "data.txt").read_text() == "one"
    assert MARKER in json.loads((out / "manifest.json").read_text())
    assert is_iadsim_result(out)
    # nothing left beside it
    assert sorted(p.name for p in out.parent.iterdir()) == ["b"]


def test_previous_result_is_replaced_completely(tmp_path: Path) -> None:
    out = tmp_path / "r"
    with atomic_output(out) as tmp:
        (tmp / "stale.png").write_text("old map")
        write_marker_manifest(tmp, "test")
    _result(out, "two")
    assert sorted(p.name for p in out.iterdir()) == ["data.txt", "manifest.json"]  # no stale map
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]


def test_user_directory_survives(tmp_path: Path) -> None:
    out = tmp_path / "thesis"
    (out / "sub").mkdir(parents=True)
    (out / "thesis.txt").write_text("years of work")
    (out / "sub" / "notes.txt").write_text("notes")
    with pytest.raises(InputError, match="not an iadsim result"):
        prepare_output(out)
    with pytest.raises(InputError, match="not an iadsim result"):
        _result(out, "x")
    assert (out / "thesis.txt").read_text() == "years of work"
    assert (out / "sub" / "notes.txt").read_text() == "notes"
    # a directory holding only a foreign manifest.json is not an iadsim result either
    (out / "manifest.json").write_text(json.dumps({"name": "something else"}))
    assert not is_iadsim_result(out)
    # --overwrite is the explicit opt-in
    with atomic_output(out, overwrite=True) as tmp:
        (tmp / "data.txt").write_text("new")
    assert sorted(p.name for p in out.iterdir()) == ["data.txt"]


def test_empty_directory_is_accepted(tmp_path: Path) -> None:
    out = tmp_path / "empty"
    out.mkdir()
    _result(out, "x")
    assert (out / "data.txt").read_text() == "x"


@pytest.mark.parametrize("target", ["", ".", "/", "~", "..", "/usr", "/tmp"])
def test_dangerous_targets_refused(target: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "home" / "work"
    work.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(work)
    (work / "keep.txt").write_text("keep")
    with pytest.raises(InputError):
        prepare_output(target, overwrite=True)
    assert (work / "keep.txt").read_text() == "keep"
    assert sorted(p.name for p in work.iterdir()) == ["keep.txt"]  # no ..old-* folder left


def test_unwritable_targets_fail_before_work_even_for_root(tmp_path: Path) -> None:
    """Root ignores file modes, so use places no one can write: under a regular file, in /proc."""
    f = tmp_path / "afile"
    f.write_text("x")
    with pytest.raises(InputError, match="not a directory"):
        prepare_output(f / "sub" / "out")
    with pytest.raises(InputError, match="not a directory"):
        prepare_output(f)
    with pytest.raises(InputError, match="not writable|cannot create"):
        prepare_output("/proc/iadsim-test-out")
    with pytest.raises(InputError, match="mount point|top-level"):
        prepare_output("/proc", overwrite=True)
    assert f.read_text() == "x"


def test_failure_while_writing_leaves_previous_result(tmp_path: Path) -> None:
    out = tmp_path / "r"
    _result(out, "one")
    with pytest.raises(RuntimeError):
        with atomic_output(out) as tmp:
            (tmp / "data.txt").write_text("half")
            raise RuntimeError("boom")
    assert (out / "data.txt").read_text() == "one"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]


def test_interrupted_fallback_swap_is_recovered(tmp_path: Path) -> None:
    """A crash between the two renames of the non-atomic fallback: the next write restores."""
    out = tmp_path / "r"
    _result(out, "one")
    kept = tmp_path / ".r.iadsim-old-999999999-deadbeef"
    os.rename(out, kept)  # the state a SIGKILL between the renames leaves
    _result(out, "two")
    assert (out / "data.txt").read_text() == "two"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]


def test_umask_permissions(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        _result(tmp_path / "r", "x")
    finally:
        os.umask(old)
    assert (tmp_path / "r").stat().st_mode & 0o777 == 0o750
    assert (tmp_path / "r" / "data.txt").stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize(
    "name, expected",
    [("turkey-2017", "turkey-2017"), ("../../etc/x", "etc-x"), ("..", "scenario"), ("a/b\\c", "a-b-c"),
     ("", "scenario"), ("-rf", "rf"), ("na\x00me\n", "na-me"), (".hidden", "hidden")],
)
def test_sanitize_name(name: str, expected: str) -> None:
    assert sanitize_name(name) == expected
    assert "/" not in sanitize_name(name) and not sanitize_name(name).startswith(".")


def test_stale_temporary_directories_are_removed(tmp_path: Path) -> None:
    """A writer killed by SIGKILL leaves a hidden temporary directory; the next write removes it."""
    out = tmp_path / "r"
    dead = tmp_path / ".r.iadsim-tmp-999999999-0badc0de"  # no such pid
    dead.mkdir()
    (dead / "events.parquet").write_text("partial")
    (tmp_path / ".r.iadsim-tmp-999999999-probe-12345678").write_text("probe")  # a probe file too
    mine = tmp_path / "unrelated.iadsim-tmp-1-x"
    mine.mkdir()  # not a sibling temp of r: left alone
    _result(out, "x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r", "unrelated.iadsim-tmp-1-x"]


def test_mount_point_refused(tmp_path: Path) -> None:
    """/proc is a mount point below the root on Linux; /dev/shm or /proc/sys/fs/binfmt_misc may be too."""
    mounts = [Path(line.split()[4]) for line in Path("/proc/self/mountinfo").read_text().splitlines()]
    deep = [m for m in mounts if len(m.parts) > 2 and m.parts[1] in ("dev", "sys", "proc") and m.is_dir()]
    if not deep:
        pytest.skip("no mount point below a top-level directory here")
    with pytest.raises(InputError, match="mount point"):
        prepare_output(deep[0], overwrite=True)
