"""Bad inputs over the command line and the API: drm's error, naming the file or argument and a fix.

Each case is one row of a table: what is wrong, the drm exception it must raise,
the words its message must contain (the file, field or argument at fault) and a
pattern for the fix it must give. Scenario files go through ``drm validate``
(in this process, through :func:`drm.cli.main`: exit code 2, one ``drm: error:``
message, no traceback); file readers and public functions are called directly.
A few cases are inputs drm must *read* (a Latin-1 or BOM scenario file): they
must validate, with a warning where drm had to guess.

``python tests/robustness/test_bad_inputs.py`` prints the count of cases by
outcome (clear error, error without the names or fix, other exception, accepted).
"""

from __future__ import annotations

import bz2
import dataclasses
import re
import shutil
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import xarray as xr

import drm
from drm import errors
from drm.cli import main

REPO = Path(__file__).resolve().parents[2]
TOWN = REPO / "hazard_data" / "valle_alto"
#: A small census by zone (Spanish headers), for the census reader.
CENSUS = "codigo,mujeres,hombres,0-4,60+\n1,2600,2557,410,380\n2,3300,3337,520,450\n"
#: Words of a fix: every message must tell the user what to do.
FIX = (
    r"\b(use|give|set|remove|add|should|must|expected|save|convert|rename|pick|choose|shorten|"
    r"lengthen|lower|raise|check|fix|one of|e\.g\.|pass|install|drop|move|read it|get it|build|"
    r"wrap|replace|point|re-?download|re-?export|export|write|select|list|increase|reduce|keep|"
    r"fill|exchange|merge|needs|did you mean|known keys|drm reads|it has|name the)\b"
)


@dataclasses.dataclass(frozen=True)
class Case:
    """One bad input: how to make and feed it, and what drm must say."""

    id: str
    feed: Callable[[Path], Any]  # given a scratch folder; raises (or returns for 'reads')
    error: type[BaseException] | None  # None: the input must be read (validated), not refused
    names: tuple[str, ...] = ()  # words the message must contain (read: the warning must)
    fix: str = FIX


# --------------------------------------------------------------------------- the town's files


@pytest.fixture(scope="module")
def town(tmp_path_factory) -> Path:
    """A copy of Valle Alto's files and scenario (paths relative to it), to break at will."""
    folder = tmp_path_factory.mktemp("town")
    for f in TOWN.iterdir():
        shutil.copy(f, folder / f.name)
    (folder / "censo.csv").write_text(CENSUS, encoding="utf-8")
    text = (REPO / "scenarios" / "valle_alto.toml").read_text(encoding="utf-8")
    (folder / "base.toml").write_text(text.replace("../hazard_data/valle_alto/", ""), "utf-8")
    return folder


def _base(folder: Path) -> str:
    return (folder / "base.toml").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- scenario files


def _validate(folder: Path, text: str | bytes, name: str = "case.toml") -> str:
    """``drm validate`` on a scenario: raise what the user would read as a DrmError, else its stderr."""
    path = folder / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return _cli(["validate", str(path)])


class _CliRefused(errors.DrmError):
    """The command line refused (exit code 2): its stderr is the message."""


