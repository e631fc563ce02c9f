"""Real-shaped grids (issue 16, items 4-5): DEM CRSs, nodata sentinels, population onto the DEM.

Each test writes a small file the way the real product ships (SRTM GeoTIFF in
lat/lon, int16 with nodata -32768; a DEM in Web Mercator; WorldPop float32 at
3 arc-seconds with nodata -99999) and checks the numbers read against ones
computed independently here (geodesic areas with pyproj.Geod, exact people
counts of pixels placed wholly inside or outside the DEM).
"""

import numpy as np
import pytest
import xarray as xr
from pyproj import CRS, Geod, Transformer

from drm import io
from drm.errors import DrmWarning, GridError
from drm.grids import check_grid, get_crs, set_crs, working_crs_problem
from drm.regrid import onto, reproject

pytest.importorskip("rioxarray")

GEOD = Geod(ellps="WGS84")
ARC3 = 1.0 / 1200.0  # 3 arc-seconds in degrees
ARC1 = 1.0 / 3600.0


def geotiff(path, values, x, y, crs, nodata=None):
    da = xr.DataArray(values, dims=("y", "x"), coords={"y": y, "x": x})
    da = da.rio.write_crs(crs)
    if nodata is not None:
        da = da.rio.write_nodata(nodata)
    da.rio.to_raster(path)
    return path


def lonlat_axes(lon0, lat0, n, step):
    """Pixel centres east from lon0 and south from lat0 (the outer corner)."""
    return lon0 + step * (np.arange(n) + 0.5), lat0 - step * (np.arange(n) + 0.5)


def geodesic_area(lons, lats):
    area, _ = GEOD.polygon_area_perimeter(lons, lats)
    return abs(area)


def outline(x0, x1, y0, y1, n=50):
    """Densified rectangle outline (x0..x1, y0..y1)."""
    t = np.linspace(0.0, 1.0, n)
    xs = np.concatenate([x0 + (x1 - x0) * t, np.full(n, x1), x1 - (x1 - x0) * t, np.full(n, x0)])
    ys = np.concatenate([np.full(n, y0), y0 + (y1 - y0) * t, np.full(n, y1), y1 - (y1 - y0) * t])
    return xs, ys


def valid_area(dem):
    return float(np.isfinite(dem.values).sum()) * check_grid(dem, allow_all_nan=True).dx ** 2


def utm_dem(x0, y0, n, dx, crs="EPSG:32619", value=1500.0):
    xs = x0 + dx * (np.arange(n) + 0.5)
    ys = y0 + dx * n - dx * (np.arange(n) + 0.5)
    da = xr.DataArray(np.full((n, n), value), dims=("y", "x"), coords={"y": ys, "x": xs})
    return set_crs(da.assign_attrs(units="m"), crs)


# --- DEM CRSs ----------------------------------------------------------------------------------


def test_srtm_like_lonlat_geotiff_reads_into_utm_at_the_true_cell_size(tmp_path):
    n = 200
    lon, lat = lonlat_axes(-71.25, 8.65, n, ARC1)
    z = (1500 + 10 * np.add.outer(np.arange(n), np.arange(n)) % 300).astype(np.int16)
    z[100:104, 50:54] = -32768  # a void, declared as the nodata value
    path = geotiff(tmp_path / "srtm.tif", z, lon, lat, "EPSG:4326", nodata=-32768)
    dem = io.read_dem(path)
    assert get_crs(dem).to_epsg() == 32619
    # ground size of one pixel at the centre, from geodesics
    lc, pc = float(lon.mean()), float(lat.mean())
    _, _, w = GEOD.inv(lc - ARC1 / 2, pc, lc + ARC1 / 2, pc)
    _, _, h = GEOD.inv(lc, pc - ARC1 / 2, lc, pc + ARC1 / 2)
    dx = check_grid(dem, allow_all_nan=True).dx
    assert dx == pytest.approx(np.sqrt(w * h), rel=0.01)
    assert 29.5 < dx < 31.0
    east, north = lon[0] - ARC1 / 2, lat[0] + ARC1 / 2
    west_edge = outline(east, east + n * ARC1, north - n * ARC1, north)
    assert valid_area(dem) == pytest.approx(geodesic_area(*west_edge), rel=0.01)
    assert float(np.nanmin(dem.values)) >= 1500.0
    # the void stays nodata: the cell under the void's centre is NaN
    fwd = Transformer.from_crs("EPSG:4326", "EPSG:32619", always_xy=True)
    vx, vy = fwd.transform(lon[51:53].mean(), lat[101:103].mean())
    assert np.isnan(dem.sel(x=vx, y=vy, method="nearest"))


