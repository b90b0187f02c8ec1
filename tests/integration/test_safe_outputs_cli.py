"""`run`, `coverage`, `site`: nothing a user wrote is destroyed; failures are one message, no traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from iadsim.cli import app

SMALL = "adana-patriot-small"
runner = CliRunner()


def _invoke(args: list[str]):  # noqa: ANN202
    return runner.invoke(app, args)


def _no_traceback(r) -> None:  # noqa: ANN001
    assert "Traceback" not in r.output and r.exception is None or isinstance(r.exception, SystemExit), r.output


def _forbid_simulation(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []

    def fake(*a, **k):  # noqa: ANN002, ANN003, ANN202
        calls.append(1)
        raise AssertionError("the simulation must not start")

    monkeypatch.setattr("iadsim.engine.run.simulate", fake)
    return calls


def _user_dir(tmp_path: Path) -> Path:
    d = tmp_path / "mine"
    (d / "sub").mkdir(parents=True)
    (d / "thesis.txt").write_text("thesis")
    (d / "sub" / "notes.txt").write_text("notes")
    return d


def _intact(d: Path) -> None:
    assert (d / "thesis.txt").read_text() == "thesis"
    assert (d / "sub" / "notes.txt").read_text() == "notes"
    assert sorted(p.name for p in d.parent.iterdir() if p.name.startswith(".")) == []


@pytest.mark.parametrize("cmd", [
    ["run", SMALL],
    ["coverage", SMALL, "--altitude-m", "1000", "--resolution-km", "40", "--no-maps"],
    ["site", SMALL, "--system", "patriot", "--boresight-deg", "180", "--k", "1", "--method", "greedy", "--resolution-km", "60", "--n-candidates", "10"],
])  # fmt: skip
def test_user_file_inside_out_survives(cmd: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    d = _user_dir(tmp_path)
    calls = _forbid_simulation(monkeypatch)
    r = _invoke([*cmd, "--out", str(d)])
    assert r.exit_code == 2, r.output
    assert "not an iadsim result" in r.output and "--overwrite" in " ".join(r.output.split())
    _no_traceback(r)
    _intact(d)
    assert not calls


@pytest.mark.parametrize("target", [".", "", "/"])
def test_out_dot_and_friends_exit_2(target: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "keep.txt").write_text("k")
    _forbid_simulation(monkeypatch)
    for cmd in (["run", SMALL], ["coverage", SMALL, "--no-maps"]):
        r = _invoke([*cmd, "--out", target])
        assert r.exit_code == 2, r.output
        assert r.output.startswith("error:") and "Traceback" not in r.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]  # no ..old-* folder, nothing deleted


def test_unwritable_output_fails_before_the_simulation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Root ignores permissions: a path under a regular file, and /proc, fail for everyone."""
    calls = _forbid_simulation(monkeypatch)
    f = tmp_path / "afile"
    f.write_text("x")
    for target in (str(f / "out"), "/proc/iadsim-cannot-write/out", "/proc/iadsim-cannot-write"):
        r = _invoke(["run", SMALL, "--out", target])
        assert r.exit_code == 2, r.output
        assert r.output.startswith("error:") and "Traceback" not in r.output
    assert not calls


def test_default_result_names_do_not_collide_and_are_printed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    outs = []
    for extra in ([], ["--association", "gnn"], ["--association", "gnn", "--clutter", "2"]):
        r = _invoke(["run", SMALL, "-q", *extra])
        assert r.exit_code == 0, r.output
        line = next(ln for ln in r.output.splitlines() if ln.startswith("Results:"))
        outs.append(line.split()[1])
    assert outs == ["results/adana-patriot-small-seed7-truth", "results/adana-patriot-small-seed7-gnn",
                    "results/adana-patriot-small-seed7-gnn-clutter2"]  # fmt: skip
    for o in outs:
        m = json.loads((tmp_path / o / "manifest.json").read_text())
        assert m["iadsim_result"]["kind"] == "run"
    # the baseline is still the truth run after the other two
    assert json.loads((tmp_path / outs[0] / "manifest.json").read_text())["fidelity"]["association"] == "truth"


def test_dotdot_in_scenario_name_stays_inside_results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from iadsim.scenario.load import bundled_scenarios

    text = bundled_scenarios()[SMALL].read_text().replace("name: adana-patriot-small", 'name: "../../escaped"', 1)
    text = text.replace("duration_s: 900", "duration_s: 60", 1)
    work = tmp_path / "w"
    work.mkdir()
    (work / "evil.yaml").write_text(text)
    monkeypatch.chdir(work)
    r = _invoke(["run", "evil.yaml", "-q"])
    assert r.exit_code == 0, r.output
    made = [p for p in (work / "results").iterdir()]
    assert [p.name for p in made] == ["escaped-seed7-truth"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w"]  # nothing outside the work dir
    assert sorted(p.name for p in work.iterdir()) == ["evil.yaml", "results"]


def test_rerun_replaces_previous_result(tmp_path: Path) -> None:
    out = tmp_path / "r"
    for _ in range(2):
        r = _invoke(["run", SMALL, "-q", "--out", str(out), "--seed", "3"])
        assert r.exit_code == 0, r.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]


def test_coverage_rerun_leaves_no_stale_maps(tmp_path: Path) -> None:
    out = tmp_path / "cov"
    base = ["coverage", SMALL, "--resolution-km", "40", "--no-maps", "--out", str(out)]
    assert _invoke([*base, "--altitude-m", "100,1000"]).exit_code == 0
    assert len(list(out.glob("*.geojson"))) == 2
    r = _invoke([*base, "--altitude-m", "1000"])
    assert r.exit_code == 0, r.output
    assert [p.name for p in out.glob("*.geojson")] == ["coverage_alt1000m_rcs1m2.geojson"]
    assert json.loads((out / "manifest.json").read_text())["iadsim_result"]["kind"] == "coverage"


def test_version() -> None:
    import iadsim

    r = _invoke(["--version"])
    assert r.exit_code == 0 and r.output.strip() == f"iadsim {iadsim.__version__}"


def test_directory_as_scenario(tmp_path: Path) -> None:
    r = _invoke(["validate", str(tmp_path)])
    assert r.exit_code == 2 and "is a directory" in r.output and "not found" not in r.output


def test_internal_error_is_one_line_and_a_saved_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*a, **k):  # noqa: ANN002, ANN003, ANN202
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr("iadsim.engine.run.simulate", broken)
    monkeypatch.setenv("IADSIM_CRASH_DIR", str(tmp_path / "crash"))
    r = _invoke(["run", SMALL, "-q", "--out", str(tmp_path / "r")])
    assert r.exit_code == 1
    lines = [ln for ln in r.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and "internal error" in lines[0] and "report" in lines[0], r.output
    saved = list((tmp_path / "crash").iterdir())
    assert len(saved) == 1 and "ZeroDivisionError: a bug" in saved[0].read_text()
    assert str(saved[0]) in " ".join(r.output.split()).replace(" ", "") or saved[0].name in r.output.replace("\n", "")
    assert not (tmp_path / "r").exists()


def test_os_error_is_a_user_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def disk_full(*a, **k):  # noqa: ANN002, ANN003, ANN202
        raise OSError(28, "No space left on device", str(tmp_path / "r"))

    monkeypatch.setattr("iadsim.results.store.write_run", disk_full)
    r = _invoke(["run", SMALL, "-q", "--out", str(tmp_path / "r")])
    assert r.exit_code == 2 and "No space left on device" in r.output and "Traceback" not in r.output
