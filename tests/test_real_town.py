"""Kettle Ford as a planner receives it (issue 16): the raw product files run end to end.

The shipped folder ``hazard_data/kettle_ford_raw`` (``drm.datasets.write_as_received``) holds
the town as raw products and ``truth.json`` what each file holds; the built-in scenario
``kettle_ford_raw`` runs them. These tests check the run against that truth, read every rain
product through the scenario, and turn each silently-wrong case of the issue into a scenario
variant written into ``tmp_path`` (only the file a test breaks is written; every other path
points at the shipped folder).
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import drm
from drm.cli import main
from drm.datasets import builtin_path
from drm.errors import DrmWarning, InputError
from drm.grids import check_grid, get_crs
from drm.network import road_ids_named
from drm.regrid import regrid
from drm.scenario import load_inputs, load_scenario
from drm.scenario.stages import inject_road_closures

RAW = builtin_path("hazard_data/kettle_ford_raw")
JACKSBORO = builtin_path("hazard_data/jacksboro")
SCENARIO = builtin_path("scenarios/kettle_ford_raw.toml")
TRUTH = json.loads((RAW / "truth.json").read_text(encoding="utf-8"))
UTM = "EPSG:32616"  # the town's CRS (truth.json crs_of_the_town)

#: The warnings the raw town raises on purpose, and nothing else: C07 is closed (capacity 0),
#: and OSM has no bridge clearances (the flood judges the 8 wet bridges by the water under them).
EXPECTED_RUN_WARNINGS = (
    r"escuelas_ministerio\.csv: centres C07 have capacity 0",
    r"8 wet bridge\(s\) have no clearance_m",
)
C07_WARNING = EXPECTED_RUN_WARNINGS[0]


# ----------------------------------------------------------------------------- helpers
def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Path):
        return json.dumps(value.as_posix())
    return json.dumps(value)  # str (a TOML basic string) or a number


def write_scenario(folder: Path, edits: dict[str, object] | None = None) -> Path:
    """The built-in kettle_ford_raw.toml with absolute paths and ``section.key`` edits, in ``folder``.

    A key already in the section is replaced, a new one is added; ``injects.key`` edits the
    scenario's one inject.
    """
    text = SCENARIO.read_text(encoding="utf-8")
    text = text.replace('"../hazard_data/kettle_ford_raw/', f'"{RAW.as_posix()}/')
    text = text.replace('"../hazard_data/jacksboro/', f'"{JACKSBORO.as_posix()}/')
    assert "../" not in text
    for dotted, value in (edits or {}).items():
        section, key = dotted.split(".")
        header = "[[injects]]" if section == "injects" else f"[{section}]"
        start = text.index(header + "\n") + len(header) + 1
        nxt = re.search(r"^\[", text[start:], flags=re.MULTILINE)
        end = start + nxt.start() if nxt else len(text)
        body, line = text[start:end], f"{key} = {_toml_value(value)}"
        pattern = re.compile(rf"^{re.escape(key)}\s*=.*$", flags=re.MULTILINE)
        body = pattern.sub(line, body, count=1) if pattern.search(body) else f"{line}\n{body}"
        text = text[:start] + body + text[end:]
    path = folder / "scenario.toml"
    path.write_text(text, encoding="utf-8")
    return path


def variant_inputs(folder: Path, edits: dict[str, object], expected: tuple[str, ...] = ()):
    """``load_inputs`` of a scenario variant, expecting C07's warning and those of ``expected``."""
    with pytest.warns(DrmWarning) as caught:
        inputs = load_inputs(load_scenario(write_scenario(folder, edits)))
    assert_warnings(caught, (C07_WARNING, *expected))
    return inputs


def assert_warnings(caught, patterns: tuple[str, ...]) -> None:
    """Every DrmWarning caught matches one of ``patterns``, and each pattern is matched."""
    messages = {str(w.message) for w in caught if issubclass(w.category, DrmWarning)}
    unexpected = [m for m in messages if not any(re.search(p, m) for p in patterns)]
    assert not unexpected, unexpected
    for p in patterns:
        assert any(re.search(p, m) for m in messages), (p, messages)


def assert_cli_warnings(err: str, patterns: tuple[str, ...]) -> None:
    """The CLI prints each DrmWarning as one ``drm: warning:`` line on stderr (not as a warning)."""
    lines = err.strip().splitlines()
    assert all(line.startswith("drm: warning: ") for line in lines), lines
    assert_warnings([warnings.WarningMessage(line, DrmWarning, "", 0) for line in lines], patterns)


