"""Neighbourhood polygons rasterised with exact cell fractions, and a census per zone (issue 16, item 6)."""

from __future__ import annotations

import json
import sys

import numpy as np
import pandas as pd
import pytest
import shapely
import xarray as xr
from pyproj import Geod, Transformer

from drm.demographics import DemographicProfile, ZoneProfiles, default_profile, split_population
from drm.errors import DrmWarning, GridError, InputError, MissingDependencyError
from drm.exposure import people_at_risk
from drm.exposure.zones import population_by_zone
from drm.grids import set_crs
from drm.io.zones import read_census, read_zones

UTM19 = "EPSG:32619"


def grid(nx: int = 10, ny: int = 10, dx: float = 10.0, x0: float = 0.0, y0: float = 0.0, crs=UTM19):
    """A north-up grid of ``ny`` x ``nx`` cells of ``dx`` m whose lower-left corner is (x0, y0)."""
    xs = x0 + dx * (np.arange(nx) + 0.5)
    ys = (y0 + dx * (np.arange(ny) + 0.5))[::-1]
    da = xr.DataArray(np.zeros((ny, nx)), dims=("y", "x"), coords={"y": ys, "x": xs})
    return set_crs(da, crs) if crs else da


def rect(x0, y0, x1, y1):
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def write_geojson(path, features, crs=UTM19):
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": props, "geometry": geom} for props, geom in features
    ]}  # fmt: skip
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def two_zones(tmp_path):
    """Zone 1 west of x = 45 m, zone 2 east of it: the edge runs through the middle of column 4."""
    return write_geojson(
        tmp_path / "barrios.geojson",
        [
            ({"codigo": 1, "barrio": "Oeste"}, rect(0, 0, 45, 100)),
            ({"codigo": 2, "barrio": "Este"}, rect(45, 0, 100, 100)),
        ],
    )


def flood_on(dem, depth_m=0.5):
    """Every cell under ``depth_m`` at 600 s, dry at 0 s."""
    depth = np.stack([np.zeros(dem.shape), np.full(dem.shape, depth_m)])
    return xr.Dataset(
        {"depth": (("time", "y", "x"), depth), "velocity": (("time", "y", "x"), 0 * depth),
         "elevation": (("y", "x"), np.zeros(dem.shape))},
        coords={"time": [0.0, 600.0], "y": dem["y"], "x": dem["x"]},
    )  # fmt: skip


# ------------------------------------------------------------------ polygons


def test_edge_through_cell_middles_gives_exact_half_fractions(tmp_path):
    dem = grid()
    z = read_zones(two_zones(tmp_path), dem)
    f = z.fractions.toarray().reshape(10, 10, 2)
    np.testing.assert_allclose(f[:, 4, 0], 0.5, atol=1e-9)
    np.testing.assert_allclose(f[:, 4, 1], 0.5, atol=1e-9)
    np.testing.assert_allclose(f[:, :4, 0], 1.0, atol=1e-12)
    np.testing.assert_allclose(f[:, 5:, 1], 1.0, atol=1e-12)
    assert f[:, 5:, 0].max() == 0
    assert f[:, :4, 1].max() == 0
    t = z.table
    assert t["name"].tolist() == ["Oeste", "Este"]
    np.testing.assert_allclose(t["area_m2"], [4500.0, 5500.0], rtol=1e-6)
    np.testing.assert_allclose(t["area_raster_m2"], [4500.0, 5500.0], rtol=1e-6)
    # a half-and-half cell goes to the smaller id; 50 cells each in the majority grid
    assert (z.zone_id.values[:, :5] == 1).all()
    assert (z.zone_id.values[:, 5:] == 2).all()
    assert t["cells"].tolist() == [50, 50]
    # people per zone by fraction (exact), not by majority cell (which would give 50/50)
    pop = dem + 1.0
    counts = population_by_zone(pop, z)
    assert counts.to_dict() == pytest.approx({0: 0.0, 1: 45.0, 2: 55.0}, abs=1e-9)
    assert population_by_zone(pop, z.zone_id).to_dict() == {0: 0.0, 1: 50.0, 2: 50.0}


