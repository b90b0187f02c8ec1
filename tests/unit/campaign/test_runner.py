"""Campaign runs: paired seeds, identical variants differ by exactly zero, local pool == Dask,
resume skips finished replications, --until-ci adds replications."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from iadsim.campaign import store
from iadsim.campaign.executors import DaskExecutor, LocalExecutor, flatten_summary
from iadsim.campaign.report import compute, write_report
from iadsim.campaign.runner import ci_status, run_campaign
from iadsim.campaign.spec import load_campaign
from iadsim.errors import InputError
from iadsim.rng import replication_seeds


def same(a, b) -> bool:
    """Tables equal column by column, NaN == NaN (Arrow's equals treats NaN as unequal)."""
    if a.column_names != b.column_names or a.num_rows != b.num_rows:
        return False
    for c in a.column_names:
        x, y = a[c].to_numpy(zero_copy_only=False), b[c].to_numpy(zero_copy_only=False)
        if x.dtype.kind == "f":
            if not np.array_equal(x, y, equal_nan=True):
                return False
        elif list(x) != list(y):
            return False
    return True


@pytest.fixture(scope="module")
def pool():
    with LocalExecutor(2) as ex:
        yield ex


def test_flatten_summary_keys_by_name() -> None:
    s = {"scenario": "x", "threats": {"leaked": 2, "rate": None, "by_type": [{"threat": "scud-b", "leaked": 1}]},
         "assets": {"by_asset": [{"asset": "Adana", "destroyed": True}]}}
    assert flatten_summary(s) == {"threats.leaked": 2.0, "threats.rate": pytest.approx(np.nan, nan_ok=True),
                                  "threats.by_type.scud-b.leaked": 1.0, "assets.by_asset.Adana.destroyed": 1.0}


def test_identical_variants_paired_difference_exactly_zero(small, tmp_path: Path, pool) -> None:
    c = load_campaign(small(reps=3))
    run_campaign(c, tmp_path / "out", pool, quiet=True)
    rows = store.read_rows(tmp_path / "out")
    assert rows.num_rows == 6
    assert rows["seed"].to_pylist()[:3] == replication_seeds(11, 3) == rows["seed"].to_pylist()[3:]
    res = compute(tmp_path / "out")
    det = rows["tracking.detections"].to_numpy()
    assert det.max() > 0 and len(set(det[:3])) > 1, "the metric must vary across seeds for the test to mean something"
    for k, e in res["paired"]["b"].items():
        if np.isnan(rows[k].to_numpy()).all():
            continue  # undefined in every run (e.g. no public cost)
        assert e.n == 3 and e.mean == 0.0 and e.sd == 0.0, k
    dest, files = write_report(tmp_path / "out", res)
    assert {"estimates.csv", "paired.csv", "distributions.png", "forest.png", "frontier.png"} <= set(files)
    assert all((dest / f).stat().st_size > 0 for f in files)


def test_local_pool_and_dask_identical(small, tmp_path: Path, pool) -> None:
    from distributed import Client, LocalCluster

    c = load_campaign(small("  - name: a\n  - name: s\n    set: {sites.adana-patriot.fire_units.0.doctrine: salvo}\n", reps=2))
    run_campaign(c, tmp_path / "local", pool, quiet=True)
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cl, Client(cl) as cli:
        ex = DaskExecutor(client=cli)
        run_campaign(c, tmp_path / "dask", ex, quiet=True)
    a = store.read_rows(tmp_path / "local")
    b = store.read_rows(tmp_path / "dask")
    assert a.num_rows == 4
    assert same(a, b)


def test_resume_skips_finished_and_extends(small, tmp_path: Path, pool) -> None:
    c = load_campaign(small(reps=2))
    out = tmp_path / "out"
    r1 = run_campaign(c, out, pool, quiet=True)
    first = store.read_rows(out)
    r2 = run_campaign(c, out, pool, quiet=True)
    assert (r1.run, r2.run, r2.skipped) == (4, 0, 4)
    r3 = run_campaign(c.with_replications(3), out, pool, quiet=True)
    assert (r3.run, r3.skipped) == (2, 4)
    rows = store.read_rows(out)
    assert rows.num_rows == 6
    assert same(rows.filter(np.isin(rows["rep"].to_numpy(), [0, 1])), first)
    assert store.read_manifest(out)["replications_requested"] == 3


def test_different_campaign_on_same_out_refused(small, tmp_path: Path, pool) -> None:
    out = tmp_path / "out"
    run_campaign(load_campaign(small(reps=1)), out, pool, quiet=True)
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    with pytest.raises(InputError, match="different campaign"):
        run_campaign(load_campaign(small(reps=1, dur=301)), out, pool, quiet=True)
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before


def test_non_campaign_directory_refused(small, tmp_path: Path, pool) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    with pytest.raises(InputError, match="not a campaign output directory"):
        run_campaign(load_campaign(small(reps=1)), out, pool, quiet=True)
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def test_until_ci_doubles_until_cap_or_target(small, tmp_path: Path, pool) -> None:
    c = load_campaign(small("  - name: a\n", reps=2))
    r = run_campaign(c, tmp_path / "o1", pool, until_ci=("tracking.detections", 1e-6), max_replications=8, quiet=True)
    assert r.replications == 8 and store.read_rows(tmp_path / "o1").num_rows == 8
    r = run_campaign(c, tmp_path / "o2", pool, until_ci=("threats.total", 0.5), quiet=True)
    assert r.replications == 2  # sd 0: converged at once
    with pytest.raises(InputError, match="unknown metric"):
        ci_status(tmp_path / "o2", c, "threats.leakd")


def test_events_stored_for_sample_only(small, tmp_path: Path, pool) -> None:
    c = load_campaign(small("  - name: a\n", reps=3, extra="events_sample: 2\n"))
    run_campaign(c, tmp_path / "o", pool, quiet=True)
    ev = sorted(p.name for p in (tmp_path / "o" / "events" / "variant=a").iterdir())
    assert ev == ["rep=0000000.parquet", "rep=0000001.parquet"]
    # a stored replication re-simulates to the same events from its seed
    import pyarrow.parquet as pq

    from iadsim import simulate

    seed = store.read_rows(tmp_path / "o")["seed"].to_pylist()[1]
    again = simulate(c.variants[0].scenario, seed=seed).events
    assert same(pq.read_table(tmp_path / "o" / "events" / "variant=a" / "rep=0000001.parquet"), again)


def test_duckdb_reads_the_store_as_documented(small, tmp_path: Path, pool) -> None:
    import duckdb

    c = load_campaign(small(reps=2))
    run_campaign(c, tmp_path / "o", pool, quiet=True)
    q = (f"SELECT variant, count(*) n, sum(\"threats.launched\") l FROM read_parquet('{tmp_path}/o/summary/*/*.parquet', "
         "hive_partitioning=true, union_by_name=true) GROUP BY variant ORDER BY variant")  # fmt: skip
    rows = store.read_rows(tmp_path / "o")
    launched = rows["threats.launched"].to_numpy()
    assert duckdb.sql(q).fetchall() == [("a", 2, launched[:2].sum()), ("b", 2, launched[2:].sum())]


def test_cli_with_tcp_scheduler(small, tmp_path: Path) -> None:
    from distributed import LocalCluster
    from typer.testing import CliRunner

    from iadsim.cli import app

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tcp", dashboard_address=None) as cl:
        assert cl.scheduler_address.startswith("tcp://")
        r = CliRunner().invoke(app, ["campaign", str(small(reps=1)), "--out", str(tmp_path / "o"), "--scheduler", cl.scheduler_address, "--no-report"])
    assert r.exit_code == 0, r.output
    assert "on dask" in r.output and store.read_rows(tmp_path / "o").num_rows == 2