def dem_mean(rain: xr.DataArray, dem: xr.DataArray) -> tuple[float, float]:
    """DEM-mean total depth (mm) and peak DEM-mean intensity (mm/h) of a rain grid (m s-1).

    As the flood uses it: the rain regridded conservatively onto the DEM's cells, averaged
    over the DEM's valid cells; depth = sum of rate x step.
    """
    on = regrid(rain, dem, "conservative").values
    valid = np.isfinite(dem.values)
    rate = np.array([frame[valid].mean() for frame in on])  # m s-1
    t = rain["time"].values.astype(float)
    dt = np.diff(np.append(t, rain.attrs["interval_end_s"]))
    return float((rate * dt).sum() * 1000.0), float(rate.max() * 3.6e6)


def read_censo() -> pd.DataFrame:
    return pd.read_csv(RAW / "censo.csv", sep=";", decimal=",", encoding="utf-8").set_index(
        "codigo"
    )


def barrio_names() -> dict[str, str]:
    doc = json.loads((RAW / "barrios.geojson").read_text(encoding="utf-8"))
    return {f["properties"]["codigo"]: f["properties"]["nombre"] for f in doc["features"]}


# ----------------------------------------------------------------------------- 1. end to end
@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """kettle_ford_raw run once through the API for this module, with the warnings it raised."""
    out = tmp_path_factory.mktemp("kettle_ford_raw")
    with pytest.warns(DrmWarning) as caught:
        result = drm.run_scenario("kettle_ford_raw", out, progress=False)
    return result, caught


@pytest.fixture(scope="module")
def raw_inputs():
    """kettle_ford_raw's inputs, loaded once for this module (no run)."""
    with pytest.warns(DrmWarning) as caught:
        inputs = load_inputs(load_scenario("kettle_ford_raw"))
    assert_warnings(caught, (C07_WARNING,))
    return inputs


@pytest.mark.slow
def test_api_run_writes_outputs_with_only_the_expected_warnings(run):
    result, caught = run
    assert_warnings(caught, EXPECTED_RUN_WARNINGS)
    for name in ("summary", "flood", "zones", "centres", "evacuation_households", "evacuation_roads",
                 "shelter_items", "report"):  # fmt: skip
        assert result.files[name].is_file(), name
    summary = json.loads(result.files["summary"].read_text(encoding="utf-8"))
    assert summary["inputs"]["dem"]["crs"] == UTM  # the lon/lat DEM went to its UTM zone
    assert summary["inputs"]["coverage"]["population_share_on_dem"] == pytest.approx(1.0, abs=1e-6)
    assert summary["flood"]["volume_balance"]["relative_error"] < 1e-9


@pytest.mark.slow
def test_population_read_is_the_files_total(run):
    result, _ = run
    truth = TRUTH["population"]["raster_total_persons"]
    assert float(np.nansum(result.inputs.population.values)) == pytest.approx(truth, rel=1e-3)
    summary = json.loads(result.files["summary"].read_text(encoding="utf-8"))
    assert summary["inputs"]["population"]["total_persons"] == pytest.approx(truth, rel=1e-3)


@pytest.mark.slow
def test_zones_are_the_barrios_with_their_names(run):
    result, _ = run
    zones = pd.read_csv(result.files["zones"], index_col="zone")
    names = barrio_names()
    named = zones.drop(index=0)  # zone 0: the people outside every polygon
    assert list(named.index) == list(range(1, 14))
    assert list(named["name"]) == [names[f"KF-{i:02d}"] for i in range(1, 14)]
    # every resident is counted once, in a zone or outside them all
    total = TRUTH["population"]["raster_total_persons"]
    assert zones["residents"].sum() == pytest.approx(total, rel=1e-3)
    # WorldPop-like pixels straddle the polygon edges (in the file itself 5.1 % of the people
    # sit in pixels whose centre is outside every polygon) and the regridding onto the DEM
    # smears them once more: measured 6.4 % outside, each barrio within -20 % of its census
    assert named["residents"].sum() >= 0.92 * total
    census = read_censo()["poblacion"]
    by_code = named["residents"].set_axis([f"KF-{i:02d}" for i in named.index])
    assert np.all(np.abs(by_code / census.reindex(by_code.index) - 1.0) < 0.25)


