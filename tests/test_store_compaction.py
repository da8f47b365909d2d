"""Compaction of the result store: a kill at any step loses nothing and duplicates nothing."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

import commsim.io
from commsim import store as store_mod
from commsim.ensemble import Plan, run_plan
from commsim.runner import replicate_seed
from commsim.scenario import load_scenario
from commsim.store import RunStore

SMALL = str(Path(__file__).parent / "data" / "small.toml")


class Killed(BaseException):
    """Stands for SIGKILL: once raised, the 'process' touches no file again."""


def small_plan(reps: int) -> Plan:
    sc = load_scenario(SMALL).with_months(6)
    plan = Plan("run", {sc.name: sc})
    for r in range(reps):
        plan.add(sc.name, r, replicate_seed(3, r))
    return plan


def fake_store(folder: Path, plan: Plan, sizes: list[int]) -> None:
    """Write ``plan``'s tasks in chunks of ``sizes`` with made-up results (no model run)."""
    store = RunStore(folder)
    store.open(plan.keys)
    store.plan = plan
    tasks = iter(plan.tasks)
    for size in sizes:
        chunk = [next(tasks) for _ in range(size)]
        store.write([(t, pd.DataFrame({"month": [1, 2], "x": [t.index, 0.5]}), {"final_x": float(t.index)})
                     for t in chunk])


def keys_read(folder: Path) -> list[str]:
    return RunStore(folder).runs()["key"].tolist()


def test_compaction_merges_chunks_and_every_run_is_read_once(tmp_path, monkeypatch):
    monkeypatch.setattr(store_mod, "COMPACT_EVERY", 4)
    plan = small_plan(30)
    fake_store(tmp_path, plan, [3, 1, 2, 2, 1, 4, 2, 3, 1, 2, 5])  # 11 chunks, 26 runs
    names = [p.name for p in (tmp_path / "runs").glob("*.parquet")]
    assert sum(n.startswith("compact-") for n in names) == 2 and len(names) == 5  # 2 compacted + 3 loose
    keys = keys_read(tmp_path)
    assert len(keys) == len(set(keys)) == 26 and set(keys) <= plan.keys
    # every monthly chunk survives reopening: compacted files name the chunks they hold
    assert RunStore(tmp_path).open(plan.keys) == set(keys)
    assert len(list((tmp_path / "monthly").glob("part-*.parquet"))) == 11
    assert RunStore(tmp_path).compact(everything=True) is not None
    assert [p.name for p in (tmp_path / "runs").iterdir()] == ["compact-000003.parquet"]
    assert sorted(keys_read(tmp_path)) == sorted(keys)


def test_a_kill_at_any_step_of_a_compaction_leaves_each_run_exactly_once(tmp_path, monkeypatch):
    monkeypatch.setattr(store_mod, "COMPACT_EVERY", 4)
    plan = small_plan(20)
    template = tmp_path / "template"
    fake_store(template, plan, [2, 1, 3, 1, 2, 2, 1])  # one compacted file + 3 loose chunks
    expected = sorted(keys_read(template))
    monthly = sorted(p.name for p in (template / "monthly").iterdir())
    real_replace, real_unlink = os.replace, Path.unlink
    step = 0
    while True:  # kill before the 1st, 2nd, ... file operation until the compaction completes
        folder = tmp_path / f"kill{step}"
        shutil.copytree(template, folder)
        ops = {"n": 0}

        def guard(ops=ops, step=step):
            if ops["n"] >= step:
                raise Killed
            ops["n"] += 1

        monkeypatch.setattr(commsim.io.os, "replace", lambda a, b, _g=guard: (_g(), real_replace(a, b))[1])
        monkeypatch.setattr(Path, "unlink", lambda p, missing_ok=False, _g=guard: (_g(), real_unlink(p, missing_ok))[1])
        try:
            RunStore(folder).compact(everything=True)
            finished = True
        except Killed:
            finished = False
        monkeypatch.setattr(commsim.io.os, "replace", real_replace)
        monkeypatch.setattr(Path, "unlink", real_unlink)
        # a reader straight after the kill, then a resumed command, each see every run once
        assert sorted(keys_read(folder)) == expected, f"killed before operation {step}"
        store = RunStore(folder)
        assert sorted(store.open(plan.keys)) == expected
        assert sorted(p.name for p in (folder / "monthly").iterdir()) == monthly
        assert not list(folder.rglob("*.part"))
        assert sorted(keys_read(folder)) == expected
        if finished:
            break
        step += 1
    assert step >= 5  # the rename and the four deletions were each interrupted once


def test_resuming_a_compacted_store_computes_only_the_missing_runs(tmp_path, monkeypatch):
    monkeypatch.setattr(store_mod, "COMPACT_EVERY", 2)
    first = run_plan(small_plan(3), tmp_path, workers=1, progress=False, chunk=1)
    assert (first.computed, first.reused) == (3, 0)
    assert [p.name for p in (tmp_path / "runs").iterdir()] == ["compact-000002.parquet"]
    again = run_plan(small_plan(5), tmp_path, workers=1, progress=False, chunk=1)
    assert (again.computed, again.reused) == (2, 3)
    whole = run_plan(small_plan(5), None, workers=1, progress=False)
    pd.testing.assert_frame_equal(again.summary, whole.summary, check_exact=True)
    assert len(list((tmp_path / "monthly").glob("part-*.parquet"))) == 5
    with pytest.raises(Exception, match="different experiment"):
        run_plan(small_plan(1), tmp_path, workers=1, progress=False)


def test_compacting_the_chunks_written_here_reads_none_back_and_writes_the_same_file(tmp_path, monkeypatch):
    plan = small_plan(12)
    fake_store(tmp_path / "a", plan, [3, 2, 4])
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    store = RunStore(tmp_path / "a")
    store.open(plan.keys)
    store.plan = plan
    tasks = plan.tasks[9:]
    store.write([(t, pd.DataFrame({"month": [1, 2], "x": [t.index, 0.5]}), {"final_x": float(t.index)}) for t in tasks])
    fresh = RunStore(tmp_path / "b")
    fresh.open(plan.keys)
    fresh.plan = plan
    fresh.write([(t, pd.DataFrame({"month": [1, 2], "x": [t.index, 0.5]}), {"final_x": float(t.index)}) for t in tasks])
    fresh._written.clear()  # as if written by an earlier command: read from disk
    read = []
    real_read = pq.ParquetFile

    def counting(path, *a, **k):
        read.append(Path(path).name)
        return real_read(path, *a, **k)

    monkeypatch.setattr(pq, "ParquetFile", counting)
    store.compact(everything=True)
    assert len(read) == 3  # the earlier command's three chunks, not the one written here
    fresh.compact(everything=True)
    (a,), (b,) = (list((tmp_path / x / "runs").glob("*.parquet")) for x in "ab")
    assert pq.read_table(a).equals(pq.read_table(b), check_metadata=True)
    assert pq.read_schema(a).metadata == pq.read_schema(b).metadata
