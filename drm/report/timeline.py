"""The run on one page of stacked time panels: rain and alerts, the evacuation, occupancy, stock.

The first panels share hours since the start of the event (rain rate over the
town with the alert levels under it; persons leaving, safe in centres, safe
on high ground, caught, turned away and stranded); the shelter panels share
days (occupancy of each centre as a share of its capacity; stock on hand of
the items with the largest shortfalls).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure

from drm.evacuation.simulation import SAFE_GROUND
from drm.plotting import OKABE_ITO
from drm.report.i18n import Text
from drm.units import DAY

if TYPE_CHECKING:
    from drm.scenario.result import ScenarioResult

__all__ = ["timeline"]

_HOUR = 3600.0
#: Persons by outcome over time: (timeline column, label key, colour, line style).
_OUTCOMES = (
    ("departed", "tl_departed", "#000000", (0, (4, 2))),
    ("centres", "tl_in_centres", OKABE_ITO[2], "-"),
    ("safe_ground", "tl_safe_ground", OKABE_ITO[1], "-"),
    ("en_route", "tl_en_route", OKABE_ITO[0], "-"),
    ("caught", "tl_caught", OKABE_ITO[5], "-"),
    ("no_space", "tl_no_space", OKABE_ITO[6], (0, (1, 1))),
    ("stranded", "tl_stranded", OKABE_ITO[4], "-."),
)
_ITEM_STYLES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1)), (0, (1, 2)))
#: Okabe-Ito without its yellow, too pale for thin lines on white.
_LINE_COLOURS = tuple(c for c in OKABE_ITO if c != "#F0E442")
_OCC_BINS = (0.0, 25.0, 50.0, 75.0, 90.0, 100.0, 110.0)


def _rain_mm_h(result: ScenarioResult) -> tuple[np.ndarray, np.ndarray]:
    """Times (h) and rain rate (mm/h) averaged over the model area, as the solver received it."""
    rain = result.rainfall
    dem = result.inputs.dem
    step = max(1, dem.sizes["x"] // 40)
    over = rain.sel(x=dem["x"].values[::step], y=dem["y"].values[::step], method="nearest")
    return rain["time"].values / _HOUR, over.mean(("y", "x")).values * 1000.0 * _HOUR


def _time_marks(ax: Any, result: ScenarioResult, text: Text, labels: bool) -> None:
    """Vertical lines: the order, the latest safe order and the first water where people live."""
    marks = [(result.order_time_s, "fig_order", "k", "-")]
    zones = result.exposure.zones
    first = zones.loc[zones["persons_at_risk"] > 0, "first_at_risk_s"].min()
    marks.append((first, "tl_first_water", OKABE_ITO[4], ":"))
    if result.decision is not None:
        marks.append(
            (
                np.nanmin(result.decision.table["latest_order_s"]),
                "fig_latest_order",
                OKABE_ITO[5],
                "--",
            )
        )
    for t, key, colour, ls in marks:
        if t is not None and np.isfinite(t):
            ax.axvline(t / _HOUR, color=colour, ls=ls, lw=1.4, label=text(key) if labels else None)


def _rain_panel(ax: Any, result: ScenarioResult, text: Text) -> None:
    t, mm_h = _rain_mm_h(result)
    ax.fill_between(t, mm_h, step="post", color=OKABE_ITO[1], alpha=0.6, lw=0)
    ax.step(t, mm_h, where="post", color=OKABE_ITO[4], lw=1.0, label=text("tl_rain"))
    ax.set_ylabel(text("tl_rain_axis"))
    ax.set_ylim(bottom=0)
    _time_marks(ax, result, text, labels=True)
    ax.legend(fontsize=7, loc="upper right", ncol=2, framealpha=0.9)
    ax.set_title(text("tl_rain_title"), fontsize=10, loc="left")


def _alert_strip(ax: Any, result: ScenarioResult, text: Text, end_h: float) -> None:
    """One bar coloured by the alert level over time, each stretch named (not by colour alone)."""
    from drm.warning.levels import LEVEL_COLOURS, LEVELS

    ax.set_yticks([])
    ax.set_ylabel(text("tl_alert"), rotation=0, ha="right", va="center", fontsize=8)
    if result.alerts is None:
        ax.text(
            0.5,
            0.5,
            text("tl_no_alerts"),
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=8,
        )
        return
    levels = result.alerts.levels.iloc[:, 0]
    times = levels.index.to_numpy(float) / _HOUR
    codes = levels.to_numpy(int)
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    for k, a in enumerate(starts):
        b = times[starts[k + 1]] if k + 1 < len(starts) else max(end_h, times[-1])
        code = int(codes[a])
        ax.axvspan(times[a], b, color=LEVEL_COLOURS[code], lw=0)
        if code > 0:
            ax.text((times[a] + min(b, end_h)) / 2, 0.5, text(f"level_{LEVELS[code]}"), ha="center",
                    va="center", fontsize=7, color="white" if code == 3 else "black", clip_on=True)  # fmt: skip


def _evacuation_panel(ax: Any, result: ScenarioResult, text: Text) -> float:
    """Persons by outcome over time; returns the last time (h) simulated."""
    ev = result.evacuation
    tl = ev.timeline.copy()
    arrivals = ev.arrivals
    ground = (
        arrivals.sel(centre=SAFE_GROUND).values
        if SAFE_GROUND in arrivals["centre"].values
        else np.zeros(len(tl))
    )
    tl["safe_ground"] = ground
    tl["centres"] = tl["safe"] - ground
    hours = tl.index.to_numpy(float) / _HOUR
    for col, key, colour, ls in _OUTCOMES:
        if col != "departed" and not (tl[col] > 0).any():
            continue
        ax.plot(hours, tl[col], color=colour, ls=ls, lw=1.6, label=text(key))
    _time_marks(ax, result, text, labels=False)
    ax.set_ylabel(text("tl_persons"))
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=7, loc="upper left", ncol=2, framealpha=0.9)
    ax.set_title(text("tl_evacuation_title"), fontsize=10, loc="left")
    return float(hours[-1])


def _occupancy_panel(ax: Any, fig: Figure, result: ScenarioResult, text: Text) -> None:
    """Occupancy of each centre as % of its capacity: one row per centre, any number of centres."""
    ds = result.operations.ds
    occ = ds["occupancy"].transpose("centre", "time").values
    cap = (
        result.centres["capacity_persons"]
        .reindex([str(c) for c in ds["centre"].values])
        .to_numpy(float)
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        share = 100.0 * occ / cap[:, None]
    days = ds["time"].values / DAY
    edges = np.r_[days, days[-1] + (days[-1] - days[-2] if days.size > 1 else 1.0)]
    top = max(_OCC_BINS[-1], float(np.nanmax(share)) if np.isfinite(share).any() else 0.0) + 1
    bins = [*_OCC_BINS, top]
    colours = ListedColormap(plt.get_cmap("cividis")(np.linspace(0, 1, len(bins) - 1)))
    mesh = ax.pcolormesh(edges, np.arange(len(cap) + 1), np.where(occ > 0, share, np.nan), cmap=colours,
                         norm=BoundaryNorm(bins, colours.N), shading="flat")  # fmt: skip
    ax.set_yticks(np.arange(len(cap)) + 0.5, [str(c) for c in ds["centre"].values], fontsize=7)
    ax.invert_yaxis()
    ax.set_facecolor("#f2f2f2")
    cb = fig.colorbar(mesh, ax=ax, pad=0.01, aspect=12, label=text("tl_occupancy_axis"))
    cb.ax.set_yticks(bins[:-1], [f"{b:g}" for b in bins[:-1]])
    ax.set_title(text("tl_occupancy_title"), fontsize=10, loc="left")


def _stock_panel(ax: Any, result: ScenarioResult, text: Text) -> None:
    """Stock on hand at every site of the items with the largest shortfalls, % of the first day's."""
    ops = result.operations
    by_item = ops.summary.groupby(level="item")[["demand", "unmet"]].sum()
    by_item = by_item[by_item["demand"] >= 1.0]  # not a fraction of a kit
    worst = (
        (by_item["unmet"] / by_item["demand"])
        .sort_values(ascending=False)
        .index[: len(_ITEM_STYLES)]
    )
    stock = ops.ds["stock"].sum("site")
    days = ops.ds["time"].values / DAY
    for k, item in enumerate(worst):
        s = stock.sel(item=item).values
        if s[0] <= 0:
            continue
        ax.plot(days, 100.0 * s / s[0], color=_LINE_COLOURS[k % len(_LINE_COLOURS)], ls=_ITEM_STYLES[k], lw=1.5,
                label=text.item(str(item)))  # fmt: skip
    ax.set_ylabel(text("tl_stock_axis"))
    ax.set_ylim(bottom=0)
    ax.set_xlabel(text("tl_days"))
    if ax.lines:
        ax.legend(fontsize=7, loc="upper right", ncol=2, framealpha=0.9)
    ax.set_title(text("tl_stock_title"), fontsize=10, loc="left")


