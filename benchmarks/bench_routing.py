"""Benchmark: travel times from 20 centres to every node, drm against networkx, igraph, rustworkx.

Road-like graphs as in peer-baselines.md section 3: an s x s grid with 100 m
spacing, every 10th row and column an 80 km/h arterial, other streets 30 km/h
(70 %) or 50 km/h (30 %) with 25 % of them removed, lengths 100 m x U(1, 1.6),
weight = travel time (s), undirected; 20 random centres; fixed seeds.

Every (size, library) runs in a fresh Python process, so imports, memory and
caches are per run; peak memory is that process's VmHWM from /proc (ru_maxrss
of a child is wrong, see peer-baselines.md). Times are medians over ``--runs``.

* drm: ``road_matrix(G)`` converts the networkx graph once ("build"), then
  ``travel_times(M, centres, nearest_only=True)`` (one multi-source search);
  the full 20 x n matrix is timed too. ``drm-multidigraph`` converts the same
  network stored as an OSMnx-style MultiDiGraph (two directed edges per street).
* networkx: ``multi_source_dijkstra_path_length``; its own
  ``to_scipy_sparse_array`` conversion is timed separately.
* igraph, rustworkx: no multi-source call, so a super source joined to the
  centres by 0-s edges is added at build time and searched from.

Usage::

    python benchmarks/bench_routing.py                  # 10 k, 100 k and 1 M nodes
    python benchmarks/bench_routing.py --sizes 10000 --runs 3
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
RESULTS = HERE / "results" / "routing.md"
LIBS = ["drm", "drm-multidigraph", "networkx", "igraph", "rustworkx"]
N_CENTRES = 20


def road_grid(side: int, seed: int = 20240601) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (u, v, travel_time_s) of the peer-baselines road-like grid."""
    rng = np.random.default_rng(seed)
    idx = np.arange(side * side).reshape(side, side)
    hu, hv = idx[:, :-1].ravel(), idx[:, 1:].ravel()
    h_art = np.repeat(np.arange(side) % 10 == 0, side - 1)
    vu, vv = idx[:-1, :].ravel(), idx[1:, :].ravel()
    v_art = np.tile(np.arange(side) % 10 == 0, side - 1)
    u, v, arterial = np.r_[hu, vu], np.r_[hv, vv], np.r_[h_art, v_art]
    speed = np.where(rng.random(u.size) < 0.7, 30.0, 50.0)
    speed[arterial] = 80.0
    keep = arterial | (rng.random(u.size) >= 0.25)
    length = 100.0 * rng.uniform(1.0, 1.6, u.size)
    return u[keep], v[keep], (length * 3.6 / speed)[keep]


def centres(n: int, seed: int = 7) -> np.ndarray:
    return np.random.default_rng(seed).choice(n, N_CENTRES, replace=False)


