"""Validation cases of the flood solver, shared by the tests and the documentation's figures.

Each builder returns the keyword arguments of :func:`drm.hazard.simulate_flood`
for one case (plus what the analytic or peer answer needs), so
``tests/hazard/test_flood.py`` asserts on exactly the runs that
``docs/figures/validation.py`` draws.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from drm.grids import set_crs
from drm.hazard.boundaries import Boundary, Inflow
from drm.io import rainfall_grid

# Hunter et al. (2005) wetting front: Manning n, front speed (m/s), cell size (m)
HUNTER_N, HUNTER_U, HUNTER_DX = 0.01, 0.4, 25.0
# steady uniform flow: bed slope, Manning n, unit discharge (m²/s)
NORMAL_SLOPE, NORMAL_N, NORMAL_Q = 0.001, 0.03, 1.0
# closed box: the two rain intervals (mm/h, each 1200 s)
BOX_RAIN_MM_H = (80.0, 20.0)
# Landlab comparison: grid size (cells), cell size (m), Manning n, theta, rain (mm/h for 30 min)
PEER_N_CELLS, PEER_DX, PEER_MANNING, PEER_THETA, PEER_RAIN_MM_H = 60, 10.0, 0.03, 0.8, 50.0


def make_dem(z, dx=10.0, crs="EPSG:32619"):
    """North-up DEM in UTM 19N from a 2-D array, lower-left corner at (1000, 2000) m."""
    ny, nx = z.shape
    x = 1000.0 + dx * (np.arange(nx) + 0.5)
    y = 2000.0 + dx * (np.arange(ny)[::-1] + 0.5)
    da = xr.DataArray(
        np.asarray(z, dtype=float), dims=("y", "x"), coords={"y": y, "x": x}, name="elevation"
    )
    return set_crs(da, crs)


def hunter_depth(x_m, t_s, n=HUNTER_N, u=HUNTER_U):
    """Analytic depth (m) of the wetting front: h = [-(7/3) n² u² (x - u t)]^(3/7) behind it, 0 ahead."""
    x = np.asarray(x_m, dtype=float)
    return np.maximum(-(7.0 / 3.0) * n**2 * u**2 * (x - u * t_s), 0.0) ** (3.0 / 7.0)


def wetting_front() -> dict[str, Any]:
    """A 3 x 40 flat plane at 25 m cells, driven by the analytic water level at its west edge for 500 s."""
    dem = make_dem(np.zeros((3, 40)), dx=HUNTER_DX)
    ts = np.linspace(0.0, 600.0, 601)
    level = ((7.0 / 3.0) * HUNTER_N**2 * HUNTER_U**3 * ts) ** (3.0 / 7.0)  # analytic depth at x = 0
    west = Boundary("west", "level", level=(ts, level))
    return {
        "dem": dem, "rainfall": None, "manning_n": HUNTER_N, "duration": 500,
        "output_interval": 100, "boundaries": [west], "progress": False,
    }  # fmt: skip


def closed_box(rng: np.random.Generator) -> dict[str, Any]:
    """A closed 40 x 50 sloping, bumpy DEM under 80 mm/h then 20 mm/h of rain (20 min each), run 1 h."""
    ny, nx = 40, 50
    yy, xx = np.mgrid[0:ny, 0:nx]
    z = (
        0.02 * xx
        + 0.01 * yy
        + rng.random((ny, nx)) * 0.8
        + 1.5 * np.sin(xx / 5.0) * np.cos(yy / 7.0)
    )
    dem = make_dem(z)
    rain = rainfall_grid(
        np.array([np.full((3, 3), BOX_RAIN_MM_H[0]), np.full((3, 3), BOX_RAIN_MM_H[1])]),
        x=1000.0 + 200.0 * (np.arange(3) + 0.5),
        y=2000.0 + 200.0 * (np.arange(3)[::-1] + 0.5),
        time_s=[0.0, 1200.0],
        interval_end_s=2400.0,
        crs="EPSG:32619",
    )
    return {
        "dem": dem, "rainfall": rain, "manning_n": 0.05, "duration": "1h",
        "boundaries": "closed", "progress": False,
    }  # fmt: skip


def lake_at_rest(rng: np.random.Generator, theta: float, level_m: float = 4.0) -> dict[str, Any]:
    """Still water at ``level_m`` over a random bed with an emergent island and a shoal, closed, 2 h."""
    z = rng.random((30, 30)) * 2.0
    z[10:16, 12:18] = 6.0  # emergent island
    z[20:23, 3:6] = 3.9  # a shoal just below the surface
    dem = make_dem(z)
    h0 = dem.copy(data=np.maximum(level_m - z, 0.0))
    return {
        "dem": dem, "rainfall": None, "duration": "2h", "output_interval": "30min",
        "boundaries": "closed", "initial_depth": h0, "theta": theta, "progress": False,
    }  # fmt: skip


def normal_depth() -> float:
    """Normal depth (m) of steady uniform flow, (n q / √S)^(3/5)."""
    return (NORMAL_N * NORMAL_Q / np.sqrt(NORMAL_SLOPE)) ** 0.6


def uniform_flow() -> dict[str, Any]:
    """A 3 x 60 plane at 20 m cells on slope 0.001, fed 1 m²/s along its west edge, free east edge, 3 h."""
    dx, nx, ny = 20.0, 60, 3
    x = dx * (np.arange(nx) + 0.5)
    dem = make_dem(np.tile(NORMAL_SLOPE * (nx * dx - x), (ny, 1)), dx=dx)
    xs = dem["x"].values
    ys = dem["y"].values
    inflow = Inflow([xs[0], xs[0]], [ys[0], ys[-1]], NORMAL_Q * ny * dx, name="upstream")
    return {
        "dem": dem, "rainfall": None, "manning_n": NORMAL_N, "duration": "3h",
        "output_interval": "1h", "inflows": [inflow],
        "boundaries": [Boundary("east", "free", slope=NORMAL_SLOPE)], "progress": False,
    }  # fmt: skip


def tr55_storm(curve_number: float = 70.0) -> dict[str, Any]:
    """6 in (152.4 mm) of rain in 2 h on a closed flat 8 x 8 grid with SCS losses (TR-55 chapter 2)."""
    dem = make_dem(np.zeros((8, 8)))
    p_mm = 6 * 25.4
    rain = rainfall_grid(
        np.full((1, 2, 2), p_mm / 2.0),
        x=[1020.0, 1060.0],
        y=[2060.0, 2020.0],
        time_s=[0.0],
        interval_end_s=7200.0,
        crs="EPSG:32619",
    )
    return {
        "dem": dem, "rainfall": rain, "infiltration": "scs", "curve_number": curve_number,
        "duration": "2h", "boundaries": "closed", "progress": False,
    }  # fmt: skip


# Chow, Maidment & Mays (1988) example 4.3.1: silt loam, effective saturation 0.3
CHOW_SOIL = {"ks_m_s": 0.65 / 100 / 3600, "suction_m": 0.167, "moisture_deficit": 0.340}


def chow_ponded() -> dict[str, Any]:
    """A closed flat 6 x 6 grid ponded 0.2 m deep over Chow's silt loam for 1 h (Green-Ampt)."""
    return {
        "dem": make_dem(np.zeros((6, 6))), "rainfall": None, "infiltration": "green-ampt",
        "soil": CHOW_SOIL, "initial_depth": 0.2, "duration": "1h", "boundaries": "closed",
        "progress": False,
    }  # fmt: skip


