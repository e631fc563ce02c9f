"""The report tells the truth: no green where people are caught or no order was given, no stale files,
no vanished people, no false alarms (issue 23).

The Valle Alto (100-year) and 10-year runs are the session's; tests that change a folder copy it.
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
import shutil

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from drm.errors import DrmWarning
from drm.report import Text, write_report
from drm.report.checklist import mend_checklist
from drm.report.tables import load_outputs
from drm.scenario import load_inputs, load_scenario

pytestmark = pytest.mark.slow


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))).strip()


def _first(page: str) -> str:
    return re.search(r"<section id='first'>.*?</section>", page, re.S).group(0)


def _copy(run, tmp_path):
    return shutil.copytree(run.out_dir, tmp_path / "out", ignore=shutil.ignore_patterns(".cache"))


def _report(folder, language="en") -> str:
    return write_report(folder, language).read_text(encoding="utf-8")


def test_ten_year_storm_says_no_order_and_no_centre_used(valle_alto_10yr_run, tmp_path):
    s = valle_alto_10yr_run.summary
    assert s["warning"]["order_time_s"] is None
    assert s["exposure"]["persons_at_risk"] > 19_000
    page = _report(_copy(valle_alto_10yr_run, tmp_path))
    first = _text(_first(page))
    n = Text("en").number(s["exposure"]["persons_at_risk"])
    assert f"No evacuation order was given, with {n} people at risk." in first
    assert "No road the evacuees use is cut" not in first  # nobody evacuated: nothing to say of roads
    # every zone to act on says the run gave no order
    rows = re.findall(r"<tr class='zone zone-evacuate'>(.*?)</tr>", _first(page), re.S)
    assert len(rows) == 10
    assert all("No order was given in this run." in _text(r) for r in rows)
    # no green card; the latest safe order card is flagged
    assert "class='card ok'" not in page
    latest = re.search(
        r"<div class='card (\w*)'><div class='v'>[^<]*</div><div class='k'>latest safe order", page
    )
    assert latest.group(1) == "flag"
    # the zone tables say "no order given" instead of a dash
    zones = pd.read_csv(valle_alto_10yr_run.out_dir / "zones.csv")
    at_risk = int((zones["persons_at_risk"] >= 0.5).sum())
    assert (
        page.count("<td class='flag'>no order given</td>") == 2 * at_risk
    )  # decision and zones tables
    # centres: usable, and none "used" when nobody was evacuated
    assert not re.search(r"<td[^>]*>used", page)
    usable = int(valle_alto_10yr_run.centres["used"].sum())
    assert (
        page.count("usable (no evacuation in this run)") == 2 * usable
    )  # centres table in two sections
    assert "no evacuation was simulated, so none received people" in page


def test_centres_used_only_where_people_arrived(valle_alto_run):
    page = (valle_alto_run.out_dir / "report.html").read_text(encoding="utf-8")
    hh = pd.read_csv(valle_alto_run.out_dir / "evacuation_households.csv")
    safe = hh[(hh["outcome"] == "safe") & hh["centre"].notna() & (hh["centre"] != "safe ground")]
    came = safe.groupby("centre")["persons"].sum()
    t = Text(valle_alto_run.scenario.language)
    for cid, persons in came.items():
        assert t("used_by", n=t.number(persons)) in page, cid
    assert t("centres_used", used=8, n=12, cap=t.number(2641), reached=len(came)) in _text(page)


def test_outside_hazard_zone_uses_the_exclusion_depth(valle_alto_run):
    # centres with 1 cm at the site are used (the exclusion rule is 0.15 m): they are outside
    # the hazard zone by the same rule, not failed at 0 m
    a = pd.read_csv(valle_alto_run.out_dir / "assessment.csv")
    hz = a[a["indicator"] == "outside hazard zone"].set_index("centre")
    limit = valle_alto_run.scenario.evacuation.centre_max_depth_m
    assert limit == 0.15
    assert (hz["target"] == limit).all()
    assert (hz["value"] < 0.05).all()
    assert (hz["status"] == "meets").all()


def test_stockouts_are_timed_when_they_start(valle_alto_run):
    so = pd.read_csv(valle_alto_run.out_dir / "shelter_stockouts.csv")
    arrivals = valle_alto_run.evacuation.centre_arrivals()
    first_arrival = float(arrivals["time_s"].min())
    # nothing runs out before anyone has arrived at a centre, and the first one runs out when
    # the first people arrive at a centre with no stock of it (a handout)
    assert so["start_s"].min() >= first_arrival - 1e-6
    first = _text(_first((valle_alto_run.out_dir / "report.html").read_text(encoding="utf-8")))
    label = valle_alto_run.clock.label(so["start_s"].min())
    assert f"desde {label}," in first  # the exact minute, not the hour before


def test_flood_end_is_read_from_the_dated_time_axis(valle_alto_run):
    out = load_outputs(valle_alto_run.out_dir)
    assert out.flood["end_s"] == pytest.approx(14 * 3600.0)
    back = next(c for c in mend_checklist(out, Text("en")) if c.phase == "phase_return")
    assert "14h00m after the start" in back.detail


def test_report_reads_only_the_runs_own_files(valle_alto_run, tmp_path):
    folder = _copy(valle_alto_run, tmp_path)
    manifest = json.loads((folder / "drm-manifest.json").read_text(encoding="utf-8"))
    # as if the stock tables were left by an earlier run of this scenario, not written by this one
    stale = {"shelter_items.csv", "shelter_summary.csv", "shelter_stockouts.csv", "shelter.png"}
    manifest["files"] = [f for f in manifest["files"] if f not in stale]
    (folder / "drm-manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    out = load_outputs(folder)
    assert out.table("shelter_items") is None
    assert out.table("shelter_summary") is None
    assert "shelter" not in out.figures
    first = _text(_first(_report(folder)))
    assert "Stock-outs" not in first
    assert "Stock to preposition" not in first
    # the same files given explicitly (as the run does while writing) are read
    assert (
        load_outputs(folder, ["summary.json", "shelter_items.csv"]).table("shelter_items")
        is not None
    )


def test_people_on_a_blanked_dem_band_are_reported(tmp_path):
    src = load_scenario("valle_alto")
    dem = xr.open_dataset(src.hazard.dem)
    name = next(v for v in dem.data_vars if dem[v].ndim == 2)
    band = slice(0, 80)  # the west edge, under part of Urbanización Los Samanes
    elev = dem[name].values.copy()
    elev[:, band] = np.nan
    dem[name].values[:] = elev
    dem[name].encoding["_FillValue"] = -9999.0
    path = tmp_path / "dem_blanked.nc"
    dem.to_netcdf(path)
    pop = xr.open_dataset(src.population.grid)["population"].values
    under = float(pop[:, band].sum())
    assert under > 1500
    sc = dataclasses.replace(src, hazard=dataclasses.replace(src.hazard, dem=path))
    with pytest.warns(DrmWarning, match="on DEM nodata cells reaching its edge and are left out"):
        inputs = load_inputs(sc)
    cover = inputs.summary()["coverage"]
    assert cover["persons_on_dem_nodata"] == pytest.approx(under, rel=1e-6)
    assert float(inputs.population.sum()) == pytest.approx(pop.sum() - under, rel=1e-6)


def test_left_out_people_are_said_first_in_red(valle_alto_run, tmp_path):
    folder = _copy(valle_alto_run, tmp_path)
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    summary["inputs"]["coverage"]["persons_on_dem_nodata"] = 1944.9
    (folder / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    first = _first(_report(folder))
    bad = [_text(b) for b in re.findall(r"<li class='bad'>(.*?)</li>", first, re.S)]
    said = "⚠\ufe0e 1,945 residents of the population file live outside the modelled area"
    assert any(b.startswith(said) for b in bad)
