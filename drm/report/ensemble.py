"""The ensemble report: probability maps and the spread of outcomes, rebuilt from an ensemble folder.

:func:`write_ensemble_report` reads only the files :func:`drm.run_ensemble`
wrote (``manifest.json``, ``probability.nc``, ``outcomes.csv``,
``outcome_quantiles.csv``, ``failed.csv``, ``preposition_plan.csv``), draws
``probability_maps.png`` and ``outcome_spread.png`` and writes
``ensemble_report.html``: one self-contained page in the style of
``report.html``, in English or Spanish. :func:`draw_probability` and
:func:`draw_spread` draw on a figure (or subfigure) given by the caller, so
:meth:`EnsembleResult.plot <drm.ensemble.EnsembleResult.plot>` shares them.
"""

from __future__ import annotations

import json
import os
import textwrap
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import xarray as xr

from drm.errors import DataNotFoundError
from drm.io import atomic_path
from drm.plotting import OKABE_ITO, add_scale_bar, plot_hillshade
from drm.report import tables as tb
from drm.report.figures import _raster, save_figure
from drm.report.html import _CSS, _card, _e, _facts, _figure, _table
from drm.report.i18n import Text

__all__ = [
    "EnsembleOutputs",
    "draw_probability",
    "draw_spread",
    "load_ensemble_outputs",
    "render_ensemble_report",
    "write_ensemble_report",
]

#: Outcomes in the spread figure and table, with the factor to the unit shown.
_SPREAD = (
    ("persons_at_risk", 1.0),
    ("persons_caught", 1.0),
    ("clearance_time_s", 1 / 3600.0),
    ("peak_occupancy_persons", 1.0),
    ("needs_unmet_share", 100.0),
)


def draw_probability(fig: Any, probability: xr.Dataset, text: Text) -> None:
    """Maps of the probability that the maximum depth reaches each threshold, over a hillshade.

    Parameters
    ----------
    fig : matplotlib.figure.Figure or SubFigure
        Where to draw (one map per threshold, side by side).
    probability : xarray.Dataset
        With ``depth_probability`` (threshold, y, x) and, for the hillshade,
        ``elevation`` (y, x).
    text : Text
        Language of the labels.

    Examples
    --------
    >>> fig = plt.figure(figsize=(12, 4.8), layout="constrained")  # doctest: +SKIP
    >>> draw_probability(fig, result.probability, Text("es"))  # doctest: +SKIP
    """
    p = probability["depth_probability"]
    axes = fig.subplots(1, p.sizes["threshold"], sharex=True, sharey=True, squeeze=False)[0]
    im = None
    for k, (ax, t) in enumerate(zip(axes, p["threshold"].values, strict=True)):
        if "elevation" in probability:
            plot_hillshade(probability["elevation"], ax)
        layer = p.sel(threshold=t)
        values = np.where(layer.values > 0, layer.values, np.nan)
        im = _raster(ax, layer, values, cmap="viridis_r", vmin=0.0, vmax=1.0)
        ax.set_title(text("ens_fig_threshold", t=text.number(float(t), 2)), fontsize=10)
        ax.set_xlabel(text("fig_x"))
        ax.set_ylabel(text("fig_y") if k == 0 else "")
        ax.tick_params(labelsize=7)
        add_scale_bar(ax)
    fig.colorbar(
        im,
        ax=list(axes),
        location="bottom",
        shrink=0.6,
        aspect=40,
        label=text("ens_fig_probability"),
    )


