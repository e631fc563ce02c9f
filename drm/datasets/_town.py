"""The container of a sample town: :class:`SampleTown`, which writes its files.

Each sample subclasses it with its provenance (named in the files it writes) and its own
``summary()`` and ``repr``: Valle Alto in :mod:`drm.datasets.valle_alto`, Kettle Ford in
:mod:`drm.datasets.kettle_ford`. The measures both samples quote live here too.
"""

from __future__ import annotations

import html
import os
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import networkx as nx
import numpy as np
import pandas as pd
import shapely
import xarray as xr

from drm.errors import InputError
from drm.grids import check_grid, check_same_grid
from drm.io import atomic_path, write_geojson, write_grid

#: Covered floor area per sheltered person (Sphere 2018), for the nominal capacities quoted.
NOMINAL_SPACE_M2 = 3.5


@dataclass(frozen=True, eq=False)
class SampleTown:
    """Every input of a sample town (see :func:`valley_town` and :func:`real_terrain_town`).

    The values quoted below are Valle Alto's.

    Attributes
    ----------
    name : str
        "Valle Alto" (fictional).
    seed : int
        Seed of the random noise (terrain, land-cover patches, population).
    crs : str
        "EPSG:32619" (WGS 84 / UTM zone 19N).
    dem : xarray.DataArray
        Ground elevation (m), 400 x 400 cells of 10 m.
    landcover : xarray.DataArray
        Land-cover class codes (uint8) on the DEM grid.
    landcover_classes : pandas.DataFrame
        Indexed by ``code``: ``name``, ``manning_n`` (s m^-1/3), ``curve_number`` (-), ``source``.
    rainfall : dict of str to xarray.DataArray
        Design storms ``"10yr"`` and ``"100yr"``: rain rate (m s-1), 24 h at 10-min steps,
        on a 500 m grid covering the DEM with a 1 km margin.
    inflows : dict of str to pandas.DataFrame
        River inflow hydrographs for the same keys: ``time_s``, ``discharge_m3s``.
    inflow_xy : tuple of float
        Where the river enters the DEM (m, EPSG:32619): centre of the east edge column.
    population : xarray.DataArray
        Residents per cell (persons).
    neighbourhood_id : xarray.DataArray
        Neighbourhood of each cell (int16, 0 = none), ids of ``neighbourhoods``.
    neighbourhoods : pandas.DataFrame
        ``id, name, kind, x, y, population, households`` (x, y: centroid, m).
    roads : networkx.MultiDiGraph
        Road graph as :func:`drm.io.read_roads` returns it for ``roads.geojson`` (less the
        graph attribute ``source``, the file name).
    road_features : tuple of dict
        The GeoJSON features of ``roads.geojson`` (coordinates in m).
    centres : pandas.DataFrame
        Candidate evacuation centres, as :func:`drm.io.read_centres` returns them (the reader
        adds an empty ``capacity_persons`` column: no declared capacities are given).
    warehouses : pandas.DataFrame
        As :func:`drm.io.read_warehouses` returns them.
    stock : pandas.DataFrame
        Stock on hand (``site_id, item, quantity, unit``), as :func:`drm.io.read_stock` returns it.
    """

    name: str
    seed: int
    crs: str
    dem: xr.DataArray
    landcover: xr.DataArray
    landcover_classes: pd.DataFrame
    rainfall: dict[str, xr.DataArray]
    inflows: dict[str, pd.DataFrame]
    inflow_xy: tuple[float, float]
    population: xr.DataArray
    neighbourhood_id: xr.DataArray
    neighbourhoods: pd.DataFrame
    roads: nx.MultiDiGraph
    road_features: tuple[dict[str, Any], ...]
    centres: pd.DataFrame
    warehouses: pd.DataFrame
    stock: pd.DataFrame
    #: Generator and licence named in the written files (each sample sets its own).
    _generator: ClassVar[str]
    _license: ClassVar[str]

    def __post_init__(self) -> None:
        check_grid(self.dem, "DEM")
        for name in ("landcover", "population", "neighbourhood_id"):
            check_same_grid(self.dem, getattr(self, name), ("DEM", name))
        if set(self.rainfall) != set(self.inflows):
            raise InputError(
                f"rainfall events {sorted(self.rainfall)} and inflows {sorted(self.inflows)} differ"
            )

    # ------------------------------------------------------------------ writing
    def write(self, directory: str | os.PathLike[str]) -> dict[str, Path]:
        """Write every file of the sample into ``directory`` (created if needed), each atomically.

        Grids go to compressed NetCDF (elevation as float32, which holds it exactly; rain in
        mm/h), tables to CSV, roads to GeoJSON in the town's CRS; under 1 MB in all.

        Parameters
        ----------
        directory : str or path-like
            Target folder.

        Returns
        -------
        dict of str to pathlib.Path
            File stem (``"dem"``, ``"rain_100yr"``, ...) to written path.

        Examples
        --------
        >>> import tempfile
        >>> paths = valley_town().write(tempfile.mkdtemp())  # doctest: +SKIP
        >>> sorted(paths)[:3]  # doctest: +SKIP
        ['centres', 'dem', 'landcover']
        """
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        meta = {
            "title": f"{self.name} (fictional town) sample data for drm",
            "source": f"generated by {self._generator}(seed={self.seed})",
            "license": self._license,
            "Conventions": "CF-1.8",
        }
        paths: dict[str, Path] = {}

        def netcdf(stem: str, ds: xr.Dataset, float32: bool = False) -> None:
            paths[stem] = write_grid(ds.assign_attrs(meta), out / f"{stem}.nc", float32=float32)

        def csv(stem: str, df: pd.DataFrame) -> None:
            target = out / f"{stem}.csv"
            with atomic_path(target) as tmp:
                df.to_csv(tmp, index=False, lineterminator="\n")
            paths[stem] = target

        netcdf("dem", self.dem.to_dataset(), float32=True)
        netcdf("landcover", self.landcover.to_dataset())
        csv("landcover_classes", self.landcover_classes.reset_index())
        for key, rain in self.rainfall.items():
            # back to the mm/h values (0.001 steps) the grid was made from, exactly
            mm_h = rain.copy(data=np.round(rain.values * 3.6e6, 3))
            mm_h.attrs = {
                "units": "mm/h",
                "long_name": f"rainfall rate, {key} design storm",
                "interval_end_s": rain.attrs["interval_end_s"],
            }
            netcdf(f"rain_{key}", mm_h.to_dataset(name="rainfall"))
        for key, q in self.inflows.items():
            csv(
                f"river_inflow_{key}",
                pd.DataFrame(
                    {
                        "time": q["time_s"].round().astype(np.int64),
                        "discharge_m3s": q["discharge_m3s"],
                    }
                ),
            )
        netcdf(
            "population",
            xr.Dataset({"population": self.population, "neighbourhood_id": self.neighbourhood_id}),
        )
        csv("neighbourhoods", self.neighbourhoods)
        paths["roads"] = write_geojson(
            list(self.road_features), out / "roads.geojson", crs=self.crs
        )
        centres = self.centres.reset_index()
        centres["accessible"] = np.where(centres["accessible"], "true", "false")
        csv("centres", centres)
        csv("warehouses", self.warehouses.reset_index())
        csv("stock", self.stock)
        return paths

    # ------------------------------------------------------------------ description
    def summary(self) -> dict[str, Any]:
        """Measure the magnitudes of the sample (plain numbers, JSON-ready).

        Returns
        -------
        dict
            Valle Alto (:func:`valley_town`): sections ``dem``, ``channel``, ``gullies``,
            ``landcover_percent``, ``population``, ``roads``, ``centres``, ``warehouses``,
            ``stock``, ``storms``, ``catchment``, ``inflows`` and ``uniform_flow_screening``
            (a normal-depth estimate of the water over the neighbourhoods at each inflow peak;
            a check of the design, not a flood model). Kettle Ford (:func:`real_terrain_town`):
            sections ``dem``, ``river``, ``catchment``, ``inflow``, ``storm``,
            ``landcover_percent``, ``population``, ``roads``, ``centres``, ``warehouses`` and
            ``stock``.

        Raises
        ------
        NotImplementedError
            For a town built directly rather than by a sample, which nothing here measures.
        """
        raise NotImplementedError(
            f"{type(self).__name__} {self.name!r} has no measurements: "
            "only the towns of valley_town() and real_terrain_town() measure themselves"
        )

    def _people_and_places(self) -> str:
        """The population, roads, centres and warehouses lines that each sample's repr ends with."""
        roads = _road_stats(self)
        area = float(self.centres["floor_area_m2"].sum())
        capacity = int((self.centres["floor_area_m2"] // NOMINAL_SPACE_M2).sum())
        return (
            f"  population   {round(float(self.population.values.sum())):,} persons, "
            f"{int(self.neighbourhoods['households'].sum()):,} households, "
            f"{len(self.neighbourhoods)} neighbourhoods\n"
            f"  roads        {roads['nodes']} nodes, {roads['edges']} edges, {roads['length_km']:.1f} km, "
            f"{len(roads['bridges'])} bridges\n"
            f"  centres      {len(self.centres)} candidates, {area:,.0f} m², "
            f"{capacity:,} persons at {NOMINAL_SPACE_M2} m²/person\n"
            f"  warehouses   {len(self.warehouses)}, holding {len(self.stock)} stock lines with the centres"
        )

    def _repr_html_(self) -> str:
        rows = self.__repr__().splitlines()
        head = html.escape(rows[0])
        cells = "".join(
            f"<tr><th style='text-align:left'>{html.escape(r[:15].strip())}</th>"
            f"<td style='text-align:left'>{html.escape(r[15:])}</td></tr>"
            for r in rows[1:]
        )
        return f"<div><b>{head}</b><table>{cells}</table></div>"


# --------------------------------------------------------------------------- measures
def _road_stats(town: SampleTown) -> dict[str, Any]:
    """Nodes, edges, length (km) by highway class and the bridges of a town's roads."""
    lengths: dict[str, float] = defaultdict(float)
    for _, _, d in town.roads.edges(data=True):
        if not d["reversed"]:
            lengths[d["highway"]] += d["length"] / 1000.0
    bridges = [
        {
            "id": f["id"],
            "name": f["properties"]["name"],
            "clearance_m": f["properties"]["clearance_m"],
            "deck_width_m": f["properties"]["width_m"],
            "lanes": f["properties"]["lanes"],
            "length_m": round(float(shapely.LineString(f["geometry"]["coordinates"]).length), 1),
        }
        for f in town.road_features
        if f["properties"].get("bridge") == "yes"
    ]
    return {
        "nodes": town.roads.number_of_nodes(),
        "edges": town.roads.number_of_edges(),
        "features": len(town.road_features),
        "length_km": round(sum(lengths.values()), 2),
        "length_km_by_highway": {k: round(w, 2) for k, w in sorted(lengths.items())},
        "bridges": bridges,
    }
