"""Property: any scenario, as data or as bytes, either validates or fails with drm's InputError.

Hypothesis mutates the sample scenario (values of every type at every key, keys
removed, unknown keys added, whole sections replaced) and writes arbitrary bytes
as scenario files; nothing may escape as another exception (a KeyError,
TypeError or UnicodeDecodeError would be a bug in the validation).
"""

from __future__ import annotations

import copy
import tomllib
import warnings
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drm.errors import DrmWarning, InputError
from drm.scenario import Scenario, load_scenario, scenario_from_dict

REPO = Path(__file__).resolve().parents[2]
BASE = tomllib.loads((REPO / "scenarios" / "valle_alto.toml").read_text(encoding="utf-8"))
FOLDER = REPO / "scenarios"

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["1h", "-5min", "0s", "1000000000h", "PT2H", "EPSG:4326", "walk", "es", "nan"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=8,
)


def _paths(data: Any, prefix: tuple = ()) -> list[tuple]:
    """Every key path of nested dicts and lists of dicts."""
    out = []
    if isinstance(data, dict):
        for k, v in data.items():
            out.append((*prefix, k))
            out.extend(_paths(v, (*prefix, k)))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out.extend(_paths(v, (*prefix, i)))
    return out


PATHS = _paths(BASE)


@st.composite
def mutated(draw) -> dict:
    data = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(PATHS))
        parent = data
        try:
            for step in path[:-1]:
                parent = parent[step]
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation replaced this branch
        if not isinstance(parent, (dict, list)):
            continue
        action = draw(st.sampled_from(["set", "delete", "add"]))
        key = path[-1]
        try:
            if action == "set":
                parent[key] = draw(values)
            elif action == "delete" and isinstance(parent, dict):
                parent.pop(key, None)
            elif isinstance(parent, dict):
                parent[draw(st.text(min_size=1, max_size=12))] = draw(values)
        except (KeyError, IndexError, TypeError):
            continue
    return data


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_any_scenario_data_validates_or_raises_input_error(data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DrmWarning)
        try:
            sc = scenario_from_dict(data, base=FOLDER)
        except InputError as err:
            message = str(err)
            sc = None
    if sc is None:
        assert message  # a message, not an empty error
    else:
        assert isinstance(sc, Scenario)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=400) | st.text(max_size=300).map(lambda t: t.encode("utf-8")))
def test_any_scenario_file_validates_or_raises_input_error(tmp_path, raw):
    path = tmp_path / "s.toml"
    path.write_bytes(raw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DrmWarning)
        with pytest.raises(InputError) as info:  # no bytes this short make a complete scenario
            load_scenario(path, check_files=False)
    assert str(path) in str(info.value)
