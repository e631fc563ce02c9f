"""Benchmark: depression filling + D8 + flow accumulation, drm against pyflwdir, richdem, pysheds.

Every tool and DEM size runs in a fresh Python process that imports the tool,
loads the DEM, warms up on a 64 x 64 DEM (numba caches compiled, so no JIT in
the timings), then times the pipeline ``--runs`` times and reports the median
seconds per stage. Peak memory is the process's ``VmHWM`` from
``/proc/self/status`` (``ru_maxrss`` of a child started by a big parent is
wrong on Linux, see ../shared/peer-baselines.md).

The DEM (float32, 30 m cells) is synthetic and seeded: 100 m base, 0.3 %
regional slope, a meandering V-shaped valley with 2 % side slopes and seven
octaves of smoothed noise (1 to 64 cells, up to about 5 m), rounded to 0.1 m
like stored DEMs; about 1 % of its cells lie in closed depressions.

Pipelines timed (same inputs, each tool's own D8 rule, see peer-baselines.md):

* drm: ``condition_dem`` (fill + D8 with flats resolved), ``flow_accumulation``
* pyflwdir: ``dem.fill_depressions`` (fill + D8), ``from_array``, ``upstream_area``
* richdem: ``fill_depressions(epsilon=True)``, ``flow_accumulation(method="D8")``
* pysheds: ``fill_pits``, ``fill_depressions``, ``resolve_flats``, ``flowdir``, ``accumulation``

Run ``python benchmarks/bench_terrain.py`` (about 5-10 minutes on 2 cores); the
markdown table goes to ``benchmarks/results/terrain.md``. ``--sizes 500 1000``
and ``--tools drm pyflwdir`` narrow it down.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "terrain.md"
CACHE = Path(tempfile.gettempdir()) / "drm-bench-terrain"
TOOLS = ("drm", "pyflwdir", "richdem", "pysheds")
CELL_M = 30.0


# ---------------------------------------------------------------- input


def make_dem(n: int, seed: int = 20261128) -> np.ndarray:
    """Synthetic valley DEM, ``n`` x ``n`` float32 cells of 30 m, rounded to 0.1 m."""
    from scipy import ndimage

    rng = np.random.default_rng(seed)
    length = n * CELL_M
    x = (np.arange(n) + 0.5) * CELL_M
    y = (np.arange(n) + 0.5) * CELL_M
    # valley axis meandering west -> east; the valley falls towards the east edge
    centre = (
        0.5 * length
        + 0.12 * length * np.sin(2 * np.pi * x / (0.7 * length))
        + 0.05 * length * np.sin(2 * np.pi * x / (0.23 * length) + 1.0)
    )
    z = 100.0 + 0.003 * (length - x)[None, :] + 0.02 * np.abs(y[:, None] - centre[None, :])
    for octave in range(7):  # smoothed noise at 1, 2, 4, ..., 64 cells
        step = 2**octave
        m = n // step + 4
        coarse = ndimage.gaussian_filter(rng.standard_normal((m, m)), 1.0)
        coarse /= coarse.std()
        z += 5.0 * (step / 64.0) ** 0.6 * ndimage.zoom(coarse, step, order=1)[:n, :n]
    return np.round(z, 1).astype(np.float32)


def dem_path(n: int) -> Path:
    path = CACHE / f"valley_{n}.npy"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        np.save(path, make_dem(n))
    return path


# ---------------------------------------------------------------- workers (fresh processes)


def _memory_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not found in /proc/self/status")


def _drm(z: np.ndarray):
    import xarray as xr

    from drm.hazard import condition_dem, flow_accumulation

    n_rows, n_cols = z.shape
    dem = xr.DataArray(
        z,
        dims=("y", "x"),
        coords={
            "y": (np.arange(n_rows)[::-1] + 0.5) * CELL_M,
            "x": (np.arange(n_cols) + 0.5) * CELL_M,
        },
        attrs={"units": "m"},
    )
    out = {}

    def fill_d8():
        out["ds"] = condition_dem(dem)

    def accumulation():
        out["acc"] = flow_accumulation(out["ds"]["flow_dir"])

    def info():
        filled = out["ds"]["elevation"].values
        return {"raised_fraction": float((filled > z).mean())}

    return [("condition_dem (fill+D8)", fill_d8), ("flow_accumulation", accumulation)], info, out


def _pyflwdir(z: np.ndarray):
    import pyflwdir

    out = {}

    def fill():
        out["filled"], out["d8"] = pyflwdir.dem.fill_depressions(z.copy(), nodata=np.nan)

    def build():
        out["flw"] = pyflwdir.from_array(out["d8"], ftype="d8", check_ftype=False)

    def upstream():
        out["upa"] = out["flw"].upstream_area("cell")

    stages = [("fill_depressions+D8", fill), ("from_array", build), ("upstream_area", upstream)]
    return stages, None, out


def _richdem(z: np.ndarray):
    import richdem as rd

    out = {}

    def fill():
        out["r"] = rd.rdarray(z.copy(), no_data=-9999.0)
        rd.fill_depressions(out["r"], epsilon=True, in_place=True)

    def accumulate():
        out["acc"] = rd.flow_accumulation(out["r"], method="D8")

    return [("fill_depressions(eps)", fill), ("flow_accumulation(D8)", accumulate)], None, out


def _pysheds(z: np.ndarray):
    np.in1d = lambda a, b, **k: np.isin(np.ravel(a), b, **k)  # noqa: NPY201 (NumPy 2.4 removed it)
    from affine import Affine
    from pyproj import CRS
    from pysheds.grid import Grid
    from pysheds.sview import Raster, ViewFinder

    view = ViewFinder(
        affine=Affine(CELL_M, 0, 0, 0, -CELL_M, z.shape[0] * CELL_M),
        shape=z.shape,
        nodata=np.nan,
        crs=CRS.from_epsg(32619),
    )
    grid = Grid(viewfinder=view)
    out = {}
    stages = [
        ("fill_pits", lambda: out.update(a=grid.fill_pits(Raster(z.astype(np.float64), view)))),
        ("fill_depressions", lambda: out.update(b=grid.fill_depressions(out["a"]))),
        ("resolve_flats", lambda: out.update(c=grid.resolve_flats(out["b"]))),
        ("flowdir", lambda: out.update(d=grid.flowdir(out["c"]))),
        ("accumulation", lambda: out.update(e=grid.accumulation(out["d"]))),
    ]
    return stages, None, out


def worker(tool: str, n: int, runs: int, result: Path) -> None:
    """Time one tool on one DEM size; write a JSON record to ``result``."""
    devnull = os.open(os.devnull, os.O_WRONLY)  # richdem and pysheds talk a lot
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    t0 = time.perf_counter()
    setup = {"drm": _drm, "pyflwdir": _pyflwdir, "richdem": _richdem, "pysheds": _pysheds}[tool]
    warm, _, _ = setup(make_dem(64))
    for _, stage in warm:  # imports and a small run: numba compiles or loads its cache
        stage()
    import_s = time.perf_counter() - t0
    z = np.load(dem_path(n))
    stages, info, outputs = setup(z)
    base_kib = _memory_kib("VmRSS")
    times: dict[str, list[float]] = {name: [] for name, _ in stages}
    totals = []
    for run in range(runs):
        if run:
            outputs.clear()  # one run's results alive at a time
        total = 0.0
        for name, stage in stages:
            t = time.perf_counter()
            stage()
            dt = time.perf_counter() - t
            times[name].append(dt)
            total += dt
        totals.append(total)
    record = {
        "tool": tool,
        "n": n,
        "runs": runs,
        "total_s": totals,
        "stages_s": {k: statistics.median(v) for k, v in times.items()},
        "warmup_s": import_s,
        "base_mib": base_kib / 1024,
        "peak_mib": _memory_kib("VmHWM") / 1024,
        "info": info() if info else {},
    }
    result.write_text(json.dumps(record))


# ---------------------------------------------------------------- driver


def run_worker(tool: str, n: int, runs: int, env: dict[str, str] | None = None) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        result = Path(f.name)
    cmd = [sys.executable, __file__, "--worker", tool, str(n), str(runs), str(result)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0 or not result.stat().st_size:
        raise RuntimeError(
            f"{tool} at N={n} failed (exit {proc.returncode}): {proc.stderr[-2000:]}"
        )
    record = json.loads(result.read_text())
    result.unlink()
    return record


def cold_jit(tool: str) -> float:
    """Seconds for import + first 500 x 500 run with an empty numba cache."""
    env = dict(os.environ, NUMBA_CACHE_DIR=tempfile.mkdtemp(prefix="numba-cold-"))
    return run_worker(tool, 500, 1, env)["warmup_s"]


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for pkg in ("drm", "numpy", "numba", "pyflwdir", "py-richdem", "pysheds"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def machine(load_start: float) -> str:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return (
        f"{cpu}, {os.cpu_count()} logical cores, {_memory_total_gib():.0f} GiB RAM, "
        f"{platform.system()} {platform.release()}; 1-minute load average {load_start:.2f} at "
        f"the start and {os.getloadavg()[0]:.2f} at the end (a machine shared with other "
        "developers: absolute times move with their load, the ratios much less)"
    )


def _memory_total_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 1024**2
    return float("nan")


def fmt_runs(totals: list[float]) -> str:
    return f"{statistics.median(totals):.3f} ({min(totals):.3f}-{max(totals):.3f})"


def targets(records: list[dict]) -> list[str]:
    """One line per large size: drm against the fastest peer, and its peak memory."""
    out = []
    for n in sorted({r["n"] for r in records if r["n"] >= 2000}):
        group = {r["tool"]: r for r in records if r["n"] == n}
        if "drm" not in group or len(group) < 2:
            continue
        ours = statistics.median(group["drm"]["total_s"])
        peers = {t: statistics.median(r["total_s"]) for t, r in group.items() if t != "drm"}
        best = min(peers, key=peers.get)
        out.append(
            f"* N = {n}: drm {ours:.2f} s, {peers[best] / ours:.1f}x faster than the fastest "
            f"peer ({best}, {peers[best]:.2f} s); peak {group['drm']['peak_mib']:.0f} MiB."
        )
    return out


def write_markdown(
    records: list[dict], cold: dict[str, float], started: str, load_start: float
) -> str:
    lines = [
        "# Terrain benchmark: fill + D8 + flow accumulation",
        "",
        f"Generated by `benchmarks/bench_terrain.py` on {started}.",
        "",
        f"Machine: {machine(load_start)}.",
        "",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in versions().items()) + ".",
        "",
        "Input: synthetic valley DEM (see the script), float32, 30 m cells, rounded to 0.1 m. "
        "Each tool and size runs in a fresh process after a 64 x 64 warm-up (numba caches "
        "warm); times are the median (min-max) over the runs in that process; peak is the "
        "process's VmHWM, base its RSS after imports, warm-up and loading the DEM.",
        "",
        "| N | cells | tool | runs | total s | ratio to drm | stages (median s) | peak MiB | peak - base MiB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for n in sorted({r["n"] for r in records}):
        group = [r for r in records if r["n"] == n]
        ref = next((statistics.median(r["total_s"]) for r in group if r["tool"] == "drm"), None)
        for r in sorted(group, key=lambda r: statistics.median(r["total_s"])):
            med = statistics.median(r["total_s"])
            ratio = f"{med / ref:.1f}x" if ref else "-"
            stages = ", ".join(f"{k} {v:.3f}" for k, v in r["stages_s"].items())
            lines.append(
                f"| {n} | {n * n / 1e6:g} M | {r['tool']} | {r['runs']} | {fmt_runs(r['total_s'])} | "
                f"{ratio} | {stages} | {r['peak_mib']:.0f} | {r['peak_mib'] - r['base_mib']:.0f} |"
            )
    raised = {r["n"]: r["info"]["raised_fraction"] for r in records if r["tool"] == "drm"}
    if targets(records):
        lines += [
            "",
            "Targets: faster than every peer at 2000² and 4000², peak < 1.5 GB at 4000².",
            "",
        ]
        lines += targets(records)
    lines += [
        "",
        "Cells in closed depressions (raised by the fill): "
        + ", ".join(f"N = {n}: {100 * f:.2f} %" for n, f in sorted(raised.items()))
        + ".",
    ]
    if cold:
        lines += [
            "",
            "Cold start (empty `NUMBA_CACHE_DIR`: import + first 500 x 500 run, as in a fresh "
            "CI container): " + ", ".join(f"{t} {s:.1f} s" for t, s in cold.items()) + ".",
        ]
    lines += [
        "",
        "Notes: the tools do not compute the same D8 directions (drm: steepest drop / "
        "distance, ties to the first of E, SE, S, SW, W, NW, N, NE, flats along the flood "
        "order; pyflwdir and richdem: largest plain drop; pysheds: drop / distance), so "
        "their accumulations differ; drm's filled DEM equals pyflwdir's and its "
        "accumulations equal pyflwdir's on drm's own directions (tests/hazard/test_terrain.py). "
        "richdem's fill adds an epsilon gradient; its flow accumulation derives D8 from "
        "the filled DEM itself.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 1000, 2000, 4000])
    parser.add_argument("--tools", nargs="+", default=list(TOOLS), choices=TOOLS)
    parser.add_argument("--runs", type=int, default=5, help="timed runs up to N = 2000")
    parser.add_argument("--runs-large", type=int, default=3, help="timed runs at N > 2000")
    parser.add_argument("--no-cold", action="store_true", help="skip the cold-JIT timing")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    started = time.strftime("%Y-%m-%d %H:%M")
    load_start = os.getloadavg()[0]
    records = []
    for n in args.sizes:
        dem_path(n)
        for tool in args.tools:
            runs = args.runs if n <= 2000 else args.runs_large
            if tool == "pysheds" and n > 2000:
                runs = 1  # about 40 s a run
            record = run_worker(tool, n, runs)
            print(
                f"N={n:5d} {tool:9s} {fmt_runs(record['total_s'])} s, peak {record['peak_mib']:.0f} MiB",
                flush=True,
            )
            records.append(record)
    cold = {} if args.no_cold else {t: cold_jit(t) for t in args.tools if t in ("drm", "pyflwdir")}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(write_markdown(records, cold, started, load_start))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "--worker":
        worker(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), Path(sys.argv[5]))
    else:
        main()
