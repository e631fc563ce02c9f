"""Every public result shares one display mixin and one ``.to_files()`` / ``.plot()`` convention.

* every public class of the API reference (the packages of ``docs/api/index.md`` and their
  ``__all__``, as in ``tests/test_api_docs.py``) whose name ends in ``Result`` or that
  subclasses :class:`drm._display.ResultMixin` is a ResultMixin with ``plot`` and
  ``to_files(folder, *, prefix)``;
* small real instances write CSV and NetCDF files that read back equal to their tables and
  grids, draw a Figure whose axes are labelled, and show their summary labels in ``repr``
  and in Jupyter's HTML.
"""

from __future__ import annotations

import html
import importlib
import inspect
import re
from pathlib import Path

import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import xarray as xr
from matplotlib.figure import Figure

from drm._display import ResultMixin

API_INDEX = Path(__file__).resolve().parents[1] / "docs" / "api" / "index.md"

#: Results that must be found by the discovery below (a rename or a lost mixin fails here).
KNOWN_RESULTS = {
    "Alerts", "Assessment", "Assignment", "CCRPResult", "ClearanceResult", "Connectivity",
    "DecisionClock", "Departures", "EnsembleResult", "EnsembleTrigger", "EvacuationResult",
    "FloodResult", "LocationResult", "Needs", "OperationsResult", "PrepositionPlan",
    "QuickestEvacuation", "TravelTimes", "Verification",
}  # fmt: skip


def result_classes() -> dict[str, type]:
    """Public classes named ``...Result`` or subclassing ResultMixin, by name."""
    packages = re.findall(r"^\s+(drm\.\w+)\s*$", API_INDEX.read_text(encoding="utf-8"), flags=re.M)
    out: dict[str, type] = {}
    for package in packages:
        module = importlib.import_module(package)
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isclass(obj) and (name.endswith("Result") or issubclass(obj, ResultMixin)):
                out[name] = obj
    return out


def test_discovery_finds_every_known_result():
    missing = KNOWN_RESULTS - set(result_classes())
    assert not missing, f"not found in the API: {sorted(missing)}"


@pytest.mark.parametrize("name", sorted(result_classes()))
def test_result_follows_the_convention(name):
    cls = result_classes()[name]
    assert issubclass(cls, ResultMixin), f"{name} does not subclass drm._display.ResultMixin"
    assert callable(getattr(cls, "plot", None)), f"{name} has no plot()"
    assert callable(getattr(cls, "to_files", None)), f"{name} has no to_files()"
    params = inspect.signature(cls.to_files).parameters
    assert {"folder", "prefix"} <= set(params), f"{name}.to_files(folder, *, prefix)"
    assert cls.__repr__ is ResultMixin.__repr__, f"{name}: use @dataclass(repr=False)"


# --- small real instances ------------------------------------------------------------------


def _line_graph() -> nx.MultiDiGraph:
    """Two roads in a row (a street and a bridge, 5 min each on foot), as in the evacuation guide."""
    G = nx.MultiDiGraph(crs="EPSG:32619")
    for i in range(3):
        G.add_node(i, x=100.0 * i, y=0.0)
    G.add_edge(0, 1, travel_time=300.0, capacity_persons_h=1800.0, road_id="street")
    G.add_edge(1, 2, travel_time=300.0, capacity_persons_h=3600.0, road_id="bridge")
    G.add_edge(1, 0, travel_time=300.0, capacity_persons_h=1800.0, road_id="street")
    return G


def _flood():
    from drm.hazard import simulate_flood

    x = 5.0 + 10.0 * np.arange(20)
    dem = xr.DataArray(
        np.zeros((20, 20)) + 0.001 * x, dims=("y", "x"), coords={"y": x[::-1], "x": x}
    )
    return simulate_flood(dem, 3e-5, duration="30min", boundaries="closed", progress=False)


def _travel_times():
    from drm.network import travel_times

    return travel_times(_line_graph(), [2], direction="to_sources")


def _assignment():
    from drm.network import assign

    G = nx.MultiDiGraph()
    for u, v, t in [("a", "c1", 60.0), ("a", "c2", 300.0), ("b", "c1", 100.0)]:
        G.add_edge(u, v, travel_time=t)
    origins = pd.DataFrame({"node": ["a", "b"], "persons": [50, 80]})
    centres = pd.DataFrame({"node": ["c1", "c2"], "capacity_persons": [100, 100]})
    return assign(G, origins, centres)


def _ccrp():
    from drm.network import ccrp

    return ccrp(_line_graph(), {0: 300, 1: 100}, [2])


def _quickest():
    from drm.network import quickest_evacuation

    return quickest_evacuation(_line_graph(), {0: 300, 1: 100}, [2])


