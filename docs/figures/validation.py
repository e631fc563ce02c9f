"""Validation figures and numbers for the documentation, computed from the test cases.

``docs/conf.py`` calls :func:`build` when Sphinx starts, so every figure on the
"Methods and validation" pages comes from a fresh drm run of the same inputs the
tests assert on (``tests/hazard/cases.py``, the evacuation test helpers, the
published numbers). Outputs go to ``docs/_generated/validation/`` (ignored by
git): one PNG per case, ``numbers.md`` (drm against the reference, per case) and
``landlab.md`` (the peer comparison, or a line saying Landlab was not there).
They are rebuilt whenever drm, the test cases or this script change.

By hand: ``python docs/figures/validation.py [OUT_DIR]``.
"""

from __future__ import annotations

import importlib.util
import logging
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np

from drm.evacuation import Rayleigh, simulate_evacuation
from drm.hazard import (
    GreenAmptSoil,
    green_ampt_cumulative,
    hazard_rating_class,
    scs_runoff,
    simulate_flood,
)
from drm.network import pregnolato_speed_kph
from drm.plotting import OKABE_ITO

REPO = Path(__file__).resolve().parents[2]
BLUE, ORANGE, GREEN, VERMILION, GREY = OKABE_ITO[4], OKABE_ITO[0], OKABE_ITO[2], OKABE_ITO[5], "0.4"
IN_MM = 25.4


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _sources() -> list[Path]:
    return [
        Path(__file__),
        REPO / "tests" / "hazard" / "cases.py",
        REPO / "tests" / "evacuation" / "test_simulation.py",
        *sorted((REPO / "drm").rglob("*.py")),
    ]


def _save(fig, out: Path, name: str) -> None:
    fig.savefig(out / f"{name}.png", dpi=110, bbox_inches="tight")
    plt.close(fig)


def wetting_front(cases, out: Path, rows: list) -> None:
    """Hunter et al. (2005): simulated and analytic depth profiles every 100 s."""
    r = simulate_flood(**cases.wetting_front())
    x = r.ds["x"].values - 1000.0
    fig, ax = plt.subplots(figsize=(7, 3.4))
    fine = np.linspace(0.0, x.max(), 400)
    for k, t in enumerate(r.ds["time"].values[1:]):
        colour = plt.cm.viridis(k / 5)
        ax.plot(fine, cases.hunter_depth(fine, t), color=colour, lw=1)
        ax.plot(
            x, r.ds["depth"].sel(time=t).values[1], "o", ms=3.5, color=colour, label=f"{t:.0f} s"
        )
    ax.set(xlabel="distance from the inflow edge (m)", ylabel="depth (m)", xlim=(0, 300))
    ax.legend(title="drm (dots), analytic (lines)", fontsize=8, title_fontsize=8)
    _save(fig, out, "wetting_front")
    h = r.ds["depth"].sel(time=500.0).values[1]
    analytic = cases.hunter_depth(x, 500.0)
    away = x < 150.0
    err = np.max(np.abs(h[away] / analytic[away] - 1))
    front = x[h > 0.01].max()
    rows.append(("Wetting front (Hunter et al. 2005), t = 500 s",
                 f"h(12.5 m) = {analytic[0]:.4f} m; front at u t = 200 m",
                 f"h(12.5 m) = {h[0]:.4f} m; largest error for x < 150 m {err:.1%}; "
                 f"front (h > 0.01 m) at cell {front:.1f} m", "5 %; front 175-240 m"))  # fmt: skip


