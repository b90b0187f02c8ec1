"""The notional catalogue: bundled data is complete and sourced; the loader rejects broken files."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest

from iadsim.errors import CatalogError
from iadsim.scenario.catalog import (
    FILES,
    THREAT_CLASSES,
    Catalog,
    CatalogEntry,
    CatalogValidationError,
    SourcedValue,
    load_catalog,
)

REQUIRED_IDS = {
    "radar": {"91n6e", "92n6e", "an-mpq-65", "arabel", "ht-233"},
    "interceptor": {"48n6e2", "48n6e3", "40n6e", "9m96e", "9m96e2", "pac-2-gem", "pac-3", "aster-30", "hq-9"},
    "system": {"s400", "patriot", "samp-t", "hq-9"},
    "threat": {"fighter-4gen", "fighter-5gen", "cruise-subsonic", "scud-b", "iskander-m", "male-drone"},
}


@pytest.fixture(scope="module")
def cat() -> Catalog:
    return load_catalog()


def _sourced(e: CatalogEntry) -> Iterator[tuple[str, SourcedValue]]:
    for k, v in e.fields.items():
        if isinstance(v, SourcedValue):
            yield k, v
        elif k == "pk":
            for c, sv in v.items():
                yield f"pk.{c}", sv


def test_bundled_loads_and_is_cached(cat: Catalog) -> None:
    assert load_catalog() is cat
    assert cat.meta["schema_version"] == 1
    assert "notional" in cat.meta["disclaimer"].lower()
    assert set(cat.meta["files"]) == set(FILES)
    assert len(cat.meta["sha256"]) == 64


def test_required_ids_exist(cat: Catalog) -> None:
    for kind, ids in REQUIRED_IDS.items():
        have = {e.id for e in cat.entries() if e.kind == kind}
        assert ids <= have, (kind, ids - have)


def test_every_number_has_source_and_confidence_or_assumption(cat: Catalog) -> None:
    n = 0
    for e in cat.entries():
        for name, sv in _sourced(e):
            for v in (sv, *sv.alternatives):
                if v.value is None:
                    continue
                n += 1
                sourced = bool(v.source) and v.confidence in ("A", "B", "C")
                assert sourced or (v.assumption and v.assumption.strip()), (e.kind, e.id, name)
                for s in v.source:
                    assert s.startswith(("http://", "https://", "derived:")), (e.id, name, s)
    assert n > 200


def test_pk_tables_complete_and_probabilities(cat: Catalog) -> None:
    for e in cat.interceptors.values():
        assert set(e.fields["pk"]) == set(THREAT_CLASSES)
        for c in THREAT_CLASSES:
            v = e.pk(c).value
            assert v is None or 0.0 <= v <= 1.0
    for t in cat.threats.values():
        assert t.fields["class"] in THREAT_CLASSES
        p = t.value("p_damage")
        assert p is not None and 0.0 <= p <= 1.0


def test_cross_references(cat: Catalog) -> None:
    for s in cat.systems.values():
        for r in s.fields["radars"]:
            assert cat.radars[r].fields["system"] == s.id
        for i in s.fields["interceptors"]:
            assert cat.interceptors[i].fields["system"] == s.id
        assert set(s.fields["default_loadout"]) <= set(s.fields["interceptors"])
        assert sum(s.fields["default_loadout"].values()) > 0


def test_values_needed_to_run_are_present(cat: Catalog) -> None:
    """The fields the engine needs are non-null in the bundled data (assumptions where unsourced)."""
    for r in cat.radars.values():
        for f in ("reference_range_km", "reference_rcs_m2", "reference_pd", "pfa", "revisit_s", "field_of_regard_deg"):
            assert r.value(f) is not None, (r.id, f)
    for i in cat.interceptors.values():
        for f in ("max_range_km", "min_range_km", "max_altitude_km", "min_altitude_km", "average_speed_mps", "basket_m"):
            assert i.value(f) is not None, (i.id, f)
        assert i.value("min_range_km") < i.value("max_range_km")  # type: ignore[operator]
    for s in cat.systems.values():
        for f in ("reaction_time_s", "launch_interval_s", "max_simultaneous_engagements", "salvo_size"):
            assert s.value(f) is not None, (s.id, f)
    for t in cat.threats.values():
        assert t.value("rcs_m2") is not None
        if t.fields["class"] != "ballistic_missile":
            assert t.value("cruise_altitude_agl_m") is not None


def test_faithful_to_research_note(cat: Catalog) -> None:
    # spot checks against catalog-sources.md
    assert cat.get("interceptor", "48n6e2").value("max_range_km") == 200
    assert cat.get("interceptor", "40n6e").value("max_range_km") == 400
    sv = cat.get("interceptor", "9m96e2").sourced("max_range_km")
    assert sv.value == 120 and sv.confidence == "C" and [a.value for a in sv.alternatives] == [100]
    assert cat.get("system", "s400").value("cost_usd_per_battery") == pytest.approx(2.5e9 / 4)
    assert cat.get("interceptor", "hq-9").value("cost_usd") is None  # NOT FOUND stays null
    assert cat.get("threat", "scud-b").value("apogee_km") is None
    assert cat.get("system", "patriot").value("max_simultaneous_engagements") == 5


def test_find_get_and_json(cat: Catalog) -> None:
    assert cat.find("s400").kind == "system"
    assert cat.find("hq-9").kind == "system"  # systems win over the missile of the same id
    assert cat.find("interceptor:hq-9").kind == "interceptor"
    assert {e.kind for e in cat.find_all("hq-9")} == {"system", "interceptor"}
    assert cat.get("radars", "92n6e").id == "92n6e"
    with pytest.raises(CatalogError, match=r"no catalogue entry 'nope'.*system:s400"):
        cat.find("nope")
    with pytest.raises(CatalogError, match=r"choose from: .*pac-2-gem.*pac-3"):
        cat.get("interceptor", "pac-4")
    with pytest.raises(CatalogError, match="unknown catalogue kind"):
        cat.get("ship", "x")
    with pytest.raises(CatalogError, match="no numeric field"):
        cat.find("s400").value("name")
    json.dumps(cat.as_dict())  # JSON-able for manifests
    d = cat.find("pac-3").as_dict()
    assert d["kind"] == "interceptor" and d["pk"]["ballistic_missile"]["value"] == 0.7


# ---------------------------------------------------------------------------------------------
# broken catalogues
@pytest.fixture()
def catdir(tmp_path: Path) -> Path:
    src = resources.files("iadsim.scenario.catalog")
    for name in FILES:
        (tmp_path / name).write_text((src / name).read_text(encoding="utf-8"), encoding="utf-8")
    return tmp_path


def _edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def test_copy_of_bundled_loads(catdir: Path) -> None:
    c = load_catalog(catdir)
    assert c.meta["sha256"] == load_catalog().meta["sha256"]


def _problems(path: Path) -> str:
    with pytest.raises(CatalogError) as info:
        load_catalog(path)
    assert isinstance(info.value, CatalogValidationError)
    return str(info.value)


def test_missing_source_names_entry_and_field(catdir: Path) -> None:
    _edit(
        catdir / "interceptors.yaml",
        '      source: "https://www.rferl.org/a/1086263.html"\n',
        "",
    )
    msg = _problems(catdir)
    assert "interceptors.48n6e2.max_range_km.source" in msg
    assert "interceptors.yaml:" in msg


def test_bad_confidence(catdir: Path) -> None:
    _edit(catdir / "systems.yaml", "      confidence: B\n      note: \"Launchers per battalion", "      confidence: D\n      note: \"Launchers per battalion")
    msg = _problems(catdir)
    assert "systems.s400.launchers.confidence" in msg and "'D'" in msg


def test_unknown_field(catdir: Path) -> None:
    _edit(catdir / "threats.yaml", "    class: aircraft\n", "    class: aircraft\n    colour: grey\n")
    msg = _problems(catdir)
    assert "threats.fighter-4gen.colour" in msg and "unknown field" in msg


def test_dangling_radar_id(catdir: Path) -> None:
    _edit(catdir / "systems.yaml", "radars: [arabel]", "radars: [arabel, ground-master-400]")
    msg = _problems(catdir)
    assert "systems.samp-t.radars" in msg and "ground-master-400" in msg


def test_more_violations_are_collected_together(catdir: Path) -> None:
    _edit(catdir / "interceptors.yaml", "      value: 0.005\n", "      value: -1\n")  # 48n6e2 min alt
    _edit(catdir / "interceptors.yaml", "      aircraft: {value: 0.8, assumption:", "      aircraft: {value: 1.8, assumption:")
    _edit(catdir / "threats.yaml", "    class: drone\n", "    class: balloon\n")
    _edit(catdir / "systems.yaml", "default_loadout: {hq-9: 32}", "default_loadout: {hq-9: 32, pac-3: 4}")
    _edit(catdir / "radars.yaml", "    reference_pd:\n", "    reference_p:\n")  # 91n6e: required field misspelt
    msg = _problems(catdir)
    for expected in (
        "interceptors.48n6e2.min_altitude_km",
        "interceptors.48n6e2.pk.aircraft",
        "threats.male-drone.class",
        "systems.hq-9.default_loadout.pac-3",
        "radars.91n6e.reference_pd",
        "radars.91n6e.reference_p",
    ):
        assert expected in msg, expected


def test_value_without_any_provenance(catdir: Path) -> None:
    _edit(
        catdir / "radars.yaml",
        '    pfa:\n      value: 1.0e-6\n      assumption: "Typical search-radar',
        '    pfa:\n      value: 1.0e-6\n      note: "Typical search-radar',
    )
    assert "radars.91n6e.pfa.source" in _problems(catdir)


def test_null_value_is_allowed_without_source(catdir: Path) -> None:
    _edit(catdir / "systems.yaml", "    reaction_time_s:\n      value: 10\n", "    reaction_time_s:\n      value: null\n")
    c = load_catalog(catdir)
    assert c.get("system", "s400").value("reaction_time_s") is None


def test_single_file_catalogue_and_dangling_system(tmp_path: Path) -> None:
    f = tmp_path / "one.yaml"
    f.write_text(
        "meta: {schema_version: 1, disclaimer: notional}\n"
        "radars:\n"
        "  r1:\n"
        "    name: R\n    system: nowhere\n    role: surveillance\n    band: null\n"
        + "".join(
            f"    {k}: {{value: null}}\n"
            for k in ("reference_range_km", "reference_rcs_m2", "reference_pd", "pfa", "max_range_km",
                      "max_altitude_km", "min_elevation_deg", "field_of_regard_deg", "revisit_s",
                      "sigma_range_m", "sigma_azimuth_mrad", "sigma_elevation_mrad", "antenna_agl_m")
        ),  # fmt: skip
        encoding="utf-8",
    )
    msg = _problems(f)
    assert "radars.r1.system" in msg and "nowhere" in msg
    shutil.copy(f, tmp_path / "two.yaml")
    _edit(tmp_path / "two.yaml", "system: nowhere", "system: nowhere\n    role: fire-control")
    with pytest.raises(CatalogError, match="(?i)duplicate"):  # a duplicate key is rejected
        load_catalog(tmp_path / "two.yaml")


def test_missing_path_and_bad_yaml(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="not found"):
        load_catalog(tmp_path / "absent")
    bad = tmp_path / "bad.yaml"
    bad.write_text("radars: [\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="not valid YAML"):
        load_catalog(bad)
