"""Centre, warehouse and stock tables as a ministry sends them (issue 16, items 7 and 10).

Each test writes a small file into tmp_path: semicolons and decimal commas, Latin-1 and UTF-8 with a
BOM, Spanish headers, lat/lon projected into the DEM's CRS, capacity 0, floor area only, and the bad
inputs that must be refused at read time with the fix.
"""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from pyproj import Transformer

import drm
from drm import io
from drm.errors import DrmWarning, InputError
from drm.grids import set_crs
from drm.io.tables import check_sites, site_problems

#: A school list as the education ministry sends it: semicolons, decimal commas, dot-grouped thousands.
MINISTRY = (
    "Nombre;Capacidad;Latitud;Longitud;Superficie m2\n"
    "Escuela Bolivariana Ña Ramón;1.200;8,5981;-71,1452;4.550,5\n"
    "Liceo Andrés Bello #2;350;8,6012;-71,1398;1.234,5\n"
    ";;;;\n"  # an empty row left by the spreadsheet
)
LON_LAT = np.array([[-71.1452, 8.5981], [-71.1398, 8.6012]])


def _write(tmp_path, text, encoding="utf-8", name="centros.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252", "utf-8-sig", "utf-8"])
@pytest.mark.parametrize("epsg", [32619, 32618])
def test_ministry_school_list_is_read_with_names_and_projected_points(tmp_path, encoding, epsg):
    path = _write(tmp_path, MINISTRY, encoding)
    c = io.read_centres(path, to_crs=f"EPSG:{epsg}")
    assert list(c.index) == ["C01", "C02"]  # no id column: ids in file order
    assert c.loc["C01", "name"] == "Escuela Bolivariana Ña Ramón"
    assert c.loc["C02", "name"] == "Liceo Andrés Bello #2"  # '#' inside a value is not a comment
    assert c["capacity_persons"].tolist() == [1200, 350]
    assert c["capacity_source"].tolist() == ["declared", "declared"]
    assert c["floor_area_m2"].tolist() == [4550.5, 1234.5]
    np.testing.assert_allclose(c[["lon", "lat"]].to_numpy(), LON_LAT, rtol=0, atol=1e-12)
    x, y = Transformer.from_crs(4326, epsg, always_xy=True).transform(LON_LAT[:, 0], LON_LAT[:, 1])
    np.testing.assert_allclose(c["x"], x, rtol=0, atol=0.01)
    np.testing.assert_allclose(c["y"], y, rtol=0, atol=0.01)
    assert c.attrs["crs"] == f"EPSG:{epsg}"
    assert c.attrs["delimiter"] == ";"
    assert c.attrs["decimal"] == ","
    assert c["available"].tolist() == [True, True]


def test_zone_18_points_are_not_taken_to_their_own_zone(tmp_path):
    """Mérida lies in UTM 19N; a DEM in 18N gets eastings 3.9° east of -75°, not the zone-19 ones."""
    c = io.read_centres(_write(tmp_path, MINISTRY), to_crs="EPSG:32618")
    assert c["x"].min() > 900_000.0
    assert c["x"].max() < 950_000.0


def test_tab_separated_english_headers_with_other_spellings(tmp_path):
    text = "CODE\tName\tLATITUDE\tLONGITUDE\tCapacity_Persons\nE1\tSchool\t8.6\t-71.15\t40\n"
    c = io.read_centres(_write(tmp_path, text), to_crs="EPSG:32619")
    assert c.attrs["delimiter"] == "\t"
    assert c.loc["E1", "capacity_persons"] == 40
    assert c.loc["E1", "lat"] == 8.6


def test_x_y_in_one_utm_zone_go_to_another_with_lat_lon(tmp_path):
    t = Transformer.from_crs(4326, 32619, always_xy=True)
    x19, y19 = t.transform(-71.1452, 8.5981)
    path = _write(tmp_path, f"id,nombre,este,norte,capacidad\nA,Escuela,{x19:.3f},{y19:.3f},10\n")
    c = io.read_centres(path, crs="EPSG:32619", to_crs="EPSG:32618")
    x18, y18 = Transformer.from_crs(4326, 32618, always_xy=True).transform(-71.1452, 8.5981)
    assert c.loc["A", "x"] == pytest.approx(x18, abs=0.01)
    assert c.loc["A", "y"] == pytest.approx(y18, abs=0.01)
    assert c.loc["A", "lon"] == pytest.approx(-71.1452, abs=1e-7)
    assert c.loc["A", "lat"] == pytest.approx(8.5981, abs=1e-7)