def normal_depth(cases, out: Path, rows: list) -> None:
    """Steady uniform flow down a plane: depth along it against (n q / √S)^(3/5)."""
    r = simulate_flood(**cases.uniform_flow())
    normal = cases.normal_depth()
    x = r.ds["x"].values - 1000.0
    fig, ax = plt.subplots(figsize=(7, 3.2))
    for k, t in enumerate(r.ds["time"].values[1:]):
        ax.plot(x, r.ds["depth"].sel(time=t).values[1], "o-", ms=3, lw=0.8,
                color=plt.cm.viridis(k / 3), label=f"drm, {t / 3600:.0f} h")  # fmt: skip
    ax.axhline(normal, color=VERMILION, ls="--", label=f"normal depth {normal:.3f} m")
    ax.set(xlabel="distance down the plane (m)", ylabel="depth (m)", ylim=(0, 1.3 * normal))
    ax.legend(fontsize=8, loc="lower center", ncol=4)
    _save(fig, out, "normal_depth")
    h = r.ds["depth"].isel(time=-1).values[1, 5:-5]
    rows.append(("Normal depth, n = 0.03, S = 0.001, q = 1 m²/s", f"{normal:.3f} m",
                 f"{h.min():.3f}-{h.max():.3f} m (cells 6-55 after 3 h); volume error "
                 f"{r.volume_balance.relative_error:.1e}", "1 %"))  # fmt: skip


def lake_at_rest(cases, out: Path, rows: list) -> None:
    """A lake over a bumpy bed with an island: the water stays still."""
    fig, ax = plt.subplots(figsize=(7, 3.2))
    for theta, colour, style in ((1.0, BLUE, {"lw": 4}), (0.7, ORANGE, {"lw": 1.5, "ls": "--"})):
        case = cases.lake_at_rest(np.random.default_rng(20261128), theta)
        r = simulate_flood(**case)
        z = case["dem"].values[12]
        eta = z + r.ds["depth"].isel(time=-1).values[12]
        vmax = float(r.ds["max_velocity"].max())
        drift = float(
            np.abs(r.ds["depth"].isel(time=-1).values - case["initial_depth"].values).max()
        )
        if theta == 1.0:
            x = r.ds["x"].values - 1000.0
            ax.fill_between(x, 0, z, step="mid", color="0.75", label="bed")
        ax.step(x, np.where(eta > z, eta, np.nan), where="mid", color=colour, **style,
                label=f"water after 2 h, θ = {theta}: max velocity {vmax:.2g} m/s")  # fmt: skip
        rows.append((f"Lake at rest with an island, θ = {theta}", "velocity 0, level 4 m",
                     f"max velocity {vmax:.1e} m/s; largest depth change {drift:.1e} m",
                     "velocity < 1e-8 m/s; depth 1e-6 m"))  # fmt: skip
    ax.set(xlabel="distance across the lake, row 13 (m)", ylabel="elevation (m)", ylim=(0, 7))
    ax.legend(fontsize=8, loc="upper left")
    _save(fig, out, "lake_at_rest")


def closed_box(cases, out: Path, rows: list) -> None:
    """Rain into a closed box: stored volume against the rain that fell."""
    case = cases.closed_box(np.random.default_rng(20261128))
    r = simulate_flood(**{**case, "output_interval": "5min"})
    t = r.ds["time"].values
    area = case["dem"].size * 100.0
    rates = np.array(cases.BOX_RAIN_MM_H) / 3.6e6
    rain = area * (rates[0] * np.minimum(t, 1200.0) + rates[1] * np.clip(t - 1200.0, 0.0, 1200.0))
    stored = r.ds["depth"].sum(("y", "x")).values * 100.0
    fig, ax = plt.subplots(figsize=(7, 3.2))
    ax.plot(t / 60, rain, color=GREY, lw=3, label="rain fallen (analytic)")
    ax.plot(t / 60, stored, "o", ms=4, color=BLUE, label="water stored in drm's frames")
    ax.set(xlabel="time (min)", ylabel="volume (m³)")
    ax.legend(fontsize=8)
    _save(fig, out, "closed_box")
    vb = r.volume_balance
    rows.append(("Closed box with rain", f"rain {rain[-1]:.2f} m³ stored",
                 f"stored {vb.stored_m3:.2f} m³; bookkeeping error {vb.relative_error:.1e}",
                 "1e-9 (balance), 1e-6 (float32 frames)"))  # fmt: skip


