"""Community observations: reading observers and reports, simulating gauges and indicators."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from pyproj import Transformer

from drm.errors import InputError
from drm.io import rainfall_grid
from drm.warning import read_observers, read_reports, simulate_observations

H = 3600.0
#: Cells of 10 m on a 3 x 3 grid: x 5, 15, 25 (west to east), y 25, 15, 5 (north to south).
XS, YS = [5.0, 15.0, 25.0], [25.0, 15.0, 5.0]
FRAMES = np.array([0.0, 900.0, 1800.0, 2700.0, 3600.0])
SHAPE = np.array([0.0, 0.1, 0.5, 0.9, 1.0])  # depth over time, times the cell's factor


def factor(row: int, col: int) -> float:
    """Each cell its own depth scale: 0.1 .. 0.9 m, so a wrong cell shows."""
    return (3 * row + col + 1) * 0.1


@pytest.fixture(scope="module")
def flood():
    """Hand-made flood frames: depth(t, row, col) = factor(row, col) x SHAPE(t)."""
    f = np.array([[factor(r, c) for c in range(3)] for r in range(3)])
    depth = SHAPE[:, None, None] * f[None]
    return xr.Dataset(
        {"depth": (("time", "y", "x"), depth), "elevation": (("y", "x"), np.zeros((3, 3)))},
        coords={"time": FRAMES, "y": YS, "x": XS},
    )


@pytest.fixture(scope="module")
def rain():
    """Uniform rain: 10 mm/h in the first hour, 30 mm/h in the second, none in the third."""
    rates = np.array([10.0, 30.0, 0.0])[:, None, None] * np.ones((3, 3, 3))
    return rainfall_grid(rates, x=XS, y=YS, time_s=H * np.arange(3))


def write(tmp_path, text: str, name: str = "observers.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


HEADER = "id,name,kind,x,y,channel,delay,reliability,marks,yellow,orange,red,window,indicator,precursor,lead\n"


def test_staff_gauge_reports_the_depth_of_its_cell_at_each_time_plus_its_delay(tmp_path, flood):
    # gauge G1 stands in row 1, column 2 (x=25, y=15): factor 0.6
    path = write(
        tmp_path,
        HEADER + "G1,Puente,staff_gauge,24,16,radio,10min,,"
        "piedra grande=0.2; pilar del puente=0.5,piedra grande,0.35,pilar del puente,,,,\n",
    )
    obs = read_observers(path)
    r = simulate_observations(obs, flood=flood, seed=0, interval="15min")
    assert r["point"].tolist() == ["G1"] * 5
    np.testing.assert_array_equal(r["observed_s"], FRAMES)
    np.testing.assert_array_equal(r["reported_s"], FRAMES + 600.0)
    np.testing.assert_allclose(r["value"], 0.6 * SHAPE, rtol=0, atol=1e-12)
    assert r["mark"].tolist() == ["", "", "piedra grande", "pilar del puente", "pilar del puente"]
    # 0.3 >= yellow 0.2 (piedra grande); 0.54 >= red 0.5 (pilar del puente)
    assert r["level"].tolist() == [0, 0, 1, 3, 3]
    assert set(r["unit"]) == {"m"}
    assert set(r["channel"]) == {"radio"}
    # between frames the depth is linear in time: at 20 min, a third of the way from 0.06 to 0.30 m
    fine = simulate_observations(obs, flood=flood, seed=0, interval="5min")
    at = fine.set_index("observed_s")["value"]
    assert len(fine) == 13
    assert at[1200.0] == pytest.approx(0.6 * (0.1 + 0.4 / 3), abs=1e-12)
    assert fine.set_index("observed_s").loc[1200.0, "reported_s"] == 1800.0


def test_indicator_with_reliability_one_fires_exactly_when_its_precursor_holds(
    tmp_path, flood, rain
):
    # I1 at row 2, column 2 (factor 0.9): depth 0.09 m at 15 min, 0.45 m at 30 min, so it reaches
    # 0.4 m at 900 + (0.4 - 0.09) / 0.36 x 900 = 1675 s; noticed 10 min before, reported 5 min after
    # I2 reflects rain over 1 h: 10 + 20 (t - 1 h) mm between 1 h and 2 h, so 25 mm at t = 1.75 h
    path = write(
        tmp_path,
        HEADER
        + "I1,Quebrada,indicator,25,5,messenger,5min,1,,,,,,el río suena a piedras,depth_m>=0.4,"
        "10min\n"
        "I2,Loma,indicator,5,25,phone,0,1,,,,,,los animales suben a la loma,rain_mm_1h>=25,\n"
        "I3,Alto,indicator,5,5,phone,0,1,,,,,,el río cambia de color,depth_m>=5,\n",
    )
    obs = read_observers(path)
    r = simulate_observations(obs, flood=flood, rainfall=rain, seed=3).set_index("point")
    assert r.loc["I1", "observed_s"] == pytest.approx(1675.0 - 600.0, abs=1e-9)
    assert r.loc["I1", "reported_s"] == pytest.approx(1675.0 - 600.0 + 300.0, abs=1e-9)
    assert r.loc["I2", "observed_s"] == pytest.approx(1.75 * H, abs=1e-6)
    assert r.loc["I1", "mark"] == "el río suena a piedras"
    assert r.loc["I1", "level"] == 1
    assert r.loc["I1", "value"] == 1.0
    assert "I3" not in r.index  # 5 m is never reached
    out = simulate_observations(obs, flood=flood, rainfall=rain, seed=3)
    assert out.attrs["never"] == ["I3"]
    assert out.attrs["missed"] == []


def test_indicator_reliability_half_fires_half_the_time(tmp_path, flood):
    rows = "".join(
        f"I{k},s,indicator,15,15,radio,0,0.5,,,,,,señal,depth_m>=0.1,\n" for k in range(2000)
    )
    obs = read_observers(write(tmp_path, HEADER + rows))
    r = simulate_observations(obs, flood=flood, seed=20261128)
    share = len(r) / 2000
    assert 0.47 <= share <= 0.53, share
    # every one that fires does so when its precursor holds: 0.1 m at 900 + (0.1 - 0.05) / 0.2 x 900
    np.testing.assert_allclose(r["observed_s"], 1125.0, rtol=0, atol=1e-9)
    again = simulate_observations(obs, flood=flood, seed=20261128)
    assert again["point"].tolist() == r["point"].tolist()  # seeded: the same draws
    other = simulate_observations(obs, flood=flood, seed=1)
    assert set(other["point"]) != set(r["point"])
    never = simulate_observations(obs.assign(reliability=0.0), flood=flood, seed=1)
    assert never.empty
    assert len(never.attrs["missed"]) == 2000


def test_rain_gauge_reports_the_rain_over_its_window(tmp_path, rain):
    path = write(tmp_path, HEADER + "P1,Escuela,pluviómetro,15,15,sms,15min,,,15,30,,1h,,,\n")
    obs = read_observers(path)
    assert obs.loc["P1", "kind"] == "rain_gauge"
    assert obs.loc["P1", ["yellow_m", "orange_m"]].tolist() == [0.015, 0.030]
    r = simulate_observations(obs, rainfall=rain, seed=0, interval="30min").set_index("observed_s")
    # rain over the hour before: 5 mm at 30 min, 10 at 1 h, 20 at 1h30, 30 at 2 h, 15 at 2h30, 0 at 3 h
    np.testing.assert_allclose(
        r["value"] * 1000, [0.0, 5.0, 10.0, 20.0, 30.0, 15.0, 0.0], rtol=0, atol=1e-9
    )
    assert r["level"].tolist() == [0, 0, 0, 1, 2, 1, 0]
    assert r.loc[5400.0, "reported_s"] == 6300.0
    assert r.loc[0.0, "unit"] == "m of rain in 1h"


def test_spanish_headers_lon_lat_and_decimal_commas(tmp_path):
    to_utm = Transformer.from_crs("EPSG:4326", "EPSG:32619", always_xy=True)
    path = write(
        tmp_path,
        "código;nombre;observador;tipo;latitud;longitud;canal;demora;marcas;amarillo;naranja;rojo\n"
        'G1;Puente;Sra. Rosa;Regla;8,5768;-71,1820;WhatsApp;5min;"piedra grande=0,4; pilar=1,2";'
        "piedra grande;0,8;pilar\n",
    )
    obs = read_observers(path, to_crs="EPSG:32619")
    x, y = to_utm.transform(-71.1820, 8.5768)
    assert obs.loc["G1", "x"] == pytest.approx(x, abs=1e-6)
    assert obs.loc["G1", "y"] == pytest.approx(y, abs=1e-6)
    assert obs.loc["G1", "channel"] == "whatsapp"
    assert obs.loc["G1", "observer"] == "Sra. Rosa"
    assert obs.loc["G1", ["yellow_m", "orange_m", "red_m"]].tolist() == [0.4, 0.8, 1.2]
    assert obs.loc["G1", "marks"] == {"piedra grande": 0.4, "pilar": 1.2}


GOOD = "G1,Puente,staff_gauge,15,15,radio,10min,,piedra grande=0.4,,0.8,,,,,\n"


@pytest.mark.parametrize(
    ("row", "words"),
    [
        ("G2,x,staff_gauge,15,15,radio,0,,,0.8,0.5,,,,,", "thresholds out of order"),
        (
            "G2,x,staff_gauge,15,15,radio,0,,piedra grande=0.4,piedra chica,,,,,,",
            "not one of its marks",
        ),
        ("G2,x,staff_gauge,15,15,radio,0,1.5,,,,,,,,", "outside 0-1"),
        ("G2,x,boya,15,15,radio,0,,,,,,,,,", "unknown kind 'boya'; use one of rain_gauge"),
        (
            "G2,x,staff_gauge,15,15,paloma,0,,,,,,,,,",
            "unknown channel 'paloma'; use one of radio, phone",
        ),
        ("G2,x,staff_gauge,15,15,radio,-10min,,,,,,,,,", "delay '-10min' is negative"),
        ("G2,x,indicator,15,15,radio,0,,,,,,,sapo canta,depth_m>=0.2,", "needs a reliability"),
        ("G2,x,indicator,15,15,radio,0,0.5,,,,,,sapo canta,caudal>=3,", "is not understood"),
        ("G2,x,rain_gauge,15,15,radio,0,,pilar=1,,,,,,,", "marks apply to staff gauges"),
    ],
)
def test_bad_observer_rows_name_the_file_the_row_and_the_fix(tmp_path, row, words):
    path = write(tmp_path, HEADER + GOOD + row + "\n")
    with pytest.raises(InputError, match=r"observers\.csv") as err:
        read_observers(path)
    text = str(err.value)
    assert "point 'G2' (data row 2)" in text, text
    assert words in text, text


def test_observer_outside_the_dem_is_refused(tmp_path):
    dem = xr.DataArray(np.zeros((3, 3)), dims=("y", "x"), coords={"y": YS, "x": XS})
    path = write(tmp_path, HEADER + GOOD + "G2,x,staff_gauge,95,15,radio,0,,,,,,,,,\n")
    with pytest.raises(InputError, match=r"observers.csv: observers G2 lie outside the DEM"):
        read_observers(path, dem=dem)
    assert len(read_observers(write(tmp_path, HEADER + GOOD), dem=dem)) == 1


def test_staff_gauge_outside_the_flood_grid_is_refused(tmp_path, flood):
    obs = read_observers(write(tmp_path, HEADER + "G9,x,staff_gauge,95,15,radio,0,,,,,,,,,\n"))
    with pytest.raises(InputError, match="points G9 lie outside the flood grid"):
        simulate_observations(obs, flood=flood, seed=0)
    with pytest.raises(InputError, match="pass flood="):
        simulate_observations(obs, seed=0)


def test_reports_read_marks_rain_and_signs_from_dates_or_durations(tmp_path):
    obs = read_observers(
        write(
            tmp_path,
            HEADER + GOOD + "P1,x,rain_gauge,15,15,sms,0,,,20,40,,3h,,,\n"
            "I1,x,indicator,15,15,radio,15min,0.8,,,,,,el río suena a piedras,depth_m>=0.5,\n",
        )
    )
    log = write(
        tmp_path,
        "punto,hora,valor,nota\n"
        "G1,2026-10-03T01:40-04:00,piedra grande,\n"
        "P1,2h,45,pluviómetro lleno\n"
        "I1,2026-10-03 03:00,visto,\n",
        "log.csv",
    )
    r = read_reports(log, obs, start="2026-10-03T00:00-04:00")
    assert r["point"].tolist() == ["G1", "P1", "I1"]
    # 03:00 without an offset is in the start's zone
    assert r["reported_s"].tolist() == [6000.0, 7200.0, 10800.0]
    assert r["observed_s"].tolist() == [5400.0, 7200.0, 9900.0]
    assert r["value"].tolist() == pytest.approx([0.4, 0.045, 1.0])
    assert r["level"].tolist() == [0, 2, 1]
    assert r["mark"].tolist()[0] == "piedra grande"
    assert r["note"].tolist()[1] == "pluviómetro lleno"


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("G1,-5min,0.3", "before the event start"),
        ("G1,2026-10-02T23:00-04:00,0.3", "1h00m before the event start"),
        ("G7,1h,0.3", "names point 'G7', which is not in the observers"),
        ("G1,1h,piedra chica", "neither a number nor one of its marks"),
    ],
)
def test_bad_reports_are_refused_naming_the_row(tmp_path, line, words):
    obs = read_observers(write(tmp_path, HEADER + GOOD))
    log = write(tmp_path, "point,time,value\nG1,10min,0.1\n" + line + "\n", "log.csv")
    with pytest.raises(InputError, match=r"log\.csv: report on data row 2") as err:
        read_reports(log, obs, start="2026-10-03T00:00-04:00")
    assert words in str(err.value)


def test_report_dates_need_the_event_start(tmp_path):
    obs = read_observers(write(tmp_path, HEADER + GOOD))
    log = write(tmp_path, "point,time,value\nG1,2026-10-03T01:00-04:00,0.1\n", "log.csv")
    with pytest.raises(InputError, match="pass the event start"):
        read_reports(log, obs)
    assert isinstance(read_reports(log, obs, start="2026-10-03T00:00-04:00"), pd.DataFrame)


def test_valle_alto_sample_gauges_stand_on_the_river():
    import drm

    dem = drm.io.read_dem(drm.datasets.builtin_path("hazard_data/valle_alto/dem.nc"))
    obs = read_observers(drm.datasets.builtin_path("hazard_data/valle_alto/observers.csv"), dem=dem)
    assert obs["kind"].value_counts().to_dict() == {
        "staff_gauge": 3,
        "indicator": 4,
        "rain_gauge": 2,
    }
    for pid, g in obs[obs["kind"] == "staff_gauge"].iterrows():
        column = dem.sel(x=g["x"], method="nearest")
        assert float(column["y"][int(column.argmin("y"))]) == g["y"], (
            pid
        )  # the valley's lowest cell
        heights = list(g["marks"].values())
        assert [g["yellow_m"], g["orange_m"], g["red_m"]] == heights, pid
    assert obs.loc["I3", "indicator_level"] == 2