def peer_terrain() -> np.ndarray:
    """Elevations (m) of the Landlab comparison: a tilted plane with two hollows and 5 cm noise."""
    rng = np.random.default_rng(3)
    n, dx = PEER_N_CELLS, PEER_DX
    i, j = np.mgrid[0:n, 0:n]
    return (
        0.005 * j * dx
        + 0.003 * i * dx
        - 1.5 * np.exp(-((i - 30) ** 2 + (j - 30) ** 2) / 80.0)
        - 0.8 * np.exp(-((i - 15) ** 2 + (j - 45) ** 2) / 30.0)
        + rng.random((n, n)) * 0.05
    )


def peer_run() -> dict[str, Any]:
    """drm's run of the Landlab case: 50 mm/h for 30 min, then 30 min dry, closed perimeter."""
    n = PEER_N_CELLS
    zd = peer_terrain()
    zd[0, :] = zd[-1, :] = zd[:, 0] = zd[:, -1] = np.nan  # Landlab's closed perimeter nodes
    dem = make_dem(zd, dx=PEER_DX)
    rain = rainfall_grid(
        np.array([np.full((n, n), PEER_RAIN_MM_H), np.zeros((n, n))]), x=dem["x"].values,
        y=dem["y"].values, time_s=[0.0, 1800.0], interval_end_s=3600.0, crs="EPSG:32619",
    )  # fmt: skip
    return {
        "dem": dem, "rainfall": rain, "manning_n": PEER_MANNING, "duration": "1h",
        "boundaries": "closed", "theta": PEER_THETA, "max_dt": 30.0, "progress": False,
    }  # fmt: skip