def runoff(cases, out: Path, rows: list) -> None:
    """SCS-CN against TR-55 and Green-Ampt against Chow et al. (1988), in the solver and alone."""
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.6))
    p = np.linspace(0, 10, 201)
    tr55 = {70: 2.81, 75: 3.28}
    for (cn, q_book), colour in zip(tr55.items(), (BLUE, ORANGE), strict=True):
        a.plot(p, scs_runoff(p * IN_MM, cn) / IN_MM, color=colour, label=f"scs_runoff, CN {cn}")
        r = simulate_flood(**cases.tr55_storm(cn))
        q = r.volume_balance.stored_m3 / (64 * 100.0) * 1000 / IN_MM
        a.plot(
            6, q, "o", color=colour, ms=7, mfc="none", label=f"flood solver, CN {cn}: {q:.3f} in"
        )
        a.plot(6, q_book, "x", color="k", ms=7)
        rows.append((f"SCS-CN, P = 6 in, CN {cn} (TR-55 ch. 2)", f"Q = {q_book} in",
                     f"{scs_runoff(6 * IN_MM, cn) / IN_MM:.3f} in (scs_runoff); {q:.3f} in "
                     "(stored by the flood solver)", "0.005 in"))  # fmt: skip
    a.plot([], [], "x", color="k", label="TR-55 worked examples")
    a.set(xlabel="rainfall P (in)", ylabel="runoff Q (in)", title="SCS Curve Number")
    a.legend(fontsize=7)
    soil = GreenAmptSoil(
        cases.CHOW_SOIL["ks_m_s"], cases.CHOW_SOIL["suction_m"], cases.CHOW_SOIL["moisture_deficit"]
    )
    t = np.linspace(0, 2 * 3600, 121)
    b.plot(
        t / 3600, green_ampt_cumulative(t, soil) * 100, color=BLUE, label="green_ampt_cumulative"
    )
    r = simulate_flood(**cases.chow_ponded())
    f_cm = r.volume_balance.infiltration_m3 / (36 * 100.0) * 100
    b.plot(1, f_cm, "o", color=ORANGE, ms=7, mfc="none", label=f"flood solver: {f_cm:.3f} cm")
    b.plot(1, 3.17, "x", color="k", ms=7, label="Chow et al. example 4.3.1: 3.17 cm")
    b.set(
        xlabel="time ponded (h)", ylabel="infiltrated depth F (cm)", title="Green-Ampt, silt loam"
    )
    b.legend(fontsize=7)
    _save(fig, out, "runoff")
    rows.append(("Green-Ampt, silt loam ponded 1 h (Chow et al. 1988, ex. 4.3.1)", "F = 3.17 cm",
                 f"{green_ampt_cumulative(3600.0, soil) * 100:.3f} cm (green_ampt_cumulative); "
                 f"{f_cm:.3f} cm (flood solver)", "0.01 cm"))  # fmt: skip


def rain_on_plane(cases, out: Path, rows: list) -> None:
    """Steady rain on a plane: equilibrium depth profiles at 5, 10 and 20 m cells against the ODE."""
    fig, ax = plt.subplots(figsize=(7, 3.4))
    fine = np.linspace(0.0, cases.PLANE_L, 400)
    ax.plot(fine, cases.diffusive_plane_depth(fine), color=VERMILION, lw=1.2,
            label="diffusive wave (ODE)")  # fmt: skip
    ax.plot(fine, (cases.PLANE_N * cases.PLANE_RAIN_MM_H / 3.6e6 * fine / np.sqrt(cases.PLANE_SLOPE))
            ** 0.6, color=GREY, ls="--", lw=1, label="kinematic wave")  # fmt: skip
    kinematic = cases.kinematic_plane_storage()
    errors = []
    for k, dx in enumerate((5.0, 10.0, 20.0)):
        steps = set()
        for interval in ("20s", "10min", "1h"):
            r = simulate_flood(**cases.rain_on_plane(dx, interval))
            h = r.ds["depth"].isel(time=-1).values[1].astype(float)
            errors.append((dx, interval, h.sum() * dx / kinematic - 1))
            steps.add(r.steps)
        x = dx * (np.arange(h.size) + 0.5)
        ax.plot(x, h, "o", ms=3.5, color=(BLUE, GREEN, ORANGE)[k], label=f"drm, {dx:g} m cells")
    ax.set(xlabel="distance from the divide (m)", ylabel="depth (m)")
    ax.legend(fontsize=8)
    _save(fig, out, "rain_on_plane")
    worst = max(errors, key=lambda e: abs(e[2]))
    rows.append(("Steady rain on a plane (200 m, S = 0.005, n = 0.05, 100 mm/h), 5/10/20 m cells, "
                 "frames every 20 s, 10 min, 1 h", f"storage {kinematic:.3f} m³/m (kinematic)",
                 ", ".join(f"{dx:g} m {e:+.1%}" for dx, iv, e in errors if iv == "10min")
                 + f"; largest {worst[2]:+.1%}; the same at every frame interval", "5 %"))  # fmt: skip


