"""The report decides in a minute: decision per zone and shortfalls first, a map to pan, offline, A4 print.

One run of the short jacksboro scenario (Kettle Ford, start 2026-05-09T00:00-04:00)
is shared by every test of the module.
"""

import html
import json
import re
import shutil
import subprocess
import zlib

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from drm.clock import EventClock
from drm.report import Text, evacuation_map, hazard_map, write_report
from drm.report.decide import zone_decisions
from drm.report.tables import load_outputs
from drm.report.webmap import BASEMAP_URL, LAYERS_FILE

pytestmark = pytest.mark.slow

START, TZ = "2026-05-09T00:00-04:00", "America/New_York"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
LAYERS = ("flood", "zones", "streets", "routes", "centres")


@pytest.fixture(scope="module")
def run(jacksboro_run):
    """The session's jacksboro run, its map layers and report written (do not modify the folder)."""
    return jacksboro_run, jacksboro_run.out_dir


@pytest.fixture
def folder(run, tmp_path):
    """A copy of the run's folder that a test may change."""
    return shutil.copytree(run[1], tmp_path / "out", ignore=shutil.ignore_patterns(".cache"))


def _page(run) -> str:
    return (run[1] / "report.html").read_text(encoding="utf-8")


def _first(page: str) -> str:
    return re.search(r"<section id='first'>.*?</section>", page, re.S).group(0)


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))).strip()


def _rows(first: str) -> list[list[str]]:
    """The zone-to-centre table's rows of zones to act on, as cell texts."""
    rows = re.findall(r"<tr class='zone zone-(?:evacuate|prepare)'>(.*?)</tr>", first, re.S)
    return [[_text(c) for c in re.findall(r"<td>(.*?)</td>", r, re.S)] for r in rows]


def test_one_decision_row_per_zone_at_risk_with_clock_time_centre_route_and_trip(run):
    zones = pd.read_csv(run[1] / "zones.csv", index_col="zone")
    at_risk = zones[zones["persons_at_risk"] >= 0.5].sort_values("latest_order_s")
    page = _page(run)
    first = _first(page)
    assert (
        page.index("<section id='first'>")
        < page.index("<nav>")
        < page.index("<section id='decision'>")
    )
    head = _text(re.search(r"<table class='decisions'><thead>(.*?)</thead>", first, re.S).group(1))
    trip = {"walk": "walking", "drive": "driving"}[run[0].summary["evacuation"]["mode"]]
    assert head == f"zone at risk (persons) order by to centre by roads {trip} time (median) note"
    rows = _rows(first)
    assert len(rows) == len(at_risk) == 13
    clock = EventClock.of(START, TZ)
    for row, (_, z) in zip(rows, at_risk.iterrows(), strict=True):  # most urgent first
        assert row[0] == "evacuate " + z["name"]
        assert row[1] == Text("en").number(z["persons_at_risk"])
        assert (
            row[2] == f"{clock.label(z['latest_order_s'])}, {Text('en').clock(z['latest_order_s'])}"
        )
    # Harmon Ford: latest safe order 27,951 s = 07:45 local; the run ordered at 09:00, 1h14m late
    assert rows[0][2] == "2026-05-09 07:45 -04, 7h45m after the start"
    assert "came 1h14m too late" in rows[0][6]
    hh = pd.read_csv(run[1] / "evacuation_households.csv")
    to_centres = hh[
        (hh["outcome"] == "safe")
        & (hh["centre"] != "safe ground")
        & (hh["zone"] == at_risk.index[0])
    ]
    top = to_centres.groupby("centre")["persons"].sum().idxmax()
    assert rows[0][3].startswith(f"{top} ")  # its centre, by id and name
    assert rows[0][4] not in ("", "–")  # and its main roads
    went = to_centres[to_centres["centre"] == top]
    trip = (went["arrival_s"] - went["departure_s"]).median()
    assert rows[0][5] == Text("en").duration(
        60.0 * round(trip / 60.0)
    )  # the median trip, to the minute


