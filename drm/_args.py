"""Argument checks at the public API: a wrong type gets drm's error, naming the argument.

Every function a drm subpackage exports (its ``__all__``) is wrapped by
:func:`guard` in the package's ``__init__``: before the call, each argument is
checked against its annotation, for the types drm can check cheaply and for
sure: file paths, pandas tables, xarray grids, networkx graphs, drm's own
classes, ``Literal`` choices, numbers and strings. A mismatch raises
:class:`~drm.errors.ArgumentError` (an ``InputError`` and a ``TypeError``)
that names the function, the argument, what it expects, what it got and how to
give it, instead of an ``AttributeError`` deep inside. Annotations the checker
cannot read for sure (``Any``, generic containers, names it cannot resolve)
are not checked: a check never refuses a value the function accepts.

Internal calls between drm's modules use the unwrapped functions.
"""

from __future__ import annotations

import ast
import functools
import inspect
import numbers
import os
import re
from collections.abc import Callable, Iterable
from typing import Any

from drm.errors import ArgumentError

__all__ = ["guard"]

#: Where a table or grid argument usually comes from, by argument name: the fix in the message.
_SOURCES = {
    "centres": "drm.io.read_centres(path)",
    "stock": "drm.io.read_stock(path)",
    "warehouses": "drm.io.read_warehouses(path)",
    "households": "drm.evacuation.make_households(origins)",
    "origins": "drm.network.population_origins(population, G)",
    "dem": "drm.io.read_dem(path)",
    "population": "drm.io.read_population(path, like=dem)",
    "rainfall": "drm.io.read_rainfall(path, like=dem)",
    "G": "drm.io.read_roads(path), then drm.network.prepare_roads(G)",
}