def backwater(cases, out: Path, rows: list) -> None:
    """Backwater (M1) profile against the gradually varied flow equation."""
    r = simulate_flood(**cases.backwater())
    h = r.ds["depth"].isel(time=-1).values[1].astype(float)
    x = cases.BACKWATER_DX * (np.arange(h.size) + 0.5)
    fine = np.linspace(0.0, cases.BACKWATER_L, 400)
    normal = (cases.BACKWATER_N * cases.BACKWATER_Q / np.sqrt(cases.BACKWATER_SLOPE)) ** 0.6
    fig, ax = plt.subplots(figsize=(7, 3.2))
    ax.plot(fine / 1000, cases.gradually_varied_depth(fine), color=VERMILION, label="GVF ODE")
    ax.plot(x / 1000, h, "o", ms=3, color=BLUE, label="drm after 8 h")
    ax.axhline(normal, color=GREY, ls="--", lw=0.8, label=f"normal depth {normal:.2f} m")
    ax.set(xlabel="distance down the channel (km)", ylabel="depth (m)")
    ax.legend(fontsize=8)
    _save(fig, out, "backwater")
    err = np.abs(h / cases.gradually_varied_depth(x) - 1)
    rows.append(("Backwater: q = 0.5 m²/s, n = 0.03, S = 2e-4, 2 m held downstream (Chow 1959)",
                 "dh/dx = (S − S_f)/(1 − Fr²)", f"largest depth error {err.max():.2%} (inflow cell "
                 f"{err[0]:.2%})", "1 %"))  # fmt: skip


def dam_break(cases, out: Path, rows: list) -> None:
    """Dam break on a wet bed against Stoker's solution."""
    r = simulate_flood(**cases.dam_break())
    x = cases.STOKER_DX * (np.arange(r.ds.sizes["x"]) + 0.5)
    fig, ax = plt.subplots(figsize=(7, 3.2))
    for k, t in enumerate((4.0, 10.0)):
        ax.plot(x, cases.stoker_depth(x, t), color=(VERMILION, ORANGE)[k], lw=1.2,
                label=f"Stoker, {t:g} s")  # fmt: skip
        ax.plot(x, r.ds["depth"].sel(time=t).values[1], ".", ms=2.5, color=(BLUE, GREEN)[k],
                label=f"drm, {t:g} s")  # fmt: skip
    ax.set(xlabel="distance along the channel (m)", ylabel="depth (m)", xlim=(40, 160))
    ax.legend(fontsize=8)
    _save(fig, out, "dam_break")
    h = r.ds["depth"].sel(time=10.0).values[1].astype(float)
    exact = cases.stoker_depth(x, 10.0)
    plateau = (x > cases.STOKER_X0 + 1.0) & (x < cases.STOKER_X0 + 20.0)
    rows.append(("Dam break on a wet bed, 1.0 m / 0.8 m, t = 10 s (Stoker 1957)",
                 f"plateau {np.median(exact[plateau]):.4f} m",
                 f"plateau {np.median(h[plateau]):.4f} m; mean error "
                 f"{np.abs(h - exact).mean() / (cases.STOKER_HL - cases.STOKER_HR):.1%} of the jump",
                 "plateau 1 %, bore 2 m, mean 3 %"))  # fmt: skip