def web_mercator_dem(tmp_path, name="wm.tif", n=167, dx=30.0, lat=36.0, lon=-117.0):
    fwd = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
    cx, cy = fwd.transform(lon, lat)
    xs = cx - n * dx / 2 + dx * (np.arange(n) + 0.5)
    ys = cy + n * dx / 2 - dx * (np.arange(n) + 0.5)
    z = np.full((n, n), 800.0, dtype=np.float32)
    return geotiff(tmp_path / name, z, xs, ys, "EPSG:3857"), (xs, ys, dx)


def test_web_mercator_dem_is_reprojected_to_true_ground_cells(tmp_path):
    path, (xs, ys, dx) = web_mercator_dem(tmp_path)
    assert len(xs) ** 2 * dx**2 == pytest.approx(25.1e6, rel=0.01)  # what a naive read gives
    with pytest.warns(DrmWarning, match=r"Web Mercator.*not metres on the ground.*UTM zone 11N"):
        dem = io.read_dem(path)
    assert get_crs(dem).to_epsg() == 32611
    spec = check_grid(dem, allow_all_nan=True)
    assert spec.dx == pytest.approx(30.0 * np.cos(np.radians(36.0)), rel=0.01)  # ~24.3 m
    # area of the true footprint, from geodesics of the Web Mercator outline
    inv = Transformer.from_crs("EPSG:3857", "EPSG:4326", always_xy=True)
    lon_o, lat_o = inv.transform(*outline(xs[0] - dx / 2, xs[-1] + dx / 2, ys[-1] - dx / 2, ys[0] + dx / 2))
    truth = geodesic_area(lon_o, lat_o)
    assert truth == pytest.approx(16.4e6, rel=0.01)
    assert valid_area(dem) == pytest.approx(truth, rel=0.01)
    assert np.nanmax(dem.values) == pytest.approx(800.0)


@pytest.mark.parametrize(
    ("crs", "cell", "ground", "match"),
    [
        ("EPSG:4087", 30.0, None, "Equidistant Cylindrical projection, which is not conformal"),
        ("EPSG:2229", 100.0, 30.48, "axis units us survey foot, not metres"),
    ],
)
def test_distorted_or_feet_crs_is_reprojected(tmp_path, crs, cell, ground, match):
    fwd = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    cx, cy = fwd.transform(-118.3, 34.2)
    n = 60
    xs = cx + cell * (np.arange(n) + 0.5)
    ys = cy - cell * (np.arange(n) + 0.5)
    path = geotiff(tmp_path / "d.tif", np.full((n, n), 300.0, dtype=np.float32), xs, ys, crs)
    with pytest.warns(DrmWarning, match=match):
        dem = io.read_dem(path)
    assert get_crs(dem).to_epsg() == 32611
    dx = check_grid(dem, allow_all_nan=True).dx
    if ground is None:  # plate carree: 30 m along meridians, 30 m * cos(lat) ... on average
        ground = 30.0 * np.sqrt(np.cos(np.radians(34.2)))
    assert dx == pytest.approx(ground, rel=0.01)


def test_utm_11n_dem_is_kept_in_its_crs(tmp_path, recwarn):
    n = 40
    xs = 450_000.0 + 30.0 * (np.arange(n) + 0.5)
    ys = 3_990_000.0 - 30.0 * (np.arange(n) + 0.5)
    z = np.arange(n * n, dtype=np.float32).reshape(n, n)
    dem = io.read_dem(geotiff(tmp_path / "utm.tif", z, xs, ys, "EPSG:32611"))
    assert get_crs(dem).to_epsg() == 32611
    np.testing.assert_array_equal(dem["x"].values, xs)
    np.testing.assert_array_equal(dem.values, z)
    assert not [w for w in recwarn if issubclass(w.category, DrmWarning)]