def test_stock_to_preposition_per_centre_is_the_runs_shortfall_in_whole_units(run):
    first = _first(_page(run))
    summary = pd.read_csv(run[1] / "shelter_summary.csv")
    short = summary[summary["unmet"] > 1e-6 * summary["demand"].clip(lower=1.0)]
    assert len(short)  # the sample run lacks stock somewhere
    table = re.search(r"<table class='preposition'>.*?</table>", first, re.S).group(0)
    rows = {
        _text(a).split(" ")[0]: _text(b)
        for a, b in re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td></tr>", table, re.S)
    }
    assert set(rows) == set(short["centre"])
    t = Text("en")
    for r in short.itertuples():
        measured = str(r.unit).lower() in ("l", "kg")
        qty = r.unmet if measured else np.ceil(r.unmet - 1e-9 * max(1.0, r.unmet))
        words = f"{t.item(r.item)}: {t.amount(qty)}" + (f" {t.unit(r.unit)}" if measured else "")
        assert words in rows[r.centre], (r.centre, words)


def test_shortfalls_in_red_when_people_are_caught_and_no_green_card(run):
    page = _page(run)
    first = _first(page)
    s = run[0].summary
    caught = s["evacuation"]["persons_caught"]
    assert caught > 100
    bad = [_text(b) for b in re.findall(r"<li class='bad'>(.*?)</li>", first, re.S)]
    assert any(f"{Text('en').number(caught)} people caught by the water" in b for b in bad)
    assert any(b.strip("⚠\ufe0e ").startswith("Stock-outs: from 2026-05-09 ") for b in bad)
    assert any(
        "roads used by evacuees cut by the water before the clearance ended" in b for b in bad
    )
    places = f"{Text('en').number(s['centres']['capacity_persons'])} places in the centres for"
    assert places in _text(first)  # enough places here (1,912 for 1,476): a met line, not red
    assert ".bad" in page
    assert "color: #b00020" in page
    assert "class='card ok'" not in page  # people caught: no green card


def test_spanish_first_screen(run, folder):
    first = _text(_first(write_report(folder, "es").read_text(encoding="utf-8")))
    assert "evacuar Harmon Ford 165 2026-05-09 07:45 -04, 7h45m después del inicio" in first
    assert "tiempo en vehículo (mediana)" in first  # Kettle Ford drives
    assert "personas alcanzadas por el agua" in first
    for english in ("people at risk", "order by", "caught by the water", "after the start"):
        assert english not in first