def landlab(cases, out: Path, rows: list) -> None:
    """drm against Landlab's OverlandFlow: maximum depth maps and their ratio."""
    try:
        import landlab  # noqa: F401
    except ImportError:
        (out / "landlab.md").write_text(
            "Landlab is not installed where these pages were built, so this figure is missing "
            "here; the test `tests/hazard/test_flood.py::test_against_landlab_overlandflow` "
            "runs the comparison wherever the test extra is installed.\n",
            encoding="utf-8",
        )
        return
    case = cases.peer_run()
    ours = simulate_flood(**case).ds["max_depth"].values
    peer = cases.landlab_max_depth()
    mask = np.isfinite(case["dem"].values) & (peer > 0.05)
    rel = ours[mask] / peer[mask] - 1
    hollows = np.isfinite(case["dem"].values) & (peer > 0.2)
    rel_hollows = ours[hollows] / peer[hollows] - 1
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.4), layout="constrained")
    vmax = float(np.nanmax(peer))
    for ax, field, title in ((axes[0], ours, "drm"), (axes[1], peer, "Landlab")):
        im = ax.imshow(np.where(np.isfinite(case["dem"].values), field, np.nan), vmin=0, vmax=vmax,
                       cmap="Blues")  # fmt: skip
        ax.set(title=f"{title}: max depth", xticks=[], yticks=[])
    fig.colorbar(im, ax=axes[:2], label="max depth (m)", shrink=0.85)
    axes[2].plot(peer[mask], ours[mask], ".", ms=2, color=BLUE)
    axes[2].plot([0, vmax], [0, vmax], color=GREY, lw=0.8)
    axes[2].set(xlabel="Landlab max depth (m)", ylabel="drm max depth (m)",
                title=f"{mask.sum()} cells deeper than 0.05 m")  # fmt: skip
    _save(fig, out, "landlab")
    (out / "landlab.md").write_text(
        "![drm and Landlab maximum depth maps and a cell-by-cell scatter](landlab.png)\n",
        encoding="utf-8",
    )
    rows.append(("Landlab OverlandFlow, same DEM, rain, n and θ", "Landlab's max depth",
                 f"hollows (> 0.2 m): median {np.median(np.abs(rel_hollows)):.1%}, largest "
                 f"{np.max(np.abs(rel_hollows)):.1%}; all {mask.sum()} cells > 0.05 m: median "
                 f"{np.median(np.abs(rel)):.1%}", "hollows 4 %, median 2 %; all: median 3 %"))  # fmt: skip


def bottleneck(out: Path, rows: list) -> None:
    """1,000 people through one road of 1 person/s and 600 s: clearance = 600 + 1000 s."""
    sim = _load("drm_docs_evacuation_cases", REPO / "tests" / "evacuation" / "test_simulation.py")
    tau, per_s, n = 600.0, 1.0, 1000
    r = simulate_evacuation(sim.chain([tau], capacity_h=per_s * 3600), sim.crowd(n), sim.centre(1),
                            registration_persons_h=1e9, record_interval=30.0, progress=False)  # fmt: skip
    tl = r.timeline
    fig, ax = plt.subplots(figsize=(7, 3.2))
    ax.plot(tl.index / 60, tl["safe"], color=BLUE, lw=2, label="drm: people safe")
    ax.plot(tl.index / 60, tl["queued"], color=ORANGE, lw=1.5, label="drm: people queuing")
    t = np.linspace(0, 2000, 201)
    ax.plot(t / 60, np.clip((t - tau) * per_s, 0, n), color="k", ls="--", lw=1,
            label="closed form: min(n, c (t - τ))")  # fmt: skip
    ax.set(xlabel="time after departure (min)", ylabel="persons")
    ax.legend(fontsize=8)
    _save(fig, out, "bottleneck")
    rows.append(("Evacuation over one bottleneck: 1,000 people, 1 person/s, 600 s",
                 f"τ + N/c = {tau + n / per_s:.0f} s", f"clearance {r.clearance_time_s:.0f} s", "2 %"))  # fmt: skip


