"""The result store: finished runs on disk as they finish, so an interrupted command resumes.

Layout of an output folder::

    manifest.json          what was asked; status "running" (written first), "interrupted"
                           or "complete" (written last, with a checksum of every result file)
    store.json             the code that computed the stored runs (see below)
    runs/part-*.parquet    one summary row per finished run, with its task key
    runs/compact-*.parquet many chunks' summary rows merged into one file (see below)
    monthly/part-*.parquet the runs' monthly rows (same chunk names as runs/)
    .commsim.lock          held while a command writes the folder

Each chunk is written to a temporary file and renamed into place (``commsim.io``); the
monthly file first, the runs file last, so a run counts as done only when both exist. On
opening, leftovers of a killed command are removed (temporary files, and monthly chunks
whose runs file was never written), and runs that belong to a different experiment are
refused. Only the summary rows are ever read back, so memory stays bounded by the number
of runs (one row each), not by their monthly series.

Compaction keeps the number of files small (a 100,000-run experiment writes some 14,000
chunks): whenever :data:`COMPACT_EVERY` loose chunks have been written, and once more when
every run is done, the loose summary chunks (at the end: every file) are merged into one
``runs/compact-<n>.parquet``, whose Parquet metadata lists the files it replaces
(``commsim.covers``) and the chunk names whose runs it holds (``commsim.parts``: their
monthly files keep those names). It is written to a temporary file and renamed into place,
and only then are the replaced files deleted. So a kill at any moment leaves either the old
files or the compacted one that covers them; readers (and :meth:`RunStore.open`, which
deletes them) ignore every file another compacted file covers, so each run is read once.

Nothing mixed or stale: ``store.json`` records the commsim version, a checksum of each of
its source files (the package without ``commsim.report`` and ``commsim.cli``, which never
touch a run) and of each plugin file the scenarios load; a folder whose runs were computed
by other code is refused (``--overwrite`` discards them). A second command writing the same
folder meets the lock and stops with an error. :func:`check_complete` is what report
commands call before reading a folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from commsim.chunks import chunk_tables
from commsim.compaction import Layout, compact_runs
from commsim.ensemble import Plan, Task
from commsim.io import OutputError, atomic_write, prepare_output_dir, write_json, write_table

try:  # POSIX; elsewhere folders are not locked
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

RUNS = "runs"
MONTHLY = "monthly"
MANIFEST = "manifest.json"
STORE_INFO = "store.json"
LOCK = ".commsim.lock"
#: loose summary chunks that trigger a compaction while a command writes
COMPACT_EVERY = 256
PACKAGE = Path(__file__).resolve().parent
#: subpackages that never take part in a run (their changes do not invalidate stored runs)
NOT_IN_RUNS = ("report", "cli")


# --- which code computed the runs ------------------------------------------------------------


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


@cache
def source_fingerprint(root: Path = PACKAGE) -> dict[str, str]:
    """Checksums of commsim's source files that take part in a run (relative path -> sha256)."""
    out = {}
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if rel.split("/", 1)[0] in NOT_IN_RUNS:
            continue
        out[rel] = _sha(path.read_bytes())
    return out


def fingerprint(plugin_files: Iterable[str | Path] = ()) -> dict[str, Any]:
    """The code behind a run: commsim's version and source, and the plugin files' content."""
    from commsim import __version__

    plugins = {}
    for path in sorted({str(Path(p).resolve()) for p in plugin_files}):
        try:
            plugins[path] = _sha(Path(path).read_bytes())
        except OSError as exc:
            raise OutputError(f"{path}: cannot read plugin file: {exc.strerror or exc}") from None
    return {"commsim": __version__, "source": source_fingerprint(), "plugins": plugins}