def landlab_max_depth() -> np.ndarray:
    """Landlab OverlandFlow's maximum depth (m) on the same case, north-up like drm's grids."""
    import landlab
    from landlab.components import OverlandFlow

    n, z = PEER_N_CELLS, peer_terrain()
    grid = landlab.RasterModelGrid((n, n), xy_spacing=PEER_DX)
    grid.add_field("topographic__elevation", np.flipud(z).ravel().copy(), at="node")
    grid.add_zeros("surface_water__depth", at="node")
    grid.set_closed_boundaries_at_grid_edges(True, True, True, True)
    of = OverlandFlow(
        grid,
        steep_slopes=True,
        mannings_n=PEER_MANNING,
        theta=PEER_THETA,
        alpha=0.7,
        rainfall_intensity=PEER_RAIN_MM_H / 3.6e6,
    )
    t, hmax = 0.0, np.zeros(n * n)
    while t < 3600.0 - 1e-9:
        if t >= 1800.0 - 1e-9:
            of.rainfall_intensity = 0.0
        dt = min(of.calc_time_step(), 30.0, (1800.0 if t < 1800.0 else 3600.0) - t)
        of.run_one_step(dt=dt)
        t += dt
        hmax = np.maximum(hmax, grid.at_node["surface_water__depth"])
    return np.flipud(hmax.reshape(n, n))


# --------------------------------------------------------------------- sheet flow on a plane
# steady rain on a plane without a river: length (m), bed slope, Manning n, rain (mm/h)
PLANE_L, PLANE_SLOPE, PLANE_N, PLANE_RAIN_MM_H = 200.0, 0.005, 0.05, 100.0


def rain_on_plane(dx: float, output_interval: str = "10min", **settings: Any) -> dict[str, Any]:
    """Steady rain on a 200 m plane (slope 0.005, n 0.05, 100 mm/h), closed upslope, free at its foot.

    Three rows of ``dx`` cells across; run for 2 h, long after equilibrium (the
    kinematic time of concentration is 22 min).
    """
    nx = round(PLANE_L / dx)
    x = dx * (np.arange(nx) + 0.5)
    dem = make_dem(np.tile(PLANE_SLOPE * (PLANE_L - x), (3, 1)), dx=dx)
    return {
        "dem": dem, "rainfall": PLANE_RAIN_MM_H / 3.6e6, "manning_n": PLANE_N, "duration": "2h",
        "output_interval": output_interval, "progress": False,
        "boundaries": [Boundary("east", "free", slope=PLANE_SLOPE)], **settings,
    }  # fmt: skip


def kinematic_plane_storage() -> float:
    """Water stored per metre of width at kinematic equilibrium (m²).

    q = r x and h = (n q / √S)^(3/5), so ∫₀ᴸ h dx = (n r / √S)^(3/5) L^(8/5) / (8/5).
    """
    r = PLANE_RAIN_MM_H / 3.6e6
    return (PLANE_N * r / np.sqrt(PLANE_SLOPE)) ** 0.6 * PLANE_L**1.6 / 1.6


def diffusive_plane_depth(x_m: np.ndarray) -> np.ndarray:
    """Equilibrium depth (m) of the diffusive wave at ``x_m`` (distance from the divide).

    dh/dx = S - (n q / h^(5/3))², q = r x, with the normal depth at the foot
    (the free boundary's energy slope is the bed slope); solved upslope with scipy.
    """
    from scipy.integrate import solve_ivp

    r = PLANE_RAIN_MM_H / 3.6e6
    h_foot = (PLANE_N * r * PLANE_L / np.sqrt(PLANE_SLOPE)) ** 0.6

    def slope(x, h):
        return [PLANE_SLOPE - (PLANE_N * r * x / max(h[0], 1e-9) ** (5 / 3)) ** 2]

    sol = solve_ivp(slope, (PLANE_L, 0.0), [h_foot], dense_output=True, rtol=1e-10, atol=1e-12)
    return sol.sol(np.asarray(x_m, dtype=float))[0]


# --------------------------------------------------------------------- backwater (M1 profile)
# a wide channel: length (m), cell (m), bed slope, Manning n, unit discharge (m²/s), level at
# its downstream end above the bed (m)
BACKWATER_L, BACKWATER_DX, BACKWATER_SLOPE, BACKWATER_N = 5000.0, 50.0, 2e-4, 0.03
BACKWATER_Q, BACKWATER_DEPTH = 0.5, 2.0