def timeline(result: ScenarioResult, *, language: str = "en") -> Figure:
    """Stacked time panels of a run: rain and alerts, evacuation, centre occupancy, stock.

    Parameters
    ----------
    result : ScenarioResult
        A run; panels for the evacuation and the shelters appear when the run
        simulated them.
    language : {"en", "es"}
        Language of the labels.

    Returns
    -------
    matplotlib.figure.Figure
        The panels stacked on one A4-wide page: time in hours since the start
        for rain (mm/h), alerts and evacuation (persons), in days for the
        shelters (occupancy and stock in % of capacity and of the first day's).

    Examples
    --------
    The figure needs a full scenario run, so this example is not run here:

    >>> import drm
    >>> from drm.report.figures import save_figure
    >>> result = drm.run_scenario("valle_alto", "results/valle_alto")  # doctest: +SKIP
    >>> fig = timeline(result, language="es")  # doctest: +SKIP
    >>> save_figure(fig, "results/valle_alto/timeline_es.png")  # doctest: +SKIP
    PosixPath('results/valle_alto/timeline_es.png')
    """
    text = Text(language)
    shelters = result.operations is not None
    heights = (
        [2.2, 0.35]
        + ([2.4] if result.evacuation is not None else [])
        + ([2.0, 2.0] if shelters else [])
    )
    fig = plt.figure(figsize=(8.3, 1.6 + 1.55 * sum(heights)), layout="constrained")
    grid = fig.add_gridspec(len(heights), 1, height_ratios=heights)
    rain_ax = fig.add_subplot(grid[0])
    _rain_panel(rain_ax, result, text)
    strip = fig.add_subplot(grid[1], sharex=rain_ax)
    end_h = float(result.flood.ds["time"].values[-1]) / _HOUR
    row = 2
    if result.evacuation is not None:
        ev_ax = fig.add_subplot(grid[row], sharex=rain_ax)
        end_h = max(end_h, _evacuation_panel(ev_ax, result, text))
        ev_ax.set_xlabel(text("tl_hours"))
        row += 1
    else:
        strip.set_xlabel(text("tl_hours"))
    _alert_strip(strip, result, text, end_h)
    rain_ax.set_xlim(0, end_h)
    plt.setp(rain_ax.get_xticklabels(), visible=False)
    if result.evacuation is not None:
        plt.setp(strip.get_xticklabels(), visible=False)
    if shelters:
        occ_ax = fig.add_subplot(grid[row])
        _occupancy_panel(occ_ax, fig, result, text)
        stock_ax = fig.add_subplot(grid[row + 1], sharex=occ_ax)
        _stock_panel(stock_ax, result, text)
    fig.suptitle(text("tl_title", name=result.scenario.name), fontsize=12)
    return fig