def test_geopackage_reads_like_geojson(tmp_path):
    gpd = pytest.importorskip("geopandas")
    pytest.importorskip("pyogrio")
    path = tmp_path / "barrios.gpkg"
    gdf = gpd.GeoDataFrame(
        {"cod_zona": [7, 3], "nombre": ["Norte", "Sur"]},
        geometry=[shapely.box(0, 45, 100, 100), shapely.box(0, 0, 100, 45)],
        crs=UTM19,
    )
    gdf.to_file(path, layer="barrios")
    z = read_zones(path, grid(), id_field="cod_zona")
    assert z.table.index.tolist() == [3, 7]  # ascending ids
    assert z.table["name"].tolist() == ["Sur", "Norte"]
    f = z.fractions.toarray().reshape(10, 10, 2)
    np.testing.assert_allclose(f[5, :, 0], 0.5, atol=1e-9)  # row 5 spans y 40-50
    np.testing.assert_allclose(z.table["area_raster_m2"], [4500.0, 5500.0], rtol=1e-6)


def test_geopackage_without_pyogrio_names_the_extra(tmp_path, monkeypatch):
    path = tmp_path / "barrios.gpkg"
    path.write_bytes(b"")
    monkeypatch.setitem(sys.modules, "pyogrio", None)
    with pytest.raises(MissingDependencyError, match=r"pyogrio.*pip install 'drm\[geo\]'"):
        read_zones(path, grid())


def test_lonlat_polygon_projected_to_utm_keeps_geodesic_area(tmp_path):
    lon0, lat0 = -71.15, 8.60  # Mérida, UTM 19N
    ring = [[lon0, lat0], [lon0 + 0.012, lat0 - 0.001], [lon0 + 0.013, lat0 + 0.010],
            [lon0 + 0.002, lat0 + 0.011], [lon0, lat0]]  # fmt: skip
    path = write_geojson(
        tmp_path / "osm.geojson",
        [({"name": "Barrio"}, {"type": "Polygon", "coordinates": [ring]})],
        crs=None,
    )
    x, y = Transformer.from_crs("EPSG:4326", UTM19, always_xy=True).transform(lon0, lat0)
    dem = grid(
        nx=170, ny=160, dx=10.0, x0=np.floor(x / 10) * 10 - 100, y0=np.floor(y / 10) * 10 - 300
    )
    z = read_zones(path, dem)
    geodesic = abs(Geod(ellps="WGS84").geometry_area_perimeter(shapely.Polygon(ring))[0])
    assert z.table.index.tolist() == [1]  # no id property: numbered in file order
    assert z.table.loc[1, "area_m2"] == pytest.approx(geodesic, rel=1e-3)
    assert z.table.loc[1, "area_raster_m2"] == pytest.approx(geodesic, rel=1e-3)
    assert float(z.fractions.sum()) * 100.0 == pytest.approx(geodesic, rel=1e-3)


def test_overlapping_polygons_are_warned_and_not_counted_twice(tmp_path):
    path = write_geojson(
        tmp_path / "z.geojson",
        [({"id": 1}, rect(0, 0, 60, 100)), ({"id": 2}, rect(50, 0, 100, 100))],
    )
    with pytest.warns(DrmWarning, match=r"zones overlap: 1 & 2 by 1,000.0 m²"):
        z = read_zones(path, grid())
    rows = np.asarray(z.fractions.sum(axis=1)).ravel()
    assert rows.max() == pytest.approx(1.0, abs=1e-12)
    f = z.fractions.toarray().reshape(10, 10, 2)
    np.testing.assert_allclose(f[:, 5], 0.5, atol=1e-12)  # the overlap column is split by area
    assert population_by_zone(grid() + 1.0, z).sum() == pytest.approx(100.0, abs=1e-9)


def test_zone_partly_outside_the_dem_is_warned_with_its_area_inside(tmp_path):
    path = write_geojson(
        tmp_path / "z.geojson",
        [({"id": 1, "nombre": "Borde"}, rect(80, 0, 180, 100)), ({"id": 2}, rect(0, 0, 50, 50))],
    )
    with pytest.warns(DrmWarning, match=r"1 \(Borde\): 0.002 of 0.01 km² inside \(20.0 %\)"):
        z = read_zones(path, grid())
    assert z.table.loc[1, "area_inside_m2"] == pytest.approx(2000.0)
    assert z.table.loc[1, "area_raster_m2"] == pytest.approx(2000.0)


