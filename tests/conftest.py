"""Shared fixtures: a small scenario that runs in well under a second."""

from __future__ import annotations

from pathlib import Path

import pytest

from commsim import CommunityModel, load_scenario

pytest_plugins = ["tests.report_fixtures"]  # a small real comparison for the report tests

DATA = Path(__file__).parent / "data"
SMALL = DATA / "small.toml"


@pytest.fixture(scope="session")
def small_scenario():
    return load_scenario(SMALL)


@pytest.fixture
def small_model(small_scenario):
    return CommunityModel(small_scenario, seed=7)


@pytest.fixture(scope="session")
def small_run(small_scenario):
    """A finished 36-month run of the small scenario (model, monthly DataFrame)."""
    model = CommunityModel(small_scenario, seed=3)
    return model, model.run()
