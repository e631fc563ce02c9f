import numpy as np
import pytest
import xarray as xr

from drm.errors import DrmError, InputError, UnitError
from drm.units import (
    convert,
    format_duration,
    parse_duration,
    parse_units,
    rain_to_m_per_s,
    require_units,
)


@pytest.mark.parametrize(
    ("text", "factor", "dims"),
    [
        ("m/s", 1.0, (1, -1, 0)),
        ("mm/h", 1e-3 / 3600, (1, -1, 0)),
        ("mm h-1", 1e-3 / 3600, (1, -1, 0)),
        ("mm hr-1", 1e-3 / 3600, (1, -1, 0)),
        ("mm/day", 1e-3 / 86400, (1, -1, 0)),
        ("kg m-2 s-1", 1.0, (-2, -1, 1)),
        ("kg/m2/s", 1.0, (-2, -1, 1)),
        ("m3/s", 1.0, (3, -1, 0)),
        ("m^3 s^-1", 1.0, (3, -1, 0)),
        ("m**3/s", 1.0, (3, -1, 0)),
        ("L/s", 1e-3, (3, -1, 0)),
        ("ft", 0.3048, (1, 0, 0)),
        ("in", 0.0254, (1, 0, 0)),
    ],
)
def test_parse_units(text, factor, dims):
    f, d = parse_units(text)
    assert f == pytest.approx(factor, rel=1e-12)
    assert d == dims


@pytest.mark.parametrize("bad", ["", "furlongs/fortnight", "mm/", "m s-1 parsecs"])
def test_parse_units_rejects(bad):
    with pytest.raises(UnitError):
        parse_units(bad)


def test_rain_conversions_agree():
    # 36 mm/h for 10 minutes = 6 mm in the interval = 1e-5 m/s = 0.01 kg m-2 s-1
    assert rain_to_m_per_s(36.0, "mm/h") == pytest.approx(1e-5, rel=1e-12)
    assert rain_to_m_per_s(6.0, "mm", interval_s=600.0) == pytest.approx(1e-5, rel=1e-12)
    assert rain_to_m_per_s(0.01, "kg m-2 s-1") == pytest.approx(1e-5, rel=1e-12)
    arr = rain_to_m_per_s(np.array([[6.0], [12.0]]), "mm", interval_s=np.array([[600.0], [1200.0]]))
    np.testing.assert_allclose(arr, 1e-5, rtol=1e-12)


def test_rain_depth_without_interval_is_an_error():
    with pytest.raises(UnitError, match="interval"):
        rain_to_m_per_s(5.0, "mm")
    with pytest.raises(UnitError, match="not a rainfall unit"):
        rain_to_m_per_s(5.0, "m3/s")


def test_convert_and_dimension_mismatch():
    assert convert(1.0, "ft", "m") == pytest.approx(0.3048)
    assert convert(3.6, "km/h", "m/s") == pytest.approx(1.0)
    with pytest.raises(UnitError, match="different dimensions"):
        convert(1.0, "mm", "m/s")


def test_require_units():
    da = xr.DataArray(1.0, attrs={"units": "mm/h"})
    assert require_units(da, "m/s") == "mm/h"
    with pytest.raises(UnitError, match="expected units like"):
        require_units(da, "m")
    with pytest.raises(UnitError, match="no 'units'"):
        require_units(xr.DataArray(1.0), "m")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("12h", 43200.0),
        ("90 min", 5400.0),
        ("90min", 5400.0),
        ("1h30m", 5400.0),
        ("1h 30min 15s", 5415.0),
        ("2 days", 172800.0),
        ("PT2H30M", 9000.0),
        ("P1DT1H", 90000.0),
        ("45", 45.0),
        (45, 45.0),
        (2.5, 2.5),
        (np.timedelta64(3, "m"), 180.0),
    ],
)
def test_parse_duration(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("bad", ["soon", "3 parsecs", "-5", "P", True, None, "1h and a bit"])
def test_parse_duration_rejects(bad):
    with pytest.raises(InputError):
        parse_duration(bad, "warning.order_time")


def test_errors_subclass_builtins():
    # callers can catch either the drm type or the builtin
    with pytest.raises(ValueError):
        parse_duration("soon")
    with pytest.raises(DrmError):
        parse_duration("soon")


def test_format_duration():
    assert format_duration(5400) == "1h30m"
    assert format_duration(42) == "42s"
    assert format_duration(90) == "1m30s"
    assert format_duration(600) == "10min"
    assert format_duration(90061) == "1d01h01m"
    assert format_duration(-3600) == "-1h00m"
    assert format_duration(float("inf")) == "never"