def test_crs_with_no_linear_units_is_refused_and_crs_fixes_it(tmp_path):
    dem = utm_dem(258_000.0, 946_000.0, 6, 10.0).drop_vars("spatial_ref")
    local = dem.assign_coords(spatial_ref=xr.DataArray(0, attrs={"crs_wkt": 'LOCAL_CS["site",UNIT["unknown",1]]'}))
    io.write_grid(local, tmp_path / "local.nc")
    with pytest.raises(GridError, match=r"'site' has no linear units.*crs=.*hazard\.dem_crs"):
        io.read_dem(tmp_path / "local.nc")
    fixed = io.read_dem(tmp_path / "local.nc", crs="EPSG:32619")
    assert get_crs(fixed).to_epsg() == 32619


def test_engineering_crs_in_metres_is_refused(tmp_path):
    wkt = (
        'ENGCRS["site",EDATUM["pad"],CS[Cartesian,2],'
        'AXIS["x",east,LENGTHUNIT["metre",1]],AXIS["y",north,LENGTHUNIT["metre",1]]]'
    )
    dem = utm_dem(258_000.0, 946_000.0, 6, 10.0).drop_vars("spatial_ref")
    io.write_grid(dem.assign_coords(spatial_ref=xr.DataArray(0, attrs={"crs_wkt": wkt})), tmp_path / "e.nc")
    with pytest.raises(GridError, match="no datum"):
        io.read_dem(tmp_path / "e.nc")


@pytest.mark.parametrize("fmt", ["nc", "asc"])
def test_dem_with_no_crs_and_projected_coordinates_is_refused(tmp_path, fmt):
    dem = utm_dem(258_000.0, 946_000.0, 6, 10.0).drop_vars("spatial_ref")
    path = tmp_path / f"dem.{fmt}"
    if fmt == "nc":
        io.write_grid(dem, path)
    else:
        io.write_asc(dem, path)
    with pytest.raises(GridError, match=r"records no CRS.*look projected.*pass crs=.*hazard\.dem_crs"):
        io.read_dem(path)
    assert get_crs(io.read_dem(path, crs="EPSG:32619")).to_epsg() == 32619


def test_crs_argument_does_not_override_the_files_crs(tmp_path):
    io.write_grid(utm_dem(258_000.0, 946_000.0, 6, 10.0), tmp_path / "dem.nc")
    with pytest.warns(DrmWarning, match=r"records CRS 'WGS 84 / UTM zone 19N'; crs=.*ignored"):
        dem = io.read_dem(tmp_path / "dem.nc", crs="EPSG:32620")
    assert get_crs(dem).to_epsg() == 32619


@pytest.mark.parametrize(
    ("crs", "lon", "lat", "reason"),
    [
        ("EPSG:32611", -117.0, 36.0, None),
        ("EPSG:2203", -63.0, 10.0, None),  # REGVEN / UTM 20N, Venezuela
        ("EPSG:2154", 2.5, 46.5, None),  # Lambert-93, France
        ("EPSG:3857", -71.0, 8.6, "Web Mercator"),
        ("ESRI:102100", -71.0, 8.6, "Web Mercator"),
        ("+proj=merc +a=6378137 +b=6378137 +lat_ts=0 +lon_0=0 +x_0=0 +y_0=0 +k=1 +units=m "
         "+nadgrids=@null +no_defs", -71.0, 8.6, "Web Mercator"),  # EPSG:900913-like
        ("EPSG:3395", -117.0, 36.0, "scale factor of 1.23"),  # World Mercator far north
        ("EPSG:4087", -71.0, 8.6, "not conformal"),
        ("ESRI:54008", -71.0, 8.6, "Sinusoidal projection, which is not conformal"),
        ("ESRI:54009", -71.0, 8.6, "Mollweide projection, which is not conformal"),
        ("EPSG:32619", -60.0, 8.6, "scale factor"),  # UTM 19N used 9 degrees off its meridian
        ("EPSG:2229", -118.0, 34.0, "not metres"),
        ("EPSG:4326", -71.0, 8.6, "geographic"),
    ],
)
def test_working_crs_rule(crs, lon, lat, reason):
    problem = working_crs_problem(CRS.from_user_input(crs), lon, lat)
    if reason is None:
        assert problem is None
    else:
        assert reason in problem