def _cli(argv: list[str]) -> str:
    import contextlib
    import io

    err, out = io.StringIO(), io.StringIO()
    with (
        contextlib.redirect_stderr(err),
        contextlib.redirect_stdout(out),
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("always")  # as a user's shell shows them: drm's warnings on stderr
        rc = main(["-q", *argv])
    text = err.getvalue()
    assert "Traceback" not in text, text
    if rc == 2:
        assert text.startswith("drm: error: "), text
        raise _CliRefused(text)
    assert rc == 0, (rc, text)
    return text


def _edit(old: str, new: str) -> Callable[[Path], str]:
    def feed(folder: Path) -> str:
        text = _base(folder)
        assert old in text, old
        return _validate(folder, text.replace(old, new, 1))

    return feed


def _append(extra: str) -> Callable[[Path], str]:
    return lambda folder: _validate(folder, _base(folder) + "\n" + extra + "\n")


def _key(section: str, line: str) -> Callable[[Path], str]:
    return _edit(f"[{section}]\n", f"[{section}]\n{line}\n")


def _with_file(
    name: str, content: bytes | Callable[[Path], bytes], key_line: str
) -> Callable[[Path], str]:
    """A scenario whose ``key_line`` (e.g. 'centres = "centres.csv"') points to a new file."""

    def feed(folder: Path) -> str:
        data = content(folder) if callable(content) else content
        (folder / name).write_bytes(data)
        key = key_line.split("=")[0].strip()
        text = re.sub(rf'^{key} = "[^"]*"', f'{key} = "{name}"', _base(folder), count=1, flags=re.M)
        return _validate(folder, text)

    return feed


def _csv_edit(source: str, edit: Callable[[pd.DataFrame], pd.DataFrame]) -> Callable[[Path], bytes]:
    return lambda folder: edit(pd.read_csv(folder / source)).to_csv(index=False).encode("utf-8")


def _cell(table: pd.DataFrame, column: str, value: Any) -> pd.DataFrame:
    """``table`` with ``value`` in its first row's ``column``."""
    out = table.copy()
    out.loc[out.index[0], column] = value
    return out


def _nc_edit(source: str, edit: Callable[[xr.Dataset], xr.Dataset]) -> Callable[[Path], bytes]:
    def make(folder: Path) -> bytes:
        with xr.open_dataset(folder / source) as ds:
            out = edit(ds.load())
        target = folder / f"_{source}"
        out.to_netcdf(target)
        return target.read_bytes()

    return make


S = errors.ScenarioError
I = errors.InputError  # noqa: E741
D = errors.DataNotFoundError
CLI = _CliRefused

SCENARIO_CASES = [
    Case(
        "rain_factor inf",
        _key("hazard", "rain_factor = inf"),
        CLI,
        ("hazard.rain_factor", "finite"),
    ),
    Case(
        "rain_factor negative", _key("hazard", "rain_factor = -1.0"), CLI, ("hazard.rain_factor",)
    ),
    Case(
        "rain_factor text", _key("hazard", 'rain_factor = "double"'), CLI, ("hazard.rain_factor",)
    ),
    Case(
        "rain_factor 1e12",
        _key("hazard", "rain_factor = 1e12"),
        CLI,
        ("implausible", "world-record"),
    ),
    Case(
        "extra_rain negative",
        _append('[[injects]]\nat = "1h"\nextra_rain = -5.0'),
        CLI,
        ("extra_rain",),
    ),
    Case(
        "duration negative",
        _edit('duration = "14h"', 'duration = "-3h"'),
        CLI,
        ("hazard.duration",),
    ),
    Case("duration zero", _edit('duration = "14h"', 'duration = "0s"'), CLI, ("hazard.duration",)),
    Case(
        "duration words", _edit('duration = "14h"', 'duration = "a day"'), CLI, ("hazard.duration",)
    ),
    Case(
        "duration 1e9 h",
        _edit('duration = "14h"', 'duration = "1000000000h"'),
        CLI,
        ("hazard.duration",),
    ),
    Case(
        "output_interval 1s",
        _edit('output_interval = "15min"', 'output_interval = "1s"'),
        CLI,
        ("hazard.output_interval",),
    ),
    Case(
        "output_interval > duration",
        _edit('output_interval = "15min"', 'output_interval = "20h"'),
        CLI,
        ("output_interval",),
    ),
    Case(
        "household_size 1e-9", _key("population", "household_size = 1e-9"), CLI, ("household_size",)
    ),
    Case("household_size 0", _key("population", "household_size = 0"), CLI, ("household_size",)),
    Case(
        "resolution_m zero",
        _edit("resolution_m = 20", "resolution_m = 0"),
        CLI,
        ("hazard.resolution_m",),
    ),
    Case(
        "resolution_m negative",
        _edit("resolution_m = 20", "resolution_m = -20"),
        CLI,
        ("hazard.resolution_m",),
    ),
    Case(
        "order_time after the end",
        _edit('order_time = "1h30m"', 'order_time = "100h"'),
        CLI,
        ("order_time", "duration"),
    ),
    Case(
        "order_time negative",
        _edit('order_time = "1h30m"', 'order_time = "-1h"'),
        CLI,
        ("warning.order_time",),
    ),
    Case(
        "unknown centre closed",
        _append('[[injects]]\nat = "1h"\nclose_centre = "C99"'),
        CLI,
        ("close_centre", "C99", "C01"),
    ),
    Case(
        "unknown road closed",
        _append('[[injects]]\nat = "1h"\nclose_road = "bridge-99"'),
        CLI,
        ("close_road", "bridge-99"),
    ),
    Case("inject without time", _append('[[injects]]\nclose_road = "bridge-2"'), CLI, ("injects",)),
    Case(
        "inject negative time",
        _append('[[injects]]\nat = "-1h"\nclose_road = "bridge-2"'),
        CLI,
        ("injects",),
    ),
    Case(
        "unknown top-level key",
        lambda f: _validate(f, "evacuacion_modo = 'walk'\n" + _base(f)),
        CLI,
        ("evacuacion_modo",),
    ),
    Case("unknown hazard key", _key("hazard", "resolution = 20"), CLI, ("hazard.resolution",)),
    Case("language fr", _edit('language = "es"', 'language = "fr"'), CLI, ("language",)),
    Case(
        "start not a date",
        _edit('start = "2026-10-03T00:00-04:00"', 'start = "at dawn"'),
        CLI,
        ("start",),
    ),
    Case(
        "unknown timezone",
        _edit('timezone = "America/Caracas"', 'timezone = "Mars/Olympus"'),
        CLI,
        ("timezone", "Mars/Olympus"),
    ),
    Case("seed text", _edit("seed = 42", 'seed = "forty-two"'), CLI, ("seed",)),
    Case("mode fly", _edit('mode = "walk"', 'mode = "fly"'), CLI, ("evacuation.mode",)),
    Case(
        "unknown standard",
        _edit('standard = "sphere-2018"', 'standard = "sphere-1900"'),
        CLI,
        ("standard", "sphere-1900"),
    ),
    Case(
        "dem missing",
        _edit('dem = "dem.nc"', 'dem = "no_such_dem.nc"'),
        CLI,
        ("hazard.dem", "no_such_dem.nc"),
    ),
    Case("no hazard dem", _edit('dem = "dem.nc"\n', ""), CLI, ("hazard.dem",)),
    Case("no sections", lambda f: _validate(f, 'name = "empty"\n'), CLI, ("hazard",)),
    Case("empty file", lambda f: _validate(f, b""), CLI, ("hazard",)),
    Case("not TOML", lambda f: _validate(f, "this is not = = toml\n"), CLI, ("case.toml", "TOML")),
    Case("binary garbage", lambda f: _validate(f, bytes(range(256)) * 4), CLI, ("case.toml",)),
    Case(
        "utf-16 file", lambda f: _validate(f, _base(f).encode("utf-16")), CLI, ("case.toml", "UTF")
    ),
    Case(
        "50 MB file",
        lambda f: _validate(f, _base(f).encode() + b"#" + b"x" * 50_000_000 + b"\n"),
        CLI,
        ("case.toml", "MB"),
    ),
    Case(
        "scenario is a folder", lambda f: _cli(["validate", str(f)]), CLI, ("not a scenario file",)
    ),
    Case(
        "scenario missing", lambda f: _cli(["validate", str(f / "nope.toml")]), CLI, ("nope.toml",)
    ),
    Case("inflow outside the DEM", _edit("x = 261995.0", "x = 100.0"), CLI, ("inflows",)),
    Case(
        "zone_var unknown",
        _edit('zone_var = "neighbourhood_id"', 'zone_var = "barrio"'),
        CLI,
        ("barrio",),
    ),
    Case(
        "centres: all capacity 0",
        _with_file(
            "c0.csv",
            _csv_edit("centres.csv", lambda d: d.assign(floor_area_m2=0.0)),
            'centres = "centres.csv"',
        ),
        CLI,
        ("c0.csv",),
    ),
    Case(
        "centres: duplicate ids",
        _with_file(
            "cdup.csv",
            _csv_edit("centres.csv", lambda d: d.assign(id="C01")),
            'centres = "centres.csv"',
        ),
        CLI,
        ("cdup.csv", "C01"),
    ),
    Case(
        "centres: in lon/lat columns named x/y",
        _with_file(
            "cdeg.csv",
            _csv_edit("centres.csv", lambda d: d.assign(x=-71.2, y=8.6)),
            'centres = "centres.csv"',
        ),
        CLI,
        ("cdeg.csv", "lon/lat"),
    ),
    Case(
        "centres: outside the DEM",
        _with_file(
            "cfar.csv",
            _csv_edit("centres.csv", lambda d: d.assign(x=d.x + 50_000)),
            'centres = "centres.csv"',
        ),
        CLI,
        ("cfar.csv",),
    ),
    Case(
        "stock: negative quantity",
        _with_file(
            "sneg.csv",
            _csv_edit("stock.csv", lambda d: d.assign(quantity=-1.0)),
            'stock = "stock.csv"',
        ),
        CLI,
        ("sneg.csv", "quantity"),
    ),
    Case(
        "stock: unknown item",
        _with_file(
            "sitem.csv",
            _csv_edit("stock.csv", lambda d: _cell(d, "item", "unicorns")),
            'stock = "stock.csv"',
        ),
        CLI,
        ("sitem.csv", "unicorns"),
    ),
    Case(
        "stock: unknown unit",
        _with_file(
            "sunit.csv",
            _csv_edit("stock.csv", lambda d: _cell(d, "unit", "furlongs")),
            'stock = "stock.csv"',
        ),
        CLI,
        ("sunit.csv", "furlongs"),
    ),
    Case(
        "stock: unknown site",
        _with_file(
            "ssite.csv",
            _csv_edit("stock.csv", lambda d: _cell(d, "site_id", "W9")),
            'stock = "stock.csv"',
        ),
        CLI,
        ("ssite.csv", "W9"),
    ),
    Case(
        "hydrograph: negative discharge",
        _with_file(
            "hneg.csv",
            _csv_edit("river_inflow_100yr.csv", lambda d: d.assign(discharge_m3s=-1.0)),
            'hydrograph = "river_inflow_100yr.csv"',
        ),
        CLI,
        ("hneg.csv", "discharge"),
    ),
    Case(
        "hydrograph: time going back",
        _with_file(
            "hback.csv",
            _csv_edit("river_inflow_100yr.csv", lambda d: d.iloc[::-1]),
            'hydrograph = "river_inflow_100yr.csv"',
        ),
        CLI,
        ("hback.csv", "time"),
    ),
    Case(
        "landcover: manning_n 5",
        _with_file(
            "lc5.csv",
            _csv_edit("landcover_classes.csv", lambda d: d.assign(manning_n=5.0)),
            'landcover_classes = "landcover_classes.csv"',
        ),
        CLI,
        ("lc5.csv", "manning_n"),
    ),
    Case(
        "rain: negative values",
        _with_file(
            "rneg.nc", _nc_edit("rain_100yr.nc", lambda d: -d), 'rainfall = "rain_100yr.nc"'
        ),
        CLI,
        ("rneg.nc", "negative"),
    ),
    Case(
        "rain: all NaN",
        _with_file(
            "rnan.nc", _nc_edit("rain_100yr.nc", lambda d: d * np.nan), 'rainfall = "rain_100yr.nc"'
        ),
        CLI,
        ("rnan.nc",),
    ),
    Case(
        "rain: elsewhere (no overlap with the DEM)",
        _with_file(
            "rfar.nc",
            _nc_edit("rain_100yr.nc", lambda d: d.assign_coords(x=d.x + 1e6)),
            'rainfall = "rain_100yr.nc"',
        ),
        CLI,
        ("rfar.nc",),
    ),
    Case(
        "population: negative",
        _with_file(
            "pneg.nc",
            _nc_edit(
                "population.nc",
                lambda d: d.assign({v: -d[v] for v in d.data_vars if v != "neighbourhood_id"}),
            ),
            'grid = "population.nc"',
        ),
        CLI,
        ("pneg.nc", "negative"),
    ),
    Case(
        "dem: all NaN",
        _with_file("dnan.nc", _nc_edit("dem.nc", lambda d: d * np.nan), 'dem = "dem.nc"'),
        CLI,
        ("dnan.nc",),
    ),
    Case(
        "dem: -9999 without _FillValue (masked, with a warning)",
        _with_file(
            "d9999.nc",
            _nc_edit("dem.nc", lambda d: d.where(d.x > d.x[40], -9999.0)),
            'dem = "dem.nc"',
        ),
        None,
        ("d9999.nc", "-9999", "nodata"),
    ),
    Case(
        "roads: no line at all",
        _with_file(
            "rempty.geojson",
            b'{"type": "FeatureCollection", "features": []}',
            'roads = "roads.geojson"',
        ),
        CLI,
        ("rempty.geojson",),
    ),
    # inputs drm must read
    Case(
        "Latin-1 scenario (Spanish names)",
        lambda f: _validate(
            f,
            _base(f)
            .replace("Valle Alto, 100-year storm", "Valle Alto, tormenta de 100 años")
            .encode("latin-1"),
        ),
        None,
        ("case.toml", "Latin-1", "line 4"),
    ),
    Case("UTF-8 BOM scenario", lambda f: _validate(f, b"\xef\xbb\xbf" + _base(f).encode()), None),
]


# --------------------------------------------------------------------------- file readers


def _town_dem(folder: Path) -> xr.DataArray:
    return drm.io.read_dem(folder / "dem.nc")


#: reader name -> (call with a path and the town folder, a good file to spoil, its suffix)
READERS: dict[str, tuple[Callable[[Path, Path], Any], str]] = {
    "read_dem": (lambda p, f: drm.io.read_dem(p), "dem.nc"),
    "read_grid": (lambda p, f: drm.io.read_grid(p), "landcover.nc"),
    "read_rainfall": (lambda p, f: drm.io.read_rainfall(p, _town_dem(f)), "rain_100yr.nc"),
    "read_population": (lambda p, f: drm.io.read_population(p, _town_dem(f)), "population.nc"),
    "read_zones": (lambda p, f: drm.io.read_zones(p, _town_dem(f)), "population.nc"),
    "read_roads": (lambda p, f: drm.io.read_roads(p), "roads.geojson"),
    "read_centres": (lambda p, f: drm.io.read_centres(p), "centres.csv"),
    "read_warehouses": (lambda p, f: drm.io.read_warehouses(p), "warehouses.csv"),
    "read_stock": (lambda p, f: drm.io.read_stock(p), "stock.csv"),
    "read_hydrograph": (lambda p, f: drm.io.read_hydrograph(p), "river_inflow_100yr.csv"),
    "read_landcover_classes": (
        lambda p, f: drm.io.read_landcover_classes(p),
        "landcover_classes.csv",
    ),
    "read_census": (lambda p, f: drm.io.read_census(p), "censo.csv"),
}


def _spoiled(reader: str, how: str) -> Callable[[Path], Any]:
    call, good = READERS[reader]
    suffix = Path(good).suffix

    def feed(folder: Path) -> Any:
        path = folder / f"{reader}-{how}{suffix}"
        data = (folder / good).read_bytes()
        if how == "missing":
            path.unlink(missing_ok=True)
        elif how == "empty":
            path.write_bytes(b"")
        elif how == "truncated":
            path.write_bytes(data[: len(data) // 3])
        elif how == "garbage":
            path.write_bytes(np.random.default_rng(7).bytes(4096))
        elif how == "folder":
            path.mkdir(exist_ok=True)
        elif how == "binary":  # e.g. an Excel workbook saved under a .csv name
            path.write_bytes(b"PK\x03\x04" + np.random.default_rng(3).bytes(2048))
        elif how == "bz2":  # a compressed file under the plain name
            path.write_bytes(bz2.compress(data))
        return call(path, folder)

    return feed


def _reader_cases() -> list[Case]:
    cases = []
    for reader, (_, good) in READERS.items():
        hows = ["missing", "empty", "truncated", "garbage", "folder"]
        if good.endswith(".csv"):
            hows += ["binary"]
        for how in hows:
            error = D if how in ("missing", "folder") else I
            cases.append(
                Case(f"{reader}: {how}", _spoiled(reader, how), error, (f"{reader}-{how}",))
            )
        if good.endswith(
            ".csv"
        ):  # a UTF-16 export (Excel's "Unicode text") is read as the UTF-8 file
            cases.append(Case(f"{reader}: utf-16 read right", _same_as_utf8(reader), None))
    return cases


def _same_as_utf8(reader: str) -> Callable[[Path], None]:
    call, good = READERS[reader]

    def feed(folder: Path) -> None:
        path = folder / f"{reader}-utf16.csv"
        path.write_bytes((folder / good).read_text(encoding="utf-8").encode("utf-16"))
        pd.testing.assert_frame_equal(call(path, folder), call(folder / good, folder))

    return feed


def _write(folder: Path, name: str, text: str) -> Path:
    p = folder / name
    p.write_text(text, encoding="utf-8")
    return p


FILE_CASES = [
    Case(
        "centres: metres in lon/lat columns",
        lambda f: drm.io.read_centres(
            _write(f, "cll.csv", "id,name,lon,lat,capacity_persons\nA,a,259306.1,948420.8,100\n")
        ),
        I,
        ("cll.csv", "lon"),
    ),
    Case(
        "centres: degrees in x/y",
        lambda f: drm.io.read_centres(
            _write(f, "cxy.csv", "id,name,x,y,capacity_persons\nA,a,-71.2,8.6,100\n")
        ),
        I,
        ("cxy.csv", "lon/lat"),
    ),
    Case(
        "centres: degrees checked before capacity",
        lambda f: drm.io.read_centres(
            _write(f, "cxy0.csv", "id,name,x,y,capacity_persons\nA,a,-71.2,8.6,-5\n")
        ),
        I,
        ("cxy0.csv", "lon/lat"),
    ),
    Case(
        "centres: no coordinates",
        lambda f: drm.io.read_centres(
            _write(f, "cnone.csv", "id,name,capacity_persons\nA,a,100\n")
        ),
        I,
        ("cnone.csv",),
    ),
    Case(
        "centres: latitude 95",
        lambda f: drm.io.read_centres(
            _write(f, "clat.csv", "id,name,lon,lat,capacity_persons\nA,a,-71.2,95,100\n")
        ),
        I,
        ("clat.csv", "lat"),
    ),
    Case(
        "stock: quantity 'lots'",
        lambda f: drm.io.read_stock(
            _write(f, "slots.csv", "site_id,item,quantity,unit\nW1,water_l,lots,L\n")
        ),
        I,
        ("slots.csv", "quantity"),
    ),
    Case(
        "hydrograph: one column",
        lambda f: drm.io.read_hydrograph(_write(f, "h1.csv", "time\n0\n600\n")),
        I,
        ("h1.csv",),
    ),
    Case(
        "hydrograph: NaN discharge",
        lambda f: drm.io.read_hydrograph(_write(f, "hnan.csv", "time,discharge_m3s\n0,1\n600,\n")),
        I,
        ("hnan.csv",),
    ),
    Case(
        "roads: GeoJSON of points",
        lambda f: drm.io.read_roads(
            _write(
                f,
                "rpts.geojson",
                '{"type":"FeatureCollection","features":'
                '[{"type":"Feature","geometry":{"type":"Point","coordinates":[0,0]},'
                '"properties":{}}]}',
            )
        ),
        I,
        ("rpts.geojson",),
    ),
    Case(
        "roads: unknown format",
        lambda f: drm.io.read_roads(_write(f, "roads.shpx", "x")),
        I,
        ("roads.shpx",),
    ),
    Case(
        "dem: unknown format",
        lambda f: drm.io.read_dem(_write(f, "dem.xyz", "1 2 3\n")),
        I,
        ("dem.xyz",),
    ),
    Case(
        "asc: header only",
        lambda f: drm.io.read_asc(
            _write(f, "h.asc", "ncols 2\nnrows 2\nxllcorner 0\nyllcorner 0\ncellsize 10\n")
        ),
        I,
        ("h.asc",),
    ),
    Case(
        "asc: too few values",
        lambda f: drm.io.read_asc(
            _write(
                f, "few.asc", "ncols 3\nnrows 2\nxllcorner 0\nyllcorner 0\ncellsize 10\n1 2 3\n4\n"
            )
        ),
        I,
        ("few.asc",),
    ),
    Case(
        "dem in degrees, no CRS (taken as WGS 84, in UTM metres)", lambda f: _degrees_dem(f), None
    ),
]


def _degrees_dem(folder: Path) -> None:
    p = _write(
        folder,
        "deg.asc",
        "ncols 2\nnrows 2\nxllcorner -71.2\nyllcorner 8.6\ncellsize 0.000833\n1 2\n3 4\n",
    )
    dem = drm.io.read_dem(p)
    # lon -71.2 lies in UTM zone 19 (-72..-66): about 257.9 km east, 951.2 km north of the equator
    assert drm.grids.get_crs(dem).to_epsg() == 32619
    assert float(dem.x[0]) == pytest.approx(257_917, abs=100)
    assert float(dem.y[-1]) == pytest.approx(951_180, abs=500)


# --------------------------------------------------------------------------- public functions


def _graph() -> nx.MultiDiGraph:
    G = nx.MultiDiGraph(crs="EPSG:32619")
    G.add_node(0, x=0.0, y=0.0)
    G.add_node(1, x=600.0, y=0.0)
    G.add_edge(0, 1, travel_time=500.0, capacity_persons_h=3600.0, length=600.0)
    return G


HOMES = pd.DataFrame({"node": [0], "persons": [4.0], "departure_s": [0.0]})
SCHOOL = pd.DataFrame({"node": [1], "capacity_persons": [100]}, index=["school"])


def _dem() -> xr.DataArray:
    x = 5.0 + 10.0 * np.arange(8)
    return xr.DataArray(
        np.zeros((8, 8)) + 0.001 * x, dims=("y", "x"), coords={"y": x[::-1], "x": x}
    )


def _sim(**kw: Any) -> Callable[[Path], Any]:
    from drm.evacuation import simulate_evacuation

    args = {"G": _graph(), "households": HOMES, "centres": SCHOOL, "progress": False} | kw
    return lambda f: simulate_evacuation(**args)


A = errors.ArgumentError

API_CASES = [
    Case("read_dem(3)", lambda f: drm.io.read_dem(3), A, ("read_dem", "'path'", "int")),
    Case("read_dem(None)", lambda f: drm.io.read_dem(None), A, ("read_dem", "'path'", "None")),
    Case(
        "read_roads(['a'])",
        lambda f: drm.io.read_roads(["roads.geojson"]),
        A,
        ("read_roads", "'path'"),
    ),
    Case("load_scenario(None)", lambda f: drm.load_scenario(None), A, ("load_scenario", "'path'")),
    Case("run_scenario(5)", lambda f: drm.run_scenario(5), A, ("run_scenario", "'scenario'")),
    Case("run_scenario(out_dir=3)", lambda f: drm.run_scenario("valle_alto", 3), A, ("'out_dir'",)),
    Case("simulate_evacuation centres list", _sim(centres=[1]), A, ("'centres'", "read_centres")),
    Case("simulate_evacuation households None", _sim(households=None), A, ("'households'",)),
    Case(
        "simulate_evacuation households list",
        _sim(households=[[0, 4.0, 0.0]]),
        A,
        ("'households'",),
    ),
    Case(
        "simulate_evacuation departures as text",
        _sim(households=HOMES.assign(departure_s="10min")),
        I,
        ("departure_s", "10min"),
    ),
    Case("simulate_evacuation G list", _sim(G=[0, 1]), A, ("'G'", "networkx")),
    Case("simulate_evacuation mode fly", _sim(mode="fly"), I, ("mode", "fly")),
    Case(
        "simulate_evacuation registration text",
        _sim(registration_persons_h="fast"),
        A,
        ("'registration_persons_h'",),
    ),
    Case(
        "assign origins list",
        lambda f: drm.network.assign(_graph(), [0], SCHOOL),
        A,
        ("'origins'",),
    ),
    Case(
        "assign method",
        lambda f: drm.network.assign(_graph(), HOMES, SCHOOL, method="best"),
        A,
        ("'method'", "'optimal'"),
    ),
    Case(
        "simulate_flood dem numpy",
        lambda f: drm.hazard.simulate_flood(np.zeros((4, 4)), 1e-5, duration="10min"),
        A,
        ("'dem'", "xarray"),
    ),
    Case(
        "simulate_flood rain text",
        lambda f: drm.hazard.simulate_flood(_dem(), "heavy", duration="10min", progress=False),
        I,
        ("rain",),
    ),
    Case(
        "simulate_flood dem in degrees",
        lambda f: drm.hazard.simulate_flood(
            _dem().assign_coords(x=-71 + _dem().x * 1e-5, y=8 + _dem().y * 1e-5),
            1e-5,
            duration="10min",
            progress=False,
        ),
        I,
        ("degrees",),
    ),
    Case(
        "people_at_risk population None",
        lambda f: drm.exposure.people_at_risk(None, None),
        A,
        ("people_at_risk",),
    ),
    Case("needs of -5 people", lambda f: drm.shelter.needs(-5), I, ("people",)),
    Case("capacity of a list", lambda f: drm.shelter.capacity([{"id": "a"}]), A, ("'centres'",)),
    Case(
        "load_standard unknown",
        lambda f: drm.shelter.load_standard("sphere-1900"),
        I,
        ("sphere-1900",),
    ),
    Case("parse_duration text", lambda f: drm.units.parse_duration("soon"), I, ("soon",)),
    Case("parse_duration negative", lambda f: drm.units.parse_duration("-5min"), I, ("-5min",)),
    Case(
        "convert mm to kg",
        lambda f: drm.units.convert(1.0, "mm", "kg"),
        errors.UnitError,
        ("mm", "kg"),
    ),
]

CASES = SCENARIO_CASES + _reader_cases() + FILE_CASES + API_CASES


# --------------------------------------------------------------------------- the checks


def outcome(case: Case, folder: Path) -> tuple[str, str]:
    """How drm answered a case: 'clear', 'unclear' (drm error lacking names or fix), 'raw', 'accepted'."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            said = case.feed(folder)
    except errors.DrmError as err:
        text = str(err)
        if case.error is None:
            return "refused", text
        missing = [w for w in case.names if w.lower() not in text.lower()]
        if not isinstance(err, case.error) or missing or not re.search(case.fix, text, re.I):
            return "unclear", f"{type(err).__name__}: {text} (missing {missing})"
        return "clear", text
    except (Exception, pytest.fail.Exception) as err:
        return "raw", f"{type(err).__name__}: {err}"
    if case.error is None:
        missing = [w for w in case.names if w.lower() not in str(said).lower()]
        return ("read" if not missing else "read, unsaid"), f"missing {missing} in {said}"
    return "accepted", ""


def test_at_least_100_cases():
    assert len(CASES) >= 100
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_gets_drms_error_naming_what_and_how(case, town):
    if case.error is None:  # read right, with the warning on stderr where names are given
        said = case.feed(town)
        for word in case.names:
            assert word.lower() in str(said).lower(), f"{word!r} not in: {said}"
        return
    with pytest.raises(case.error) as info:
        case.feed(town)
    text = str(info.value)
    for word in case.names:
        assert word.lower() in text.lower(), f"{word!r} not in: {text}"
    assert re.search(case.fix, text, re.I), f"no fix in: {text}"


if __name__ == "__main__":  # the count by outcome, for the closing note
    import tempfile
    from collections import Counter

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for f in TOWN.iterdir():
            shutil.copy(f, folder / f.name)
        (folder / "censo.csv").write_text(CENSUS, encoding="utf-8")
        text = (REPO / "scenarios" / "valle_alto.toml").read_text(encoding="utf-8")
        (folder / "base.toml").write_text(text.replace("../hazard_data/valle_alto/", ""), "utf-8")
        seen = Counter()
        for c in CASES:
            kind, why = outcome(c, folder)
            seen[kind] += 1
            if kind not in ("clear", "read"):
                print(f"{kind:9s} {c.id}: {why[:300]}", file=sys.stderr)
        print(dict(seen), "of", len(CASES))