def peak_mib(field: str = "VmHWM") -> float:
    """Peak (VmHWM) or current (VmRSS) resident memory of this process, MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _median(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def worker(lib: str, side: int, runs: int, out_npy: str) -> dict:
    """Run one library in this (fresh) process and return its timings."""
    u, v, w = road_grid(side)
    n = side * side
    src = centres(n)
    res: dict = {"lib": lib, "nodes": n, "edges": int(u.size)}
    build, query, to_numpy, extra = [], [], [], {}
    if lib.startswith("drm"):
        import networkx as nx

        from drm.network import road_matrix, travel_times

        res["import_mib"] = peak_mib("VmRSS")
        G = nx.Graph() if lib == "drm" else nx.MultiDiGraph()
        G.add_nodes_from(range(n))
        t0 = time.perf_counter()
        if lib == "drm":
            G.add_weighted_edges_from(zip(u.tolist(), v.tolist(), w.tolist(), strict=True), weight="travel_time")
        else:
            pairs = zip(np.r_[u, v].tolist(), np.r_[v, u].tolist(), np.r_[w, w].tolist(), strict=True)
            G.add_edges_from((a, b, {"travel_time": c, "highway": "residential"}) for a, b, c in pairs)
        extra["networkx graph s"] = time.perf_counter() - t0
        for _ in range(runs):
            t0 = time.perf_counter()
            M = road_matrix(G, "travel_time")
            build.append(time.perf_counter() - t0)
        for _ in range(runs):
            t0 = time.perf_counter()
            tt = travel_times(M, src, nearest_only=True)
            query.append(time.perf_counter() - t0)
        dist = tt.nearest_time_s
        from scipy.sparse.csgraph import dijkstra

        raw = []
        for _ in range(runs):  # the same search called on scipy directly: drm's overhead
            t0 = time.perf_counter()
            dijkstra(M.csr, indices=M.positions(src), min_only=True)
            raw.append(time.perf_counter() - t0)
        extra["scipy dijkstra on the same matrix s"] = statistics.median(raw)
        if lib == "drm-multidigraph":
            t0 = time.perf_counter()
            nx.to_scipy_sparse_array(G, weight="travel_time", format="csr")
            extra["networkx to_scipy_sparse_array s"] = time.perf_counter() - t0
        if lib == "drm":
            t0 = time.perf_counter()
            full = travel_times(M, src)
            extra["full 20 x n matrix s"] = time.perf_counter() - t0
            extra["full matrix min = nearest"] = bool(np.array_equal(full.time_s.min(axis=0), dist))
    elif lib == "networkx":
        import networkx as nx

        res["import_mib"] = peak_mib("VmRSS")
        for _ in range(1 if side >= 1000 else runs):
            t0 = time.perf_counter()
            G = nx.Graph()
            G.add_nodes_from(range(n))
            G.add_weighted_edges_from(zip(u.tolist(), v.tolist(), w.tolist(), strict=True), weight="travel_time")
            build.append(time.perf_counter() - t0)
        for _ in range(runs):
            t0 = time.perf_counter()
            lengths = nx.multi_source_dijkstra_path_length(G, set(src.tolist()), weight="travel_time")
            query.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        dist = np.full(n, np.inf)
        dist[np.fromiter(lengths.keys(), np.int64)] = np.fromiter(lengths.values(), float)
        to_numpy.append(time.perf_counter() - t0)
        conv = []
        for _ in range(runs):
            t0 = time.perf_counter()
            nx.to_scipy_sparse_array(G, weight="travel_time", format="csr")
            conv.append(time.perf_counter() - t0)
        extra["to_scipy_sparse_array s"] = statistics.median(conv)
    elif lib == "igraph":
        import igraph as ig

        res["import_mib"] = peak_mib("VmRSS")
        su = np.r_[u, np.full(N_CENTRES, n)]
        sv = np.r_[v, src]
        sw = np.r_[w, np.zeros(N_CENTRES)]
        for _ in range(runs):
            t0 = time.perf_counter()
            g = ig.Graph(n=n + 1, edges=np.column_stack([su, sv]), directed=False)
            g.es["w"] = sw
            build.append(time.perf_counter() - t0)
        for _ in range(runs):
            t0 = time.perf_counter()
            d = g.distances(source=[n], weights="w")[0]
            query.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        dist = np.asarray(d[:n], dtype=float)
        to_numpy.append(time.perf_counter() - t0)
    elif lib == "rustworkx":
        import rustworkx as rx

        res["import_mib"] = peak_mib("VmRSS")
        su = np.r_[u, np.full(N_CENTRES, n)].tolist()
        sv = np.r_[v, src].tolist()
        sw = np.r_[w, np.zeros(N_CENTRES)].tolist()
        for _ in range(runs):
            t0 = time.perf_counter()
            g = rx.PyGraph(multigraph=False)
            g.add_nodes_from(range(n + 1))
            g.add_edges_from(list(zip(su, sv, sw, strict=True)))
            build.append(time.perf_counter() - t0)
        for _ in range(runs):
            t0 = time.perf_counter()
            d = rx.dijkstra_shortest_path_lengths(g, n, edge_cost_fn=float)
            query.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        dist = np.full(n, np.inf)
        keys = np.fromiter(d.keys(), np.int64)
        vals = np.fromiter(d.values(), float)
        dist[keys[keys < n]] = vals[keys < n]
        dist[src] = 0.0
        to_numpy.append(time.perf_counter() - t0)
    else:
        raise SystemExit(f"unknown library {lib}")
    np.save(out_npy, dist)
    res.update(build=_median(build), query=_median(query), extra=extra, peak_mib=peak_mib())
    if to_numpy:
        res["to_numpy"] = _median(to_numpy)
    return res


def _fmt(d: dict | None, digits: int = 3) -> str:
    if not d:
        return "-"
    return f"{d['median']:.{digits}f} ({d['min']:.{digits}f}-{d['max']:.{digits}f})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--libs", nargs="+", default=LIBS)
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--side", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--npy", help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.side, args.runs, args.npy)))
        return
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            side = round(size**0.5)
            ref = None
            for lib in args.libs:
                npy = os.path.join(tmp, f"{lib}-{side}.npy")
                cmd = [sys.executable, __file__, "--worker", lib, "--side", str(side)]
                cmd += ["--runs", str(args.runs), "--npy", npy]
                t0 = time.perf_counter()
                out = subprocess.run(cmd, capture_output=True, text=True, check=False)
                if out.returncode != 0:
                    print(out.stderr, file=sys.stderr)
                    raise SystemExit(f"{lib} at {side}x{side} failed")
                r = json.loads(out.stdout.strip().splitlines()[-1])
                r["wall_s"] = time.perf_counter() - t0
                dist = np.load(npy)
                if ref is None:
                    ref = dist
                same = np.isinf(ref) == np.isinf(dist)
                fin = np.isfinite(ref) & np.isfinite(dist)
                r["max_abs_diff"] = float(np.max(np.abs(ref[fin] - dist[fin]))) if fin.any() else 0.0
                r["same_reachable"] = bool(same.all())
                rows.append(r)
                print(f"{r['nodes']:>8} {lib:<17} build {_fmt(r['build'])} query {_fmt(r['query'], 4)} "
                      f"peak {r['peak_mib']:.0f} MiB diff {r['max_abs_diff']:.2g}", flush=True)
    write_markdown(rows, args.out, args.runs)


def write_markdown(rows: list[dict], path: Path, runs: int) -> None:
    import networkx
    import scipy

    lines = [
        "## Routing: travel times from 20 centres to all nodes (bench_routing.py)",
        "",
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores (shared), "
        f"Python {platform.python_version()}, scipy {scipy.__version__}, networkx {networkx.__version__}. "
        f"Median (min-max) of {runs} runs in one fresh process per library and size "
        "(networkx graph build at 1 M: one run).",
        "",
        "| nodes | edges | lib | build s | query s | query / drm | to numpy s | peak RSS MiB "
        "| RSS after import MiB | max abs diff vs drm (s) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    by_size: dict[int, dict[str, dict]] = {}
    for r in rows:
        by_size.setdefault(r["nodes"], {})[r["lib"]] = r
    for n, libs in by_size.items():
        base = libs.get("drm", {}).get("query", {}).get("median")
        for lib, r in libs.items():
            ratio = f"{r['query']['median'] / base:.1f}x" if base else "-"
            diff = f"{r['max_abs_diff']:.3g}" + ("" if r["same_reachable"] else " (reachable sets differ)")
            lines.append(
                f"| {n} | {r['edges']} | {lib} | {_fmt(r['build'])} | {_fmt(r['query'], 4)} | {ratio} | "
                f"{_fmt(r.get('to_numpy'), 4)} | {r['peak_mib']:.0f} | {r['import_mib']:.0f} | {diff} |"
            )
    lines += [
        "",
        "\"build\": drm = `road_matrix(G)` from the networkx graph (the conversion, once per graph); "
        "networkx = building its graph; igraph/rustworkx = building theirs from arrays. "
        "drm's query is `travel_times(M, centres, nearest_only=True)`.",
        "",
        "| nodes | networkx graph build s (drm rows) | drm road_matrix s "
        "| networkx to_scipy_sparse_array s | drm full 20 x n matrix s "
        "| scipy dijkstra alone on drm's matrix s |",
        "|---|---|---|---|---|---|",
    ]
    for n, libs in by_size.items():
        d, dm, nx_ = libs.get("drm"), libs.get("drm-multidigraph"), libs.get("networkx")
        conv = f"Graph {_fmt(d['build'])}" if d else "-"
        if dm:
            conv += (
                f"; MultiDiGraph {_fmt(dm['build'])} (networkx's own: "
                f"{dm['extra']['networkx to_scipy_sparse_array s']:.2f})"
            )
        lines.append(
            f"| {n} | {d['extra']['networkx graph s']:.2f} | {conv} | "
            f"{nx_['extra']['to_scipy_sparse_array s']:.3f} | {d['extra']['full 20 x n matrix s']:.3f} | "
            f"{d['extra']['scipy dijkstra on the same matrix s']:.4f} |"
            if d and nx_ else f"| {n} | - | {conv} | - | - | - |"
        )
    text = "\n".join(lines) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    old = path.read_text() if path.exists() else ""
    start, end = "<!-- bench_routing -->", "<!-- /bench_routing -->"
    block = f"{start}\n{text}{end}\n"
    if start in old:
        old = old[: old.index(start)] + block + old[old.index(end) + len(end) + 1 :]
    else:
        old = old + ("\n" if old else "") + block
    path.write_text(old)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
