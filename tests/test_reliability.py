"""Nothing mixed, stale or silently wrong: the store's code fingerprint, the folder lock, files
complete or visibly incomplete, truthful interruption messages, report commands refusing
unfinished folders, plugins (name clashes, errors naming file and line), resource limits."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from commsim.cli import cli
from commsim.compare import compare
from commsim.errors import CommsimError, ScenarioError
from commsim.io import OutputError
from commsim.scenario import load_scenario
from commsim.store import check_complete, fingerprint_changes, source_fingerprint

from .helpers import DATA, SMALL

VARIANT = DATA / "small_variant.toml"
COMMSIM = str(Path(sys.executable).with_name("commsim"))
STREET = SMALL.read_text(encoding="utf-8").split("[[communities]]", 1)[1]


def plugin_scenario(folder: Path, plugin_code: str, name: str = "plug", table: str = "mediation_desk") -> Path:
    """A copy of the small street that loads ``plugin.py`` (written with ``plugin_code``)."""
    (folder / "plugin.py").write_text(plugin_code, encoding="utf-8")
    path = folder / f"{name}.toml"
    path.write_text(f'[scenario]\nname = "{name}"\nplugins = ["plugin.py"]\nmonths = 6\nburn_in_months = 2\n\n'
                    f"[[communities]]{STREET}\n[policies.{table}]\n", encoding="utf-8")
    return path


DESK = (DATA / "mediation_desk.py").read_text(encoding="utf-8")


# --- plugins ----------------------------------------------------------------------------------


def test_a_plugin_reusing_a_builtin_policy_name_is_an_error(tmp_path):
    code = DESK.replace('name = "mediation_desk"', 'name = "suzhou_alliance"')
    path = plugin_scenario(tmp_path, code, table="suzhou_alliance")
    result = CliRunner().invoke(cli, ["check", str(path)])
    assert result.exit_code == 2
    line = result.output.strip()
    assert f"{tmp_path / 'plugin.py'}, line " in line and "'suzhou_alliance' is already taken by commsim.policies" in line
    from commsim.policies import registry

    assert registry.get("suzhou_alliance").__module__ == "commsim.policies.suzhou_alliance"  # not replaced


def test_two_plugins_with_one_policy_name_clash(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = plugin_scenario(tmp_path / "a", DESK.replace("mediation_desk", "desk_clash"), table="desk_clash")
    second = plugin_scenario(tmp_path / "b", DESK.replace("mediation_desk", "desk_clash"), table="desk_clash")
    load_scenario(first)
    with pytest.raises(ScenarioError, match=r"'desk_clash' is already taken by the plugin .*a/plugin.py"):
        load_scenario(second)


@pytest.mark.parametrize("code, needle", [
    ("x = 1\nraise RuntimeError('boom')\n", "line 2: failed to import: RuntimeError: boom"),
    ("import sys\nsys.exit(0)\n", "line 2: failed to import: it called sys.exit(0)"),
    ("def f(:\n", "line 1: failed to import: SyntaxError"),
])
def test_plugin_import_errors_name_the_file_and_line(tmp_path, code, needle):
    path = plugin_scenario(tmp_path, code)
    result = CliRunner().invoke(cli, ["check", str(path)])
    assert result.exit_code == 2, result.output
    assert f"scenario.plugins: {tmp_path / 'plugin.py'}, {needle}" in result.output


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_plugin_failing_at_run_time_is_named_with_its_line(tmp_path, workers):
    code = DESK.replace("model.ladder.resolve_bonus[COMMUNITY_TIER] += p.resolve_gain",
                        "raise ZeroDivisionError('desk broke')").replace("mediation_desk", f"desk_fail{workers}")
    path = plugin_scenario(tmp_path, code, table=f"desk_fail{workers}")
    result = CliRunner().invoke(cli, ["run", str(path), "--reps", "2", "--workers", workers, "--out", str(tmp_path / "o")])
    assert result.exit_code == 1, result.output
    line = result.output.strip().splitlines()[-1]
    assert line.startswith("error: scenario plug, seed ") and f"plugin {tmp_path / 'plugin.py'}, line " in line
    assert "ZeroDivisionError: desk broke" in line and "Traceback" not in result.output
    with pytest.raises(OutputError, match="status is 'running'"):
        check_complete(tmp_path / "o")


def test_plugins_and_base_resolve_from_the_file_that_names_them(tmp_path, monkeypatch):
    base_dir, other = tmp_path / "street", tmp_path / "variants"
    base_dir.mkdir()
    other.mkdir()
    base = plugin_scenario(base_dir, DESK.replace("mediation_desk", "desk_rel"), name="street", table="desk_rel")
    child = other / "child.toml"
    child.write_text(f'[scenario]\nname = "child"\nbase = "../street/{base.name}"\n', encoding="utf-8")
    sc = load_scenario(child)
    assert "desk_rel" in sc.policies and sc.plugin_files() == [(base_dir / "plugin.py").resolve()]
    monkeypatch.chdir(tmp_path)  # a base found in the working directory is not used
    (tmp_path / "street.toml").write_text(base.read_text(), encoding="utf-8")
    child.write_text('[scenario]\nname = "child"\nbase = "street.toml"\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match="scenario.base: street.toml: no such file next to this one"):
        load_scenario(child)


# --- the store: code fingerprint, lock, complete or visibly incomplete -----------------------------


def test_resuming_after_a_plugin_or_code_change_is_refused(tmp_path, monkeypatch):
    path = plugin_scenario(tmp_path, DESK.replace("mediation_desk", "desk_fp"), table="desk_fp")
    out = tmp_path / "out"
    args = ["run", str(path), "--reps", "2", "--workers", "1", "--out", str(out)]
    assert CliRunner().invoke(cli, args).exit_code == 0
    (tmp_path / "plugin.py").write_text(DESK.replace("mediation_desk", "desk_fp") + "\n# changed\n", encoding="utf-8")
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and "plugin changed: plugin.py" in result.output and "--overwrite" in result.output
    assert CliRunner().invoke(cli, [*args, "--overwrite"]).exit_code == 0

    import commsim.store as store

    changed = {**source_fingerprint(), "model.py": "0" * 16}
    monkeypatch.setattr(store, "source_fingerprint", lambda: changed)
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and "commsim source changed: model.py" in result.output


def test_the_source_fingerprint_follows_file_content(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "report").mkdir()
    (tmp_path / "report" / "b.py").write_text("y = 1\n")
    before = source_fingerprint.__wrapped__(tmp_path)
    (tmp_path / "report" / "b.py").write_text("y = 2\n")  # not part of a run
    assert source_fingerprint.__wrapped__(tmp_path) == before == {"a.py": before["a.py"]}
    (tmp_path / "a.py").write_text("x = 2\n")
    after = source_fingerprint.__wrapped__(tmp_path)
    assert fingerprint_changes({"source": before}, {"source": after}) == ["commsim source changed: a.py"]


def test_a_second_writer_of_a_folder_is_refused(tmp_path):
    out = tmp_path / "out"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom commsim.store import output_lock\n"
         f"with output_lock({str(out)!r}, 'commsim compare'):\n    print('held', flush=True)\n    time.sleep(60)"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        result = CliRunner().invoke(cli, ["run", str(SMALL), "--reps", "1", "--months", "2", "--out", str(out)])
        assert result.exit_code == 2
        assert f"commsim compare (pid {holder.pid}) is writing this folder" in result.output
        (out / "manifest.json").write_text('{"status": "complete"}')
        with pytest.raises(OutputError, match="is still writing this folder"):
            check_complete(out)
    finally:
        holder.kill()
        holder.wait()
    result = CliRunner().invoke(cli, ["run", str(SMALL), "--reps", "1", "--months", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output  # the lock died with its holder


def test_run_killed_between_its_final_writes_is_visibly_incomplete_and_resumes(tmp_path, monkeypatch):
    import commsim.cli.basic as basic

    out = tmp_path / "out"
    args = ["run", str(SMALL), "--reps", "2", "--months", "4", "--workers", "1", "--out", str(out)]
    assert CliRunner().invoke(cli, args).exit_code == 0
    old_summary = (out / "summary.csv").read_bytes()

    def killed(df, path):
        raise KeyboardInterrupt

    monkeypatch.setattr(basic, "write_csv", killed)  # after monthly.parquet, before summary.csv
    result = CliRunner().invoke(cli, [*args[:3], "3", *args[4:]])
    assert result.exit_code == 130 and "interrupted" in result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "running" and (out / "summary.csv").read_bytes() == old_summary
    with pytest.raises(OutputError, match="status is 'running'"):
        check_complete(out)
    monkeypatch.undo()
    again = CliRunner().invoke(cli, [*args[:3], "3", *args[4:]])
    assert again.exit_code == 0, again.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["runs_reused"] == 3 and manifest["runs_computed"] == 0
    assert len(pd.read_csv(out / "summary.csv")) == 3
    assert check_complete(out)["command"] == "run"


def test_interrupted_before_any_run_says_nothing_was_kept(tmp_path, monkeypatch):
    import commsim.ensemble as ensemble

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(ensemble, "execute", interrupted)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["run", str(SMALL), "--reps", "2", "--out", str(out)])
    assert result.exit_code == 130
    assert f"interrupted before any run finished: nothing was kept in {out}" in result.output
    assert "kept;" not in result.output and "error:" not in result.output
    assert json.loads((out / "manifest.json").read_text())["status"] == "interrupted"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_stop_run_like_ctrl_c_and_keep_finished_runs(tmp_path, sig):
    out = tmp_path / "out"
    cmd = [COMMSIM, "run", str(SMALL), "--reps", "24", "--months", "6", "--workers", "2", "--chunk", "1", "--out", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and len(list((out / "runs").glob("part-*.parquet"))) < 2:
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.02)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + sig, err
    assert "Traceback" not in err
    manifest = json.loads((out / "manifest.json").read_text())
    kept = len(list((out / "runs").glob("part-*.parquet")))
    assert manifest["status"] == "interrupted" and manifest["runs_kept"] == kept
    assert f"interrupted: {kept} of 24 runs are finished and kept in {out}" in err
    if sig == signal.SIGTERM:  # the same command completes the rest
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
        manifest = json.loads((out / "manifest.json").read_text())
        assert manifest["status"] == "complete" and manifest["runs_reused"] == kept


def test_report_commands_refuse_unfinished_or_changed_folders(tmp_path):
    out = tmp_path / "cmp"
    compare(SMALL, [VARIANT], reps=2, months=4, workers=1, out=out)
    assert check_complete(out)["status"] == "complete"
    summary = pd.read_parquet(out / "summary.parquet")
    summary.iloc[:1].to_parquet(out / "summary.parquet")
    for command in ("brief", "figures"):
        result = CliRunner().invoke(cli, [command, str(out)])
        assert result.exit_code == 2 and "summary.parquet: differs from what the manifest records" in result.output
    manifest = json.loads((out / "manifest.json").read_text())
    (out / "manifest.json").write_text(json.dumps({**manifest, "status": "running"}))
    result = CliRunner().invoke(cli, ["brief", str(out)])
    assert result.exit_code == 2 and "status is 'running'" in result.output
    assert not (out / "brief.html").exists()


def test_manifests_never_hold_invalid_json(tmp_path):
    out = tmp_path / "o"
    res = compare(SMALL, [VARIANT], reps=2, months=4, workers=1, out=out, precision=1e-9, max_reps=2)
    text = (out / "manifest.json").read_text()
    assert "NaN" not in text and "Infinity" not in text
    json.loads(text, parse_constant=lambda c: pytest.fail(f"{c} in manifest.json"))
    assert res.manifest["precision_rounds"]
    from commsim.io import write_json

    write_json({"x": float("inf"), "y": [float("nan"), 1.5], "z": {"w": -float("inf")}}, tmp_path / "m.json")
    assert json.loads((tmp_path / "m.json").read_text()) == {"x": None, "y": [None, 1.5], "z": {"w": None}}


# --- resources --------------------------------------------------------------------------------


def test_check_estimates_memory_and_refuses_what_does_not_fit(tmp_path):
    result = CliRunner().invoke(cli, ["check", str(SMALL)])
    assert result.exit_code == 0 and "one run needs about" in result.output
    estates = "".join(f'\n[[communities.estates]]\nname = "E{i}"\ntype = "old"\nhouseholds = 200000\n'
                      "fee_yuan_per_m2_month = 1.0\n" for i in range(50))
    big = tmp_path / "big.toml"
    big.write_text(f'[scenario]\nname = "big"\n\n[[communities]]\nname = "A"\n{estates}', encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(big), "--max-memory", "1"])
    assert result.exit_code == 2
    assert f"error: {big}: households: 10,000,000 households" in result.output and "the limit is 1 GB" in result.output
    assert CliRunner().invoke(cli, ["check", str(big), "--max-memory", "64"]).exit_code == 0
    result = CliRunner().invoke(cli, ["run", str(big), "--max-memory", "1", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "households" in result.output and not (tmp_path / "o").exists()


def test_a_street_without_fees_says_its_rates_are_undefined(tmp_path):
    path = tmp_path / "free.toml"
    path.write_text('[scenario]\nname = "free"\nmonths = 4\nburn_in_months = 1\n\n[[communities]]\nname = "A"\n\n'
                    '[[communities.estates]]\nname = "e"\ntype = "old"\nhouseholds = 50\nfee_yuan_per_m2_month = 0\n'
                    'management = "none"\n', encoding="utf-8")
    from commsim.errors import CommsimWarning

    with pytest.warns(CommsimWarning, match="collection_rate, paying_share and arrears are undefined"):
        result = CliRunner().invoke(cli, ["run", str(path), "--reps", "2", "--workers", "1", "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert "collection rate undefined" in result.stdout
    summary = pd.read_csv(tmp_path / "o" / "summary.csv")
    assert summary["mean_collection_rate"].isna().all() and summary["mean_satisfaction"].notna().all()


def test_run_options_object_and_keywords_agree():
    from commsim.experiment import RunOptions

    with pytest.raises(TypeError, match="unknown run option"):
        RunOptions.build(rep=3)
    with pytest.raises(CommsimError, match="--reps 0"):
        RunOptions(reps=0)
    opts = RunOptions(reps=2, months=4, workers=1, seed=3)
    a = compare(SMALL, [VARIANT], opts)
    b = compare(SMALL, [VARIANT], reps=2, months=4, workers=1, seed=3)
    pd.testing.assert_frame_equal(a.summary, b.summary)
    assert a.manifest["base_seed"] == 3 and a.manifest["reps"] == 2


def test_a_dead_worker_is_an_error_and_the_pool_stops_its_processes():
    """The local pool's processes are its own (public multiprocessing handles, no private
    attributes of another library): a death is seen at once, and every worker is stopped."""
    from commsim.backends import EnsembleError, LocalBackend

    pool = LocalBackend(2)
    with pytest.raises(EnsembleError, match=r"a worker process died \(exit code 3\)"), pool:
        procs = [w.process for w in pool._pool]
        pool.submit("slow", time.sleep, 30)
        pool.submit("dies", os._exit, 3)
        pool.next_done()
    assert procs and not any(p.is_alive() for p in procs)


def test_dask_with_no_worker_left_stops_within_its_timeout():
    pytest.importorskip("distributed")
    from commsim.backends import DaskBackend, EnsembleError

    backend = DaskBackend(1)
    backend.no_worker_timeout = 2.0
    with pytest.raises(EnsembleError, match="no worker for 2 s"), backend:
        backend.submit("t", time.sleep, 60)
        backend._cluster.scale(0)  # every worker leaves (as when all die and none comes back)
        started = time.monotonic()
        try:
            backend.next_done()
        finally:
            waited = time.monotonic() - started
    assert 2.0 <= waited < 30
