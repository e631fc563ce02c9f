"""Shared fixtures of the shelter tests."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def town():
    """The Valle Alto sample town (generated once per test session, a few seconds)."""
    from drm.datasets import valley_town

    return valley_town()
