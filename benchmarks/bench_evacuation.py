"""Benchmark: the evacuation simulation, evacuees per second at 10 k and 100 k evacuees.

Network: a road-like grid of about 10,000 nodes (100 x 100 intersections,
100 m blocks, every 10th street an arterial at 50 km/h, the rest 30 km/h,
a quarter of the minor streets removed), walking at 1.2 m/s, capacities from
the street widths (drm.network.prepare_roads). Twenty centres with room for
everybody; evacuees in households of 4 spread over random origin nodes,
leaving over two hours (Rayleigh response). A third of the roads close at
random times, so travellers replan. Each size runs in a fresh process;
peak memory is the child's VmHWM.

Usage::

    python benchmarks/bench_evacuation.py            # 10 k and 100 k evacuees, 3 runs each
    python benchmarks/bench_evacuation.py --sizes 10000 --repeats 1
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import median_of, peak_rss_mib, run_worker, span


def road_grid(side: int, seed: int = 0):
    import networkx as nx

    rng = np.random.default_rng(seed)
    G = nx.MultiDiGraph(crs="EPSG:32619")
    for i in range(side):
        for j in range(side):
            G.add_node(i * side + j, x=100.0 * j, y=100.0 * i)
    for i in range(side):
        for j in range(side):
            for di, dj in ((0, 1), (1, 0)):
                a, b = i + di, j + dj
                if a >= side or b >= side:
                    continue
                arterial = (i % 10 == 0 and di == 0) or (j % 10 == 0 and dj == 0)
                if not arterial and rng.random() < 0.25:
                    continue
                kind = "primary" if arterial else "residential"
                length = 100.0 * rng.uniform(1.0, 1.6)
                for u, v in ((i * side + j, a * side + b), (a * side + b, i * side + j)):
                    G.add_edge(u, v, length=length, highway=kind, oneway=False, road_id=f"r{u}-{v}")
    return G


def worker(n_people: int, seed: int = 1) -> dict:
    import pandas as pd

    from drm.evacuation import simulate_evacuation
    from drm.evacuation.departure import (
        Channel,
        DepartureModel,
        Rayleigh,
        make_households,
        sample_departures,
    )
    from drm.network import prepare_roads

    G = prepare_roads(road_grid(100), "walk")
    rng = np.random.default_rng(seed)
    nodes = np.array(list(G.nodes))
    for _, _, d in G.edges(data=True):  # a third of the roads flood at some point
        d["closure_time_s"] = (
            float(rng.uniform(3600, 4 * 3600)) if rng.random() < 1 / 3 else float("inf")
        )
    origins = pd.DataFrame({"node": rng.choice(nodes, n_people // 8), "persons": 8.0})
    hh = make_households(origins, household_size=4)
    model = DepartureModel([Channel("siren", reach=1.0, delay=Rayleigh(300.0))], Rayleigh(1800.0))
    dep = sample_departures(hh, model, order_time=0.0, seed=seed)
    centres = pd.DataFrame(
        {"node": rng.choice(nodes, 20, replace=False), "capacity_persons": n_people},
        index=[f"C{k}" for k in range(20)],
    )
    t0 = time.perf_counter()
    r = simulate_evacuation(G, dep, centres, registration_persons_h=1e6, progress=False)
    wall = time.perf_counter() - t0
    by = r.persons_by_outcome()
    return {
        "evacuees": float(by.sum()),
        "households": len(r.households),
        "nodes": G.number_of_nodes(),
        "edges": G.number_of_edges(),
        "wall_s": wall,
        "evacuees_per_s": float(by.sum()) / wall,
        "events": len(r.events),
        "replans": int(r.households["replans"].sum()),
        "safe_share": float(by["safe"] / by.sum()),
        "peak_mib": peak_rss_mib(),
    }


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--worker", type=int)
    p.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker)))
        return
    script = Path(__file__).resolve()
    run_worker(script, ["1000"])  # warm the numba cache
    print(
        "| evacuees | households | nodes / edges | runs | wall s | evacuees/s | events | replans | safe | peak MiB |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for n in args.sizes:
        runs = [run_worker(script, [str(n)]) for _ in range(args.repeats)]
        r0 = runs[0]
        print(
            f"| {n:,} | {r0['households']:,} | {r0['nodes']:,} / {r0['edges']:,} | {len(runs)} | "
            f"{span(runs, 'wall_s')} | "
            f"{median_of(runs, 'evacuees_per_s'):,.0f} | {r0['events']:,} | {r0['replans']:,} | "
            f"{median_of(runs, 'safe_share'):.1%} | {median_of(runs, 'peak_mib'):.0f} |"
        )


if __name__ == "__main__":
    main()
