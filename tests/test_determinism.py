"""Same scenario and seed give identical results; a different seed gives different ones."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from commsim import CommunityModel
from commsim.cli import cli
from commsim.runner import replicate_seed, simulate
from commsim.streams import Streams

from .helpers import SMALL


def test_same_seed_identical_dataframe(small_scenario):
    a = simulate(small_scenario, 42, months=18)
    b = simulate(small_scenario, 42, months=18)
    pd.testing.assert_frame_equal(a, b)


def test_path_and_object_give_the_same_run(small_scenario):
    a = CommunityModel(small_scenario, seed=9).run(6)
    b = CommunityModel(str(SMALL), seed=9).run(6)
    pd.testing.assert_frame_equal(a, b)


def test_different_seed_different_dataframe(small_scenario):
    a = simulate(small_scenario, 1, months=12)
    b = simulate(small_scenario, 2, months=12)
    assert not a["collection_rate"].equals(b["collection_rate"])


def test_replicate_seeds_are_distinct_and_stable():
    seeds = [replicate_seed(1, r) for r in range(100)]
    assert len(set(seeds)) == 100
    assert seeds == [replicate_seed(1, r) for r in range(100)]
    assert replicate_seed(2, 0) != replicate_seed(1, 0)


def test_streams_are_independent_of_creation_order():
    a, b = Streams(5), Streams(5)
    a["payment"]
    x = a["failure"].random(4)
    y = b["failure"].random(4)
    assert (x == y).all()
    with pytest.raises(ValueError):
        Streams(-1)


def test_keyed_generators_draw_what_fresh_ones_draw():
    """``Streams.keyed`` re-seeds one generator by its own arithmetic: its draws must equal those of
    numpy's ``PCG64(SeedSequence(seed, spawn_key=(name, *keys)))`` (``Streams.once``) for seeds of
    one to four words, keys up to 2**32 - 1 and up to seven keys."""
    rng = np.random.default_rng(7)
    for t in range(300):
        seed = int(rng.integers(0, 2**63)) if t % 3 else int(rng.integers(0, 100)) + (t % 2) * 2**100
        s = Streams(seed)
        for _ in range(3):
            keys = tuple(int(k) for k in rng.integers(0, 2**32 if t % 2 else 200, size=int(rng.integers(0, 8))))
            name = f"workforce{t % 3}"
            assert (s.keyed(name, *keys).random(3) == s.once(name, *keys).random(3)).all(), (seed, keys)


def test_cli_run_twice_writes_identical_results(tmp_path):
    runner = CliRunner()
    for name in ("a", "b"):
        result = runner.invoke(cli, ["run", str(SMALL), "--reps", "2", "--months", "12", "--out", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "a" / "monthly.parquet"),
                                  pd.read_parquet(tmp_path / "b" / "monthly.parquet"))
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "a" / "summary.csv"), pd.read_csv(tmp_path / "b" / "summary.csv"))