def backwater() -> dict[str, Any]:
    """Steady flow of 0.5 m²/s into a channel held 2 m deep at its downstream end (8 h)."""
    dx, ny = BACKWATER_DX, 3
    nx = round(BACKWATER_L / dx)
    x = dx * (np.arange(nx) + 0.5)
    z = BACKWATER_SLOPE * (BACKWATER_L - x)
    dem = make_dem(np.tile(z, (ny, 1)), dx=dx)
    level = BACKWATER_DEPTH  # the bed is at 0 m where the channel ends
    normal = (BACKWATER_N * BACKWATER_Q / np.sqrt(BACKWATER_SLOPE)) ** 0.6
    h0 = dem.copy(data=np.tile(np.maximum(level - z, normal), (ny, 1)))
    xs, ys = dem["x"].values, dem["y"].values
    inflow = Inflow([xs[0], xs[0]], [ys[0], ys[-1]], BACKWATER_Q * ny * dx, name="upstream")
    return {
        "dem": dem, "rainfall": None, "manning_n": BACKWATER_N, "duration": "8h",
        "output_interval": "2h", "inflows": [inflow], "initial_depth": h0, "progress": False,
        "boundaries": [Boundary("east", "level", level=level)],
    }  # fmt: skip


def gradually_varied_depth(x_m: np.ndarray) -> np.ndarray:
    """Depth (m) of the steady profile, dh/dx = (S - S_f) / (1 - Fr²), from the downstream level.

    S_f = n² q² / h^(10/3) and Fr² = q² / (g h³) (Chow 1959, ch. 9); solved with scipy.
    """
    from scipy.integrate import solve_ivp

    q, n, s0, g = BACKWATER_Q, BACKWATER_N, BACKWATER_SLOPE, 9.81

    def slope(x, h):
        hh = h[0]
        return [(s0 - n * n * q * q / hh ** (10 / 3)) / (1.0 - q * q / (g * hh**3))]

    sol = solve_ivp(
        slope, (BACKWATER_L, 0.0), [BACKWATER_DEPTH], dense_output=True, rtol=1e-10, atol=1e-12
    )
    return sol.sol(np.asarray(x_m, dtype=float))[0]


# --------------------------------------------------------------------- dam break on a wet bed
# depths upstream and downstream of the dam (m), where it stands and the channel length (m)
STOKER_HL, STOKER_HR, STOKER_X0, STOKER_L, STOKER_DX = 1.0, 0.8, 100.0, 200.0, 0.5


def dam_break() -> dict[str, Any]:
    """A dam at 100 m in a flat frictionless 200 m channel, 1.0 m of water upstream, 0.8 m downstream."""
    nx = round(STOKER_L / STOKER_DX)
    x = STOKER_DX * (np.arange(nx) + 0.5)
    dem = make_dem(np.zeros((3, nx)), dx=STOKER_DX)
    h0 = dem.copy(data=np.tile(np.where(x < STOKER_X0, STOKER_HL, STOKER_HR), (3, 1)))
    return {
        "dem": dem, "rainfall": None, "manning_n": 1e-4, "duration": 10.0, "output_interval": 2.0,
        "initial_depth": h0, "boundaries": "closed", "progress": False,
    }  # fmt: skip


def stoker_depth(x_m: np.ndarray, t_s: float) -> np.ndarray:
    """Stoker's (1957) solution for a dam break on a wet bed: rarefaction, plateau, bore.

    The plateau depth h_m and bore speed s satisfy the bore's jump conditions,
    h_m / h_r = (√(1 + 8 s² / (g h_r)) - 1) / 2 and u_m = s (1 - h_r / h_m), and
    the rarefaction's u_m + 2 √(g h_m) = 2 √(g h_l); solved for s with scipy.
    """
    from scipy.optimize import brentq

    g, hl, hr = 9.81, STOKER_HL, STOKER_HR
    cl = np.sqrt(g * hl)

    def mismatch(s):
        hm = hr * (np.sqrt(1.0 + 8.0 * s * s / (g * hr)) - 1.0) / 2.0
        return s * (1.0 - hr / hm) + 2.0 * np.sqrt(g * hm) - 2.0 * cl

    s = brentq(mismatch, np.sqrt(g * hr) * (1 + 1e-9), 10.0 * cl)
    hm = hr * (np.sqrt(1.0 + 8.0 * s * s / (g * hr)) - 1.0) / 2.0
    um, cm = s * (1.0 - hr / hm), np.sqrt(g * hm)
    xi = (np.asarray(x_m, dtype=float) - STOKER_X0) / t_s
    fan = (2.0 * cl - xi) ** 2 / (9.0 * g)
    return np.select([xi <= -cl, xi <= um - cm, xi <= s], [hl, fan, hm], hr)
