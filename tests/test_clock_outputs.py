"""Clock times and lat/lon in the run's data outputs (issue 17, items 4 and 5).

One run of the short built-in ``jacksboro`` scenario (start 2026-05-09T00:00-04:00,
America/New_York) is shared by the module; a second run of the same scenario
without a start (the rain file's time axis has no date) checks the elapsed-only
path; the session's Valle Alto run checks that Spanish names survive in the CSVs.
"""

from __future__ import annotations

import json
import tomllib

import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer

import drm
from drm.scenario import scenario_from_dict
from drm.scenario.exercise import situation_reports
from drm.scenario.schema import resolve_scenario_path
from drm.scenario.summary import NO_START

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def run(jacksboro_run):
    return jacksboro_run


@pytest.fixture(scope="module")
def no_start():
    path = resolve_scenario_path("jacksboro")
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    del data["start"], data["timezone"]
    sc = scenario_from_dict(data, base=path.parent)
    return drm.run_scenario(sc, None, progress=False)  # tables in memory: what the CSVs hold


def _csv(result, stem: str) -> pd.DataFrame:
    return pd.read_csv(result.out_dir / f"{stem}.csv", encoding="utf-8")


def test_summary_clock_block_and_local_times(run):
    s = json.loads((run.out_dir / "summary.json").read_text(encoding="utf-8"))
    assert s["clock"] == {"start": "2026-05-09T00:00:00-04:00", "timezone": "America/New_York", "known": True}
    w = s["warning"]
    assert w["order_time_s"] == 32400.0
    assert w["order_time_local"] == "2026-05-09 09:00 -04"  # 9 h after midnight
    assert w["first_arrival_local"] == run.clock.label(w["first_arrival_s"])
    assert w["first_alert_local"]["red"] == run.clock.label(w["first_alert_s"]["red"])
    ev = s["evacuation"]
    assert ev["clearance_time_local"] == run.clock.label(w["order_time_s"] + ev["clearance_time_s"])
    assert s["flood"]["end_local"] == "2026-05-09 20:00 -04"  # duration = "20h"
    assert s["inputs"]["inflows"][0]["peak_time_local"] == "2026-05-09 14:00 -04"  # river peak at 14:00
    assert NO_START not in s["notes"]


def test_zone_clock_columns_match_the_clock(run):
    zones = _csv(run, "zones").set_index("zone")
    row = zones.dropna(subset=["first_at_risk_s"]).iloc[0]
    assert row["first_at_risk_local"] == run.clock.label(row["first_at_risk_s"])
    cols = list(zones.columns)
    assert cols.index("first_at_risk_local") == cols.index("first_at_risk_s") + 1
    assert {"latest_order_local", "order_local", "completion_local"} <= set(cols)
    # durations get no clock column
    assert not {"clearance_local", "slack_local", "margin_local"} & set(cols)
    # hand check: 5,400 s after local midnight on 9 May 2026 (EDT, UTC-4)
    assert run.clock.label(5400.0) == "2026-05-09 01:30 -04"


def test_time_indexed_tables_get_time_local(run):
    for stem, index in (("alerts", "time_s"), ("evacuation_timeline", "time_s"), ("evacuation_arrivals", "time")):
        t = _csv(run, stem)
        assert list(t.columns[:2]) == [index, "time_local"], stem
        assert t["time_local"].iloc[1] == run.clock.label(t[index].iloc[1])
    hh = _csv(run, "evacuation_households")
    left = hh.dropna(subset=["departure_s"]).iloc[0]
    assert left["departure_local"] == run.clock.label(left["departure_s"])
    stock = _csv(run, "shelter_stockouts")
    assert stock["start_local"].iloc[0] == run.clock.label(stock["start_s"].iloc[0])


def test_sites_have_lat_lon(run):
    to_wgs84 = Transformer.from_crs(drm.grids.get_crs(run.inputs.dem), "EPSG:4326", always_xy=True)
    for stem in ("centres", "warehouses", "zones", "evacuation_households"):
        t = _csv(run, stem).dropna(subset=["x", "y"])
        cols = list(t.columns)
        assert cols[cols.index("y") + 1 : cols.index("y") + 3] == ["lat", "lon"], stem
        lon, lat = to_wgs84.transform(t["x"].to_numpy(), t["y"].to_numpy())
        np.testing.assert_allclose(t["lon"], lon, atol=1e-6, err_msg=stem)
        np.testing.assert_allclose(t["lat"], lat, atol=1e-6, err_msg=stem)
    # Kettle Ford lies in Tennessee
    c = _csv(run, "centres")
    assert c["lat"].between(36.5, 36.7).all()
    assert c["lon"].between(-84.3, -84.1).all()


def test_exercise_and_alert_text_show_the_clock(run):
    first, second = situation_reports(run, 3 * 3600.0)[:2]
    assert first.text().splitlines()[:2] == [
        "event start: 2026-05-09 00:00 -04 (America/New_York); clock times are local",
        "--- T+3h00m (2026-05-09 03:00 -04) ---",
    ]
    assert second.text().splitlines()[0] == "--- T+6h00m (2026-05-09 06:00 -04) ---"
    import dataclasses

    text = repr(dataclasses.replace(run.decision, clock=run.clock))
    assert "order at: 9h00m (2026-05-09 09:00 -04)" in text


def test_no_start_elapsed_only_said_once(no_start):
    s = no_start.summary
    assert s["clock"] == {"start": None, "timezone": None, "known": False}
    assert s["notes"].count(NO_START) == 1
    assert not [k for k in s["warning"] if k.endswith("_local")]
    tables = no_start.tables()
    for stem in ("zones", "alerts", "evacuation_households", "shelter_stockouts"):
        assert not [c for c in tables[stem].reset_index().columns if c.endswith("_local")], stem
    assert "lat" in tables["centres"]  # lat/lon do not need the clock
    reports = situation_reports(no_start, 3 * 3600.0)
    texts = [r.text() for r in reports]
    assert texts[0].splitlines()[:2] == [NO_START, "--- T+3h00m ---"]
    assert sum(NO_START in t for t in texts) == 1


def test_spanish_names_survive_in_csv(valle_alto_run):
    names = valle_alto_run.exposure.zones["name"].astype(str)
    accented = [n for n in names if any(ord(ch) > 127 for ch in n)]
    assert accented, "Valle Alto should have zone names with accents or ñ"
    zones = _csv(valle_alto_run, "zones")
    assert set(accented) <= set(zones["name"].astype(str))
    centres = valle_alto_run.centres["name"].astype(str)
    assert set(centres) == set(_csv(valle_alto_run, "centres")["name"].astype(str))
    raw = (valle_alto_run.out_dir / "zones.csv").read_bytes()
    assert accented[0].encode("utf-8") in raw
    # hand check of the Valle Alto clock: 5,400 s after local midnight in Caracas (UTC-4)
    assert valle_alto_run.clock.label(5400.0) == "2026-10-03 01:30 -04"
    row = zones.dropna(subset=["first_at_risk_s"]).iloc[0]
    assert row["first_at_risk_local"] == valle_alto_run.clock.label(row["first_at_risk_s"])