def test_undeclared_minus_9999_in_a_dem_is_masked_with_a_warning(tmp_path):
    dem = utm_dem(258_000.0, 946_000.0, 8, 10.0)
    dem.values[0, :3] = -9999.0
    io.write_grid(dem, tmp_path / "dem.nc")  # -9999 is a value here, not the _FillValue
    with pytest.warns(DrmWarning, match=r"3 DEM cells below -500 m \(-9999\) taken as nodata"):
        back = io.read_dem(tmp_path / "dem.nc")
    assert np.isnan(back.values[0, :3]).all()
    assert np.isfinite(back.values).sum() == 61
    io.write_grid(dem * 0 - 9999.0, tmp_path / "all.nc")
    with (
        pytest.warns(DrmWarning, match="64 DEM cells"),
        pytest.raises(GridError, match="every cell is nodata"),
    ):
        io.read_dem(tmp_path / "all.nc")


def test_undeclared_sentinel_in_a_lonlat_dem_is_masked_before_reprojection(tmp_path):
    n = 60
    lon, lat = lonlat_axes(-71.25, 8.65, n, ARC1)
    z = np.full((n, n), 1500.0, dtype=np.float32)
    z[20:40, 20:40] = -32768.0
    path = geotiff(tmp_path / "srtm.tif", z, lon, lat, "EPSG:4326")  # no nodata tag
    with pytest.warns(DrmWarning, match="400 DEM cells below -500 m"):
        dem = io.read_dem(path)
    # no blend of -32768 with 1500 survives next to the void
    assert float(np.nanmin(dem.values)) == pytest.approx(1500.0)


# --- population onto the DEM -------------------------------------------------------------------


def worldpop(tmp_path, dem, *, nodata=-99999.0, name="wp.tif", n=72, seed=3):
    """WorldPop-like raster around the DEM: people in pixels wholly inside or wholly outside it,
    nodata stripes, and 0 in pixels that straddle its edge. Returns the path, the pixel
    values with nodata as NaN, and the exact persons inside and outside the DEM."""
    lon, lat = lonlat_axes(-71.25, 8.65, n, ARC3)
    rng = np.random.default_rng(seed)
    people = np.round(rng.random((n, n)) * 40.0, 3)
    fwd = Transformer.from_crs("EPSG:4326", get_crs(dem), always_xy=True)
    x0, y0 = dem["x"].values[0], dem["y"].values[0]
    half = check_grid(dem).dx / 2
    xmin, xmax = x0 - half, dem["x"].values[-1] + half
    ymin, ymax = dem["y"].values[-1] - half, y0 + half
    inside = np.zeros((n, n), bool)
    outside = np.zeros((n, n), bool)
    t = np.linspace(-0.5, 0.5, 5)
    for i in range(n):
        for j in range(n):
            px, py = np.meshgrid(lon[j] + t * ARC3, lat[i] + t * ARC3)
            qx, qy = fwd.transform(px.ravel(), py.ravel())
            inn = (qx > xmin + 1) & (qx < xmax - 1) & (qy > ymin + 1) & (qy < ymax - 1)
            out = (qx < xmin - 1) | (qx > xmax + 1) | (qy < ymin - 1) | (qy > ymax + 1)
            inside[i, j], outside[i, j] = inn.all(), out.all()
    people[~(inside | outside)] = 0.0
    values = people.astype(np.float32)
    nan = np.zeros((n, n), bool)
    nan[30, :] = True  # a nodata row across the DEM
    nan[:, 10] = True  # a nodata column outside it
    values[nan] = nodata
    path = geotiff(tmp_path / name, values, lon, lat, "EPSG:4326", nodata=nodata)
    clean = np.where(nan, np.nan, values.astype(float))
    return path, clean, float(np.nansum(clean[inside])), float(np.nansum(clean[outside])), (lon, lat)