def draw_spread(fig: Any, outcomes: pd.DataFrame, text: Text) -> None:
    """Each member's outcomes as dots over a box of the 25-75 % range and whiskers at 5 and 95 %.

    Parameters
    ----------
    fig : matplotlib.figure.Figure or SubFigure
        Where to draw (one panel per outcome).
    outcomes : pandas.DataFrame
        One row per member (:attr:`EnsembleResult.outcomes`).
    text : Text
        Language of the labels.

    Examples
    --------
    >>> fig = plt.figure(figsize=(10, 3.6), layout="constrained")  # doctest: +SKIP
    >>> draw_spread(fig, result.outcomes, Text("en"))  # doctest: +SKIP
    """
    shown = [(c, f) for c, f in _SPREAD if c in outcomes and outcomes[c].notna().any()]
    if not shown:
        return
    axes = fig.subplots(1, len(shown), squeeze=False)[0]
    rng = np.random.default_rng(0)  # jitter of the dots only
    for ax, (col, factor) in zip(axes, shown, strict=True):
        values = outcomes[col].dropna().to_numpy(float) * factor
        ax.boxplot(values, whis=(5, 95), widths=0.5, showfliers=False,
                   medianprops={"color": OKABE_ITO[5], "lw": 2})  # fmt: skip
        ax.scatter(1 + rng.uniform(-0.15, 0.15, values.size), values, s=14, color=OKABE_ITO[4],
                   alpha=0.7, zorder=3)  # fmt: skip
        ax.set_title(textwrap.fill(text(f"ens_out_{col}"), 22), fontsize=9)
        ax.set_xticks([])
        ax.tick_params(labelsize=8)
        ax.grid(axis="y", alpha=0.3)
    fig.suptitle(text("ens_fig_spread", n=len(outcomes)), fontsize=10)


def _read_csv(path: Path, index: str) -> pd.DataFrame:
    if not path.is_file():
        return pd.DataFrame()
    df = pd.read_csv(path, encoding="utf-8")
    return df.set_index(index) if index in df.columns else df


@dataclass(frozen=True)
class EnsembleOutputs:
    """What an ensemble run wrote: manifest, probabilities, outcome tables, plan, figure paths."""

    folder: Path
    manifest: dict[str, Any]
    probability: xr.Dataset
    outcomes: pd.DataFrame
    quantiles: pd.DataFrame
    failed: pd.DataFrame
    plan: pd.DataFrame
    figures: dict[str, Path] = field(default_factory=dict)


def load_ensemble_outputs(out_dir: str | os.PathLike[str]) -> EnsembleOutputs:
    """Read the aggregates of an ensemble folder.

    Raises
    ------
    DataNotFoundError
        The folder holds no ensemble aggregates.
    """
    folder = Path(out_dir)
    for name in ("manifest.json", "probability.nc"):
        if not (folder / name).is_file():
            raise DataNotFoundError(
                f"no {name} in {folder}: not an ensemble folder (write one with `drm ensemble SCENARIO --out {folder}`)"
            )
    with xr.open_dataset(folder / "probability.nc") as f:
        ds = f.load()
    return EnsembleOutputs(
        folder=folder,
        manifest=json.loads((folder / "manifest.json").read_text(encoding="utf-8")),
        probability=ds,
        outcomes=_read_csv(folder / "outcomes.csv", "member"),
        quantiles=_read_csv(folder / "outcome_quantiles.csv", "outcome"),
        failed=_read_csv(folder / "failed.csv", "member"),
        plan=_read_csv(folder / "preposition_plan.csv", "site"),
        figures={p.stem: p for p in sorted(folder.glob("*.png"))},
    )


def _quantile_table(q: pd.DataFrame, text: Text) -> tb.Table:
    rows = []
    for col, factor in _SPREAD:
        if col not in q.index or not q.loc[col, "members"] > 0:
            continue
        r = q.loc[col]
        cells = [text.amount(r[k] * factor) for k in ("q50", "q05", "q95", "mean")]
        rows.append((tb.Cell(text(f"ens_out_{col}")), *(tb.Cell(c) for c in cells)))
    heads = ("ens_col_outcome", "ens_col_median", "ens_col_q05", "ens_col_q95", "ens_col_mean")
    return tb.Table(tuple(text(h) for h in heads), rows, (False, True, True, True, True))


