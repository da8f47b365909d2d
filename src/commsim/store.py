"""The result store: finished runs on disk as they finish, so an interrupted command resumes.

Layout of an output folder::

    manifest.json          what was asked (written first with status "running", last with
                           status "complete")
    runs/part-*.parquet    one summary row per finished run, with its task key
    monthly/part-*.parquet the runs' monthly rows (same chunk names as runs/)

Each chunk is written to a temporary file and renamed into place (``commsim.io``); the
monthly file first, the runs file last, so a run counts as done only when both exist. On
opening, leftovers of a killed command are removed (temporary files, and monthly chunks
whose runs file was never written), and runs that belong to a different experiment are
refused. Only the summary rows are ever read back, so memory stays bounded by the number
of runs (one row each), not by their monthly series.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from commsim.ensemble import Plan, Task, result_frames
from commsim.io import OutputError, prepare_output_dir, write_json, write_parquet

RUNS = "runs"
MONTHLY = "monthly"


class RunStore:
    """Parquet chunks of finished runs under ``out`` (see the module docstring)."""

    def __init__(self, out: str | Path, keep_monthly: bool = True):
        self.out = Path(out)
        self.keep_monthly = keep_monthly
        self.plan: Plan | None = None

    @property
    def runs_dir(self) -> Path:
        return self.out / RUNS

    @property
    def monthly_dir(self) -> Path:
        return self.out / MONTHLY

    def open(self, allowed: set[str], overwrite: bool = False) -> set[str]:
        """Prepare the folder; return the keys of runs already done (all in ``allowed``)."""
        prepare_output_dir(self.out)
        if overwrite:
            for sub in (self.runs_dir, self.monthly_dir):
                shutil.rmtree(sub, ignore_errors=True)
        for sub in (self.runs_dir, self.monthly_dir):
            if sub.exists():
                for tmp in sub.glob(".*.part"):
                    tmp.unlink(missing_ok=True)
        done_parts = {p.name for p in self._parts(self.runs_dir)}
        for part in self._parts(self.monthly_dir):
            if part.name not in done_parts:  # killed between the two writes
                part.unlink()
        keys: set[str] = set()
        for part in self._parts(self.runs_dir):
            try:
                keys.update(pq.read_table(part, columns=["key"]).column("key").to_pylist())
            except (OSError, ValueError, KeyError) as exc:
                raise OutputError(f"{part}: unreadable result chunk ({exc}); delete it and run again") from None
        stale = keys - allowed
        if stale:
            raise OutputError(
                f"{self.out}: holds {len(stale)} runs of a different experiment (other scenarios, "
                "seed, months, parameters or replicates); use another --out folder or --overwrite"
            )
        return keys

    @staticmethod
    def _parts(folder: Path) -> list[Path]:
        return sorted(folder.glob("part-*.parquet")) if folder.is_dir() else []

    def write(self, results: Sequence[tuple[Task, pd.DataFrame | None, dict]]) -> None:
        """Write one finished chunk: monthly rows first, then the runs' summary rows."""
        if not results:
            return
        monthly, summary = result_frames(self.plan, results)
        first = min(t.index for t, _, _ in results)
        tag = hashlib.sha256("".join(sorted(t.key for t, _, _ in results)).encode()).hexdigest()[:10]
        name = f"part-{first:08d}-{tag}.parquet"
        if monthly is not None and self.keep_monthly:
            write_parquet(monthly, self.monthly_dir / name)
        write_parquet(summary, self.runs_dir / name)

    def runs(self) -> pd.DataFrame:
        """Every stored summary row (one per finished run)."""
        frames = [pd.read_parquet(p) for p in self._parts(self.runs_dir)]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        write_json(manifest, self.out / "manifest.json")


def existing_manifest(out: str | Path) -> dict[str, Any] | None:
    """The manifest of an earlier command in ``out``, if readable."""
    import json

    path = Path(out) / "manifest.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
