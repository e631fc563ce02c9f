"""Load every input a scenario names, check them against each other, summarise them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
import xarray as xr
from pyproj import CRS

from drm import io
from drm.errors import InputError
from drm.grids import check_grid, check_same_grid, grid_bounds
from drm.io.rainfall import check_covers
from drm.scenario.schema import Scenario

__all__ = ["ScenarioInputs", "file_sha256", "load_inputs"]


def file_sha256(path: Path) -> str:
    """Return the SHA-256 hex digest of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass(frozen=True)
class ScenarioInputs:
    """Every input of a scenario, read, checked and in drm's conventions.

    Attributes
    ----------
    scenario : Scenario
        The validated scenario.
    dem : xarray.DataArray
        Elevation (m).
    rainfall : xarray.DataArray
        Rain rate (m s-1) on its own grid, covering the DEM.
    population : xarray.DataArray
        Persons per cell on the DEM grid.
    roads : networkx.MultiDiGraph
        Road graph in the DEM's CRS.
    centres : pandas.DataFrame
        Candidate evacuation centres.
    inflows : tuple of pandas.DataFrame
        Inflow hydrographs (``time_s``, ``discharge_m3s``), one per scenario inflow.
    stock, warehouses : pandas.DataFrame or None
        Stock on hand and warehouses, when the scenario names them.
    landcover : xarray.DataArray or None
        Land-cover class codes on the DEM grid.
    landcover_classes : pandas.DataFrame or None
        Class table (``code``, ``name``, ``manning_n``, ``curve_number``).
    hashes : dict
        SHA-256 of every input file by its scenario field.
    """

    scenario: Scenario
    dem: xr.DataArray
    rainfall: xr.DataArray
    population: xr.DataArray
    roads: nx.MultiDiGraph
    centres: pd.DataFrame
    inflows: tuple[pd.DataFrame, ...] = ()
    stock: pd.DataFrame | None = None
    warehouses: pd.DataFrame | None = None
    landcover: xr.DataArray | None = None
    landcover_classes: pd.DataFrame | None = None
    hashes: dict[str, str] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """Return the key magnitudes of the inputs as plain numbers (JSON-ready)."""
        spec = check_grid(self.dem, "DEM")
        xmin, ymin, xmax, ymax = grid_bounds(self.dem)
        z = self.dem.values
        rain = self.rainfall
        t = rain["time"].values
        dt = np.diff(np.append(t, rain.attrs["interval_end_s"]))
        depth_m = (rain.values * dt[:, None, None]).sum(axis=0)
        lengths = [d["length"] for u, v, d in self.roads.edges(data=True) if not d.get("reversed")]
        out: dict[str, Any] = {
            "dem": {
                "rows": spec.ny,
                "cols": spec.nx,
                "cell_size_m": spec.dx,
                "crs": spec.crs.to_string() if spec.crs else None,
                "extent_m": [xmin, ymin, xmax, ymax],
                "elevation_min_m": float(np.nanmin(z)),
                "elevation_max_m": float(np.nanmax(z)),
                "nodata_cells": int(np.isnan(z).sum()),
            },
            "rainfall": {
                "time_steps": int(t.size),
                "duration_h": float(rain.attrs["interval_end_s"] - t[0]) / 3600.0,
                "cell_size_m": check_grid(rain, "rainfall", time=True).dx,
                "total_mean_mm": float(depth_m.mean() * 1000.0),
                "total_max_mm": float(depth_m.max() * 1000.0),
                "peak_intensity_mm_h": float(rain.values.max() * 3.6e6),
            },
            "population": {"total_persons": float(np.nansum(self.population.values))},
            "roads": {
                "nodes": self.roads.number_of_nodes(),
                "directed_edges": self.roads.number_of_edges(),
                "length_km": float(sum(lengths) / 1000.0),
            },
            "centres": {
                "count": len(self.centres),
                "floor_area_m2": float(self.centres["floor_area_m2"].sum()),
            },
            "inflows": [
                {
                    "peak_m3s": float(f["discharge_m3s"].max()),
                    "peak_time_h": float(f.loc[f["discharge_m3s"].idxmax(), "time_s"]) / 3600.0,
                }
                for f in self.inflows
            ],
        }
        if self.warehouses is not None:
            out["warehouses"] = {"count": len(self.warehouses)}
        if self.stock is not None:
            out["stock"] = {
                f"{item} ({unit})": float(q)
                for (item, unit), q in self.stock.groupby(["item", "unit"])["quantity"]
                .sum()
                .items()
            }
        return out