@pytest.mark.slow
def test_persons_by_sex_follow_each_zones_census(run):
    result, _ = run
    demo = result.exposure.demographics()
    at_risk = result.exposure.zones["persons_at_risk"]
    censo = read_censo().loc["KF-06"]  # Northgate, zone 6, by hand from censo.csv
    assert censo["nombre"] == "Northgate"
    assert at_risk[6] > 100
    assert demo.loc[6, "female"] / at_risk[6] == pytest.approx(2561 / 5040, rel=1e-6)
    assert demo.loc[6, "male"] / at_risk[6] == pytest.approx(2479 / 5040, rel=1e-6)
    assert demo.loc[6, "child_under_5"] / at_risk[6] == pytest.approx(529 / 5040, rel=1e-6)
    assert demo.loc[6, "older_60"] / at_risk[6] == pytest.approx(458 / 5040, rel=1e-6)
    assert censo["mujeres"] / censo["poblacion"] == pytest.approx(2561 / 5040)
    # downtown has the census's older profile, not Northgate's
    assert demo.loc[1, "older_60"] / at_risk[1] == pytest.approx(276 / 1946, rel=1e-6)
    zones = list(range(1, 14))
    assert (demo.loc[zones, "female"] + demo.loc[zones, "male"]).to_numpy() == pytest.approx(
        at_risk[zones].to_numpy(), rel=1e-9
    )


@pytest.mark.slow
def test_closed_centre_c07_is_unavailable_and_receives_nobody(run):
    result, _ = run
    centres = pd.read_csv(result.files["centres"], index_col="id")
    c07 = centres.loc["C07"]
    assert not c07["available"]
    assert not c07["used"]
    assert c07["capacity_persons"] == 0
    assert "capacity 0" in c07["unavailable_reason"]
    assert centres.loc["C03", "capacity_persons"] == 342  # from superficie_m2 only, by Sphere
    assert centres.loc["C03", "capacity_source"] == "floor_area"
    summary = json.loads(result.files["summary"].read_text(encoding="utf-8"))
    assert "C07" in summary["centres"]["excluded"]
    assert summary["inputs"]["centres"] == {"count": 12, "available": 11, "floor_area_m2": 11330.0}
    households = pd.read_csv(result.files["evacuation_households"])
    assert (households["centre"] == "C07").sum() == 0
    assert "C07" not in summary["shelter"]["peak_occupancy"]


@pytest.mark.slow
def test_stock_in_gallons_became_litres(run):
    result, _ = run
    stock = result.inputs.stock
    w3 = stock[(stock["site_id"] == "W3") & (stock["item"] == "water_l")]
    assert list(w3["unit"]) == ["L"]
    assert float(w3["quantity"].sum()) == pytest.approx(
        TRUTH["stock_line_in_gal"]["litres"], rel=1e-4
    )
    summary = json.loads(result.files["summary"].read_text(encoding="utf-8"))
    assert summary["inputs"]["stock"]["water_l (L)"] == pytest.approx(
        TRUTH["stock_totals_catalogue_units"]["water_l (L)"], rel=1e-4
    )


@pytest.mark.slow
def test_inject_closes_bridge_2_by_its_osm_ref(run, tmp_path):
    result, _ = run
    ids = road_ids_named(result.roads, "bridge-2")
    assert len(ids) == 1  # the OSM way (osmid) whose ref is bridge-2
    edges = [d for _, _, d in result.roads.edges(data=True) if d["road_id"] in ids]
    assert {d["name"] for d in edges} == {TRUTH["roads"]["bridges"]["bridge-2"]}
    assert len(edges) == 2  # both directions
    assert inject_road_closures(result.scenario, result.roads) == {ids[0]: 9 * 3600.0}
    shipped = result.evacuation.roads
    on_bridge = shipped.loc[shipped["road_id"].astype(str) == ids[0], "persons_or_vehicles"].sum()
    # the same inject at 13:00 comes after the flood closes the bridge (about 11:30) and after
    # the evacuation: traffic crosses it; closed with the order at 09:00 as shipped, none does
    with pytest.warns(DrmWarning) as caught:
        late = drm.run_scenario(
            load_scenario(write_scenario(tmp_path, {"injects.at": "13h"})), progress=False
        )
    assert_warnings(caught, EXPECTED_RUN_WARNINGS)
    moved = late.evacuation.roads
    crossing = moved.loc[moved["road_id"].astype(str) == ids[0], "persons_or_vehicles"].sum()
    assert crossing > 0
    assert on_bridge == 0


