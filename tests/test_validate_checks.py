"""``drm validate`` refuses what ``drm run`` would refuse (or run silently wrong), with the same error.

Each test edits a copy of the Valle Alto scenario and runs the validate path
(``load_inputs(load_scenario(path))``, or the schema alone); none runs a flood.
The data folder is copied once per module; a test writes its own scenario file
and, where it edits an input file, its own copy of that one file.
"""

import math
import shutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from drm.datasets import builtin_path
from drm.errors import DrmWarning, InputError, ScenarioError
from drm.hazard import Inflow
from drm.scenario import load_inputs, load_scenario, run_scenario
from drm.scenario.inputs import record_rain_mm
from drm.scenario.schema import resolve_scenario_path, scenario_from_dict

SCENARIO_TEXT = resolve_scenario_path("valle_alto").read_text(encoding="utf-8")
#: The Valle Alto 100-year storm's wettest 10-minute step in its wettest cell (mm), from the
#: file (rain_100yr.nc: 118.918 mm/h peak rate).
PEAK_STEP_MM = 118.918 / 6


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A module-wide copy of hazard_data/valle_alto, shared (read-only) by every test here."""
    root = tmp_path_factory.mktemp("validate_checks")
    shutil.copytree(builtin_path("hazard_data/valle_alto"), root / "data")
    return root


def _replace(text: str, old: str, new: str) -> str:
    assert old in text, f"the edit found no {old!r} to replace"
    return text.replace(old, new)


def scenario(town: Path, name: str, edits=(), files=None, append: str = "") -> Path:
    """A copy of valle_alto.toml in ``town/name``, edited, with edited copies of some inputs.

    ``edits`` are (old, new) text replacements in the scenario file; ``files``
    maps an input's file name to (old, new) replacements in that file, whose
    edited copy the scenario then names instead.
    """
    folder = town / name
    folder.mkdir()
    text = _replace(SCENARIO_TEXT, "../hazard_data/valle_alto/", "../data/")
    for old, new in edits:
        text = _replace(text, old, new)
    for fname, replacements in (files or {}).items():
        content = (town / "data" / fname).read_text(encoding="utf-8")
        for old, new in replacements:
            content = _replace(content, old, new)
        (folder / fname).write_text(content, encoding="utf-8")
        text = _replace(text, f'"../data/{fname}"', f'"{fname}"')
    path = folder / "scenario.toml"
    path.write_text(text + append, encoding="utf-8")
    return path


def validate(path: Path):
    return load_inputs(load_scenario(path))


def test_plain_copy_validates_without_warnings(town):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DrmWarning)
        inputs = validate(scenario(town, "plain"))
    assert [str(w.message) for w in caught if issubclass(w.category, DrmWarning)] == []
    assert inputs.notes == ()
    assert inputs.stock is not None
    assert len(inputs.stock) == 36  # rows of stock.csv
    assert len(inputs.centres) == 12


def test_stock_unknown_item_and_unit_are_listed_together(town):
    path = scenario(
        town,
        "stock",
        files={"stock.csv": [("W3,jerrycan,", "W3,jerrycans,"),
                             ("W3,water_l,15000.0,L", "W3,water_l,15000.0,barrels")]},
    )  # fmt: skip
    with pytest.raises(InputError) as err:
        validate(path)
    msg = str(err.value)
    assert msg.startswith("1 problem in the scenario's inputs")
    assert "shelter.stock: " in msg
    assert "stock.csv" in msg
    assert "data row 21 ('water_l' at 'W3'): unit 'barrels' cannot be converted to 'L'" in msg
    assert "data row 27 ('jerrycans' at 'W3'): unknown item" in msg


def test_unknown_soil_texture_is_refused_by_the_schema(town):
    path = scenario(
        town,
        "soil",
        [
            (
                "resolution_m = 20",
                'resolution_m = 20\ninfiltration = "green-ampt"\nsoil = "silty lome"',
            )
        ],
    )
    with pytest.raises(ScenarioError) as err:
        validate(path)
    msg = str(err.value)
    assert "hazard.soil: unknown soil texture; did you mean 'silt loam'?" in msg
    assert "got 'silty lome'" in msg
    assert "sandy clay loam" in msg


def test_soil_texture_is_case_insensitive_as_the_solver_reads_it(town):
    sc = scenario_from_dict(
        {"name": "x", "hazard": {"dem": "dem.nc", "rainfall": "rain_100yr.nc",
                                 "infiltration": "green-ampt", "soil": "Silt Loam"},
         "population": {"grid": "population.nc"},
         "evacuation": {"roads": "roads.geojson", "centres": "centres.csv"}},
        base=town / "data",
    )  # fmt: skip
    assert sc.hazard.soil == "Silt Loam"


@pytest.mark.parametrize("stock", [True, False], ids=["with-stock", "without-stock"])
def test_unknown_standard_is_refused_with_or_without_stock(town, stock):
    edits = [('standard = "sphere-2018"', 'standard = "sphere-2019"')]
    if not stock:  # without stock the run would find it only after the flood (centre capacity)
        edits.append(('stock = "../data/stock.csv"\n', ""))
    with pytest.raises(InputError) as err:
        validate(scenario(town, f"standard-{stock}", edits))
    msg = str(err.value)
    assert msg.startswith("1 problem in the scenario's inputs")  # not repeated under shelter.stock
    assert "shelter.standard: unknown standard 'sphere-2019'; use one of sphere-2018" in msg


def test_inject_closing_an_unknown_centre_is_refused_at_validate_and_run(town):
    path = scenario(town, "close-centre", append='\n[[injects]]\nat = "2h"\nclose_centre = "C99"\n')
    with pytest.raises(InputError) as err:
        validate(path)
    msg = str(err.value)
    assert "injects[3].close_centre: unknown centre 'C99'" in msg  # after the sample's three
    assert "centres.csv are C01, C02, C03" in msg
    assert ", C12: use one of these ids" in msg
    with pytest.raises(InputError, match=r"injects\[3\]\.close_centre: unknown centre 'C99'"):
        run_scenario(path, progress=False)  # refused before the flood: no run here


def test_inject_closing_a_known_centre_still_validates(town):
    path = scenario(town, "close-c02", append='\n[[injects]]\nat = "2h"\nclose_centre = "C02"\n')
    assert validate(path).scenario.injects[3].close_centre == "C02"


def test_inject_delaying_an_unknown_warehouse_is_refused(town):
    path = scenario(
        town,
        "delay-warehouse",
        append='\n[[injects]]\nat = "2h"\ndelay_warehouse = "W9"\ndelay = "3h"\n',
    )
    with pytest.raises(InputError) as err:
        validate(path)
    msg = str(err.value)
    assert "injects[3].delay_warehouse: unknown warehouse 'W9'" in msg
    assert "warehouses.csv are W1, W2, W3" in msg


def test_landcover_code_missing_from_the_class_table(town):
    plain = validate(scenario(town, "landcover-plain"))
    cells = int((plain.landcover.values == 8).sum())
    assert cells > 0
    path = scenario(
        town,
        "landcover",
        files={"landcover_classes.csv": [("8,bare_rock,0.03,86.0,", "9,bare_rock,0.03,86.0,")]},
    )
    with pytest.raises(InputError) as err:
        validate(path)
    msg = str(err.value)
    assert f"hazard.landcover (landcover.nc): land-cover codes 8 ({cells} cells)" in msg
    assert "landcover_classes.csv (codes 1, 2, 3, 4, 5, 6, 7, 9)" in msg
    assert "np.int64" not in msg


def test_warehouse_outside_the_dem(town):
    path = scenario(
        town,
        "warehouse",
        files={"warehouses.csv": [("259177.7,947682.3", "359177.7,947682.3")]},
    )
    with pytest.raises(InputError) as err:
        validate(path)
    msg = str(err.value)
    assert "shelter.warehouses: warehouses.csv: " in msg
    assert "warehouses W3 lie outside the DEM" in msg
    assert "W3 at x=359178, y=947682" in msg


def test_record_rain_envelope():
    # R = 422 D^0.475 mm (Jennings 1950): 422 mm in 1 h, 1909 mm in 24 h, 180 mm in 10 min
    assert record_rain_mm(3600.0) == pytest.approx(422.0, rel=1e-12)
    assert record_rain_mm(24 * 3600.0) == pytest.approx(422.0 * 24**0.475, rel=1e-12)
    assert record_rain_mm(24 * 3600.0) == pytest.approx(1909.5, abs=0.1)
    assert record_rain_mm(600.0) == pytest.approx(180.17, abs=0.01)


def test_huge_rain_factor_gets_the_implausible_rain_message_at_validate_and_run(town):
    path = scenario(
        town, "rain-1e12", [("resolution_m = 20", "resolution_m = 20\nrain_factor = 1e12")]
    )
    with pytest.raises(InputError) as err:
        validate(path)
    msg = str(err.value)
    peak_mm_h = PEAK_STEP_MM * 6 * 1e12
    assert "hazard.rainfall (rain_100yr.nc): implausible rain" in msg
    assert "after hazard.rain_factor = 1e+12" in msg
    assert f"the peak cell gets {peak_mm_h:.4g} mm/h over the 10min step starting at 6h00m" in msg
    assert "world-record point rainfall for 10min, 180 mm" in msg
    assert "theta" not in msg  # not the solver's instability advice
    assert "alpha" not in msg
    with pytest.raises(InputError, match="implausible rain"):
        run_scenario(path, progress=False)  # refused before the flood: no run here


def test_rain_envelope_boundary(town):
    limit = record_rain_mm(600.0) / PEAK_STEP_MM  # the rain_factor that reaches the record
    assert 9.0 < limit < 9.2
    below = scenario(
        town,
        "rain-below",
        [("resolution_m = 20", f"resolution_m = 20\nrain_factor = {0.99 * limit:.6f}")],
    )
    validate(below)
    above = scenario(
        town,
        "rain-above",
        [("resolution_m = 20", f"resolution_m = 20\nrain_factor = {1.01 * limit:.6f}")],
    )
    with pytest.raises(InputError, match=r"implausible rain.*steps above it: 1 of 144"):
        validate(above)


def test_extra_rain_inject_counts_towards_the_envelope(town):
    # x3 everywhere stays below the record; x4 more from 5 h on takes the 6 h peak above it
    path = scenario(
        town,
        "rain-inject",
        [("resolution_m = 20", "resolution_m = 20\nrain_factor = 3")],
        append='\n[[injects]]\nat = "5h"\nextra_rain = 4\n',
    )
    with pytest.raises(InputError) as err:
        validate(path)
    msg = str(err.value)
    assert "after hazard.rain_factor = 3 and injects[3].extra_rain = 4" in msg
    assert f"gets {PEAK_STEP_MM * 6 * 12:.4g} mm/h" in msg


@pytest.mark.parametrize("key", ["rain_factor", "inflow_scale", "extra_rain"])
@pytest.mark.parametrize("value", [math.inf, math.nan, 0.0, -1.0])
def test_non_finite_or_non_positive_factors_are_refused_by_the_schema(town, key, value):
    data = {
        "name": "x",
        "hazard": {"dem": "dem.nc", "rainfall": "rain_100yr.nc"},
        "population": {"grid": "population.nc"},
        "evacuation": {"roads": "roads.geojson", "centres": "centres.csv"},
    }
    if key == "rain_factor":
        data["hazard"]["rain_factor"] = value
        where = "hazard.rain_factor"
    elif key == "inflow_scale":
        data["hazard"]["inflows"] = [{"hydrograph": "river_inflow_100yr.csv", "x": 261995.0,
                                      "y": 947923.37, "scale": value}]  # fmt: skip
        where = "hazard.inflows[0].scale"
    else:
        data["injects"] = [{"at": "2h", "extra_rain": value}]
        where = "injects[0].extra_rain"
    with pytest.raises(ScenarioError) as err:
        scenario_from_dict(data, base=town / "data")
    msg = str(err.value)
    expected = "a finite number" if not math.isfinite(value) else "greater than 0"
    assert f"{where}: Input should be {expected}" in msg
    assert f"got {value!r}" in msg


@pytest.mark.parametrize("n", [5.0, 0.001, 0.6])
def test_manning_n_key_outside_its_range_is_refused(town, n):
    path = scenario(
        town, f"manning-{n}", [("resolution_m = 20", f"resolution_m = 20\nmanning_n = {n}")]
    )
    with pytest.raises(ScenarioError) as err:
        validate(path)
    msg = str(err.value)
    assert "hazard.manning_n: Manning's n must lie in 0.005-0.5 s m^-1/3" in msg
    assert msg.endswith(f"got {n!r}")


@pytest.mark.parametrize("n", [0.005, 0.5])
def test_manning_n_key_at_its_range_ends_is_accepted(town, n):
    sc = scenario_from_dict(
        {"name": "x", "hazard": {"dem": "dem.nc", "rainfall": "rain_100yr.nc", "manning_n": n},
         "population": {"grid": "population.nc"},
         "evacuation": {"roads": "roads.geojson", "centres": "centres.csv"}},
        base=town / "data",
    )  # fmt: skip
    assert sc.hazard.manning_n == n


def test_manning_n_in_the_landcover_table_outside_its_range_is_refused(town):
    path = scenario(
        town,
        "manning-table",
        files={"landcover_classes.csv": [("4,paved_road,0.016,", "4,paved_road,16,"),
                                         ("7,forest_shrub,0.1,", "7,forest_shrub,0.001,")]},
    )  # fmt: skip
    with pytest.raises(InputError) as err:
        validate(path)
    msg = str(err.value)
    assert "hazard.landcover_classes (landcover_classes.csv): manning_n outside 0.005-0.5" in msg
    assert "(code 4: 16, code 7: 0.001)" in msg


def test_hydrograph_shorter_than_the_run_warns_what_the_solver_assumes(town):
    hydrograph = pd.read_csv(town / "data" / "river_inflow_100yr.csv")
    end_s, last = float(hydrograph["time"].iloc[-1]), float(hydrograph["discharge_m3s"].iloc[-1])
    assert (end_s, last) == (129600.0, 18.0)
    path = scenario(
        town,
        "hydrograph",
        [('duration = "14h"', 'duration = "40h"'), ("y = 947923.37", "y = 947923.37\nscale = 2")],
    )
    with pytest.warns(DrmWarning) as record:
        inputs = validate(path)
    texts = [str(w.message) for w in record if "hydrograph" in str(w.message)]
    assert len(texts) == 1
    assert texts[0].startswith(
        "hazard.inflows[0].hydrograph (river_inflow_100yr.csv): the hydrograph ends at 1d12h00m "
        "(129600 s) but hazard.duration runs the flood to 1d16h00m (144000 s)"
    )
    assert "holds the discharge at its last value, 36 m3/s (times scale = 2)" in texts[0]
    assert inputs.notes == tuple(texts)
    # what the warning says is what the solver does: after the last point, the last value
    solver_series = Inflow(0.0, 0.0, hydrograph.rename(columns={"time": "time_s"}) * [1, 2]).series
    held = [
        solver_series.mean(end_s + a, end_s + a + 600.0) for a in (0.0, 3600.0, 14400.0 - 600.0)
    ]
    np.testing.assert_allclose(held, 2 * last, rtol=1e-12)


def test_hydrograph_covering_the_run_does_not_warn(town):
    # 36 h of hydrograph for a 36 h run: nothing assumed
    path = scenario(town, "hydrograph-36h", [('duration = "14h"', 'duration = "36h"')])
    with warnings.catch_warnings():
        warnings.simplefilter("error", DrmWarning)
        assert validate(path).scenario.hazard.duration == 129600.0