class _Check:
    """What one annotation accepts: a tuple of types, Literal choices, or anything."""

    def __init__(self, types: tuple[type, ...], choices: tuple[Any, ...], words: list[str]):
        self.types = types
        self.choices = choices
        self.words = words

    def accepts(self, value: Any) -> bool:
        if self.choices and _hashable(value) and value in self.choices:
            return True
        return bool(self.types) and isinstance(value, self.types)


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _split_union(text: str) -> list[str]:
    """Split ``"A | B[C | D] | None"`` at its top-level bars."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    parts.append(text[start:].strip())
    return parts


@functools.cache
def _known_types() -> dict[str, tuple[tuple[type, ...], str]]:
    import networkx as nx
    import numpy as np
    import pandas as pd
    import xarray as xr

    number = (numbers.Number, np.generic, np.ndarray, xr.DataArray)
    return {
        "None": ((type(None),), "None"),
        "str": ((str,), "a str"),
        "os.PathLike": ((os.PathLike,), "a file path (str or pathlib.Path)"),
        "Path": ((os.PathLike,), "a file path (str or pathlib.Path)"),
        "pd.DataFrame": ((pd.DataFrame,), "a pandas.DataFrame"),
        "pd.Series": ((pd.Series,), "a pandas.Series"),
        "xr.DataArray": ((xr.DataArray,), "an xarray.DataArray"),
        "xr.Dataset": ((xr.Dataset,), "an xarray.Dataset"),
        "np.ndarray": ((np.ndarray,), "a numpy array"),
        "nx.Graph": ((nx.Graph,), "a networkx graph"),
        "nx.DiGraph": ((nx.Graph,), "a networkx graph"),
        "nx.MultiGraph": ((nx.Graph,), "a networkx graph"),
        "nx.MultiDiGraph": ((nx.Graph,), "a networkx graph"),
        "float": (number, "a number"),
        "int": (number, "a number"),
    }


def _check_for(annotation: Any, namespace: dict[str, Any]) -> _Check | None:
    """The check of one annotation, or None when it cannot be checked for sure."""
    if not isinstance(annotation, str) or annotation is inspect.Parameter.empty:
        return None
    known = _known_types()
    types: list[type] = []
    choices: list[Any] = []
    words: list[str] = []
    for part in _split_union(annotation):
        base = part.split("[", 1)[0].strip()
        if base in ("Literal", "typing.Literal"):
            try:
                values = ast.literal_eval(f"({part[part.index('[') + 1 : part.rindex(']')]},)")
            except (ValueError, SyntaxError):
                return None
            choices.extend(values)
            words.append("one of " + ", ".join(repr(v) for v in values))
        elif base in known:
            kinds, word = known[base]
            types.extend(kinds)
            if word not in words:
                words.append(word)
        else:
            obj = _resolve(base, namespace)
            if not isinstance(obj, type) or obj.__module__.split(".")[0] != "drm":
                return None  # Any, generic containers, other libraries' types: not checked
            types.append(obj)
            words.append(f"a {obj.__name__}")
    if "a file path (str or pathlib.Path)" in words and "a str" in words:
        words.remove("a str")
    return _Check(tuple(types), tuple(choices), words)


def _resolve(dotted: str, namespace: dict[str, Any]) -> Any:
    head, *rest = dotted.split(".")
    obj = namespace.get(head)
    for name in rest:
        obj = getattr(obj, name, None)
    return obj


def _describe(value: Any) -> str:
    text = repr(value)
    text = text if len(text) <= 40 else text[:37] + "..."
    return (
        f"{type(value).__name__} {text}"
        if not isinstance(value, (list, dict, tuple))
        else (f"a {type(value).__name__}")
    )


def _fix(name: str, check: _Check, value: Any) -> str:
    words = " or ".join(check.words)
    if check.choices and not check.types:
        return f"use {words}"
    if "a file path" in words:
        return "pass the file's path as a str or pathlib.Path"
    source = _SOURCES.get(name)
    if "a pandas.DataFrame" in words:
        made = f"read it with {source}" if source else "build it with pandas.DataFrame(...)"
        if isinstance(value, (list, dict)):
            made += ", or wrap your records in pandas.DataFrame(...)"
        return made
    if "an xarray.DataArray" in words or "a networkx graph" in words:
        return f"get it from {source}" if source else f"pass {words}"
    if "a number" in words and isinstance(value, str):
        return (
            "give a number, not text (durations: drm.units.parse_duration('10min') gives seconds)"
        )
    return f"pass {words}"


def _checked(func: Callable[..., Any], qualname: str) -> Callable[..., Any]:
    sig = inspect.signature(func)
    checks = {
        name: check
        for name, p in sig.parameters.items()
        if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        and (check := _check_for(p.annotation, func.__globals__)) is not None
    }
    if not checks:
        return func

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            bound = sig.bind(*args, **kwargs)
        except TypeError:
            return func(*args, **kwargs)  # Python's own message on a wrong call
        for name, value in bound.arguments.items():
            check = checks.get(name)
            if check is not None and not check.accepts(value):
                raise ArgumentError(
                    f"{qualname}(): argument {name!r} must be {' or '.join(check.words)}, "
                    f"got {_describe(value)}: {_fix(name, check, value)}"
                )
        return func(*args, **kwargs)

    return wrapper


def guard(namespace: dict[str, Any], names: Iterable[str]) -> None:
    """Wrap the public functions ``names`` of a package's ``namespace`` with argument checks.

    Parameters
    ----------
    namespace : dict
        The package's ``globals()``.
    names : iterable of str
        Its ``__all__``; names that are not plain functions are left as they are.

    Examples
    --------
    >>> import drm.io
    >>> drm.io.read_dem(3)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    drm.errors.ArgumentError: drm.io.read_dem(): argument 'path' must be a file path ..., got int 3: ...
    """
    package = namespace["__name__"]
    for name in names:
        obj = namespace.get(name)
        if inspect.isfunction(obj) and not re.match(r"_", name):
            namespace[name] = _checked(obj, f"{package}.{name}")