def fingerprint_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What differs between two fingerprints, in words (empty when they agree)."""
    out = []
    if old.get("commsim") != new.get("commsim"):
        out.append(f"commsim version {old.get('commsim')} -> {new.get('commsim')}")
    for key, what in (("source", "commsim source"), ("plugins", "plugin")):
        a, b = old.get(key) or {}, new.get(key) or {}
        changed = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
        if changed:
            names = ", ".join(Path(k).name if key == "plugins" else k for k in changed[:5])
            more = f" and {len(changed) - 5} more" if len(changed) > 5 else ""
            out.append(f"{what} changed: {names}{more}")
    return out


# --- one writer at a time --------------------------------------------------------------------

_HELD: dict[Path, list] = {}  # folder -> [open lock file, depth]: re-entrant in this process


@contextmanager
def output_lock(out: str | os.PathLike[str], command: str = "commsim") -> Iterator[Path]:
    """Hold ``out``'s lock while a command writes it (re-entrant within this process).

    A second command meets the lock and stops with an :class:`OutputError` naming the
    holder. The lock is an ``flock`` on ``out/.commsim.lock``: the system releases it when the
    holder exits, however it exits, so a killed command never leaves a stale lock.
    """
    folder = prepare_output_dir(out).resolve()
    held = _HELD.get(folder)
    if held is not None:
        held[1] += 1
        try:
            yield folder
        finally:
            held[1] -= 1
        return
    if fcntl is None:  # pragma: no cover
        yield folder
        return
    try:
        fh = open(folder / LOCK, "a+", encoding="utf-8")  # noqa: SIM115 (held across the yield)
    except OSError as exc:
        raise OutputError(f"{folder}: cannot create lock file: {exc.strerror or exc}") from None
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        fh.seek(0)
        holder = fh.read().strip() or "another commsim command"
        fh.close()
        raise OutputError(f"{out}: {holder} is writing this folder; wait for it to finish or use another --out") from None
    fh.seek(0)
    fh.truncate()
    fh.write(f"{command} (pid {os.getpid()})")
    fh.flush()
    _HELD[folder] = [fh, 1]
    try:
        yield folder
    finally:
        del _HELD[folder]
        fh.close()  # releases the lock


def _being_written(folder: Path) -> str | None:
    """Who holds ``folder``'s lock, if another process does."""
    if fcntl is None or folder.resolve() in _HELD:
        return None
    try:
        fh = open(folder / LOCK, encoding="utf-8")  # noqa: SIM115
    except OSError:
        return None
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            return fh.read().strip() or "another commsim command"
    return None


# --- the store ------------------------------------------------------------------------------