def dem_around(lon, lat, dx, crs="EPSG:32619", size=3000.0):
    fwd = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    cx, cy = fwd.transform(lon, lat)
    n = int(size / dx)
    return utm_dem(np.floor(cx - n * dx / 2), np.floor(cy - n * dx / 2), n, dx, crs)


@pytest.mark.parametrize("dx", [30.0, 90.0])
def test_worldpop_onto_a_utm_dem_conserves_people(tmp_path, dx):
    dem = dem_around(-71.22, 8.62, dx)
    path, clean, inside, outside, _ = worldpop(tmp_path, dem)
    pop = io.read_population(path, like=dem)
    assert pop.shape == dem.shape
    assert get_crs(pop) == get_crs(dem)
    assert pop.attrs["units"] == "persons"
    assert inside > 10_000
    assert float(pop.sum()) == pytest.approx(inside, rel=1e-3)
    assert pop.attrs["persons_in_file"] == pytest.approx(np.nansum(clean), rel=1e-6)
    assert pop.attrs["persons_outside_dem"] == pytest.approx(outside, rel=1e-3)
    assert pop.attrs["persons_on_nodata"] == 0.0
    assert np.isfinite(pop.values).all()
    assert float(pop.min()) >= 0.0


@pytest.mark.parametrize("nodata", [-99999.0, np.nan])
def test_pixel_beside_nodata_keeps_its_65_people(tmp_path, nodata):
    dem = dem_around(-71.22, 8.62, 30.0, size=600.0)
    n = 9
    lon, lat = lonlat_axes(-71.22 - 4.5 * ARC3, 8.62 + 4.5 * ARC3, n, ARC3)
    values = np.zeros((n, n), np.float32)
    values[3:6, 3:6] = nodata  # the pixel is ringed by nodata
    values[4, 4] = 65.0
    path = geotiff(tmp_path / "wp.tif", values, lon, lat, "EPSG:4326", nodata=nodata)
    pop = io.read_population(path, like=dem)
    assert float(pop.sum()) == pytest.approx(65.0, rel=1e-3)
    # and the 65 people are where the pixel is: within 60 m of its centre
    fwd = Transformer.from_crs("EPSG:4326", "EPSG:32619", always_xy=True)
    px, py = fwd.transform(lon[4], lat[4])
    X, Y = np.meshgrid(pop["x"].values, pop["y"].values)
    near = (np.abs(X - px) < 60) & (np.abs(Y - py) < 60)
    assert float(pop.values[near].sum()) == pytest.approx(65.0, rel=1e-3)


def test_undeclared_population_sentinel_is_nodata_with_a_warning(tmp_path):
    dem = dem_around(-71.22, 8.62, 30.0, size=600.0)
    lon, lat = lonlat_axes(-71.22 - 4.5 * ARC3, 8.62 + 4.5 * ARC3, 9, ARC3)
    values = np.zeros((9, 9), np.float32)
    values[3:6, 3:6] = 2.0
    values[0, :] = -99999.0
    path = geotiff(tmp_path / "wp.tif", values, lon, lat, "EPSG:4326")  # no nodata tag
    with pytest.warns(DrmWarning, match="9 population cells at -99999 taken as nodata"):
        pop = io.read_population(path, like=dem)
    assert float(pop.sum()) == pytest.approx(18.0, rel=1e-3)


def test_nan_population_without_a_nodata_tag(tmp_path):
    dem = dem_around(-71.22, 8.62, 90.0)
    path, clean, inside, _, _ = worldpop(tmp_path, dem, nodata=np.nan)
    pop = io.read_population(path, like=dem)
    assert float(pop.sum()) == pytest.approx(inside, rel=1e-3)
    assert pop.attrs["persons_in_file"] == pytest.approx(np.nansum(clean), rel=1e-6)