def _points_table(ds: xr.Dataset, text: Text) -> tb.Table | None:
    if "point_probability" not in ds:
        return None
    p = ds["point_probability"]
    thresholds = p["threshold"].values
    rows = []
    for site in p["site"].values:
        at = p.sel(site=site)
        peak = [float(at.sel(threshold=t).max()) for t in thresholds]
        likely = at.sel(threshold=thresholds[0])
        hit = np.flatnonzero(likely.values >= 0.5)
        first = text.duration(float(likely["time"].values[hit[0]])) if hit.size else "–"
        rows.append((tb.Cell(str(site)), *(tb.Cell(text.percent(v), "flag" if v >= 0.5 else "") for v in peak),
                     tb.Cell(first)))  # fmt: skip
    heads = (text("ens_col_site"),
             *(text("ens_col_point_p", t=text.number(float(t), 2)) for t in thresholds),
             text("ens_col_first_half", t=text.number(float(thresholds[0]), 2)))  # fmt: skip
    return tb.Table(
        heads, rows, (False, *([True] * len(thresholds)), True), text("ens_points_note")
    )


def _plan_table(plan: pd.DataFrame, text: Text) -> tb.Table:
    items = [c for c in plan.columns if c != "site"]
    rows = [
        (tb.Cell(str(site)), *(tb.Cell(text.amount(row[i])) for i in items))
        for site, row in plan.iterrows()
    ]
    return tb.Table(
        (text("ens_col_stock_site"), *(text.item(i) for i in items)),
        rows,
        (False, *([True] * len(items))),
    )


def _members_table(outcomes: pd.DataFrame, text: Text) -> tb.Table:
    cols = [("intensity_factor", 1.0), ("delay_s", 1 / 3600.0), *_SPREAD]
    cols = [(c, f) for c, f in cols if c in outcomes]
    rows = [
        (tb.Cell(str(m)), *(tb.Cell(text.amount(r[c] * f)) for c, f in cols))
        for m, r in outcomes.iterrows()
    ]
    heads = (text("ens_col_member"), *(text(f"ens_out_{c}") for c, _ in cols))
    return tb.Table(heads, rows, (False, *([True] * len(cols))))


def _cards(
    manifest: dict[str, Any], ds: xr.Dataset, q: pd.DataFrame, failed: pd.DataFrame, text: Text
) -> str:
    n = manifest["members"]
    cards = [
        _card(text("ens_card_members"), f"{n - len(failed)} / {n}", "flag" if len(failed) else "ok")
    ]
    if "depth_probability" in ds:
        p = ds["depth_probability"]
        cell = float(abs(p["x"][1] - p["x"][0])) ** 2
        t = float(p["threshold"].values[0])
        area = float((p.sel(threshold=t) >= 0.5).sum()) * cell / 1e6
        cards.append(
            _card(text("ens_card_area", t=text.number(t, 2)), f"{text.number(area, 2)} km²")
        )
    for col, key, factor in (("persons_caught", "ens_card_caught", 1.0),
                             ("clearance_time_s", "ens_card_clearance", 1.0),
                             ("peak_occupancy_persons", "ens_card_peak", 1.0)):  # fmt: skip
        if col in q.index and q.loc[col, "members"] > 0:
            fmt = text.duration if col.endswith("_s") else text.number
            lo, mid, hi = (fmt(q.loc[col, k] * factor) for k in ("q05", "q50", "q95"))
            flag = "flag" if col == "persons_caught" and q.loc[col, "q95"] >= 0.5 else ""
            cards.append(_card(text(key, lo=lo, hi=hi), mid, flag))
    return "<div class='cards'>" + "".join(cards) + "</div>"


