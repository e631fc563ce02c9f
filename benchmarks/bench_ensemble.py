"""Benchmark: ensemble members per hour, one at a time and on 2 local workers (processes and dask).

Scenario: the built-in Valle Alto storm on 40 m cells (100 x 100) over 8 hours,
about 21,000 people at risk, shelters over 7 days; members perturbed by the
scenario's defaults (lognormal intensity, sigma 0.3). Each configuration runs
the same members in a fresh process, into a fresh folder, timed from the call
of ``run_ensemble`` to its return (starting the pool or the cluster, the
members, the aggregates; no report):

* ``serial``: ``n_workers=1``, the members one after the other in the process
  (the flood solver on every core);
* ``processes``: ``n_workers=2``, the default local process pool;
* ``dask``: ``scheduler="local"``, a dask LocalCluster of 2 worker processes.

The configurations alternate over the repeats, so that all see the same load
on a shared machine; wall times are medians (min-max). Members per hour =
members / median wall time; parallel efficiency = speed-up over ``serial`` /
workers. Peak memory: the calling process (``VmHWM``) and the largest worker
(each member's ``peak_rss_mib``).

Usage::

    python benchmarks/bench_ensemble.py                  # 8 members, 3 configurations, 3 repeats
    python benchmarks/bench_ensemble.py --members 4 --repeats 1 --configs serial processes
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, median_of, peak_rss_mib, run_worker, span

RESULTS = Path(__file__).resolve().parent / "results" / "ensemble.md"
CONFIGS = {"serial": (None, 1), "processes": (None, 2), "dask": ("local", 2)}


def scenario_file(folder: Path) -> Path:
    """Valle Alto on 40 m cells over 8 hours, its paths made absolute."""
    text = (ROOT / "scenarios" / "valle_alto.toml").read_text(encoding="utf-8")
    data = (ROOT / "hazard_data").as_posix()
    text = text.replace('"../hazard_data', f'"{data}').replace("resolution_m = 20 ", "resolution_m = 40 ")
    text = text.replace('duration = "14h"', 'duration = "8h"')
    path = folder / "bench.toml"
    path.write_text(text, encoding="utf-8")
    return path


def worker(config: str, members: int) -> dict:
    import logging

    import drm

    logging.getLogger("drm").setLevel(logging.ERROR)
    scheduler, workers = CONFIGS[config]
    with tempfile.TemporaryDirectory() as tmp:
        sc = drm.load_scenario(scenario_file(Path(tmp)))
        t0 = time.perf_counter()
        r = drm.run_ensemble(sc, members, scheduler=scheduler, n_workers=workers, out_dir=Path(tmp) / "ens",
                             progress=False, report=False)  # fmt: skip
        wall = time.perf_counter() - t0
        records = [json.loads(p.read_text()) for p in sorted(Path(tmp).glob("ens/members/*/done.json"))]
    return {
        "config": config,
        "workers": workers,
        "members": len(r.outcomes),
        "failed": len(r.failed),
        "wall_s": wall,
        "member_s": sum(x["wall_s"] for x in records) / len(records),
        "client_mib": peak_rss_mib(),
        "worker_mib": max(x["peak_rss_mib"] for x in records),
        "outcomes_sha256": hashlib.sha256(r.outcomes.to_csv().encode()).hexdigest(),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--worker", nargs=2)
    p.add_argument("--members", type=int, default=8)
    p.add_argument("--configs", nargs="+", default=list(CONFIGS), choices=list(CONFIGS))
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--output", type=Path, default=RESULTS)
    args = p.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker[0], int(args.worker[1]))))
        return
    script = Path(__file__).resolve()
    run_worker(script, ["serial", "1"])  # warm the numba cache
    load = os.getloadavg()[0]
    runs: dict[str, list[dict]] = {c: [] for c in args.configs}
    for _ in range(args.repeats):
        for c in args.configs:
            runs[c].append(run_worker(script, [c, str(args.members)]))
    base = median_of(runs["serial"], "wall_s") if "serial" in runs else None
    reference = runs["serial"][0]["outcomes_sha256"] if "serial" in runs else None
    lines = [
        f"# Ensembles (bench_ensemble.py, {date.today().isoformat()})",
        "",
        f"`python benchmarks/bench_ensemble.py --members {args.members} --repeats {args.repeats}`: "
        "Valle Alto on 40 m cells "
        "(100 x 100) over 8 hours, shelters over 7 days, members perturbed with the scenario defaults. "
        "One fresh process per configuration and repeat, the configurations alternating, timed from "
        "the call of `run_ensemble` to its return (pool or cluster start, members, aggregates; no "
        "report); median (min-max) over the repeats. "
        f"Machine: {platform.machine()}, {os.cpu_count()} cores (shared; load average {load:.1f} at "
        f"the start), Python {platform.python_version()}.",
        "",
        "| configuration | workers | members | wall s | s per member (in its worker) | members/hour "
        "| speed-up | parallel efficiency | peak MiB, caller | peak MiB, largest worker | outcomes = serial |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for c, rs in runs.items():
        wall = median_of(rs, "wall_s")
        speedup = base / wall if base else float("nan")
        same = "-" if reference is None else "yes" if {r["outcomes_sha256"] for r in rs} == {reference} else "NO"
        lines.append(
            f"| {c} | {rs[0]['workers']} | {rs[0]['members']} | {span(rs, 'wall_s', '{:.1f}')} | "
            f"{median_of(rs, 'member_s'):.1f} | {args.members / wall * 3600:,.0f} | {speedup:.2f}x | "
            f"{speedup / rs[0]['workers']:.0%} | {max(r['client_mib'] for r in rs):.0f} | "
            f"{max(r['worker_mib'] for r in rs):.0f} | {same} |"
        )
    lines += [
        "",
        "Serial runs each member's flood solver on every core; each of 2 workers gets "
        "max(1, cores // 2) numba threads, so the parallel runs never ask for more threads than "
        "cores. The evacuation and shelter simulations are pure Python (one core), which is where "
        "two workers gain most. In the serial and process configurations the caller is also the "
        "worker process or its parent; in the dask one the members run in the cluster's workers.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    args.output.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