def _clearance():
    from drm.evacuation import Rayleigh
    from drm.network import clearance_time

    flows = pd.DataFrame({"origin_node": [0, 1], "centre_node": [2, 2], "persons": [300.0, 100.0]})
    return clearance_time(_line_graph(), flows, Rayleigh("10min"))


def _connectivity():
    from drm.network import connectivity

    return connectivity(_line_graph())


def _alerts():
    from drm.warning import ThresholdRule, alert_levels

    values = pd.DataFrame(
        {"gauge": [0.01, 0.05, 0.09], "bridge": [0.0, 0.03, 0.05]},
        index=pd.Index([3600.0, 7200.0, 10800.0], name="time_s"),
    )
    return alert_levels(values, ThresholdRule("rain", 0.02, 0.04, 0.08, duration_s="1h"))


def _decision_clock():
    from drm.warning import decision_clock

    return decision_clock({"A": 14400.0, "B": 7200.0}, dissemination="30min", response="1h",
                          clearance="45min", margin="15min", order_time="1h30m")  # fmt: skip


def _verification():
    from drm.warning import verify

    return verify([0.9, 0.2, 0.6, 0.8, 0.1], [1, 0, 0, 1, 1], lead_time_s=[1800.0, 3600.0])


def _ensemble_trigger():
    from drm.warning import ensemble_trigger

    values = np.array([10, 20, 40, 40, 40])[:, None, None, None] * np.ones((5, 10, 3, 2))
    values[..., 1] *= 0.5
    f = xr.DataArray(
        values,
        dims=("issue_time", "member", "lead_time", "site"),
        coords={"issue_time": 43200.0 * np.arange(5), "lead_time": [0, 3600, 7200],
                "site": ["bridge", "school"]},
    )  # fmt: skip
    return ensemble_trigger(f, 30.0, probability=0.3, persistence=2)


def _departures():
    from drm.evacuation import Channel, DepartureModel, Rayleigh, sample_departures

    model = DepartureModel([Channel("sms", 0.8, 0)], Rayleigh("10min"), compliance=0.9)
    return sample_departures(pd.Series([4.0] * 50, name="persons"), model, order_time="1h", seed=1)


def _location():
    from drm.evacuation import locate_centres

    costs = np.array([[0, 5, 9], [5, 0, 4], [9, 4, 0], [8, 7, 2]]) * 60.0
    return locate_centres(costs, p=2, demand=[10.0, 20.0, 5.0, 40.0])


def _evacuation():
    from drm.evacuation import simulate_evacuation

    homes = pd.DataFrame(
        {"node": 0, "persons": 4.0, "departure_s": np.linspace(0, 1200, 25), "x": 0.0, "y": 0.0}
    )
    school = pd.DataFrame({"node": [2], "capacity_persons": [2000.0]}, index=["school"])
    return simulate_evacuation(_line_graph(), homes, school, progress=False)


_CENTRES = pd.DataFrame({"id": ["A", "B"], "floor_area_m2": [700.0, 350.0], "toilets": [4, 1],
                         "taps": [1, 1]})  # fmt: skip


def _operations():
    from drm.shelter import simulate_operations

    arrivals = pd.DataFrame(
        {"time_s": [0.0, 3600.0], "centre": ["A", "B"], "persons": [200.0, 80.0]}
    )
    stock = pd.DataFrame(
        {"site_id": ["A", "B"], "item": ["water_l"] * 2, "quantity": [6000.0, 100.0]}
    )
    return simulate_operations(arrivals, _CENTRES, stock, days=2)


def _needs():
    from drm.shelter import needs

    return needs(1000, days=3)


def _assessment():
    from drm.shelter import assess

    return assess(_CENTRES, {"A": 150, "B": 120})


def _preposition():
    from drm.shelter import preposition

    scenarios = pd.DataFrame({"scenario": ["wet", "dry"], "probability": [0.5, 0.5],
                              "centre": ["C1", "C1"], "item": ["water_l", "water_l"],
                              "demand": [1000.0, 0.0]})  # fmt: skip
    costs = pd.DataFrame({"unit_cost": [1.0]}, index=["water_l"])
    return preposition(scenarios, ["W1"], ["water_l"], budget=600.0, costs=costs)


BUILDERS = {
    "FloodResult": _flood,
    "TravelTimes": _travel_times,
    "Assignment": _assignment,
    "CCRPResult": _ccrp,
    "QuickestEvacuation": _quickest,
    "ClearanceResult": _clearance,
    "Connectivity": _connectivity,
    "Alerts": _alerts,
    "DecisionClock": _decision_clock,
    "Verification": _verification,
    "EnsembleTrigger": _ensemble_trigger,
    "Departures": _departures,
    "LocationResult": _location,
    "EvacuationResult": _evacuation,
    "OperationsResult": _operations,
    "Needs": _needs,
    "Assessment": _assessment,
    "PrepositionPlan": _preposition,
}