def test_no_start_means_elapsed_times_said_once(folder):
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    summary.pop("clock", None)
    (folder / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    zones = pd.read_csv(folder / "zones.csv")
    zones.drop(columns=[c for c in zones if c.endswith("_local")]).to_csv(
        folder / "zones.csv", index=False
    )
    first = _text(_first(write_report(folder, "en").read_text(encoding="utf-8")))
    assert "Harmon Ford 165 7h45m after the start" in first
    assert "2026-05-09" not in first
    assert first.count("The run has no event start") == 1


def test_report_loads_nothing_from_outside(run):
    page = _page(run)
    # the basemap is off by default: its tiles load only when the reader ticks it, online
    assert "<input type='checkbox' id='lay-basemap'>" in page
    assert "id='drm-basemap'" in page
    assert "<image" not in page.split("id='drm-basemap'", 1)[1].split("</g>", 1)[0]
    page = page.replace(BASEMAP_URL, "").replace("http://www.w3.org/2000/svg", "")
    assert "http://" not in page
    assert "https://" not in page
    for outside in ("<link", "@import", "url(", "<script src", "<iframe", "@font-face"):
        assert outside not in page
    for attr in re.findall(r"\b(?:src|href)=['\"]([^'\"]*)['\"]", page):
        assert attr.startswith(("data:image/png;base64,", "#")), attr[:40]
    assert page.count("<script>") == 1
    size_mb = len(page.encode("utf-8")) / 1e6
    assert size_mb < 2.5  # figures as PNG, the map's depth image and vectors included


def test_svg_map_has_its_layers(run):
    page = _page(run)
    svg = re.search(r"<svg id='drm-map'.*?</svg>", page, re.S).group(0)
    for layer in LAYERS:
        assert f"<g class='lay-{layer}'>" in svg
        assert f"id='lay-{layer}'" in page  # its toggle
    assert svg.count("<image href='data:image/png;base64,") == 1
    centres = pd.read_csv(run[1] / "centres.csv")
    assert svg.count("<circle ") == len(centres)
    layers = json.loads((run[1] / LAYERS_FILE).read_text(encoding="utf-8"))
    assert len(layers["routes"]) == 13
    assert svg.count("<path d='M") == len(layers["routes"])
    # a centre sits where centres.csv says, in metres from the DEM's top-left corner (1 m)
    x0, y1 = layers["origin"]
    c = centres.iloc[0]
    assert f"cx='{round(c['x'] - x0)}' cy='{round(y1 - c['y'])}'" in svg
    assert "<title>C01 Kettle Ford High School: 685 places" in svg
    assert "class='north'" in page  # north arrow
    assert "id='drm-bar'" in page  # scale bar
    for unit in ("maximum depth (m)", "0.05–0.15", "&gt; 2"):
        assert unit in page


def test_map_without_layers_file_still_shows_flood_and_centres(folder):
    (folder / LAYERS_FILE).unlink()
    page = write_report(folder, "en").read_text(encoding="utf-8")
    assert "<g class='lay-flood'>" in page
    assert "<g class='lay-centres'>" in page
    assert "<g class='lay-routes'>" not in page
    assert "no map_layers.json" in page
    decisions = zone_decisions(load_outputs(folder), Text("en"))
    assert all(d.roads == () for d in decisions)


@pytest.mark.parametrize("make", [evacuation_map, hazard_map])
def test_maps_have_north_arrow_scale_bar_and_units(run, make):
    fig = make(run[0], language="en")
    try:
        ax = fig.axes[0]
        assert any(t.get_text() == "N" for t in ax.texts)
        assert any(type(a).__name__ == "AnchoredSizeBar" for a in ax.artists)
        labels = [a.get_xlabel() for a in fig.axes] + [
            t.get_text() for lg in fig.legends for t in lg.get_texts()
        ]
        assert any("(m)" in lab or "km²" in lab for lab in labels)
    finally:
        plt.close(fig)


def _pdf_pages(pdf: bytes) -> list[int]:
    """Text-show and image operators per page of a (Skia/Chromium) PDF, parsed minimally."""
    objects = {int(n): body for n, body in re.findall(rb"(\d+) 0 obj\s*(.*?)endobj", pdf, re.S)}
    marks = []
    for body in objects.values():
        if not re.search(rb"/Type\s*/Page(?![a-zA-Z])", body):
            continue
        ops = 0
        for ref in re.findall(
            rb"(\d+) 0 R", re.search(rb"/Contents\s*(\[[^\]]*\]|\d+ 0 R)", body).group(1)
        ):
            stream = re.search(rb"stream\r?\n(.*?)\r?\nendstream", objects[int(ref)], re.S).group(1)
            content = zlib.decompress(stream) if b"/FlateDecode" in objects[int(ref)] else stream
            ops += len(re.findall(rb"\b(?:Tj|TJ|Do)\b", content))
        marks.append(ops)
    return marks


@pytest.mark.skipif(
    CHROMIUM is None, reason="headless Chromium not installed (apt-get install chromium)"
)
def test_prints_on_a4_with_no_blank_page(run, tmp_path):
    pdf = tmp_path / "report.pdf"
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync",
           "--disable-background-networking", "--disable-component-update", f"--user-data-dir={tmp_path / 'p'}",
           "--no-pdf-header-footer", f"--print-to-pdf={pdf}", (run[1] / "report.html").resolve().as_uri()]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    data = pdf.read_bytes()
    boxes = {
        tuple(np.round(np.array(b.split(), float)))
        for b in re.findall(rb"/MediaBox \[([^\]]*)\]", data)
    }
    assert boxes == {(0.0, 0.0, 595.0, 842.0)}  # A4 in points
    pages = _pdf_pages(data)
    assert 4 <= len(pages) <= 40
    assert min(pages) > 0, pages  # every page has text or a figure
