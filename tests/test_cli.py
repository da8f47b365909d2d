"""The command line: outputs, manifest, progress, interruption and output errors."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from commsim.cli import cli
from commsim.recorder import METRICS

from .helpers import SMALL


def test_run_writes_monthly_summary_and_manifest(tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["run", str(SMALL), "--reps", "3", "--months", "10", "--seed", "4", "--out", str(out),
                                      "--set", "pay_intercept=2.0"])
    assert result.exit_code == 0, result.output
    monthly = pd.read_parquet(out / "monthly.parquet")
    assert {"scenario", "replicate", "month", "estate", *METRICS} <= set(monthly.columns)
    assert len(monthly) == 3 * 10 * (4 + 1)
    assert set(monthly.estate) == {"A-commercial", "A-old", "B-resettlement", "B-unmanaged", "all"}
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary.replicate) == [0, 1, 2]
    assert {"final_collection_rate", "mean_collection_rate", "total_firm_exits"} <= set(summary.columns)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["replicates"] == 3 and manifest["base_seed"] == 4 and len(manifest["seeds"]) == 3
    assert manifest["overrides"] == {"pay_intercept": 2.0}
    assert len(manifest["scenario_sha256"]) == 64 and manifest["versions"]["mesa"] and manifest["commsim"]
    assert manifest["status"] == "complete" and manifest["runs"] == 3
    assert set(manifest["outputs"]) == {"monthly.parquet", "summary.csv", "monthly/", "runs/"}
    assert list(summary.seed) == manifest["seeds"]
    assert not list(out.glob(".*.part"))


def test_scenarios_lists_bilingual_titles():
    result = CliRunner().invoke(cli, ["scenarios"])
    assert result.exit_code == 0
    assert "baseline" in result.output and "现状" in result.output and "Status quo" in result.output


def test_params_lists_every_parameter_with_source():
    result = CliRunner().invoke(cli, ["params", "--group", "payment"])
    assert result.exit_code == 0
    assert "pay_intercept" in result.output and "assumption" in result.output


def test_interrupted_run_leaves_no_complete_looking_files(tmp_path, monkeypatch):
    import commsim.cli.basic as basic

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(basic, "run_plan", interrupted)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["run", str(SMALL), "--reps", "2", "--out", str(out)])
    assert result.exit_code == 130
    assert "interrupted" in result.output
    assert not (out / "manifest.json").exists() and not (out / "monthly.parquet").exists()


def test_unwritable_output_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = CliRunner().invoke(cli, ["run", str(SMALL), "--reps", "1", "--months", "2", "--out", str(blocker / "sub")])
    assert result.exit_code == 2
    assert "error:" in result.output and str(blocker / "sub") in result.output
    assert "Traceback" not in result.output


def test_bad_numbers_on_the_command_line():
    result = CliRunner().invoke(cli, ["run", str(SMALL), "--reps", "0"])
    assert result.exit_code == 2 and "must be at least 1" in result.output


def test_parameter_docs_are_generated_from_the_table():
    from pathlib import Path

    from commsim.paramdoc import parameters_markdown
    from commsim.params import PARAMETERS

    doc = Path(__file__).resolve().parents[1] / "docs" / "parameters.md"
    assert doc.read_text(encoding="utf-8") == parameters_markdown(), (
        "docs/parameters.md is stale: run `commsim params --markdown > docs/parameters.md`"
    )
    for p in PARAMETERS:
        assert p.source and p.unit and p.meaning, p.name
        if p.kind != "choice":
            assert p.range is not None and p.range[0] <= p.default <= p.range[1] or p.group.startswith("policy"), p.name


def test_params_with_an_unknown_group_lists_the_groups():
    result = CliRunner().invoke(cli, ["params", "--group", "Payment"])
    assert result.exit_code == 2
    assert "--group Payment: no such group" in result.output and "payment" in result.output
    assert "policy:fee_subsidy" in result.output


@pytest.mark.parametrize("argv, starts", [
    (["compare", "baseline", "fee_subsidy", "--reps", "4"], True),
    (["sweep", "baseline", "--workers", "2"], True),
    (["compare", "baseline", "fee_subsidy", "--workers", "1"], False),
    (["compare", "baseline", "fee_subsidy", "--backend", "dask"], False),
    (["compare", "--help"], False),
    (["params"], False),
    ([], False),
])
def test_the_pool_server_starts_early_only_for_commands_that_use_it(monkeypatch, argv, starts):
    import commsim.backends
    import commsim.cli

    calls = []
    monkeypatch.setattr(commsim.backends, "start_pool_server", lambda: calls.append(1))
    monkeypatch.setattr(commsim.backends, "default_workers", lambda: 2)
    commsim.cli._start_pool_early(argv)
    assert bool(calls) == starts