def _cells(values: pd.Series | pd.Index) -> list[str]:
    """Values as CSV text cells (missing values empty)."""
    return ["" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v) for v in values]


def assert_csv_holds(path: Path, table: pd.DataFrame) -> None:
    """The CSV file is the table: its text, and read back with pandas, column by column."""
    assert path.read_text(encoding="utf-8") == table.to_csv()
    index_col = list(range(table.index.nlevels))
    back = pd.read_csv(path, index_col=index_col, encoding="utf-8")
    text = pd.read_csv(path, index_col=index_col, dtype=str, keep_default_na=False)
    assert back.shape == table.shape
    assert list(back.columns) == [str(c) for c in table.columns]
    for k, col in enumerate(table.columns):
        values = table[col]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            np.testing.assert_array_equal(back.iloc[:, k].to_numpy(float), values.to_numpy(float))
        else:
            assert text.iloc[:, k].tolist() == _cells(values)
    for level in range(table.index.nlevels):
        assert _cells(text.index.get_level_values(level)) == _cells(
            table.index.get_level_values(level)
        )


@pytest.fixture(scope="module", params=sorted(BUILDERS))
def result(request):
    return BUILDERS[request.param]()


def test_builders_cover_a_result_of_every_stage():
    assert set(BUILDERS) <= set(result_classes())


def test_to_files_writes_the_tables_and_grids(result, tmp_path):
    tables, datasets = result._tables(), result._datasets()
    files = result.to_files(tmp_path / "out", prefix="run1_")
    assert len(files) == len(tables) + len(datasets), "two tables or grids share a file name"
    assert all(name.startswith("run1_") for name in files)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        p.name for p in files.values()
    ), "no temporary file is left behind"
    paths = list(files.values())
    for (label, table), path in zip(tables, paths[: len(tables)], strict=True):
        assert path.suffix == ".csv", label
        assert re.fullmatch(r"run1_[0-9a-z_]+", path.stem), label
        assert_csv_holds(path, table)
    for (label, ds), path in zip(datasets, paths[len(tables) :], strict=True):
        assert path.suffix == ".nc", label
        with xr.open_dataset(path) as back:
            xr.testing.assert_equal(back.load(), ds)  # the file adds CF attributes (grid mapping)


def test_plot_draws_labelled_axes(result):
    fig = result.plot()
    try:
        assert isinstance(fig, Figure)
        drawn = [ax for ax in fig.axes if ax.axison]
        assert drawn
        for ax in drawn:
            assert ax.get_xlabel() or ax.get_ylabel(), f"{type(result).__name__}: unlabelled axes"
    finally:
        plt.close(fig)


def test_repr_and_html_show_the_summary(result):
    text, page = repr(result), result._repr_html_()
    name = type(result).__name__
    assert text.startswith(f"{name}:")
    assert name in page
    for label, _ in result._summary():
        assert f"{label}: " in text
        assert html.escape(str(label)) in page
    for label, table in result._tables():
        assert f"{label}: table of {len(table)} rows" in text


def test_flood_to_files_writes_the_file_save_flood_writes(tmp_path):
    from drm.hazard.store import load_flood, save_flood

    r = _flood()
    ours = r.to_files(tmp_path)["flood"]
    theirs = save_flood(r, tmp_path / "saved" / "flood.nc")
    assert ours.name == "flood.nc"
    assert ours.read_bytes() == theirs.read_bytes()
    back = load_flood(ours)
    assert back.volume_balance == r.volume_balance
    assert back.steps == r.steps


def test_quickest_evacuation_horizons_bound_the_egress():
    q = _quickest()
    h = q.horizons
    assert h.index[0] == 0.0
    assert h.index.is_monotonic_increasing
    assert (np.diff(h.to_numpy()) >= -1e-9).all(), "more time never evacuates fewer"
    assert h.loc[q.egress_time_s] == pytest.approx(q.evacuated_persons)
    earlier = h[h.index < q.egress_time_s]
    assert (earlier < q.evacuated_persons - 1e-9).all()
    assert q.lp_solves >= len(h) - 1


def test_ensemble_trigger_of_one_issue_draws_a_bar_per_site():
    from drm.warning import ensemble_trigger

    values = np.array([10.0, 40.0])[None, None, None, :] * np.ones((1, 10, 3, 2))
    f = xr.DataArray(
        values,
        dims=("issue_time", "member", "lead_time", "site"),
        coords={"issue_time": [0.0], "lead_time": [0, 3600, 7200], "site": ["bridge", "school"]},
    )
    fig = ensemble_trigger(f, 30.0, persistence=1).plot()
    try:
        ax = fig.axes[0]
        assert [t.get_text() for t in ax.get_xticklabels()] == ["bridge", "school"]
        assert [p.get_height() for p in ax.patches] == [0.0, 100.0]
    finally:
        plt.close(fig)
