"""Shared fixtures for the hazard tests: small grids, real terrain, random DEMs."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import xarray as xr
from scipy import ndimage

from drm.grids import set_crs

GridFactory = Callable[..., xr.DataArray]


def make_grid(
    values, dx: float = 10.0, *, units: str = "m", name: str = "elevation"
) -> xr.DataArray:
    """North-up grid with square ``dx`` cells in UTM 19N (Venezuela) from a 2-D array."""
    a = np.asarray(values)
    ny, nx = a.shape
    x = 500_000.0 + dx * (np.arange(nx) + 0.5)
    y = 900_000.0 + dx * (np.arange(ny)[::-1] + 0.5)
    da = xr.DataArray(
        a, dims=("y", "x"), coords={"y": y, "x": x}, name=name, attrs={"units": units}
    )
    return set_crs(da, "EPSG:32619")


@pytest.fixture
def grid() -> GridFactory:
    """Factory: ``grid(values, dx=10.0)`` -> north-up DataArray in metres."""
    return make_grid


@pytest.fixture(scope="session")
def real_dem() -> xr.DataArray:
    """The matplotlib Jacksboro DEM in UTM (about 83 m cells, NaN outside the source), float32.

    float32 as DEMs are stored; pyflwdir orders its queue by float32 elevations,
    so with float32 input its filled DEM is exact and comparable to 1e-6 m.
    """
    from drm.datasets import real_terrain

    return real_terrain().astype(np.float32)


@pytest.fixture(scope="session")
def random_dem() -> xr.DataArray:
    """A seeded random 160 x 200 DEM: tilted plane + smoothed noise, 0.1 m steps, with a nodata hole.

    Rounding to 0.1 m makes flats and equal drops common, as in stored DEMs.
    """
    rng = np.random.default_rng(7)
    ny, nx = 160, 200
    yy, xx = np.mgrid[0:ny, 0:nx]
    z = 50.0 + 0.02 * xx + 0.01 * yy
    for sigma, amp in ((1.0, 0.4), (4.0, 1.5), (16.0, 4.0)):
        noise = ndimage.gaussian_filter(rng.standard_normal((ny, nx)), sigma)
        z += amp * noise / noise.std()
    z = np.round(z, 1)
    z[70:80, 90:105] = np.nan  # a data gap
    return make_grid(z.astype(np.float32), dx=30.0)
