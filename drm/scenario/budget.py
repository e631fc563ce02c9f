"""What a scenario's run will need, estimated before anything big is allocated.

:func:`estimate_run` sizes a run from its loaded inputs alone: the output
frames of the flood (``hazard.duration`` / ``hazard.output_interval`` + 1), the
cells of the solver grid (after ``hazard.resolution_m``), the bytes of the
stored frames, a lower bound of the solver's time steps, the households the
evacuation may have to simulate, and the memory at the run's peak.
:func:`check_run` compares them with the memory at hand and with drm's caps and
refuses a run that cannot finish, naming the scenario key, the number and the
fix. :func:`drm.scenario.load_inputs` calls it last (and
:func:`check_settings`, the checks that need no file, first), so ``drm validate``,
``drm run``, ``drm ensemble`` and :func:`drm.run_scenario` all refuse such a
run before the flood solver starts.

The memory limit is the memory this machine has available (``psutil`` when it
is installed, else the operating system's own count; a container's cgroup limit
when it is lower) or the one given with :func:`memory_limit` (what
``--max-memory`` and ``run_scenario(max_memory=...)`` set).

How the peak is counted (bytes; conservative, measured on Valle Alto):

* the flood's frames: ``depth``, ``velocity``, ``unit_discharge_x`` and
  ``unit_discharge_y`` in float32 per frame and cell (:mod:`drm.hazard.outputs`),
  counted ``FLOOD_COPIES`` = 3 times: the road stage (:mod:`drm.network`) makes
  float64 copies of depth and velocity (Valle Alto with 1-minute frames: the
  peak grew 2.2 times the frames' bytes);
* the solver's state: ``SOLVER_BYTES_PER_CELL`` = 256 per solver cell (its
  float64 and float32 fields, about 220 bytes) and the flood's five float64
  grids (elevation, maximum depth and speed, their times);
* the inputs' grids, three times (the rain scaled, class grids, coarsening);
* each household: ``HOUSEHOLD_BYTES`` = 2 KiB (its tables and evacuation
  process; about 0.7 KiB measured) and 5 bytes per frame (the depth at its
  home); the households are at most the persons on the DEM over the smallest
  household size the run will use;
* ``LIBRARY_BYTES`` = 512 MiB for the libraries and figures of the later
  stages (a whole Valle Alto run peaks at 0.7 GiB of resident memory).
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import inspect
import math
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from drm.errors import InputError
from drm.grids import check_grid
from drm.units import format_duration

if TYPE_CHECKING:
    from drm.scenario.inputs import ScenarioInputs
    from drm.scenario.schema import Scenario

__all__ = [
    "RunBudget",
    "available_memory",
    "check_run",
    "check_settings",
    "estimate_run",
    "format_bytes",
    "memory_limit",
    "parse_memory",
]

#: Grids stored per output frame (``depth``, ``velocity``, ``unit_discharge_x``, ``unit_discharge_y``).
FRAME_GRIDS = 4
#: Bytes per value of a stored frame (float32).
FRAME_VALUE_BYTES = 4
#: The flood's (y, x) grids in float64: elevation, max depth, max speed, time of max, arrival.
STATIC_GRIDS = 5
#: Times the frames' bytes are held at the run's peak (the result and float64 copies of two grids).
FLOOD_COPIES = 3
#: Solver state per solver cell (bytes).
SOLVER_BYTES_PER_CELL = 256
#: Times the inputs' grids are held (the inputs, the rain scaled, class and coarse grids).
INPUT_COPIES = 3
#: Bytes per household (tables, departure, evacuation process), besides its depth series.
HOUSEHOLD_BYTES = 2048
#: Bytes per household and frame: the depth at its home (float32) and a flag.
HOUSEHOLD_FRAME_BYTES = 5
#: The libraries and figures of the later stages (bytes).
LIBRARY_BYTES = 512 * 2**20
#: Most output frames a run may save: more is a slip (seconds for minutes) the outputs are not made for.
MAX_FRAMES = 20_000
#: Most solver steps a run may need at the least (at the solver's longest step): about 3 years.
MAX_SOLVER_STEPS = 10_000_000

_UNITS = {
    "": 1, "b": 1,
    "k": 2**10, "kib": 2**10, "m": 2**20, "mib": 2**20, "g": 2**30, "gib": 2**30,
    "t": 2**40, "tib": 2**40, "p": 2**50, "pib": 2**50,
    "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12, "pb": 10**15,
}  # fmt: skip
_SIZE = re.compile(r"^\s*((?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)\s*([a-z]*)\s*$", re.I)
#: Output intervals suggested in messages (s).
_NICE_INTERVALS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600,
                   43200, 86400)  # fmt: skip

_LIMIT: contextvars.ContextVar[int | None] = contextvars.ContextVar("drm_max_memory", default=None)


def parse_memory(value: Any, name: str = "max_memory") -> int:
    """Read a memory size: bytes, or a number with a unit such as ``"8GiB"`` or ``"512MB"``.

    ``KiB``, ``MiB``, ``GiB``, ``TiB`` (and bare ``K``, ``M``, ``G``, ``T``) are
    powers of 1024; ``kB``, ``MB``, ``GB``, ``TB`` powers of 1000; a plain number
    is bytes. Case and a space before the unit do not matter.

    Parameters
    ----------
    value : int, float or str
        The size.
    name : str
        The argument or option it came from, for the message.

    Returns
    -------
    int
        The size (bytes), > 0.

    Raises
    ------
    InputError
        A size drm cannot read, or not above 0 bytes.

    Examples
    --------
    >>> parse_memory("8GiB"), parse_memory("512 MB"), parse_memory("1.5g"), parse_memory(4096)
    (8589934592, 512000000, 1610612736, 4096)
    """
    fix = "give a size such as 8GiB, 512MiB or 16GB (GiB = 1024³ bytes, GB = 1000³)"
    if isinstance(value, bool):
        raise InputError(f"{name}: expected a memory size, got {value!r}; {fix}")
    if isinstance(value, int | float | np.integer | np.floating):
        size = float(value)
    else:
        m = _SIZE.match(str(value))
        if m is None or m[2].lower() not in _UNITS:
            raise InputError(f"{name}: cannot read {value!r} as a memory size; {fix}")
        size = float(m[1]) * _UNITS[m[2].lower()]
    if not (math.isfinite(size) and size >= 1):
        raise InputError(f"{name}: {value!r} is not a memory size above 0 bytes; {fix}")
    return int(size)


def format_bytes(n: float) -> str:
    """A byte count in binary units, three significant digits (``"36.5 MiB"``).

    Parameters
    ----------
    n : float
        Bytes, >= 0.

    Returns
    -------
    str
        The count with ``B``, ``KiB``, ``MiB``, ``GiB``, ``TiB``, ``PiB`` or ``EiB``.

    Examples
    --------
    >>> format_bytes(512), format_bytes(38_083_664), format_bytes(3.2e10), format_bytes(8e16)
    ('512 B', '36.3 MiB', '29.8 GiB', '71.1 PiB')
    """
    units = ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB")
    k = 0
    while n >= 1024 and k < len(units) - 1:
        n /= 1024
        k += 1
    if k == 0:
        return f"{n:.0f} B"
    return f"{n:.3g} {units[k]}" if n < 1000 else f"{n:,.0f} {units[k]}"


def _cgroup_free() -> int | None:
    """Memory left under this process's cgroup v2 limit (bytes), None without one."""
    root = Path("/sys/fs/cgroup")
    try:
        limit = (root / "memory.max").read_text().strip()
        if limit == "max":
            return None
        return max(int(limit) - int((root / "memory.current").read_text().strip()), 0)
    except (OSError, ValueError):
        return None