def test_x_y_without_a_crs_stay_as_they_are(tmp_path):
    path = _write(tmp_path, "id,name,x,y,capacity_persons\nA,S,258100.5,946100.25,10\n")
    c = io.read_centres(path)
    assert (c.loc["A", "x"], c.loc["A", "y"]) == (258100.5, 946100.25)
    assert "lon" not in c.columns  # no CRS known: no lat/lon invented
    c = io.read_centres(path, to_crs="EPSG:32619")  # taken as already in the working CRS
    assert c.loc["A", "x"] == 258100.5
    assert c.loc["A", "lat"] == pytest.approx(8.557, abs=0.01)


def test_capacity_zero_is_a_closed_centre_with_a_warning(tmp_path):
    text = "id;nombre;capacidad;latitud;longitud\nE1;Escuela;120;8,60;-71,15\nE2;Iglesia;0;8,61;-71,14\n"
    with pytest.warns(DrmWarning, match=r"centres E2 have capacity 0: kept as not available"):
        c = io.read_centres(_write(tmp_path, text), to_crs="EPSG:32619")
    assert c["available"].tolist() == [True, False]
    assert c.loc["E2", "unavailable_reason"] == "capacity 0 in centros.csv"
    assert c.loc["E1", "unavailable_reason"] == ""
    assert c.loc["E2", "capacity_persons"] == 0


def test_floor_area_only_gives_the_sphere_space_capacity(tmp_path):
    text = "id,name,x,y,floor_area_m2\nA,S,500,500,350\nB,T,600,600,1000\nC,U,700,700,24.5\n"
    c = io.read_centres(_write(tmp_path, text))
    assert c["capacity_persons"].isna().all()  # sized by the standard, not by the reader
    # Sphere 2018: 3.5 m² per person, rounded down (350 -> 100, 1000 -> 285.7 -> 285, 24.5 -> exactly 7)
    assert drm.shelter.capacity(c)["capacity_persons"].tolist() == [100, 285, 7]
    assert set(c["capacity_source"]) == {"floor_area"}
    assert c["available"].all()


def test_capacity_or_floor_area_per_row(tmp_path):
    text = "id,name,x,y,floor_area_m2,capacity_persons\nA,S,500,500,350,\nB,T,600,600,,80\n"
    c = io.read_centres(_write(tmp_path, text))
    assert drm.shelter.capacity(c)["capacity_persons"].tolist() == [100, 80]
    assert c["capacity_source"].tolist() == ["floor_area", "declared"]
    assert np.isnan(c.loc["B", "floor_area_m2"])


def test_neither_capacity_nor_floor_area_names_the_rows(tmp_path):
    text = (
        "id,name,x,y,floor_area_m2,capacity_persons\nA,S,500,500,350,\nB,T,600,600,,\nC,U,1,1,,\n"
    )
    with pytest.raises(
        InputError, match=r"centres B, C \(data rows 2, 3\) have neither capacity_persons nor floor"
    ):
        io.read_centres(_write(tmp_path, text))


def test_declared_capacity_above_the_space_is_limited_by_the_standard(tmp_path):
    text = "id,name,x,y,floor_area_m2,capacity_persons\nA,S,500,500,350,200\nB,T,600,600,350,100\n"
    c = io.read_centres(_write(tmp_path, text))
    assert c["capacity_persons"].tolist() == [200, 100]  # the planner's numbers, as read
    cap = drm.shelter.capacity(c)
    assert cap["capacity_persons"].tolist() == [100, 100]  # 350 m² at 3.5 m² per person
    assert cap["binding"].tolist() == ["space", "space"]


def test_duplicated_ids_are_all_listed(tmp_path):
    text = "codigo,nombre,x,y,capacidad\nA,S,500,500,1\nB,T,600,600,1\nA,U,1,1,1\nB,V,1,1,1\nC,W,1,1,1\n"
    with pytest.raises(
        InputError,
        match=r"centres ids 'A', 'B' appear more than once \('A': data rows 1, 3; 'B': data rows 2, 4\)",
    ):
        io.read_centres(_write(tmp_path, text))