@pytest.mark.parametrize(
    ("features", "crs", "match"),
    [
        (
            [({"id": 4}, rect(0, 0, 50, 50)), ({"id": 4}, rect(50, 0, 100, 50))],
            UTM19,
            r"zone id 4 .* features 1 and 2",
        ),
        (
            [({"id": 1}, {"type": "Point", "coordinates": [5.0, 5.0]})],
            UTM19,
            r"feature 1 is Point; zones must be Polygon",
        ),
        (
            [({"id": 1}, rect(259_000, 948_000, 259_050, 948_050))],
            None,
            r"look projected .* declares no CRS; pass crs=",
        ),
        (
            [({"id": 1}, rect(0, 0, 50, 50))],
            None,
            r"declares no CRS and, read as lon/lat .* outside the DEM; .*pass crs=",
        ),
        ([({"id": 0}, rect(0, 0, 50, 50))], UTM19, r"zone id 0 .* must be > 0"),
        (
            [
                (
                    {"id": 1},
                    {
                        "type": "Polygon",
                        "coordinates": [[[0, 0], [50, 50], [50, 0], [0, 50], [0, 0]]],
                    },
                )
            ],
            UTM19,
            r"invalid polygon \(Self-intersection",
        ),
    ],
    ids=[
        "duplicated-ids",
        "point",
        "projected-without-crs",
        "small-metres-without-crs",
        "id-zero",
        "bow-tie",
    ],
)
def test_bad_zone_files_are_refused(tmp_path, features, crs, match):
    path = write_geojson(tmp_path / "z.geojson", features, crs=crs)
    with pytest.raises(InputError, match=match):
        read_zones(path, grid())


def test_projected_file_without_crs_reads_with_crs_argument(tmp_path):
    path = write_geojson(tmp_path / "z.geojson", [({"id": 1}, rect(0, 0, 50, 100))], crs=None)
    z = read_zones(path, grid(), crs=UTM19)
    assert z.table.loc[1, "area_raster_m2"] == pytest.approx(5000.0)


def test_grid_without_crs_and_missing_id_field_are_refused(tmp_path):
    path = two_zones(tmp_path)
    with pytest.raises(GridError, match="records no CRS"):
        read_zones(path, grid(crs=None))
    with pytest.raises(InputError, match=r"no property 'codgo' .*did you mean 'codigo'"):
        read_zones(path, grid(), id_field="codgo")


def test_text_codes_are_numbered_and_kept(tmp_path):
    path = write_geojson(
        tmp_path / "z.geojson",
        [({"codigo": "B-2"}, rect(0, 0, 50, 100)), ({"codigo": "A-1"}, rect(50, 0, 100, 100))],
    )
    z = read_zones(path, grid())
    assert z.table["code"].tolist() == ["B-2", "A-1"]
    assert z.table.index.tolist() == [1, 2]
    census = tmp_path / "censo.csv"
    census.write_text("codigo,mujeres,hombres\nA-1,30,20\nB-2,10,10\n", encoding="utf-8")
    c = read_census(census, zones=z)
    assert c.loc[2, "female"] == pytest.approx(0.6)
    assert c.loc[1, "person"] == 20.0


# ------------------------------------------------------------------ census


SPANISH = (
    "Código,Barrio,Población,Mujeres,Hombres,0-4,5-14,Mujeres 15-49,60 y más,Discapacidad,Hogares\n"
    "1,Oeste,1000,520,480,90,180,260,150,120,250\n"
    "2,Este,400,200,200,40,70,110,30,40,100\n"
)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_census_with_spanish_headers(tmp_path, encoding):
    path = tmp_path / "censo.csv"
    path.write_text(SPANISH, encoding=encoding)
    c = read_census(path)
    assert c.index.tolist() == [1, 2]
    assert c["name"].tolist() == ["Oeste", "Este"]
    row = c.loc[1]
    assert row["person"] == 1000.0
    assert row[
        ["female", "male", "child_under_5", "child_5_14", "woman_15_49", "older_60", "disability"]
    ].tolist() == (pytest.approx([0.52, 0.48, 0.09, 0.18, 0.26, 0.15, 0.12], abs=1e-12))
    assert row["household_size"] == 4.0


def test_census_aliases_and_shares(tmp_path):
    path = tmp_path / "shares.csv"
    path.write_text(
        "zone,female,male,menores_5,adultos_mayores\n1,0.5,0.5,0.1,0.2\n2,0.55,0.45,0.08,0.12\n"
    )
    c = read_census(path)
    assert np.isnan(c["person"]).all()  # shares only: the persons come from the population grid
    assert c.loc[2, ["female", "child_under_5", "older_60"]].tolist() == pytest.approx(
        [0.55, 0.08, 0.12]
    )
    mixed = tmp_path / "mixed.csv"  # counts, and disability as a share of the total
    mixed.write_text("id,total,mujeres,hombres,discapacidad\n1,200,100,100,0.15\n2,50,20,30,0.1\n")
    c = read_census(mixed)
    assert c.loc[2, ["female", "disability"]].tolist() == pytest.approx([0.4, 0.1])