def test_population_in_another_utm_zone(tmp_path):
    dem = dem_around(-66.1, 8.62, 30.0, crs="EPSG:32619")  # zone 19 ends at -66
    fwd = Transformer.from_crs("EPSG:4326", "EPSG:32620", always_xy=True)
    cx, cy = fwd.transform(-66.1, 8.62)
    n, step = 60, 100.0
    xs = np.floor(cx) - n * step / 2 + step * (np.arange(n) + 0.5)
    ys = np.floor(cy) + n * step / 2 - step * (np.arange(n) + 0.5)
    values = np.zeros((n, n), np.float32)
    values[25:35, 25:35] = 12.5  # 1 km square around the centre, well inside the 3 km DEM
    values[0:3, 0:3] = 4.0  # 3 km from the centre: outside
    path = geotiff(tmp_path / "pop20.tif", values, xs, ys, "EPSG:32620", nodata=-99999.0)
    pop = io.read_population(path, like=dem)
    assert get_crs(pop).to_epsg() == 32619
    assert float(pop.sum()) == pytest.approx(1250.0, rel=1e-3)
    assert pop.attrs["persons_outside_dem"] == pytest.approx(36.0, rel=1e-3)


def test_lonlat_population_onto_a_utm_11n_dem_west_of_its_zone(tmp_path):
    # the population's own centre is in zone 10; it must land in the DEM's zone 11
    dem = dem_around(-120.1, 36.0, 30.0, crs="EPSG:32611", size=600.0)
    lon, lat = lonlat_axes(-120.1 - 4.5 * ARC3, 36.0 + 4.5 * ARC3, 9, ARC3)
    values = np.zeros((9, 9), np.float32)
    values[3:6, 3:6] = 3.0
    pop = io.read_population(geotiff(tmp_path / "p.tif", values, lon, lat, "EPSG:4326"), like=dem)
    assert get_crs(pop).to_epsg() == 32611
    assert float(pop.sum()) == pytest.approx(27.0, rel=1e-3)


def test_people_on_dem_nodata_voids_move_and_edge_nodata_is_reported(tmp_path):
    dem = dem_around(-71.22, 8.62, 90.0)
    dem.values[15:18, 15:18] = np.nan  # a void inside
    dem.values[:, :3] = np.nan  # nodata along the western edge
    path, _, inside, _, _ = worldpop(tmp_path, dem)
    with pytest.warns(DrmWarning, match=r"persons inside the DEM \(\d+\.\d%\) are on DEM nodata"):
        pop = io.read_population(path, like=dem)
    lost = pop.attrs["persons_on_nodata"]
    assert lost > 0.005 * inside
    assert pop.attrs["persons_moved_from_voids"] > 0
    assert float(pop.sum()) + lost == pytest.approx(inside, rel=1e-3)
    assert float(pop.values[15:18, 15:18].sum()) == 0.0
    assert float(pop.values[:, :3].sum()) == 0.0


def test_population_covering_a_quarter_of_the_dem_warns(tmp_path):
    dem = dem_around(-71.22, 8.62, 90.0, size=3060.0)
    assert dem.shape == (34, 34)
    x, y = dem["x"].values, dem["y"].values
    half = utm_dem(x[0] - 45.0, y[-1] - 45.0, 17, 90.0)  # the south-west quarter
    path = geotiff(tmp_path / "q.tif", np.ones((17, 17), np.float32), half["x"].values, half["y"].values, "EPSG:32619")
    with pytest.warns(DrmWarning, match=r"covers 25\.0% of the DEM's valid cells"):
        pop = io.read_population(path, like=dem)
    assert float(pop.sum()) == pytest.approx(289.0, rel=1e-9)


def test_population_without_crs_onto_a_dem_is_refused(tmp_path):
    dem = utm_dem(258_000.0, 946_000.0, 6, 10.0)
    io.write_grid(dem.drop_vars("spatial_ref").rename("population") * 0 + 1.0, tmp_path / "p.nc")
    with pytest.raises(GridError, match=r"pass crs=.*population\.grid_crs"):
        io.read_population(tmp_path / "p.nc", like=dem)
    assert float(io.read_population(tmp_path / "p.nc", like=dem, crs="EPSG:32619").sum()) == pytest.approx(36.0)


def test_population_on_the_dem_grid_is_copied_exactly(tmp_path):
    dem = utm_dem(258_000.0, 946_000.0, 6, 10.0)
    values = np.arange(36.0).reshape(6, 6)
    io.write_grid(dem.copy(data=values).rename("population"), tmp_path / "p.nc")
    pop = io.read_population(tmp_path / "p.nc", like=dem)
    np.testing.assert_allclose(pop.values, values, rtol=1e-12, atol=1e-12)