def available_memory() -> int:
    """The memory this machine has available for a new run (bytes).

    ``psutil.virtual_memory().available`` when psutil is installed, else
    ``MemAvailable`` of ``/proc/meminfo``, else the free physical pages
    (``os.sysconf``); the memory left under the process's cgroup limit (a
    container's) when that is lower.

    Returns
    -------
    int
        Available memory (bytes).

    Examples
    --------
    >>> available_memory() > 0
    True
    """
    free: int | None = None
    try:
        import psutil

        free = int(psutil.virtual_memory().available)
    except Exception:  # psutil absent, or unable to read on this platform
        try:
            for line in Path("/proc/meminfo").read_text().splitlines():
                if line.startswith("MemAvailable:"):
                    free = int(line.split()[1]) * 1024
        except (OSError, ValueError, IndexError):
            free = None
    if free is None:
        page = os.sysconf("SC_PAGE_SIZE")
        for key in ("SC_AVPHYS_PAGES", "SC_PHYS_PAGES"):
            with contextlib.suppress(ValueError, OSError):
                free = int(os.sysconf(key)) * page
                break
    cgroup = _cgroup_free()
    values = [v for v in (free, cgroup) if v is not None]
    return min(values) if values else 2**63 - 1


@contextlib.contextmanager
def memory_limit(max_memory: Any) -> Iterator[int | None]:
    """Within the block, runs are checked against ``max_memory`` instead of the memory available.

    What ``drm run --max-memory`` and ``run_scenario(max_memory=...)`` use; it
    applies to the checks made in this thread (and its asyncio tasks), not to
    the ensemble members' own processes.

    Parameters
    ----------
    max_memory : int, str or None
        The limit (bytes, or a size such as ``"8GiB"``, see :func:`parse_memory`);
        None keeps the limit already in force (the memory available by default).

    Yields
    ------
    int or None
        The limit in force (bytes), None for the memory available.

    Examples
    --------
    >>> with memory_limit("1GiB") as limit:
    ...     limit
    1073741824
    """
    if max_memory is None:
        yield _LIMIT.get()
        return
    token = _LIMIT.set(parse_memory(max_memory))
    try:
        yield _LIMIT.get()
    finally:
        _LIMIT.reset(token)