@pytest.mark.slow
def test_households_follow_household_size(run):
    result, _ = run
    at_risk = result.summary["exposure"]["persons_at_risk"]
    households = result.summary["evacuation"]["households"]
    # the census's persons per household (personas_por_hogar) in its barrios, the scenario's
    # 2.5 outside them: one household per that many persons, not one per cell
    sizes = result.inputs.census["household_size"]
    persons = result.evacuation.households.groupby("zone")["persons"].sum()
    expected = sum(p / sizes.get(z, 2.5) for z, p in persons.items())
    assert households == pytest.approx(expected, rel=0.01)
    assert sizes.between(2.0, 2.7).all()
    assert len(result.evacuation.households) == households
    assert result.evacuation.households["persons"].sum() == pytest.approx(at_risk, rel=1e-9)
    assert households > 2 * len(result.exposure.cells())  # not one household per cell


@pytest.mark.slow
def test_cli_run_gives_the_api_run(run, tmp_path, capsys):
    result, _ = run
    out = tmp_path / "out"
    with warnings.catch_warnings():
        warnings.simplefilter("always", DrmWarning)
        assert main(["-q", "run", "kettle_ford_raw", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    # the evacuation's note is logged once by the run (drm.scenario.stages), as a warning line too
    assert_cli_warnings(captured.err, (*EXPECTED_RUN_WARNINGS, r"persons found no open road"))
    assert captured.out.startswith("ok: Kettle Ford, 100-year storm, raw product files")
    for name in ("summary.json", "flood.nc", "zones.csv", "centres.csv", "report.html"):
        assert (out / name).is_file(), name
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["exposure"] == pytest.approx(result.summary["exposure"], rel=1e-9)
    assert summary["evacuation"]["households"] == result.summary["evacuation"]["households"]
    pd.testing.assert_frame_equal(
        pd.read_csv(out / "zones.csv"), pd.read_csv(result.files["zones"]), rtol=1e-9
    )


# ----------------------------------------------------------------------------- 2. rain products
@pytest.mark.parametrize(
    ("product", "edits", "peak_rel"),
    [
        ("rain_imerg.nc", {}, 0.01),
        ("rain_ecmwf.nc", {}, 0.01),  # the file says it is accumulated: no key needed
        ("rain_chirps.nc", {"hazard.rainfall_disaggregate": "scs-ii"}, None),  # peak: the curve's
    ],
)
def test_each_rain_product_reads_the_storm(tmp_path, product, edits, peak_rel):
    inputs = variant_inputs(tmp_path, {"hazard.rainfall": RAW / product, **edits})
    total, peak = dem_mean(inputs.rainfall, inputs.dem)
    truth = TRUTH["rain"][product]
    # measured: IMERG 166.85 / 127.17, ECMWF 167.78 / 74.51, CHIRPS (scs-ii) 167.80 mm
    assert total == pytest.approx(truth["dem_mean_total_mm"], rel=0.01)
    if peak_rel is not None:
        assert peak == pytest.approx(truth["peak_dem_mean_mm_h"], rel=peak_rel)
    else:  # a 24 h SCS type II curve at 30 min: far above the daily mean, below the 10-min source
        assert (
            10 * truth["peak_dem_mean_mm_h"] < peak < TRUTH["rain"]["source"]["peak_dem_mean_mm_h"]
        )
        assert inputs.rainfall.attrs["disaggregated"] == "scs-ii"
    assert get_crs(inputs.rainfall) == get_crs(inputs.dem)


def test_daily_rain_without_disaggregation_warns_and_keeps_the_total(tmp_path):
    inputs = variant_inputs(
        tmp_path,
        {"hazard.rainfall": RAW / "rain_chirps.nc"},
        (r"rain_chirps\.nc: daily \(24 h\) rain steps",),
    )
    assert any("daily (24 h)" in n for n in inputs.notes)
    total, peak = dem_mean(inputs.rainfall, inputs.dem)
    truth = TRUTH["rain"]["rain_chirps.nc"]
    assert total == pytest.approx(truth["dem_mean_total_mm"], rel=0.01)  # measured 167.80
    assert peak == pytest.approx(truth["peak_dem_mean_mm_h"], rel=0.01)  # measured 6.99


# ----------------------------------------------------------------------------- 3. silently wrong
def test_ecmwf_tp_forced_per_interval_warns(tmp_path):
    # the default (no key) reads the right total, above; forcing per-interval must not be silent
    inputs = variant_inputs(
        tmp_path,
        {"hazard.rainfall": RAW / "rain_ecmwf.nc", "hazard.rainfall_accumulated": False},
        (r"'tp' never falls and grows .* accumulated=False was given",),
    )
    total, _ = dem_mean(inputs.rainfall, inputs.dem)
    assert total > 10 * TRUTH["rain"]["rain_ecmwf.nc"]["dem_mean_total_mm"]  # measured 3,073 mm


@pytest.mark.parametrize("names", [("lon", "lat"), ("x", "y"), ("cols", "rows")])
def test_lat_lon_rain_by_cf_units_only_is_read_as_degrees(tmp_path, names):
    ds = xr.open_dataset(RAW / "rain_imerg.nc", decode_times=False).load()
    ds = ds.rename({"lon": names[0], "lat": names[1]})
    ds[names[0]].attrs = {"units": "degrees_east"}  # no standard_name, axis nor CRS variable
    ds[names[1]].attrs = {"units": "degrees_north"}
    assert not [v for v in ds.variables if "grid_mapping_name" in ds[v].attrs]
    ds.to_netcdf(tmp_path / "rain.nc")
    inputs = variant_inputs(tmp_path, {"hazard.rainfall": tmp_path / "rain.nc"})
    assert get_crs(inputs.rainfall) == get_crs(inputs.dem)
    assert check_grid(inputs.rainfall, "rain", time=True).dx > 5000  # 0.1 deg cells, not 0.1 m
    total, _ = dem_mean(inputs.rainfall, inputs.dem)
    assert np.isfinite(total)  # covers every DEM cell
    assert total == pytest.approx(TRUTH["rain"]["rain_imerg.nc"]["dem_mean_total_mm"], rel=0.01)


def test_population_on_a_coarser_grid_of_its_own_is_conserved(tmp_path):
    rioxarray = pytest.importorskip("rioxarray")
    pop = rioxarray.open_rasterio(RAW / "population_worldpop.tif", masked=True).squeeze(
        "band", drop=True
    )
    # another grid, 6" pixels: a row of nodata above, a column left (and one more where odd),
    # then 2 x 2 pixels summed
    y, x = pop["y"].values, pop["x"].values
    down, right = (y.size + 1) % 2, (x.size + 1) % 2
    values = np.pad(pop.values, ((1, down), (1, right)), constant_values=np.nan)
    y = np.concatenate([[2 * y[0] - y[1]], y, [2 * y[-1] - y[-2]] * down])
    x = np.concatenate([[2 * x[0] - x[1]], x, [2 * x[-1] - x[-2]] * right])
    ny, nx = values.shape[0] // 2, values.shape[1] // 2
    blocks = values.reshape(ny, 2, nx, 2)
    people = np.where(np.isnan(blocks).all(axis=(1, 3)), -99999.0, np.nansum(blocks, axis=(1, 3)))
    coarse = xr.DataArray(
        people.astype("float32"),
        dims=("y", "x"),
        coords={"y": y.reshape(ny, 2).mean(1), "x": x.reshape(nx, 2).mean(1)},
    )
    coarse.rio.write_crs(pop.rio.crs).rio.write_nodata(-99999.0).rio.to_raster(tmp_path / "pop.tif")
    in_file = float(people[people >= 0].sum())
    assert in_file == pytest.approx(TRUTH["population"]["raster_total_persons"], rel=1e-3)
    assert (people == -99999.0).sum() > 100  # nodata kept over the river and outside the town
    inputs = variant_inputs(tmp_path, {"population.grid": tmp_path / "pop.tif"})
    assert inputs.population.shape == inputs.dem.shape  # no "not on the same grid" error
    assert float(np.nansum(inputs.population.values)) == pytest.approx(in_file, rel=1e-3)
    assert inputs.summary()["coverage"]["population_share_on_dem"] == pytest.approx(1.0, abs=1e-3)


def test_osmnx_edges_are_not_doubled(raw_inputs):
    roads = raw_inputs.roads
    truth = TRUTH["roads"]
    assert roads.number_of_nodes() == truth["nodes"]
    assert roads.number_of_edges() == truth["directed_features"]  # one edge per direction
    summary = raw_inputs.summary()["roads"]
    assert summary["length_km"] == pytest.approx(truth["length_km_undirected"], rel=0.005)
    # the same lanes and capacity as the town's own road file (drm's format, one feature a road)
    own = drm.network.prepare_roads(drm.io.read_roads(JACKSBORO / "roads.geojson"), "drive")
    osm = drm.network.prepare_roads(roads, "drive")

    def lane_km(G):
        return sum(d["capacity_veh_h"] * d["length"] for _, _, d in G.edges(data=True)) / 1000.0

    assert osm.number_of_edges() == own.number_of_edges()
    assert lane_km(osm) == pytest.approx(lane_km(own), rel=1e-6)


@pytest.mark.slow
def test_households_follow_a_larger_household_size(run, tmp_path):
    result, _ = run
    with pytest.warns(DrmWarning) as caught:
        larger = drm.run_scenario(
            load_scenario(write_scenario(tmp_path, {"population.household_size": 3.8})),
            progress=False,
        )
    assert_warnings(caught, EXPECTED_RUN_WARNINGS)
    at_risk = larger.summary["exposure"]["persons_at_risk"]
    assert at_risk == pytest.approx(result.summary["exposure"]["persons_at_risk"], rel=1e-9)
    # the census's own size wins in its barrios; 3.8 applies outside them (zone 0)
    sizes = larger.inputs.census["household_size"]
    persons = larger.evacuation.households.groupby("zone")["persons"].sum()
    expected = sum(p / sizes.get(z, 3.8) for z, p in persons.items())
    assert larger.summary["evacuation"]["households"] == pytest.approx(expected, rel=0.01)
    assert larger.summary["evacuation"]["households"] < result.summary["evacuation"]["households"]


# ----------------------------------------------------------------------------- 4. every problem at once
def _broken_town(folder: Path, roads: bool) -> Path:
    """The raw town with rain without units, duplicated centre ids, stock in sacks of water and
    either roads in UTM without a CRS member (``roads``) or an inject on a road that does not exist."""
    ds = xr.open_dataset(RAW / "rain_imerg.nc", decode_times=False).load()
    del ds["precipitation"].attrs["units"]
    ds.to_netcdf(folder / "rain.nc")
    centres = (RAW / "escuelas_ministerio.csv").read_bytes().replace(b"\r\nC02;", b"\r\nC01;")
    (folder / "centres.csv").write_bytes(centres)
    stock = (RAW / "inventario.csv").read_text(encoding="utf-8")
    (folder / "stock.csv").write_text(
        stock.replace("5283.44,gal", "5283.44,sacks"), encoding="utf-8"
    )
    edits: dict[str, object] = {
        "hazard.rainfall": folder / "rain.nc",
        "evacuation.centres": folder / "centres.csv",
        "shelter.stock": folder / "stock.csv",
    }
    if roads:
        from pyproj import Transformer

        to_utm = Transformer.from_crs("EPSG:4326", UTM, always_xy=True)
        doc = json.loads((RAW / "vias_osmnx.geojson").read_text(encoding="utf-8"))
        for f in doc["features"]:
            f["geometry"]["coordinates"] = [
                list(to_utm.transform(*xy)) for xy in f["geometry"]["coordinates"]
            ]
        (folder / "roads.geojson").write_text(json.dumps(doc), encoding="utf-8")
        edits["evacuation.roads"] = folder / "roads.geojson"
    else:
        edits["injects.close_road"] = "bridge-9"
    return write_scenario(folder, edits)


@pytest.mark.parametrize("roads", [True, False], ids=["projected-roads", "unknown-inject-road"])
def test_one_error_lists_every_broken_input(tmp_path, roads):
    with pytest.raises(InputError) as info:
        load_inputs(load_scenario(_broken_town(tmp_path, roads)))
    text = str(info.value)
    head, *lines = text.split("\n")
    assert head == "4 problems in the scenario's inputs:"
    keys = {
        "hazard.rainfall": "rain.nc",
        "evacuation.centres": "centres.csv",
        "shelter.stock": "stock.csv",
    }
    keys.update(
        {"evacuation.roads": "roads.geojson"} if roads else {"injects[0].close_road": "bridge-9"}
    )
    for key, line in zip(sorted(keys), sorted(lines), strict=True):  # each on its own line
        assert line.startswith(f"  - {key}: "), (key, line)
        assert keys[key] in line, (key, line)
    assert re.search(r"rain\.nc.*units", text)
    assert re.search(r"centres\.csv.*C01", text)
    assert re.search(r"stock\.csv.*sacks", text)
    if roads:
        assert re.search(r"roads\.geojson.*projected.*crs=", text)
    else:
        assert "bridge-9" in text


def test_cli_validate_reports_them_in_one_message(tmp_path, capsys):
    path = _broken_town(tmp_path, roads=True)
    assert main(["-q", "validate", str(path)]) == 2  # -q: the errors without drm's notes
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert captured.err.count("drm: error:") == 1
    assert captured.err.startswith("drm: error: 4 problems in the scenario's inputs:")
    for name in ("rain.nc", "centres.csv", "stock.csv", "roads.geojson"):
        assert name in captured.err, name
    assert not captured.out


def test_cli_validate_prints_the_coverage(capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("always", DrmWarning)
        assert main(["-q", "validate", "kettle_ford_raw"]) == 0  # -q: warnings, not notes
    captured = capsys.readouterr()
    assert_cli_warnings(captured.err, (C07_WARNING,))
    out = captured.out
    assert out.startswith("ok: Kettle Ford, 100-year storm, raw product files")
    assert "(EPSG:32616)" in out
    assert "25,953 people" in out
    assert "coverage: 100.0 % of the population file's people on the DEM" in out
    assert "1 warning(s) above" in out


# ----------------------------------------------------------------------------- 5. DEM in Web Mercator
def test_dem_in_web_mercator_goes_to_utm_at_its_ground_size(tmp_path, raw_inputs):
    rioxarray = pytest.importorskip("rioxarray")
    dem = rioxarray.open_rasterio(RAW / "dem_srtm.tif").squeeze("band", drop=True)
    merc = dem.rio.reproject("EPSG:3857")
    merc.rio.to_raster(tmp_path / "dem_3857.tif")
    cell_merc = abs(merc.rio.resolution()[0])  # about 102.5 "metres" of Web Mercator
    # the reprojected cells are 82.3 m: the scenario's 83 m solver grid is refused at
    # validate (not after the flood), naming the cell sizes that work
    with pytest.warns(DrmWarning), pytest.raises(
        InputError, match=r"hazard\.resolution_m: 83 m is not a whole multiple of the DEM's 82\.3 m"
    ):
        load_inputs(load_scenario(write_scenario(tmp_path, {"hazard.dem": tmp_path / "dem_3857.tif"})))
    inputs = variant_inputs(
        tmp_path,
        {"hazard.dem": tmp_path / "dem_3857.tif", "hazard.resolution_m": 82.3},
        (r"dem_3857\.tif: DEM CRS .*Web Mercator",),
    )
    spec = check_grid(inputs.dem, "DEM")
    assert spec.crs.to_epsg() == 32616
    lat = np.radians(float(dem["y"].mean()))  # the lon/lat DEM's middle latitude
    assert spec.dx == pytest.approx(cell_merc * np.cos(lat), rel=0.005)  # measured 82.3 m
    assert spec.dx < 0.85 * cell_merc
    # the same ground as the lon/lat DEM: valid area within 2 % (Web Mercator's own: +55 %)
    base = raw_inputs.dem
    area = np.isfinite(inputs.dem.values).sum() * spec.dx**2
    base_area = np.isfinite(base.values).sum() * check_grid(base, "DEM").dx ** 2
    assert area == pytest.approx(base_area, rel=0.02)


def test_census_far_from_the_population_grid_is_warned(tmp_path):
    """A census from another year or place: the zone is named, the grid's people are kept."""
    text = (RAW / "censo.csv").read_text(encoding="utf-8")
    # Downtown's census doubled (and its sexes with it, so the sexes still add up)
    text = text.replace("KF-01;Downtown;1946;987;959;", "KF-01;Downtown;3892;1974;1918;")
    (tmp_path / "censo.csv").write_text(text, encoding="utf-8")
    inputs = variant_inputs(
        tmp_path,
        {"population.census": tmp_path / "censo.csv"},
        (r"censo\.csv: 1 zone\(s\) hold over 50% more or fewer people on the population grid "
         r"than in the census: 1 \(1,813 on the grid vs 3,892\)",),
    )  # fmt: skip
    assert float(inputs.population.sum()) == pytest.approx(TRUTH["population"]["raster_total_persons"], rel=1e-6)