def test_census_sexes_not_adding_up_warns_and_uses_its_own_total(tmp_path):
    path = tmp_path / "censo.csv"
    path.write_text("codigo,poblacion,mujeres,hombres,60+\n1,1000,500,450,100\n2,400,200,200,40\n")
    with pytest.warns(
        DrmWarning,
        match=r"female \+ male is not the total in 1 zones \(zone 1: 950 vs 1,000 \(-50\)\)",
    ):
        c = read_census(path)
    assert c.loc[1, "person"] == 1000.0  # the table's own total
    assert c.loc[1, "older_60"] == pytest.approx(0.1)  # a share of that total
    assert c.loc[1, "female"] == pytest.approx(500 / 950)
    assert c.loc[1, "male"] == pytest.approx(450 / 950)


def test_census_zones_unmatched_either_way_are_warned(tmp_path):
    z = read_zones(two_zones(tmp_path), grid())
    path = tmp_path / "censo.csv"
    path.write_text("codigo,mujeres,hombres\n1,60,40\n9,5,5\n")
    with pytest.warns(DrmWarning) as record:
        c = read_census(path, zones=z)
    text = " | ".join(str(w.message) for w in record)
    assert "census zones ['9'] are not in the zone layer; their rows are ignored" in text
    assert (
        "no census row for zones [2]; their people get the default profile (venezuela-2014)" in text
    )
    assert c.index.tolist() == [1]


def test_census_matched_by_name_when_it_has_no_id(tmp_path):
    z = read_zones(two_zones(tmp_path), grid())
    path = tmp_path / "censo.csv"
    path.write_text("barrio,mujeres,hombres\nESTE,30,70\noeste,50,50\n")
    c = read_census(path, zones=z)
    assert c.loc[2, "female"] == pytest.approx(0.3)
    assert c.loc[1, "female"] == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("codigo,mujeres,hombres\n1,5,5\n1,6,4\n", r"census zone '1' appears more than once"),
        (
            "codigo,poblacion,mujeres,hombres,60+\n1,10,5,5,12\n",
            r"zone 1: older_60 \(12\) is more than the zone's total",
        ),
        (
            "codigo,mujeres,hombres\n1,cinco,5\n",
            r"column 'mujeres' needs numbers; data row 1 has 'cinco'",
        ),
        ("codigo,mujeres,hombres,0-4\n1,5,5,3\n", None),
        ("codigo,poblacion,edad\n1,10,30\n", "none of the groups drm reads"),
        ("poblacion,mujeres\n10,5\n", "needs a zone id column"),
        (
            "codigo,total,poblacion,mujeres\n1,10,10,5\n",
            r"columns 'total' and 'poblacion' both give the census 'person'",
        ),
    ],
    ids=[
        "duplicate",
        "group-over-total",
        "not-a-number",
        "no-total-ok",
        "no-groups",
        "no-id",
        "two-totals",
    ],
)
def test_bad_census_tables(tmp_path, text, match):
    path = tmp_path / "censo.csv"
    path.write_text(text)
    if match is None:  # female + male stand in for a missing total
        assert read_census(path).loc[1, "person"] == 10.0
        return
    with pytest.raises(InputError, match=match):
        read_census(path)


# ------------------------------------------------------------------ profiles in the exposure


def test_zone_profiles_from_census_rows():
    base = default_profile()
    p = DemographicProfile.from_census_row(
        pd.Series({"female": 0.6, "male": 0.4, "child_under_5": 0.12, "older_60": np.nan}),
        name="z",
        base=base,
    )
    assert p.shares["female"] == 0.6
    assert p.shares["child_under_5"] == 0.12
    assert p.shares["older_60"] == base.shares["older_60"]  # blank: the default's
    ratio = base.shares["woman_15_49"] / base.shares["female"]
    assert p.shares["woman_15_49"] == pytest.approx(ratio * 0.6)
    assert p.shares["infant_under_2"] == pytest.approx(
        0.12 * base.shares["infant_under_2"] / base.shares["child_under_5"]
    )
    with pytest.raises(InputError, match=r"census zone 1 \(Alto\): .*'woman_15_49'"):
        ZoneProfiles.from_census(
            pd.DataFrame({"name": ["Alto"], "female": [0.3], "woman_15_49": [0.4]}, index=[1])
        )


