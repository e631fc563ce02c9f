"""Scenario files: TOML validated with pydantic, every problem reported at once.

A scenario names its inputs (paths relative to the scenario file) and the
settings of each stage. :func:`load_scenario` reads the TOML, validates it
and returns a frozen :class:`Scenario` whose paths are absolute. Every
problem is collected into one :class:`~drm.errors.ScenarioError`, one line
listing items such as ``evacuation.centres: file not found: ...`` or
``hazard.manning_nn: unknown key (did you mean 'manning_n'?)``, separated by
semicolons.
"""

from __future__ import annotations

import difflib
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from drm.errors import DataNotFoundError, InputError, ScenarioError
from drm.units import parse_duration

__all__ = ["Scenario", "load_scenario", "resolve_scenario_path"]


def _duration(value: Any) -> float:
    try:
        return parse_duration(value)
    except InputError as err:
        raise ValueError(str(err).split(": ", 1)[-1]) from None


Seconds = Annotated[float, BeforeValidator(_duration)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Inflow(_Section):
    """An inflow hydrograph entering the DEM at a point (m, in the DEM's CRS)."""

    hydrograph: Path
    x: float
    y: float


class HazardSection(_Section):
    """Hazard inputs and solver settings."""

    dem: Path
    rainfall: Path
    landcover: Path | None = None
    landcover_classes: Path | None = None
    curve_number: float | None = Field(default=None, gt=0, le=100)
    manning_n: float | None = Field(default=None, gt=0)
    duration: Seconds = Field(default=24 * 3600.0, gt=0)
    output_interval: Seconds = Field(default=600.0, gt=0)
    inflows: tuple[Inflow, ...] = ()


class WarningSection(_Section):
    """When the evacuation order is given."""

    order_time: Seconds | None = None


class PopulationSection(_Section):
    """Where people live."""

    grid: Path


class EvacuationSection(_Section):
    """Roads, candidate centres and how people move."""

    roads: Path
    centres: Path
    mode: Literal["walk", "drive"] = "walk"


class ShelterSection(_Section):
    """Standards and stock for evacuation centres."""

    standard: str = "sphere-2018"
    stock: Path | None = None
    warehouses: Path | None = None


class Inject(_Section):
    """A timed training event."""

    at: Seconds
    close_road: str | None = None
    close_centre: str | None = None
    note: str | None = None


class Scenario(_Section):
    """A validated scenario; paths are absolute.

    Attributes
    ----------
    name : str
        Title shown in reports.
    seed : int
        Feeds every random draw of the run.
    language : {"en", "es"}
        Report language.
    source : pathlib.Path or None
        The scenario file.
    """

    name: str
    description: str = ""
    seed: int = 0
    language: Literal["en", "es"] = "en"
    hazard: HazardSection
    warning: WarningSection = WarningSection()
    population: PopulationSection
    evacuation: EvacuationSection
    shelter: ShelterSection = ShelterSection()
    injects: tuple[Inject, ...] = ()
    source: Path | None = None

    @model_validator(mode="after")
    def _timing(self) -> Scenario:
        if self.hazard.output_interval > self.hazard.duration:
            raise ValueError("hazard.output_interval is longer than hazard.duration")
        return self

    def input_files(self) -> dict[str, Path]:
        """Return every input file by its dotted field name."""
        files: dict[str, Path] = {}

        def walk(model: BaseModel, prefix: str) -> None:
            for key in type(model).model_fields:
                value = getattr(model, key)
                name = f"{prefix}{key}"
                if isinstance(value, Path) and key != "source":
                    files[name] = value
                elif isinstance(value, BaseModel):
                    walk(value, name + ".")
                elif isinstance(value, tuple):
                    for i, item in enumerate(value):
                        if isinstance(item, BaseModel):
                            walk(item, f"{name}[{i}].")

        walk(self, "")
        return files


def _absolute(data: Any, base: Path, model: type[BaseModel]) -> Any:
    """Make the Path fields of raw TOML data absolute, relative to ``base``."""
    if not isinstance(data, dict):
        return data
    out = dict(data)
    for key, field in model.model_fields.items():
        if key not in out:
            continue
        ann = field.annotation
        value = out[key]
        if ann in (Path, Path | None) and isinstance(value, str):
            out[key] = str((base / value).resolve())
            continue
        sub = _submodel(ann)
        if sub is not None:
            if isinstance(value, list):
                out[key] = [_absolute(v, base, sub) for v in value]
            else:
                out[key] = _absolute(value, base, sub)
    return out


def _submodel(ann: Any) -> type[BaseModel] | None:
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann
    for arg in getattr(ann, "__args__", ()) or ():
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None


def _fields_at(loc: tuple[Any, ...]) -> list[str]:
    model: Any = Scenario
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part) if hasattr(model, "model_fields") else None
        if field is None:
            return []
        model = _submodel(field.annotation)
        if model is None:
            return []
    return list(model.model_fields) if hasattr(model, "model_fields") else []