def test_lonlat_population_alone_goes_to_utm_keeping_people(tmp_path):
    lon, lat = lonlat_axes(-71.25, 8.65, 20, ARC3)
    values = np.full((20, 20), 5.0, np.float32)
    values[3, 3] = -99999.0
    pop = io.read_population(geotiff(tmp_path / "p.tif", values, lon, lat, "EPSG:4326", nodata=-99999.0))
    assert get_crs(pop).to_epsg() == 32619
    assert float(np.nansum(pop.values)) == pytest.approx(5.0 * 399, rel=1e-3)


# --- other grids onto the DEM ------------------------------------------------------------------


def test_landcover_classes_in_lonlat_read_with_nearest_and_put_on_the_dem(tmp_path):
    n = 40
    lon, lat = lonlat_axes(-71.25, 8.65, n, ARC1)
    classes = np.where(np.add.outer(np.arange(n), np.arange(n)) % 7 < 3, 10, 40).astype(np.uint8)
    path = geotiff(tmp_path / "lc.tif", classes, lon, lat, "EPSG:4326", nodata=255)
    lc = io.read_grid(path, name="land cover")
    assert set(np.unique(lc.values[np.isfinite(lc.values)])) == {10.0, 40.0}
    dem = dem_around(float(lon.mean()), float(lat.mean()), 10.0, size=600.0)
    raw = xr.DataArray(classes.astype(float), dims=("lat", "lon"), coords={"lat": lat, "lon": lon})
    on_dem = onto(set_crs(raw, "EPSG:4326"), dem, "nearest")
    assert on_dem.shape == dem.shape
    assert set(np.unique(on_dem.values)) == {10.0, 40.0}


def test_onto_bilinear_between_crs_is_exact_for_a_plane_and_conservative_keeps_means():
    dem = dem_around(-66.1, 8.62, 50.0, size=1000.0)
    fwd = Transformer.from_crs("EPSG:4326", "EPSG:32620", always_xy=True)
    cx, cy = fwd.transform(-66.1, 8.62)
    xs = cx - 1000 + 25.0 * np.arange(80)
    ys = cy + 1000 - 25.0 * np.arange(80)
    X, Y = np.meshgrid(xs, ys)
    plane = set_crs(xr.DataArray(0.01 * X - 0.02 * Y, dims=("y", "x"), coords={"y": ys, "x": xs}), 32620)
    out = onto(plane, dem, "bilinear")
    to20 = Transformer.from_crs("EPSG:32619", "EPSG:32620", always_xy=True)
    qx, qy = to20.transform(*np.meshgrid(dem["x"].values, dem["y"].values))
    np.testing.assert_allclose(out.values, 0.01 * qx - 0.02 * qy, rtol=1e-9)
    const = plane * 0 + 7.0
    np.testing.assert_allclose(onto(const, dem, "conservative").values, 7.0, rtol=1e-12)


def test_onto_refuses_a_grid_without_crs():
    dem = utm_dem(258_000.0, 946_000.0, 6, 10.0)
    with pytest.raises(GridError, match="records no CRS"):
        onto(dem.drop_vars("spatial_ref"), dem, "nearest")


def test_reproject_keeps_a_time_axis_and_rejects_unknown_crs():
    fwd = Transformer.from_crs("EPSG:4326", "EPSG:32620", always_xy=True)
    cx, cy = fwd.transform(-66.1, 8.62)
    xs, ys = cx + 1000.0 * np.arange(5), cy - 1000.0 * np.arange(5)
    coords = {"time": [0.0, 600.0, 1200.0], "y": ys, "x": xs}
    rain = xr.DataArray(np.ones((3, 5, 5)), dims=("time", "y", "x"), coords=coords)
    out = reproject(set_crs(rain, 32620), crs="EPSG:32619")
    assert out.dims == ("time", "y", "x")
    assert check_grid(out, time=True, allow_all_nan=True).dx == pytest.approx(1000.0, rel=0.01)
    with pytest.raises(GridError, match="src_crs="):
        reproject(rain, crs="EPSG:32619")
