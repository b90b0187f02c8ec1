"""See the raid: HTML report (``html``), replay viewer (``serve`` + ``viewer/``), exports
(``export``: CZML, KML, GeoJSON, Tacview ACMI) and publishable coverage maps (``maps``)."""