def _format_loc(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text or "(top level)"


def _messages(err: ValidationError) -> list[str]:
    lines = []
    for e in err.errors():
        loc = tuple(p for p in e["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        where = _format_loc(loc)
        if e["type"] == "extra_forbidden":
            known = _fields_at(loc)
            close = difflib.get_close_matches(str(loc[-1]), known, n=1)
            hint = (
                f" (did you mean {close[0]!r}?)" if close else f" (known keys: {', '.join(known)})"
            )
            lines.append(f"{where}: unknown key{hint}")
        elif e["type"] == "missing":
            lines.append(f"{where}: required but missing")
        else:
            msg = e["msg"].removeprefix("Value error, ")
            lines.append(f"{where}: {msg}, got {e.get('input')!r}")
    return lines


def resolve_scenario_path(name_or_path: str | Path) -> Path:
    """Return the scenario file for a path or a built-in scenario name.

    Parameters
    ----------
    name_or_path : str or path-like
        A ``.toml`` path, or the name of a built-in scenario (``"valle_alto"``).

    Raises
    ------
    DataNotFoundError
        If neither a file nor a built-in scenario has that name.
    """
    p = Path(name_or_path).expanduser()
    if p.is_file():
        return p.resolve()
    from drm._resources import builtin_root

    candidate = builtin_root() / "scenarios" / f"{p.stem}.toml"
    if p.suffix in ("", ".toml") and p.parent == Path(".") and candidate.is_file():
        return candidate
    names = sorted(q.stem for q in (builtin_root() / "scenarios").glob("*.toml"))
    raise DataNotFoundError(
        f"scenario not found: {name_or_path} (neither a file nor a built-in scenario; "
        f"built-in: {', '.join(names)})"
    )


def load_scenario(path: str | Path, *, check_files: bool = True) -> Scenario:
    """Read and validate a scenario file.

    Parameters
    ----------
    path : str or path-like
        TOML file, or the name of a built-in scenario.
    check_files : bool
        Also report input files that do not exist.

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        Listing every problem, each with its dotted path.

    Examples
    --------
    >>> s = load_scenario("valle_alto")
    >>> s.hazard.dem.name, s.evacuation.mode
    ('dem.nc', 'walk')
    """
    p = resolve_scenario_path(path)
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(f"{p}: not valid TOML: {err}") from None
    if "source" in raw:
        raise ScenarioError(f"{p}: 'source' is reserved (it is set to the scenario file)")
    data = _absolute(raw, p.parent, Scenario)
    data["source"] = str(p)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as err:
        lines = _messages(err)
        raise ScenarioError(f"{p}: {len(lines)} problem(s): " + "; ".join(lines)) from None
    if check_files:
        missing = [
            f"{k}: file not found: {v}"
            for k, v in scenario.input_files().items()
            if not v.is_file()
        ]
        if missing:
            raise ScenarioError(f"{p}: {len(missing)} problem(s): " + "; ".join(missing))
    return scenario
