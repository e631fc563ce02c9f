"""Ensemble aggregates, read back from the members' files one member (or one block of rows) at a time.

* :func:`depth_probability`: per cell, the share of members whose maximum
  depth reaches each threshold (dims ``threshold, y, x``);
* :func:`point_depth` and :func:`point_probability`: depth at the warning
  points per member and time, and the share of members at or above each
  threshold (dims ``threshold, time, site``), by
  :func:`drm.warning.exceedance_probability`, so the same members feed
  :func:`drm.warning.ensemble_trigger`;
* :func:`outcome_table` and :func:`outcome_quantiles`: clearance time,
  people caught, peak occupancy, unmet needs and the rest of each member's
  outcomes, and their spread;
* :func:`member_preposition`: the members as equally likely scenarios of a
  two-stage prepositioning plan (:func:`drm.shelter.preposition`);
* :func:`protocol_verification`: the scenario's warning protocol (``[[triggers]]``),
  and its model-only and community-only parts, scored over the members (POD,
  FAR, CSI, lead time), each (member, zone) one case.

Members are equally likely; a member whose value is NaN (e.g. a cell
outside the DEM) is left out of that share.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from drm.grids import xy_to_rowcol
from drm.warning import exceedance_probability

__all__ = [
    "depth_probability",
    "member_preposition",
    "outcome_quantiles",
    "outcome_table",
    "point_depth",
    "point_probability",
    "protocol_verification",
]

#: Quantiles of the outcome spread.
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
#: Memory for one block of rows of every member's grid (bytes).
_BLOCK_BYTES = 256 * 2**20


def _thresholds(thresholds: Sequence[float]) -> xr.DataArray:
    t = np.asarray(thresholds, dtype=float)
    return xr.DataArray(
        t,
        dims="threshold",
        coords={"threshold": ("threshold", t, {"units": "m", "long_name": "depth threshold"})},
    )


def _max_depth(folder: Path, rows: slice | None = None) -> xr.DataArray:
    with xr.open_dataset(folder / "flood.nc") as ds:
        da = ds["max_depth"] if rows is None else ds["max_depth"].isel(y=rows)
        return da.load()


def depth_probability(
    folders: Sequence[Path], thresholds: Sequence[float], *, block_bytes: int = _BLOCK_BYTES
) -> xr.DataArray:
    """Probability that the maximum depth reaches each threshold, per cell.

    Parameters
    ----------
    folders : sequence of pathlib.Path
        Finished member folders (each with ``flood.nc``).
    thresholds : sequence of float
        Depths (m).
    block_bytes : int
        Memory for one block of rows of all members; the grid is processed
        block by block.

    Returns
    -------
    xarray.DataArray
        ``depth_probability`` (threshold, y, x), in [0, 1], with CF attributes.

    Examples
    --------
    >>> folders = sorted(Path("results/ensemble/members").iterdir())  # doctest: +SKIP
    >>> depth_probability(folders, [0.15, 0.5]).sel(threshold=0.5).plot()  # doctest: +SKIP
    """
    first = _max_depth(folders[0])
    ny, nx = first.shape
    step = max(1, block_bytes // (8 * nx * len(folders)))
    thr = _thresholds(thresholds)
    parts = []
    for r0 in range(0, ny, step):
        rows = slice(r0, r0 + step)
        block = [_max_depth(f, rows) for f in folders]
        ens = xr.concat(block, dim="member", coords="minimal", compat="override", join="exact")
        parts.append(exceedance_probability(ens, thr))
    prob = xr.concat(parts, dim="y", coords="minimal", compat="override", join="exact")
    prob = prob.transpose("threshold", "y", "x").rename("depth_probability")
    prob.attrs = {
        "units": "1",
        "long_name": "probability that the maximum depth reaches the threshold",
        "members": len(folders),
    }
    if "spatial_ref" in first.coords:
        prob = prob.assign_coords(spatial_ref=first["spatial_ref"])
        prob.attrs["grid_mapping"] = "spatial_ref"
    return prob


def point_depth(folders: Sequence[Path], members: Sequence[int]) -> xr.DataArray:
    """Depth (m) at the warning points, per member and time (dims ``member, time, site``)."""
    tables = [pd.read_csv(f / "points.csv", index_col="time_s") for f in folders]
    first = tables[0]
    values = np.stack(
        [t.reindex(index=first.index, columns=first.columns).to_numpy(float) for t in tables]
    )
    da = xr.DataArray(
        values,
        dims=("member", "time", "site"),
        coords={
            "member": list(members),
            "time": first.index.to_numpy(float),
            "site": list(first.columns),
        },
        name="point_depth",
        attrs={"units": "m", "long_name": "water depth at the warning point"},
    )
    da["time"].attrs = {"units": "s", "long_name": "time since the start of the event"}
    return da


def point_probability(depth: xr.DataArray, thresholds: Sequence[float]) -> xr.DataArray:
    """Share of members at or above each depth threshold, per warning point and time.

    Examples
    --------
    >>> d = xr.DataArray([[[0.1]], [[0.6]]], dims=("member", "time", "site"))
    >>> point_probability(d, [0.15, 0.5]).values.ravel().tolist()
    [0.5, 0.5]
    """
    p = exceedance_probability(depth, _thresholds(thresholds)).transpose(
        "threshold", "time", "site"
    )
    p.name = "point_probability"
    p.attrs["long_name"] = (
        "share of members with the depth at the warning point at or above the threshold"
    )
    return p


def outcome_table(records: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """One row per finished member: its seed and perturbation, then its outcomes.

    Parameters
    ----------
    records : sequence of dict
        Completion records (``done.json``) of the members.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``member``; columns ``seed``, ``intensity_factor``,
        ``shift_east_m``, ``shift_north_m``, ``delay_s`` and the outcomes of
        :func:`drm.ensemble.store.member_outcomes`.

    Examples
    --------
    >>> spec = {"intensity_factor": 1.2, "shift_east_m": 0.0, "shift_north_m": 0.0, "delay_s": 600.0}
    >>> t = outcome_table([{"member": 0, "seed": 7, "spec": spec, "outcomes": {"persons_caught": None}}])
    >>> t.loc[0, ["seed", "delay_s"]].tolist(), bool(t["persons_caught"].isna().all())
    ([7.0, 600.0], True)
    """
    rows = []
    for r in records:
        spec = r["spec"]
        rows.append(
            {
                "member": int(r["member"]),
                "seed": int(r["seed"]),
                **{
                    k: spec[k]
                    for k in ("intensity_factor", "shift_east_m", "shift_north_m", "delay_s")
                },
                **{k: np.nan if v is None else v for k, v in r["outcomes"].items()},
            }
        )
    return pd.DataFrame(rows).set_index("member").sort_index()


def outcome_quantiles(outcomes: pd.DataFrame, q: Sequence[float] = QUANTILES) -> pd.DataFrame:
    """Spread of each outcome over the members: count, mean and quantiles (one row per outcome).

    Examples
    --------
    >>> t = pd.DataFrame({"seed": [1, 2, 3], "persons_caught": [0.0, 10.0, 20.0]})
    >>> outcome_quantiles(t, q=(0.5,)).loc["persons_caught"].tolist()
    [3.0, 10.0, 10.0]
    """
    cols = [c for c in outcomes.columns if c != "seed"]
    data = outcomes[cols].astype(float)
    out = data.quantile(list(q)).T
    out.columns = [f"q{round(100 * v):02d}" for v in q]
    out.insert(0, "mean", data.mean())
    out.insert(0, "members", data.notna().sum().astype(float))
    out.index.name = "outcome"
    return out


def member_preposition(
    scenario: Any, inputs: Any, folders: Sequence[Path], members: Sequence[int]
) -> Any:
    """Prepositioning plan over the members as equally likely flood scenarios.

    Demand at each centre is the member's peak occupancy (persons), for the
    scenario's shelter days. Each site holding stock today (centres and
    warehouses) may hold as much mass as it holds now (kg); a site whose
    maximum depth in a member reaches ``evacuation.centre_max_depth_m`` loses
    its stock in that member. Unmet demand is weighed per person-need (one
    person's full need of any item costs the same).

    Parameters
    ----------
    scenario : Scenario
        The ensemble's scenario.
    inputs : ScenarioInputs
        Its inputs (stock, centres, warehouses).
    folders : sequence of pathlib.Path
        Finished member folders.
    members : sequence of int
        Their member numbers.

    Returns
    -------
    PrepositionPlan or None
        None without stock, without stock items the standard rates, or
        without a shelter run in any member.
    """
    from drm.shelter import needs, preposition
    from drm.shelter.standards import as_standard

    stock = inputs.stock
    if stock is None or not folders:
        return None
    std = as_standard(scenario.shelter.standard)
    items = [k for k in dict.fromkeys(stock["item"]) if k in std.items and k in std.catalogue.index]
    if not items:
        return None
    held = stock[stock["item"].isin(items)]
    capacity = (held["quantity"] * held["item"].map(std.mass_kg)).groupby(held["site_id"]).sum()
    places = [inputs.centres[["x", "y"]]]
    if inputs.warehouses is not None:
        places.append(inputs.warehouses[["x", "y"]])
    sites = pd.concat(places).loc[capacity.index]
    share = 1.0 / len(folders)
    rows, losses, any_shelter = [], [], False
    for k, folder in zip(members, folders, strict=True):
        name = f"m{k:04d}"
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        peaks = (summary.get("shelter") or {}).get("peak_occupancy") or {}
        any_shelter |= bool(peaks)
        rows += [(name, share, c, float(p)) for c, p in peaks.items()] or [
            (name, share, str(inputs.centres.index[0]), 0.0)
        ]
        depth = _max_depth(folder)
        r, c = xy_to_rowcol(
            depth, sites["x"].to_numpy(float), sites["y"].to_numpy(float), name="stock site"
        )
        flooded = np.nan_to_num(depth.values[r, c]) >= scenario.evacuation.centre_max_depth_m
        losses += [(name, s, 1.0) for s in sites.index[flooded]]
    if not any_shelter:
        return None
    per_person = needs(1.0, std, scenario.shelter.days).table["quantity"].reindex(items)
    penalty = (1.0 / per_person.where(per_person > 0)).fillna(1.0)
    return preposition(
        pd.DataFrame(rows, columns=["scenario", "probability", "centre", "persons"]),
        list(capacity.index),
        items,
        capacities=capacity,
        costs=pd.DataFrame({"penalty": penalty}, index=pd.Index(items, name="item")),
        losses=pd.DataFrame(losses, columns=["scenario", "site", "fraction"]),
        standard=std,
        days=scenario.shelter.days,
    )


def protocol_verification(
    tables: Sequence[pd.DataFrame], level: str = "orange", *, max_far: float | None = None
) -> pd.DataFrame:
    """Score the warning protocol over ensemble members: POD, FAR, CSI and lead time.

    Each (member, zone) is one case: the water came when its ``arrival_s`` is
    finite; the protocol warned at its first time at ``level`` (``first_<level>_s``),
    its model conditions alone at ``<level>_by_model_s``, the community's alone at
    ``<level>_by_observed_s``. A warning at or before the arrival is a hit, after
    it a miss (late), without an arrival a false alarm, as
    :func:`drm.warning.lead_time` and :func:`drm.warning.verify` count them. The
    model conditions see each member's own flood (a perfect forecast of it), so
    their scores are an upper bound of what a real forecast gives.

    Parameters
    ----------
    tables : sequence of pandas.DataFrame
        Each member's ``protocol.csv`` (index ``zone``), as
        :class:`drm.scenario.stages.CommunityStage` writes it.
    level : {"yellow", "orange", "red"}
        The level that counts as the warning (the scenario's ``order_on``).
    max_far : float, optional
        Acceptable false alarm ratio (0-1): adds ``acceptable`` and sorts the
        acceptable variants first, most median lead time first.

    Returns
    -------
    pandas.DataFrame
        By variant (``protocol``, ``model only``, ``community only``; a variant
        with no condition is left out): ``cases``, ``hits``, ``late``,
        ``misses`` (late included), ``false_alarms``, ``correct_negatives``
        (counts), ``pod``, ``far``, ``csi`` (fractions) and
        ``lead_time_median_s``, ``lead_time_min_s`` (s, over the hits).

    Examples
    --------
    >>> a = pd.DataFrame({"first_orange_s": [100.0, 500.0], "arrival_s": [900.0, np.nan],
    ...                   "orange_by_model_s": [100.0, np.nan], "orange_by_observed_s": [950.0, 500.0]},
    ...                  index=pd.Index([1, 2], name="zone"))
    >>> t = protocol_verification([a])
    >>> t[["hits", "late", "false_alarms", "pod", "far"]].to_dict("index")  # doctest: +NORMALIZE_WHITESPACE
    {'protocol': {'hits': 1, 'late': 0, 'false_alarms': 1, 'pod': 1.0, 'far': 0.5},
     'model only': {'hits': 1, 'late': 0, 'false_alarms': 0, 'pod': 1.0, 'far': 0.0},
     'community only': {'hits': 0, 'late': 1, 'false_alarms': 1, 'pod': 0.0, 'far': 1.0}}
    """
    from drm.errors import InputError
    from drm.warning import lead_time, verify

    if not tables:
        raise InputError("protocol_verification: give the members' protocol tables (one or more)")
    variants = {
        "protocol": f"first_{level}_s",
        "model only": f"{level}_by_model_s",
        "community only": f"{level}_by_observed_s",
    }
    rows = {}
    for name, column in variants.items():
        if not all(column in t.columns for t in tables):
            continue  # the protocol has no condition of this kind
        parts = []
        for t in tables:
            warn_s = pd.to_numeric(t[column], errors="coerce")
            onset = pd.to_numeric(t["arrival_s"], errors="coerce")
            parts.append(lead_time(warn_s, onset))
        lt = pd.concat(parts, ignore_index=True)
        hit = (lt["outcome"] == "hit").to_numpy()
        v = verify(lt["warned"], lt["observed"], lead_time_s=lt.loc[hit, "lead_time_s"])
        a, b, c, d = v._counts()
        lead = lt.loc[hit, "lead_time_s"]
        rows[name] = {
            "cases": len(lt), "hits": a, "late": int((lt["outcome"] == "late").sum()),
            "misses": c, "false_alarms": b, "correct_negatives": d,
            "pod": v.pod, "far": v.far, "csi": v.csi,
            "lead_time_median_s": float(lead.median()) if len(lead) else float("nan"),
            "lead_time_min_s": float(lead.min()) if len(lead) else float("nan"),
        }  # fmt: skip
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "variant"
    if max_far is not None:
        table["acceptable"] = table["far"].fillna(0.0) <= max_far + 1e-12
        table = table.sort_values(
            ["acceptable", "lead_time_median_s"], ascending=[False, False], kind="stable"
        )
    return table