class RunStore:
    """Parquet chunks of finished runs under ``out`` (see the module docstring)."""

    def __init__(self, out: str | Path, keep_monthly: bool = True):
        self.out = Path(out)
        self.keep_monthly = keep_monthly
        self.plan: Plan | None = None
        self.count = 0  # runs stored (after open, plus those written since)
        self.keys: set[str] = set()  # their task keys
        self.loose = 0  # summary chunks not yet compacted
        self._written: dict[str, Any] = {}  # loose summary chunks written here: file name -> table

    @property
    def runs_dir(self) -> Path:
        """The folder of summary chunks (``runs/``)."""
        return self.out / RUNS

    @property
    def monthly_dir(self) -> Path:
        """The folder of monthly chunks."""
        return self.out / MONTHLY

    def open(self, allowed: set[str], overwrite: bool = False, code: dict[str, Any] | None = None) -> set[str]:
        """Prepare the folder; return the keys of runs already done (all in ``allowed``).

        ``code``: the current :func:`fingerprint`; runs stored by other code are refused.
        """
        prepare_output_dir(self.out)
        info = self.out / STORE_INFO
        if overwrite:
            for sub in (self.runs_dir, self.monthly_dir):
                shutil.rmtree(sub, ignore_errors=True)
            info.unlink(missing_ok=True)
        for sub in (self.runs_dir, self.monthly_dir):
            if sub.exists():
                for tmp in sub.glob(".*.part"):
                    tmp.unlink(missing_ok=True)
        layout = Layout.scan(self.runs_dir)
        for path in layout.covered_files:  # a compaction was killed before it deleted them
            path.unlink(missing_ok=True)
        for part in self._parts(self.monthly_dir):
            if part.name not in layout.parts:  # killed between the two writes
                part.unlink()
        keys: set[str] = set()
        for part in layout.live:
            try:
                keys.update(pq.ParquetFile(part).read(columns=["key"]).column("key").to_pylist())
            except Exception as exc:  # pyarrow raises its own types for a broken file
                raise OutputError(f"{part}: unreadable result chunk ({exc}); delete it and run again") from None
        stale = keys - allowed
        if stale:
            raise OutputError(
                f"{self.out}: holds {len(stale)} runs of a different experiment (other scenarios, "
                "seed, months, parameters or replicates); use another --out folder or --overwrite"
            )
        if code is not None:
            self._check_code(keys, code)
        self.count = len(keys)
        self.keys = set(keys)
        self.loose = len(layout.loose)
        if self.loose >= COMPACT_EVERY:
            self.compact()
        return keys

    def _check_code(self, keys: set[str], code: dict[str, Any]) -> None:
        info = self.out / STORE_INFO
        if keys:
            try:
                old = json.loads(info.read_text(encoding="utf-8"))["code"]
            except (OSError, ValueError, KeyError, TypeError):
                raise OutputError(
                    f"{self.out}: holds {len(keys)} runs but no record of the code that computed them "
                    "(written by an older commsim?); use --overwrite to discard them, or another --out"
                ) from None
            changes = fingerprint_changes(old, code)
            if changes:
                raise OutputError(
                    f"{self.out}: its {len(keys)} runs were computed by different code ({'; '.join(changes)}); "
                    "resuming would mix old and new results: use --overwrite to discard them, or another --out"
                )
        write_json({"code": code}, info)

    @staticmethod
    def _parts(folder: Path) -> list[Path]:
        return sorted(folder.glob("part-*.parquet")) if folder.is_dir() else []

    def write(self, results: Sequence[tuple[Task, pd.DataFrame | None, dict]]) -> None:
        """Write one finished chunk: monthly rows first, then the runs' summary rows."""
        if not results:
            return
        monthly, summary = chunk_tables(self.plan, results)
        first = min(t.index for t, _, _ in results)
        tag = hashlib.sha256("".join(sorted(t.key for t, _, _ in results)).encode()).hexdigest()[:10]
        name = f"part-{first:08d}-{tag}.parquet"
        if monthly is not None and self.keep_monthly:
            write_table(monthly, self.monthly_dir / name)
        write_table(summary, self.runs_dir / name)
        self._written[name] = summary
        self.count += len(results)
        self.keys.update(t.key for t, _, _ in results)
        self.loose += 1
        if self.loose >= COMPACT_EVERY:
            self.compact()

    def compact(self, everything: bool = False) -> Path | None:
        """Merge the loose summary chunks (``everything``: every file) into one compacted file.

        Safe to kill at any point (see the module docstring). Returns the new file, or None
        when there was nothing to merge.
        """
        path = compact_runs(self.runs_dir, everything, self._written)
        if path is not None:
            self._written.clear()  # merged: every loose file is
        self.loose = 0 if everything else len(Layout.scan(self.runs_dir).loose)
        return path

    def runs(self) -> pd.DataFrame:
        """Every stored summary row (one per finished run, each read once)."""
        frames = [pd.read_parquet(p) for p in Layout.scan(self.runs_dir).live]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def monthly_parts(self) -> list[Path]:
        """The stored monthly chunks in task order."""
        return self._parts(self.monthly_dir)

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        """Write the command's manifest into the output folder."""
        write_json(manifest, self.out / MANIFEST)


