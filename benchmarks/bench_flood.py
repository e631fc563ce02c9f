"""Benchmark: drm's 2-D flood solver against Landlab's OverlandFlow on the same event.

Event (as in the peer baselines): a synthetic valley DEM at 30 m cells, not
depression-filled; 50 mm/h for 30 min, then dry until 60 min; Manning n 0.03;
theta 0.8; alpha 0.7; time step capped at 30 s; open (free-outflow) edges.
Each run is a fresh interpreter (numba cache warm), timed around the solver
only; peak memory is the child's VmHWM. Landlab's volume error is computed the
same way as drm's: rain in - storage - boundary outflow (summed from boundary
link discharges every step), over the rain in.

Also: drm on a 1000 x 1000 grid at 10 m cells with a 6-hour storm.

Usage::

    python benchmarks/bench_flood.py                 # full table (several minutes)
    python benchmarks/bench_flood.py --sizes 200 --repeats 1
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import median_of, peak_rss_mib, run_worker, span, synthetic_dem

RAIN_M_S = 50.0 / 3.6e6
N_MANNING = 0.03
DX = 30.0


def drm_worker(n: int, dx: float = DX, hours: float = 1.0, storm_h: float = 0.5) -> dict:
    import xarray as xr

    from drm.hazard.boundaries import Boundary
    from drm.hazard.flood import simulate_flood
    from drm.io import rainfall_grid

    z = synthetic_dem(n, dx)
    x = dx * (np.arange(n) + 0.5)
    dem = xr.DataArray(z, dims=("y", "x"), coords={"y": x[::-1].copy(), "x": x})
    extent = n * dx
    dry = storm_h < hours  # a dry interval after the storm
    rain = rainfall_grid(
        np.array([np.full((2, 2), 50.0), np.zeros((2, 2))][: 2 if dry else 1]),
        x=[extent / 4, 3 * extent / 4],
        y=[3 * extent / 4, extent / 4],
        time_s=[0.0, storm_h * 3600.0][: 2 if dry else 1],
        interval_end_s=hours * 3600.0,
    )
    free = [Boundary(e, "free") for e in ("north", "south", "east", "west")]
    # warm the JIT cache on a small grid so compile time is not timed
    simulate_flood(dem.isel(x=slice(0, 16), y=slice(0, 16)), 1e-5, duration=60, progress=False)
    t0 = time.perf_counter()
    r = simulate_flood(
        dem, rain, manning_n=N_MANNING, duration=hours * 3600.0, output_interval="10min",
        boundaries=free, theta=0.8, alpha=0.7, max_dt=30.0, progress=False,
    )  # fmt: skip
    wall = time.perf_counter() - t0
    return {
        "tool": "drm",
        "n": n,
        "wall_s": wall,
        "steps": r.steps,
        "mcells_s": r.steps * n * n / wall / 1e6,
        "volume_error": r.volume_balance.relative_error,
        "max_depth_m": float(np.nanmax(r.ds["max_depth"].values)),
        "peak_mib": peak_rss_mib(),
    }


def landlab_worker(n: int) -> dict:
    from landlab import RasterModelGrid
    from landlab.components import OverlandFlow

    z = synthetic_dem(n, DX)
    grid = RasterModelGrid((n, n), xy_spacing=DX)
    grid.add_field("topographic__elevation", np.flipud(z).ravel().copy(), at="node")
    h = grid.add_zeros("surface_water__depth", at="node")
    of = OverlandFlow(
        grid,
        steep_slopes=True,
        mannings_n=N_MANNING,
        theta=0.8,
        alpha=0.7,
        rainfall_intensity=RAIN_M_S,
    )
    core = grid.core_nodes
    links = grid.active_links
    tail, head = grid.node_at_link_tail[links], grid.node_at_link_head[links]
    boundary = grid.status_at_node != grid.BC_NODE_IS_CORE
    out_head = links[boundary[head]]  # positive discharge flows towards the head: out of the domain
    out_tail = links[boundary[tail]]
    del tail, head
    stored0 = float(h[core].sum()) * DX * DX
    t, steps, rain_in, outflow = 0.0, 0, 0.0, 0.0
    hmax = np.zeros(n * n)
    t0 = time.perf_counter()
    while t < 3600.0 - 1e-9:
        raining = t < 1800.0 - 1e-9
        of.rainfall_intensity = RAIN_M_S if raining else 0.0
        dt = min(of.calc_time_step(), 30.0, (1800.0 if raining else 3600.0) - t)
        of.run_one_step(dt=dt)
        q = grid.at_link["surface_water__discharge"]
        outflow += (q[out_head].sum() - q[out_tail].sum()) * DX * dt
        rain_in += of.rainfall_intensity * dt * core.size * DX * DX
        t += dt
        steps += 1
        np.maximum(hmax, h, out=hmax)
    wall = time.perf_counter() - t0
    stored = float(h[core].sum()) * DX * DX
    error = (stored - stored0 + outflow - rain_in) / rain_in
    return {
        "tool": "landlab",
        "n": n,
        "wall_s": wall,
        "steps": steps,
        "mcells_s": steps * n * n / wall / 1e6,
        "volume_error": error,
        "max_depth_m": float(hmax.max()),
        "peak_mib": peak_rss_mib(),
        "note": "landlab counts its own internal sub-steps inside run_one_step; 'steps' are outer calls",
    }


BYTES_PER_CELL_STEP = 88
"""Memory traffic of one cell in one step of drm's fused sweep (B): read ground, depth and
both face discharges (float64), max depth, time of max, max speed² and arrival (float32)
= 48 B, and write all but the ground back = 40 B (uniform n, rain and losses are one
row, cache-resident)."""


def stream_bandwidth_gb_s(n: int = 20_000_000, repeats: int = 5) -> float:
    """Best of ``repeats`` of a parallel triad a = b + s*c over float64 (24 B per element)."""
    import numba

    @numba.njit(parallel=True)
    def triad(a, b, c, s):
        for i in numba.prange(a.size):
            a[i] = b[i] + s * c[i]

    a, b, c = np.zeros(n), np.ones(n), np.ones(n)
    triad(a, b, c, 2.0)
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        triad(a, b, c, 2.0)
        best = min(best, time.perf_counter() - t0)
    return 24 * n / best / 1e9


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--worker", nargs="+")
    p.add_argument("--sizes", type=int, nargs="+", default=[500, 1000])
    p.add_argument("--drm-only", type=int, nargs="*", default=[2000])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--no-six-hour", action="store_true")
    p.add_argument(
        "--output", type=Path, default=Path(__file__).resolve().parent / "results" / "flood.md"
    )
    args = p.parse_args()
    if args.worker:
        tool, n = args.worker[0], int(args.worker[1])
        if tool == "drm":
            res = drm_worker(n)
        elif tool == "drm6h":
            res = drm_worker(n, dx=10.0, hours=6.0, storm_h=6.0)
        elif tool == "stream":
            res = {"gb_s": stream_bandwidth_gb_s()}
        else:
            res = landlab_worker(n)
        print(json.dumps(res))
        return
    script = Path(__file__).resolve()
    load_start = os.getloadavg()[0]
    rows = []
    for n in args.sizes:
        # drm and Landlab alternate, so both see the same load; the ratio is the
        # median of the ratios of each pair
        by_tool: dict[str, list[dict]] = {"drm": [], "landlab": []}
        for _ in range(args.repeats):
            for tool in by_tool:
                by_tool[tool].append(run_worker(script, [tool, str(n)]))
        ratio = statistics.median(
            ll["wall_s"] / d["wall_s"]
            for d, ll in zip(by_tool["drm"], by_tool["landlab"], strict=True)
        )
        for tool, runs in by_tool.items():
            rows.append((f"{n}x{n}", tool, runs, ratio if tool == "drm" else 1.0))
    for n in args.drm_only:
        runs = [run_worker(script, ["drm", str(n)]) for _ in range(max(1, args.repeats - 2))]
        rows.append((f"{n}x{n}", "drm", runs, None))
    bandwidth = run_worker(script, ["stream", "0"])["gb_s"]
    header = ["grid", "tool", "runs", "wall s", "steps", "M cell-updates/s", "volume error / rain"]
    header += ["peak MiB", "max depth m", "speed-up vs Landlab (paired)", "memory traffic GB/s"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for grid, tool, runs, ratio in rows:
        traffic = (
            f"{median_of(runs, 'mcells_s') * BYTES_PER_CELL_STEP / 1e3:.1f}"
            if tool == "drm"
            else "-"
        )
        lines.append(
            f"| {grid} | {tool} | {len(runs)} | {span(runs, 'wall_s')} | {int(median_of(runs, 'steps'))} | "
            f"{span(runs, 'mcells_s', '{:.1f}')} | {median_of(runs, 'volume_error'):.1e} | "
            f"{median_of(runs, 'peak_mib'):.0f} | {median_of(runs, 'max_depth_m'):.2f} | "
            f"{'-' if ratio is None else f'{ratio:.1f}x'} | {traffic} |"
        )
    lines += [
        "",
        f"Memory traffic: {BYTES_PER_CELL_STEP} B per cell-update (see `BYTES_PER_CELL_STEP`); "
        f"a parallel float64 triad on this machine moves {bandwidth:.1f} GB/s, the ceiling.",
    ]
    if not args.no_six_hour:
        r6 = run_worker(script, ["drm6h", "1000"])
        lines.append(
            f"\n1000 x 1000 cells at 10 m, 6-hour storm of 50 mm/h: {r6['wall_s']:.1f} s, "
            f"{r6['steps']} steps, {r6['mcells_s']:.1f} M cell-updates/s, "
            f"volume error {r6['volume_error']:.1e}, peak {r6['peak_mib']:.0f} MiB"
        )
    load_end = os.getloadavg()[0]
    text = "\n".join(lines)
    print(text)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        f"# Flood solver: drm against Landlab OverlandFlow ({time.strftime('%Y-%m-%d %H:%M')})\n\n"
        f"`python benchmarks/bench_flood.py`; 2 cores, 1-minute load average {load_start:.1f} at the "
        f"start and {load_end:.1f} at the end (a shared machine). Wall times: median (min-max).\n\n"
        + text
        + "\n"
    )


if __name__ == "__main__":
    main()