def render_ensemble_report(out: EnsembleOutputs, text: Text) -> str:
    """The ensemble report of loaded outputs as one HTML document (a string)."""
    manifest, ds, q = out.manifest, out.probability, out.quantiles
    sc = manifest["scenario"]
    pert = manifest.get("perturbation")
    method = [
        text("ens_method_members", n=manifest["members"], seed=sc.get("seed", "?")),
        text("ens_method_file", source=Path(manifest["source"]).name) if manifest.get("source") else "",
        text("ens_method_perturb", sigma=text.number(pert["intensity_sigma"], 2),
             shift=text.number(pert["shift_m"]), delay=text.duration(pert["timing_shift_s"]))
        if pert else "",
        text("ens_method_equal"),
        text("method_version", version=manifest.get("drm_version", "?"), seed=sc.get("seed", "?")),
    ]  # fmt: skip
    failures = [text("ens_failed_member", member=m, attempts=r.get("attempts", "?"), error=r.get("error", ""))
                for m, r in out.failed.iterrows()]  # fmt: skip
    figures = tb.RunOutputs(out.folder, manifest, figures=out.figures)
    parts = [
        "<!DOCTYPE html>",
        f"<html lang='{text.language}'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{_e(text('ens_title', name=sc['name']))}</title><style>{_CSS}</style></head><body>",
        f"<header><h1>{_e(text('ens_title', name=sc['name']))}</h1>",
        f"<p class='meta'>{_e(text('ens_meta', n=manifest['members']))}</p></header>",
        f"<section id='summary'><h2>{_e(text('ens_h_summary'))}</h2><p>{_e(text('ens_intro'))}</p>",
        _cards(manifest, ds, q, out.failed, text),
        _facts(failures),
        "</section>",
        f"<section id='probability'><h2>{_e(text('ens_h_probability'))}</h2>",
        _figure(figures, "probability_maps", text),
        f"<h3>{_e(text('ens_h_points'))}</h3>",
        _table(_points_table(ds, text)),
        f"</section><section id='spread'><h2>{_e(text('ens_h_spread'))}</h2>",
        _figure(figures, "outcome_spread", text),
        _table(_quantile_table(q, text), text("ens_cap_quantiles")) if len(q) else "",
        "</section>",
    ]
    if len(out.plan):
        parts += [f"<section id='preposition'><h2>{_e(text('ens_h_preposition'))}</h2>",
                  f"<p>{_e(text('ens_preposition_note'))}</p>", _table(_plan_table(out.plan, text)),
                  "</section>"]  # fmt: skip
    if len(out.outcomes):
        parts += [f"<section id='members'><h2>{_e(text('ens_h_members'))}</h2>",
                  _table(_members_table(out.outcomes, text)), "</section>"]  # fmt: skip
    parts += [f"<section id='notes'><h2>{_e(text('h_notes'))}</h2>", _facts(method), "</section>",
              "</body></html>"]  # fmt: skip
    return "\n".join(p for p in parts if p)


def write_ensemble_report(
    out_dir: str | os.PathLike[str], language: str | None = None
) -> dict[str, Path]:
    """Draw the ensemble figures and write ``ensemble_report.html`` in an ensemble folder.

    Parameters
    ----------
    out_dir : str or path-like
        A folder written by :func:`drm.run_ensemble`; nothing is rerun.
    language : {"en", "es"}, optional
        Default: the scenario's.

    Returns
    -------
    dict
        ``probability_maps_png``, ``outcome_spread_png`` and ``ensemble_report`` (paths).

    Raises
    ------
    DataNotFoundError
        The folder holds no ensemble aggregates.

    Examples
    --------
    >>> write_ensemble_report("results/valle_alto_ensemble")  # doctest: +SKIP
    {'probability_maps_png': ..., 'outcome_spread_png': ..., 'ensemble_report': ...}
    """
    out = load_ensemble_outputs(out_dir)
    text = Text(language or out.manifest["scenario"].get("language") or "en")
    files: dict[str, Path] = {}
    if "depth_probability" in out.probability:
        n = out.probability.sizes["threshold"]
        fig = plt.figure(figsize=(min(4.2 * n, 12.0), 4.8), layout="constrained")
        draw_probability(fig, out.probability, text)
        files["probability_maps_png"] = save_figure(fig, out.folder / "probability_maps.png")
    if len(out.outcomes):
        fig = plt.figure(figsize=(10.0, 3.6), layout="constrained")
        draw_spread(fig, out.outcomes, text)
        files["outcome_spread_png"] = save_figure(fig, out.folder / "outcome_spread.png")
    out = replace(out, figures={k.removesuffix("_png"): v for k, v in files.items()})
    target = out.folder / "ensemble_report.html"
    with atomic_path(target) as tmp:
        tmp.write_text(render_ensemble_report(out, text), encoding="utf-8")
    files["ensemble_report"] = target
    return files