def departure(out: Path, rows: list) -> None:
    """Rayleigh response curve: sampled departures against F(t) = 1 - exp(-(t - d)²/2σ²)."""
    curve = Rayleigh(sigma_s=1200.0, delay_s=600.0)
    sample = np.sort(curve.ppf(np.random.default_rng(1).random(5000)))
    t = np.linspace(0, 6000, 301)
    fig, ax = plt.subplots(figsize=(7, 3.0))
    ax.step(sample / 60, np.arange(1, sample.size + 1) / sample.size, where="post", color=BLUE,
            lw=2, label="5,000 sampled departures")  # fmt: skip
    ax.plot(t / 60, 1 - np.exp(-np.clip(t - 600, 0, None) ** 2 / (2 * 1200.0**2)), "k--", lw=1,
            label="F(t) = 1 - exp(-(t - 600 s)² / 2 (1200 s)²)")  # fmt: skip
    ax.set(xlabel="time after the order (min)", ylabel="share of households gone")
    ax.legend(fontsize=8)
    _save(fig, out, "departure")
    median = 600.0 + 1200.0 * np.sqrt(2 * np.log(2))
    rows.append(("Rayleigh departure curve, σ = 1200 s, delay 600 s", f"median {median:.1f} s",
                 f"{float(curve.ppf(0.5)):.1f} s", "1e-14 relative"))  # fmt: skip


def hazard_chart(out: Path) -> None:
    """FD2320 hazard classes on the depth-velocity plane (debris factor 0)."""
    d, v = np.meshgrid(np.linspace(0.01, 2.5, 300), np.linspace(0.0, 4.0, 300))
    cls = hazard_rating_class(d * (v + 0.5))  # 1 low, 2 moderate, 3 significant, 4 extreme
    names = ["low", "moderate", "significant", "extreme"]
    fig, ax = plt.subplots(figsize=(6, 3.6))
    cmap = matplotlib.colors.ListedColormap(
        [OKABE_ITO[3], OKABE_ITO[0], OKABE_ITO[5], OKABE_ITO[6]]
    )
    ax.pcolormesh(v, d, cls - 1, cmap=cmap, vmin=-0.5, vmax=3.5, shading="auto")
    handles = [matplotlib.patches.Patch(color=cmap(k), label=n) for k, n in enumerate(names)]
    ax.legend(handles=handles, fontsize=8, loc="upper right")
    ax.set(xlabel="velocity v (m/s)", ylabel="depth d (m)", title="HR = d (v + 0.5), DF = 0")
    _save(fig, out, "hazard_classes")


def pregnolato(out: Path) -> None:
    """Vehicle speed in standing water (Pregnolato et al. 2017) and the test's hand-computed points."""
    w = np.linspace(0, 0.35, 351)
    fig, ax = plt.subplots(figsize=(6, 3.2))
    ax.plot(w * 1000, pregnolato_speed_kph(w), color=BLUE, lw=2, label="pregnolato_speed_kph")
    pts = [(0, 86.9448), (100, 40.6548), (200, 12.3648), (290, 2.2938), (300, 0.0)]
    ax.plot(*zip(*pts, strict=True), "kx", label="by hand (test)")
    ax.set(xlabel="water depth on the road (mm)", ylabel="speed (km/h)")
    ax.legend(fontsize=8)
    _save(fig, out, "pregnolato")


def _numbers_table(rows: list) -> str:
    lines = ["| case | reference | drm | test tolerance |", "| --- | --- | --- | --- |"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    return "\n".join(lines) + "\n"


def build(out: Path) -> None:
    """Compute every figure and ``numbers.md`` into ``out`` unless they are newer than their sources."""
    out = Path(out)
    stamp = out / "numbers.md"
    if stamp.exists() and stamp.stat().st_mtime > max(p.stat().st_mtime for p in _sources()):
        return
    out.mkdir(parents=True, exist_ok=True)
    log = logging.getLogger("drm")
    level = log.level
    log.setLevel(logging.WARNING)  # no log line per flood run in the build output
    start = time.perf_counter()
    try:
        cases = _load("drm_docs_flood_cases", REPO / "tests" / "hazard" / "cases.py")
        rows: list = []
        for case in (wetting_front, normal_depth, lake_at_rest, closed_box, rain_on_plane,
                     backwater, dam_break, runoff, landlab):  # fmt: skip
            case(cases, out, rows)
        bottleneck(out, rows)
        departure(out, rows)
        hazard_chart(out)
        pregnolato(out)
    finally:
        log.setLevel(level)
    stamp.write_text(_numbers_table(rows), encoding="utf-8")
    print(f"validation figures: {time.perf_counter() - start:.1f} s into {out}")


if __name__ == "__main__":
    build(
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else Path(__file__).resolve().parents[1] / "_generated" / "validation"
    )