def test_x_y_that_are_degrees_are_refused_with_the_fix(tmp_path):
    text = "id,name,x,y,capacity_persons\nA,S,-71.1452,8.5981,10\nB,T,-71.1398,8.6012,10\n"
    path = _write(tmp_path, text)
    with pytest.raises(
        InputError,
        match=r"these look like lon/lat: name the columns lon/lat or pass crs='EPSG:4326'",
    ):
        io.read_centres(path, to_crs="EPSG:32619")
    c = io.read_centres(path, crs="EPSG:4326", to_crs="EPSG:32619")  # the fix the message gives
    x, _ = Transformer.from_crs(4326, 32619, always_xy=True).transform(-71.1452, 8.5981)
    assert c.loc["A", "x"] == pytest.approx(x, abs=0.01)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            "A,S,95.2,-71.1,1\n",
            r"out of range on data rows 1 \(row 1: lon=-71.1, lat=95.2\); .*look swapped",
        ),
        (
            "A,S,946100,258100,1\n",
            r"out of range .*look like projected metres: name the columns x/y",
        ),
        ("A,S,8.6,-71.1,1\nB,T,-91,-71.1,1\n", r"out of range on data rows 2 .*correct those rows"),
    ],
)
def test_degrees_out_of_range_are_refused(tmp_path, rows, message):
    path = _write(tmp_path, "id,name,lat,lon,capacity_persons\n" + rows)
    with pytest.raises(InputError, match=message):
        io.read_centres(path, to_crs="EPSG:32619")


def test_degrees_are_checked_before_capacities(tmp_path):
    path = _write(tmp_path, "id,name,lat,lon\nA,S,95,-71.1\n")  # no capacity either: degrees first
    with pytest.raises(InputError, match="out of range"):
        io.read_centres(path, to_crs="EPSG:32619")


def test_lat_lon_with_a_projected_file_crs_is_a_contradiction(tmp_path):
    path = _write(tmp_path, "id,name,lat,lon,capacity_persons\nA,S,8.6,-71.1,1\n")
    with pytest.raises(
        InputError, match=r"lon/lat hold degrees but crs='EPSG:32619' says the file is projected"
    ):
        io.read_centres(path, crs="EPSG:32619", to_crs="EPSG:32619")


def test_two_headers_for_one_column_are_refused(tmp_path):
    path = _write(tmp_path, "id,name,nombre,x,y,capacity_persons\nA,S,S,1,1,1\n")
    with pytest.raises(InputError, match=r"columns 'name' and 'nombre' both mean 'name'; keep one"):
        io.read_centres(path)


@pytest.fixture
def dem():
    """A 4 x 4 DEM of 100 m cells in UTM 19N (x 258000..258400, y 946000..946400), one nodata cell."""
    z = np.arange(16.0).reshape(4, 4)
    z[1, 2] = np.nan  # cell centre x=258250, y=946250
    da = xr.DataArray(
        z,
        dims=("y", "x"),
        coords={"y": 946350.0 - 100 * np.arange(4), "x": 258050.0 + 100 * np.arange(4)},
    )
    return set_crs(da, "EPSG:32619")


def test_centres_outside_or_on_nodata_are_all_reported(tmp_path, dem):
    text = (
        "id,name,x,y,capacity_persons\n"
        "OK,S,258050,946050,10\n"
        "OUT,T,259000,946050,10\n"
        "HOLE,U,258260,946240,10\n"
        "SHUT,V,999999,946050,0\n"  # closed: not checked
    )
    with pytest.warns(DrmWarning, match="SHUT"):
        c = io.read_centres(_write(tmp_path, text), to_crs="EPSG:32619")
    problems = site_problems(c, dem)
    assert len(problems) == 2
    assert problems[0].startswith(
        "centros.csv: centres OUT lie outside the DEM (x 258000..258400 m"
    )
    assert "check the file's CRS (crs=)" in problems[0]
    assert problems[1].startswith("centros.csv: centres HOLE stand on DEM nodata cells")
    with pytest.raises(
        InputError, match=r"centres OUT lie outside the DEM.*; centros.csv: centres HOLE stand on"
    ):
        check_sites(c, dem)