@dataclasses.dataclass(frozen=True)
class RunBudget:
    """What a scenario's run will need (from :func:`estimate_run`).

    Attributes
    ----------
    frames : int
        Output frames of the flood, the initial one included (count).
    grid_shape : tuple of int
        Rows and columns of the solver grid (count).
    cells : int
        Cells of the solver grid (count).
    frame_bytes : int
        The stored frames: ``frames × 4 grids × cells × 4 bytes`` (bytes).
    flood_bytes : int
        The whole flood dataset: the frames, five float64 grids and the
        coordinates (bytes); what ``FloodResult.ds.nbytes`` holds.
    min_solver_steps : int
        Fewest time steps the solver can take: ``duration / max_dt`` (count).
    max_dt_s : float
        The solver's longest time step (s).
    persons : float
        Persons on the DEM (count).
    min_household_size : float
        Smallest mean household size the run uses (persons per household).
    households : int
        Most households the evacuation may simulate: every person at risk (count).
    parts : dict of str to int
        The peak's parts (bytes): ``frames``, ``grid`` (solver, flood grids,
        inputs), ``households`` and ``libraries``.
    peak_bytes : int
        Estimated memory at the run's peak (bytes).
    """

    frames: int
    grid_shape: tuple[int, int]
    cells: int
    frame_bytes: int
    flood_bytes: int
    min_solver_steps: int
    max_dt_s: float
    persons: float
    min_household_size: float
    households: int
    parts: dict[str, int]
    peak_bytes: int

    def describe(self) -> str:
        """One line: frames, cells, steps, households and the peak.

        Returns
        -------
        str
            E.g. ``"57 frames of 4 grids of 40,000 cells (34.8 MiB), ..."``.

        Examples
        --------
        >>> b = RunBudget(57, (200, 200), 40_000, 36_480_000, 38_083_664, 5_040, 10.0, 34_758.4,
        ...               4.0, 8_691, {"frames": 1, "grid": 1, "households": 1, "libraries": 1},
        ...               700_000_000)
        >>> print(b.describe())
        57 frames of 4 grids of 40,000 cells (34.8 MiB), at least 5,040 solver steps,
        up to 8,691 households; about 668 MiB at the peak
        """
        return (
            f"{self.frames:,} frames of {FRAME_GRIDS} grids of {self.cells:,} cells "
            f"({format_bytes(self.frame_bytes)}), at least {self.min_solver_steps:,} solver steps, "
            f"up to {self.households:,} households; about {format_bytes(self.peak_bytes)} at the peak"
        )


def _frame_count(duration_s: float, interval_s: float) -> int:
    """Frames :func:`drm.hazard.simulate_flood` saves: time 0, every interval, the end."""
    ratio = duration_s / interval_s
    whole = math.floor(ratio + 1e-9)
    return whole + (1 if ratio - whole > 1e-9 else 0) + 1


