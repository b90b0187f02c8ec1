"""Bundled Natural Earth borders: decoding, lookup, areas."""

from __future__ import annotations

import pytest
from shapely.geometry import Point

from iadsim.errors import InputError
from iadsim.geo.borders import (
    canonical_country_name,
    country_names,
    country_polygon,
    decode_topojson,
    geodesic_area_m2,
)


def test_names_and_case_insensitive_lookup() -> None:
    names = country_names()
    assert len(names) > 200
    assert "Turkey" in names
    assert country_polygon("tUrKeY").equals(country_polygon("Turkey"))
    assert canonical_country_name("Türkiye") == "Turkey"


def test_turkey_area_and_points() -> None:
    tr = country_polygon("Turkey")
    # Natural Earth land area of Turkey ≈ 780 000 km² (official 783 562 km² incl. inland water)
    assert geodesic_area_m2(tr) / 1e6 == pytest.approx(780_000, rel=0.01)
    assert tr.contains(Point(32.86, 39.93))  # Ankara
    assert tr.contains(Point(26.56, 41.68))  # Edirne (European side)
    assert not tr.contains(Point(33.38, 35.17))  # Nicosia, Cyprus


def test_holes_and_antimeridian() -> None:
    # South Africa has Lesotho as a hole: areas must subtract
    za = geodesic_area_m2(country_polygon("South Africa")) / 1e6
    assert za == pytest.approx(1_220_000, rel=0.02)
    assert not country_polygon("South Africa").contains(Point(28.2, -29.6))  # Maseru area
    # Russia crosses 180°: its rings are unwrapped and cut, so the area stays ≈ 17.1 M km²
    ru = geodesic_area_m2(country_polygon("Russia")) / 1e6
    assert ru == pytest.approx(17_000_000, rel=0.03)
    minx, _, maxx, _ = country_polygon("Russia").bounds
    assert minx >= -180.0 and maxx <= 180.0


def test_unknown_country_suggests_close_names() -> None:
    with pytest.raises(InputError, match="Did you mean: Turkey"):
        country_polygon("Turky")
    with pytest.raises(InputError, match="unknown country"):
        country_polygon("Atlantis")


def test_decode_small_topology_delta_and_reversed_arcs() -> None:
    # two unit squares sharing an edge; quantized with scale 1, translate (10, 20)
    topo = {
        "type": "Topology",
        "transform": {"scale": [1.0, 1.0], "translate": [10.0, 20.0]},
        "arcs": [
            [[1, 0], [0, 1]],  # shared edge (1,0)->(1,1), delta-encoded
            [[1, 1], [-1, 0], [0, -1], [1, 0]],  # (1,1)->(0,1)->(0,0)->(1,0)
            [[1, 0], [1, 0], [0, 1], [-1, 0]],  # (1,0)->(2,0)->(2,1)->(1,1)
        ],
        "objects": {
            "countries": {
                "type": "GeometryCollection",
                "geometries": [
                    {"type": "Polygon", "arcs": [[0, 1]], "properties": {"name": "A"}},
                    {"type": "Polygon", "arcs": [[2, -1]], "properties": {"name": "B"}},
                ],
            }
        },
    }
    g = decode_topojson(topo)
    assert g["A"].bounds == pytest.approx((10.0, 20.0, 11.0, 21.0))
    assert g["B"].bounds == pytest.approx((11.0, 20.0, 12.0, 21.0))
    assert g["A"].area == pytest.approx(1.0) and g["B"].area == pytest.approx(1.0)