def _inside(x: np.ndarray, y: np.ndarray, dem: xr.DataArray) -> np.ndarray:
    xmin, ymin, xmax, ymax = grid_bounds(dem)
    return (x >= xmin) & (x <= xmax) & (y >= ymin) & (y <= ymax)


def load_inputs(scenario: Scenario) -> ScenarioInputs:
    """Read and cross-check every input file of a scenario.

    Checks beyond each reader's own: rainfall covers the DEM in the same CRS;
    population and land cover are on the DEM grid; roads, centres, warehouses
    and inflow points lie inside the DEM and share its CRS.

    Parameters
    ----------
    scenario : Scenario
        From :func:`drm.scenario.load_scenario`.

    Returns
    -------
    ScenarioInputs
        The inputs in drm's conventions (DEM in m, rain in m/s, persons per
        cell, roads in metres), with their SHA-256 hashes.

    Raises
    ------
    DrmError
        The first problem found, naming the file.

    Examples
    --------
    >>> import drm
    >>> inputs = load_inputs(drm.load_scenario("valle_alto"))
    >>> inputs.dem.shape, inputs.rainfall.attrs["units"], round(float(inputs.population.sum()))
    ((400, 400), 'm s-1', 34758)
    """
    hz = scenario.hazard
    dem = io.read_dem(hz.dem)
    crs = check_grid(dem, "DEM").crs
    rain = io.read_rainfall(hz.rainfall, crs=None)
    check_covers(rain, dem, str(hz.rainfall))
    pop = io.read_population(scenario.population.grid)
    check_same_grid(
        dem, pop, (f"DEM ({hz.dem.name})", f"population ({scenario.population.grid.name})")
    )
    landcover = classes = None
    if hz.landcover is not None:
        landcover = io.read_grid(hz.landcover, name="land cover", preferred=("landcover",))
        check_same_grid(
            dem, landcover, (f"DEM ({hz.dem.name})", f"land cover ({hz.landcover.name})")
        )
    if hz.landcover_classes is not None:
        classes = io.read_landcover_classes(hz.landcover_classes)
    inflows = []
    for i, inflow in enumerate(hz.inflows):
        if not _inside(np.array([inflow.x]), np.array([inflow.y]), dem)[0]:
            raise InputError(
                f"hazard.inflows[{i}]: point x={inflow.x}, y={inflow.y} is outside the DEM"
            )
        inflows.append(io.read_hydrograph(inflow.hydrograph))
    ev = scenario.evacuation
    roads = io.read_roads(ev.roads, crs=crs)
    _check_crs(roads.graph.get("crs"), crs, ev.roads)
    nx_ = np.array([d["x"] for _, d in roads.nodes(data=True)])
    ny_ = np.array([d["y"] for _, d in roads.nodes(data=True)])
    share = _inside(nx_, ny_, dem).mean()
    if share < 0.5:
        raise InputError(
            f"{ev.roads}: only {100 * share:.0f}% of road nodes lie inside the DEM; check both files' CRS"
        )
    centres = io.read_centres(ev.centres, crs=crs)
    outside = ~_inside(centres["x"].to_numpy(), centres["y"].to_numpy(), dem)
    if outside.any():
        raise InputError(
            f"{ev.centres}: centre {centres.index[outside][0]!r} lies outside the DEM "
            f"({int(outside.sum())} of {len(centres)} outside); check its x, y"
        )
    sh = scenario.shelter
    stock = io.read_stock(sh.stock) if sh.stock is not None else None
    warehouses = io.read_warehouses(sh.warehouses, crs=crs) if sh.warehouses is not None else None
    if stock is not None:
        known = set(centres.index) | (set(warehouses.index) if warehouses is not None else set())
        unknown = sorted(set(stock["site_id"]) - known)
        if unknown:
            raise InputError(
                f"{sh.stock}: stock held at unknown site(s) {unknown}; use a centre or warehouse id"
            )
    hashes = {k: file_sha256(v) for k, v in scenario.input_files().items()}
    return ScenarioInputs(
        scenario=scenario,
        dem=dem,
        rainfall=rain,
        population=pop,
        roads=roads,
        centres=centres,
        inflows=tuple(inflows),
        stock=stock,
        warehouses=warehouses,
        landcover=landcover,
        landcover_classes=classes,
        hashes=hashes,
    )


def _check_crs(found: Any, expected: CRS | None, path: Path) -> None:
    if found is None or expected is None:
        return
    if CRS.from_user_input(found) != expected:
        raise InputError(
            f"{path}: CRS {CRS.from_user_input(found).to_string()} differs from the DEM's "
            f"{expected.to_string()}; reproject one of them"
        )
