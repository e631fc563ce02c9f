"""Valle Alto on 100 m cells for 2 hours, shelters open one day: the smallest run with every output.

Shared by the ensemble, kill and no-network tests (about a second a run once the flood is cached).
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

TINY = """
name = "Valle Alto, {name}"
seed = 42
language = "en"

[hazard]
dem = "{data}/dem.nc"
rainfall = "{data}/rain_100yr.nc"
landcover = "{data}/landcover.nc"
landcover_classes = "{data}/landcover_classes.csv"
resolution_m = 100
duration = "2h"
output_interval = "30min"

[[hazard.inflows]]
hydrograph = "{data}/river_inflow_100yr.csv"
x = 261995.0
y = 947923.37

[warning]
order_time = "1h"

[population]
grid = "{data}/population.nc"
zones = "{data}/population.nc"
zone_names = "{data}/neighbourhoods.csv"

[evacuation]
roads = "{data}/roads.geojson"
centres = "{data}/centres.csv"

[shelter]
stock = "{data}/stock.csv"
warehouses = "{data}/warehouses.csv"
days = 1
"""


def write_tiny(path: Path, name: str, extra: str = "") -> Path:
    """Write the tiny scenario (named "Valle Alto, <name>", ``extra`` TOML appended) to ``path``."""
    data = (REPO / "hazard_data" / "valle_alto").as_posix()
    path.write_text(TINY.format(name=name, data=data) + extra, encoding="utf-8")
    return path