def existing_manifest(out: str | Path) -> dict[str, Any] | None:
    """The manifest of an earlier command in ``out``, if readable."""
    path = Path(out) / MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def merge_monthly(parts: Sequence[Path], path: Path, order: str = "replicate") -> Path:
    """One Parquet file of the monthly chunks ``parts``, rows in ``order`` (stable).

    Chunks whose ``order`` ranges follow one another are streamed one at a time (memory:
    one chunk); chunks that interleave (after a resumed run) are read together and sorted.
    """
    import pyarrow.compute as pc

    ranges = []
    for part in parts:
        col = pq.read_table(part, columns=[order]).column(order)
        ranges.append((pc.min(col).as_py(), pc.max(col).as_py(), part))
    ranges.sort(key=lambda r: (r[0], r[1]))
    ordered = all(a[1] < b[0] for a, b in zip(ranges, ranges[1:], strict=False))

    def write(tmp: Path) -> None:
        if not ranges:
            pd.DataFrame().to_parquet(tmp, index=False)
        elif ordered:
            writer = None
            try:
                for _, _, part in ranges:
                    table = pq.read_table(part)
                    if writer is None:
                        writer = pq.ParquetWriter(tmp, table.schema)
                    writer.write_table(table.cast(writer.schema))
            finally:
                if writer is not None:
                    writer.close()
        else:
            frames = [pd.read_parquet(part) for _, _, part in ranges]
            df = pd.concat(frames, ignore_index=True).sort_values(order, kind="stable").reset_index(drop=True)
            df.to_parquet(tmp, index=False)

    return atomic_write(path, write)


# --- checksums of finished results ------------------------------------------------------------


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def describe_outputs(out: Path, names: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Checksums of result files (sha256, bytes) and folders of chunks (names, count), for
    the manifest: :func:`check_complete` compares them with what is on disk."""
    out_map: dict[str, dict[str, Any]] = {}
    for name in names:
        path = out / name.rstrip("/")
        if path.is_dir():
            parts = sorted(p.name for p in path.glob("*.parquet"))
            out_map[name] = {"parts": len(parts), "names_sha256": _sha("\n".join(parts).encode())}
        elif path.is_file():
            out_map[name] = {"bytes": path.stat().st_size, "sha256": _file_sha256(path)}
    return out_map


def check_complete(*folders: str | os.PathLike[str] | None) -> dict[str, Any]:
    """Refuse a results folder that is not finished or whose files disagree with its manifest.

    Each of ``folders`` (a folder, or a file inside one) must hold a ``manifest.json`` with
    status "complete", no other command may be writing it, and every file the manifest lists
    a checksum for must still match. ``None`` and paths that do not exist are skipped (the
    reader reports what is missing in its own words). Returns the first folder's manifest;
    raises :class:`OutputError` with one line saying what is wrong.
    """
    first: dict[str, Any] | None = None
    for ref in folders:
        if ref is None:
            continue
        folder = Path(ref)
        if folder.is_file():
            folder = folder.parent
        if not folder.is_dir():
            continue
        holder = _being_written(folder)
        if holder:
            raise OutputError(f"{folder}: {holder} is still writing this folder; wait for it to finish")
        path = folder / MANIFEST
        if not path.is_file():
            raise OutputError(f"{folder}: no manifest.json: not the output folder of a finished "
                              "commsim compare, sweep or sensitivity")
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise OutputError(f"{path}: unreadable ({exc}); run the command again") from None
        status = manifest.get("status") if isinstance(manifest, dict) else None
        if status != "complete":
            why = {"running": "the command that writes it has not finished (or was killed)",
                   "interrupted": "the command was interrupted"}.get(str(status), "not written by a finished command")
            raise OutputError(f"{path}: status is {status!r}: {why}; run the same command again to complete it")
        for name, expected in (manifest.get("outputs") or {}).items():
            found = describe_outputs(folder, [name]).get(name)
            if found != expected:
                what = "is missing" if found is None else "differs from what the manifest records"
                raise OutputError(f"{folder / name}: {what} (changed after the command finished?); "
                                  "run the command again")
        first = manifest if first is None else first
    return first or {}