def test_per_zone_profiles_change_persons_by_sex(tmp_path):
    dem = grid()
    z = read_zones(two_zones(tmp_path), dem)
    census = tmp_path / "censo.csv"
    census.write_text("codigo,poblacion,mujeres,hombres,0-4\n1,100,60,40,10\n2,100,30,70,\n")
    profiles = ZoneProfiles.from_census(read_census(census, zones=z))
    r = people_at_risk(dem + 1.0, flood_on(dem), zones=z, profile=profiles)
    assert r.zones["persons_at_risk"].to_dict() == pytest.approx({1: 45.0, 2: 55.0}, abs=1e-9)
    assert r.zones["residents"].sum() == pytest.approx(100.0, abs=1e-9)
    d = r.demographics()
    # by hand: 45 x 0.6 = 27 women in zone 1, 55 x 0.3 = 16.5 in zone 2
    assert d.loc[1, "female"] == pytest.approx(27.0)
    assert d.loc[2, "female"] == pytest.approx(16.5)
    assert d.loc["total", "female"] == pytest.approx(43.5)
    assert d.loc["total", "male"] == pytest.approx(56.5)
    assert d.loc[1, "child_under_5"] == pytest.approx(4.5)
    assert d.loc[2, "child_under_5"] == pytest.approx(
        55 * default_profile().shares["child_under_5"]
    )
    # a plain mapping works too (it used to fail with AttributeError)
    d2 = people_at_risk(dem + 1.0, flood_on(dem), zones=z, profile=dict(profiles)).demographics()
    pd.testing.assert_frame_equal(d, d2)


def test_people_outside_every_zone_get_the_default_profile(tmp_path):
    dem = grid()
    path = write_geojson(tmp_path / "z.geojson", [({"id": 5}, rect(0, 0, 45, 100))])
    z = read_zones(path, dem)
    r = people_at_risk(
        dem + 1.0,
        flood_on(dem),
        zones=z,
        profile={5: DemographicProfile.from_census_row({"female": 1.0}, name="z5")},
    )
    assert r.zones["persons_at_risk"].to_dict() == pytest.approx({0: 55.0, 5: 45.0}, abs=1e-9)
    d = r.demographics()
    assert d.loc[5, "female"] == pytest.approx(45.0)
    assert d.loc[0, "female"] == pytest.approx(55.0 * default_profile().shares["female"])
    assert r.timeline.loc[600.0, 5] == pytest.approx(45.0)
    assert r.timeline.loc[600.0, "total"] == pytest.approx(100.0)
    assert r.zones.loc[5, "area_at_risk_m2"] == pytest.approx(4500.0)
    assert r.zones.loc[5, "cells_at_risk"] == 50  # majority cells: column 4 is mostly zone 5


def test_no_census_is_identical_to_one_profile(tmp_path):
    dem = grid()
    pop = dem + np.arange(100.0).reshape(10, 10)
    zid = read_zones(two_zones(tmp_path), dem).zone_id
    r = people_at_risk(pop, flood_on(dem), zones=zid)
    assert r.profile is default_profile()
    d = r.demographics()
    counts = r.zones["persons_at_risk"]
    expected = {k: split_population(float(v)) for k, v in counts.items()}
    expected["total"] = split_population(float(counts.sum()))
    pd.testing.assert_frame_equal(d, pd.DataFrame(expected).T.rename_axis("zone"))


def test_zone_layer_on_another_grid_is_refused(tmp_path):
    z = read_zones(two_zones(tmp_path), grid())
    coarse = grid(nx=5, ny=5, dx=20.0)
    with pytest.raises(GridError, match="zones"):
        people_at_risk(coarse + 1.0, flood_on(coarse), zones=z)


def test_census_as_a_spanish_spreadsheet_saves_it(tmp_path):
    """Semicolons, decimal commas and Windows-1252 accents, as a Spanish-locale spreadsheet writes."""
    path = tmp_path / "censo.csv"
    path.write_bytes(
        "código;barrio;población;mujeres;hombres;personas_por_hogar\n"
        "1;Añil;1.200;610;590;3,8\n2;Bolívar;800;400;400;4,25\n".encode("cp1252")
    )
    census = read_census(path)
    assert census.loc[1, "person"] == 1200.0  # "1.200": a thousands separator
    assert census.loc[1, "female"] == pytest.approx(610 / 1200, rel=1e-12)
    assert census.loc[2, "household_size"] == pytest.approx(4.25, rel=1e-12)
    assert census.loc[1, "name"] == "Añil"