def _solver_shape(inputs: ScenarioInputs) -> tuple[tuple[int, int], float]:
    """The solver grid's shape and cell size (m), as :func:`drm.scenario.stages.hazard_setup` makes it."""
    spec = check_grid(inputs.dem, "DEM")
    res = inputs.scenario.hazard.resolution_m
    k = round(res / spec.dx) if res is not None and res > spec.dx * 1.0001 else 1
    return (spec.ny // k, spec.nx // k), spec.dx * k


def _household_size(inputs: ScenarioInputs) -> tuple[float, str]:
    """The smallest mean household size the run uses, and where it comes from."""
    from drm.demographics import default_profile

    size = inputs.scenario.population.household_size
    where = f"population.household_size = {size:g}" if size is not None else ""
    if size is None:
        size = default_profile().household_size
        where = f"the default household size ({size:g} persons)"
    census = inputs.census
    if census is not None and "household_size" in census:
        sizes = census["household_size"].to_numpy(dtype=float)
        sizes = sizes[np.isfinite(sizes)]
        if sizes.size and sizes.min() < size:
            name = inputs.scenario.population.census
            size = float(sizes.min())
            where = f"population.census ({name.name if name else 'census'}) household size {size:g}"
    return float(size), where


def _max_dt() -> float:
    from drm.hazard.flood import simulate_flood

    return float(inspect.signature(simulate_flood).parameters["max_dt"].default)


def _input_bytes(inputs: ScenarioInputs) -> int:
    grids = (inputs.dem, inputs.rainfall, inputs.population, inputs.landcover, inputs.zones)
    return sum(int(g.nbytes) for g in grids if g is not None)


def estimate_run(inputs: ScenarioInputs) -> RunBudget:
    """Estimate what a scenario's run will need, from its inputs, before anything big is made.

    Parameters
    ----------
    inputs : ScenarioInputs
        From :func:`drm.scenario.load_inputs` (its ``scenario`` gives the settings).

    Returns
    -------
    RunBudget
        Frames, solver cells, bytes of the flood, fewest solver steps,
        most households and the memory at the peak (see the module notes).

    Examples
    --------
    >>> import drm
    >>> b = estimate_run(drm.scenario.load_inputs(drm.load_scenario("valle_alto")))
    >>> b.frames, b.cells, b.flood_bytes, b.min_solver_steps, b.households
    (57, 40000, 38083664, 5040, 8703)
    """
    hz = inputs.scenario.hazard
    frames = _frame_count(hz.duration, hz.output_interval)
    (ny, nx), _ = _solver_shape(inputs)
    cells = ny * nx
    frame_bytes = frames * FRAME_GRIDS * cells * FRAME_VALUE_BYTES
    static = STATIC_GRIDS * cells * 8
    flood_bytes = frame_bytes + static + 8 * (ny + nx + frames) + 8  # + coordinates, spatial_ref
    max_dt = _max_dt()
    steps = math.ceil(hz.duration / max_dt * (1 - 1e-12))
    persons = float(np.nansum(inputs.population.values))
    size, _ = _household_size(inputs)
    zones = len(inputs.zone_table) if inputs.zone_table is not None else 0
    households = math.ceil(persons / size) + zones + 1 if persons > 0 else 0
    parts = {
        "frames": FLOOD_COPIES * frame_bytes,
        "grid": SOLVER_BYTES_PER_CELL * cells + static + INPUT_COPIES * _input_bytes(inputs),
        "households": households * (HOUSEHOLD_BYTES + HOUSEHOLD_FRAME_BYTES * frames),
        "libraries": LIBRARY_BYTES,
    }
    return RunBudget(
        frames=frames,
        grid_shape=(ny, nx),
        cells=cells,
        frame_bytes=frame_bytes,
        flood_bytes=flood_bytes,
        min_solver_steps=steps,
        max_dt_s=max_dt,
        persons=persons,
        min_household_size=size,
        households=households,
        parts=parts,
        peak_bytes=sum(parts.values()),
    )


def _interval_fitting(duration_s: float, max_frames: float) -> float | None:
    """The shortest interval of ``_NICE_INTERVALS`` giving at most ``max_frames`` frames."""
    for interval in _NICE_INTERVALS:
        if interval <= duration_s and _frame_count(duration_s, interval) <= max_frames:
            return float(interval)
    return None


def _limit_text(limit: int, given: bool) -> str:
    if given:
        return f"the memory limit of {format_bytes(limit)} (--max-memory, max_memory=)"
    return f"the {format_bytes(limit)} this machine has available"


def _memory_problem(
    inputs: ScenarioInputs, b: RunBudget, limit: int, given: bool
) -> tuple[str, str]:
    """The part of the peak that weighs most, and the message: its key, its bytes and the fix."""
    hz = inputs.scenario.hazard
    room = limit - (b.peak_bytes - b.parts["frames"] - b.parts["households"])
    raise_it = (
        f"raise --max-memory (max_memory=) to {format_bytes(b.peak_bytes * 1.1)} or more"
        if given
        else "or give a higher limit with --max-memory (run_scenario(max_memory=...)) if this "
        "machine can spare more"
    )
    peak = (
        f"about {format_bytes(b.peak_bytes)} at the run's peak, above {_limit_text(limit, given)}"
    )
    main = max(("frames", "households", "grid"), key=lambda k: b.parts[k])
    if b.parts[main] < b.parts["libraries"]:
        return "libraries", (
            f"{b.describe()}, of which {format_bytes(LIBRARY_BYTES)} for drm's libraries: that is "
            f"above {_limit_text(limit, given)}: "
            f"{raise_it if given else 'free some memory, ' + raise_it}"
        )
    if main == "frames":
        per_frame = FLOOD_COPIES * FRAME_GRIDS * FRAME_VALUE_BYTES * b.cells
        per_frame += HOUSEHOLD_FRAME_BYTES * b.households
        fits = (room - b.households * HOUSEHOLD_BYTES) / per_frame
        interval = _interval_fitting(hz.duration, min(fits, MAX_FRAMES))
        fix = (
            f"use an output_interval of {format_duration(interval)} or more, or a shorter "
            "hazard.duration, "
            if interval is not None
            else "shorten hazard.duration or use a coarser hazard.resolution_m, "
        )
        return main, (
            f"hazard.output_interval = {format_duration(hz.output_interval)} over hazard.duration = "
            f"{format_duration(hz.duration)} gives {b.frames:,} frames of {FRAME_GRIDS} grids of "
            f"{b.cells:,} cells = {format_bytes(b.frame_bytes)}, {peak}: {fix}{raise_it}"
        )
    if main == "households":
        size, where = _household_size(inputs)
        per = HOUSEHOLD_BYTES + HOUSEHOLD_FRAME_BYTES * b.frames
        need = b.persons * per / room if room > 0 else math.inf
        fix = (
            f"use a household size of {need:.3g} persons or more (2 to 5 is usual), "
            if math.isfinite(need) and need > 1
            else "use a household size of at least 1 person (2 to 5 is usual), "
        )
        return main, (
            f"{where} gives up to {b.households:,} households ({b.persons:,.0f} persons on the "
            f"DEM / {size:g} persons per household) = {format_bytes(b.parts['households'])} to "
            f"simulate, {peak}: {fix}{raise_it}"
        )
    (ny, nx), dx = _solver_shape(inputs)
    dem_dx = check_grid(inputs.dem, "DEM").dx
    k_now = round(dx / dem_dx)
    # what shrinks with coarser cells (the solver, the flood's grids and frames) and what does not
    scales = SOLVER_BYTES_PER_CELL * b.cells + STATIC_GRIDS * 8 * b.cells + b.parts["frames"]
    room = limit - (b.peak_bytes - scales)
    res = f"hazard.resolution_m = {hz.resolution_m:g}" if hz.resolution_m else "the DEM's cells"
    if room > 0:
        k = max(math.ceil(k_now * math.sqrt(scales / room)), k_now + 1)
        fix = f"use hazard.resolution_m = {k * dem_dx:g} or more, or a smaller DEM, "
    else:
        fix = "use a smaller DEM (or one with coarser cells), "
    return main, (
        f"{res} gives a solver grid of {ny:,} x {nx:,} = {b.cells:,} cells of {dx:g} m, {peak}: "
        f"{fix}{raise_it}"
    )


def _steps_problem(scenario: Scenario) -> str | None:
    """The message for a duration that needs more than ``MAX_SOLVER_STEPS`` steps (or None)."""
    hz = scenario.hazard
    max_dt = _max_dt()
    steps = math.ceil(hz.duration / max_dt * (1 - 1e-12))
    if steps <= MAX_SOLVER_STEPS:
        return None
    frames = _frame_count(hz.duration, hz.output_interval)
    return (
        f"hazard.duration = {format_duration(hz.duration)} ({hz.duration:.3g} s) needs at least "
        f"{steps:,} solver steps (its time step is at most {max_dt:g} s) and would save "
        f"{frames:,} frames at output_interval = {format_duration(hz.output_interval)}, above "
        f"drm's cap of {MAX_SOLVER_STEPS:,} steps ({format_duration(MAX_SOLVER_STEPS * max_dt)} "
        "of flood): shorten hazard.duration to the event's hours or days"
    )


def check_settings(scenario: Scenario) -> None:
    """Refuse settings that run away whatever the inputs: a duration of years of solver steps.

    :func:`drm.scenario.load_inputs` calls it first, before reading any file;
    :func:`check_run` makes the same check with the others.

    Parameters
    ----------
    scenario : Scenario
        From :func:`drm.scenario.load_scenario`.

    Raises
    ------
    InputError
        When ``hazard.duration`` needs more than ``MAX_SOLVER_STEPS`` steps at
        the solver's longest step; the message names the key, the steps and the fix.

    Examples
    --------
    >>> import dataclasses, drm
    >>> sc = drm.load_scenario("valle_alto")
    >>> check_settings(sc)
    >>> check_settings(dataclasses.replace(sc, hazard=dataclasses.replace(sc.hazard, duration=3.6e12)))
    Traceback (most recent call last):
    ...
    drm.errors.InputError: the run is too big: hazard.duration = 41666666d16h00m (3.6e+12 s) needs at least
    360,000,000,000 solver steps (its time step is at most 10 s) and would save 4,000,000,001 frames
    at output_interval = 15min, above drm's cap of 10,000,000 steps (1157d09h46m of flood): shorten
    hazard.duration to the event's hours or days
    """
    problem = _steps_problem(scenario)
    if problem is not None:
        raise InputError(f"the run is too big: {problem}")


def check_run(inputs: ScenarioInputs, max_memory: Any = None) -> RunBudget:
    """Refuse a run that would not fit in memory or would run away; return its estimate.

    The run is refused when it would save more than ``MAX_FRAMES`` frames, need
    at least ``MAX_SOLVER_STEPS`` solver steps (``hazard.duration`` over the
    solver's longest step), or need more memory at its peak
    (:func:`estimate_run`) than ``max_memory``, else the limit of
    :func:`memory_limit` in force, else the memory available.

    Parameters
    ----------
    inputs : ScenarioInputs
        From :func:`drm.scenario.load_inputs`.
    max_memory : int, str or None
        The memory limit (bytes, or a size such as ``"8GiB"``).

    Returns
    -------
    RunBudget
        The estimate, when the run is accepted.

    Raises
    ------
    InputError
        One line naming each problem: the scenario key, the number it gives,
        the limit and the fix.

    Examples
    --------
    >>> import drm
    >>> inputs = drm.scenario.load_inputs(drm.load_scenario("valle_alto"))
    >>> check_run(inputs, max_memory="8GiB").frames
    57
    >>> check_run(inputs, max_memory="1MiB")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    drm.errors.InputError: the run is too big: 57 frames of 4 grids of 40,000 cells (34.8 MiB), ...
    """
    hz = inputs.scenario.hazard
    b = estimate_run(inputs)
    given = max_memory is not None or _LIMIT.get() is not None
    if max_memory is not None:
        limit = parse_memory(max_memory)
    else:
        limit = _LIMIT.get() if _LIMIT.get() is not None else available_memory()
    memory = _memory_problem(inputs, b, int(limit), given) if b.peak_bytes > limit else None
    problems = []
    steps = _steps_problem(inputs.scenario)
    steps_capped = steps is not None
    if steps is not None:
        problems.append(steps)
    # the memory message, when the frames weigh most, gives an interval under both limits
    if b.frames > MAX_FRAMES and not steps_capped and (memory is None or memory[0] != "frames"):
        interval = _interval_fitting(hz.duration, MAX_FRAMES)
        fix = (
            f"use an output_interval of {format_duration(interval)} or more"
            if interval is not None
            else "shorten hazard.duration"
        )
        problems.append(
            f"hazard.output_interval = {format_duration(hz.output_interval)} over hazard.duration "
            f"= {format_duration(hz.duration)} gives {b.frames:,} frames, above drm's cap of "
            f"{MAX_FRAMES:,} saved frames: {fix}"
        )
    if memory is not None:
        problems.append(memory[1])
    if problems:
        n = len(problems)
        head = "the run is too big" if n == 1 else f"the run is too big ({n} problems)"
        raise InputError(f"{head}: " + "; ".join(problems))
    return b