def test_degree_points_outside_the_dem_get_the_lon_lat_hint(dem):
    import pandas as pd

    t = pd.DataFrame({"x": [-71.15], "y": [8.6]}, index=["W1"])
    (text,) = site_problems(t, dem, what="warehouse", source="w.csv")
    assert text.startswith("w.csv: warehouses W1 lie outside the DEM")
    assert text.endswith(
        "their x/y look like lon/lat: name the columns lon/lat or pass crs='EPSG:4326'"
    )


def test_swapped_lat_lon_in_range_are_caught_on_the_dem(tmp_path, dem):
    """Venezuela's -71° longitude is a valid latitude: only the DEM shows the columns are swapped."""
    lon, lat = Transformer.from_crs(32619, 4326, always_xy=True).transform(258250.0, 946150.0)
    path = _write(tmp_path, f"id,name,lat,lon,capacity_persons\nA,S,{lon:.6f},{lat:.6f},10\n")
    c = io.read_centres(path, to_crs="EPSG:32619")
    (text,) = site_problems(c, dem)
    assert text.startswith("centros.csv: centres A lie outside the DEM")
    assert text.endswith("their latitude and longitude look swapped: exchange the two columns")


def test_warehouses_with_spanish_headers_and_lat_lon(tmp_path):
    text = "Código;Nombre;Latitud;Longitud;Camiones\nW1;Depósito Central;8,5981;-71,1452;3\n"
    w = io.read_warehouses(_write(tmp_path, text, "cp1252", "almacenes.csv"), to_crs="EPSG:32619")
    x, y = Transformer.from_crs(4326, 32619, always_xy=True).transform(-71.1452, 8.5981)
    assert w.loc["W1", "name"] == "Depósito Central"
    assert w.loc["W1", "trucks"] == 3
    assert w.loc["W1", "truck_capacity_kg"] == 5000.0
    assert (w.loc["W1", "x"], w.loc["W1", "y"]) == pytest.approx((x, y), abs=0.01)


def test_stock_in_gallons_pounds_and_cubic_metres_is_converted(tmp_path):
    text = (
        "sitio;articulo;cantidad;unidad\n"
        "W1;water_l;100;gal\n"
        "W1;rice_kg;10;lb\n"
        "W2;water_l;2,5;m3\n"
        "W2;hygiene_kit;40;kits\n"
        "W2;blanket;300;pieces\n"
    )
    s = drm.shelter.catalogue_units(io.read_stock(_write(tmp_path, text, name="stock.csv")))
    assert s["quantity"].tolist() == pytest.approx(
        [378.5411784, 4.5359237, 2500.0, 40.0, 300.0], rel=1e-12
    )
    assert s["unit"].tolist() == ["L", "kg", "L", "kit", "piece"]
    assert s.attrs["unit_conversions"][0] == "data row 1: 100 gal of water_l = 378.541 L"
    assert len(s.attrs["unit_conversions"]) == 3


def test_stock_in_sacks_of_water_is_refused(tmp_path):
    path = _write(
        tmp_path, "site_id,item,quantity,unit\nW1,water_l,5,L\nW1,drinking_water_l,20,sacks\n"
    )
    with pytest.raises(
        InputError,
        match=r"data row 2 \('drinking_water_l' at 'W1'\): unit 'sacks' cannot be converted to 'L'.*"
        r"give the quantity in L, mL, m3, gal \(US\), imp_gal",
    ):
        drm.shelter.catalogue_units(io.read_stock(path), source=str(path))


def test_stock_of_an_unknown_item_is_refused(tmp_path):
    path = _write(tmp_path, "site_id,item,quantity\nW1,agua,5\n")
    with pytest.raises(
        InputError, match=r"data row 1 \('agua' at 'W1'\): unknown item; the catalogue has water_l"
    ):
        drm.shelter.catalogue_units(io.read_stock(path))


def test_defaults_keep_their_value_in_a_decimal_comma_file(tmp_path):
    # no trucks or truck_capacity_kg columns: the defaults (1 truck of 5000 kg) are not read
    # with the file's decimal comma (5000.0 must not become 50000)
    p = tmp_path / "almacenes.csv"
    p.write_text("id;nombre;este;norte\nW1;Depósito;260680,5;948380,25\n", encoding="utf-8")
    w = drm.io.read_warehouses(p)
    assert (w.loc["W1", "x"], w.loc["W1", "y"]) == (260680.5, 948380.25)
    assert (int(w.loc["W1", "trucks"]), float(w.loc["W1", "truck_capacity_kg"])) == (1, 5000.0)
