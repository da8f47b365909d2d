"""Compaction of the result store's summary chunks (``commsim.store``).

``runs/compact-<n>.parquet`` holds the rows of the files it replaces; its Parquet metadata
lists them (``commsim.covers``, with what they in turn covered) and the chunk names whose runs
it holds (``commsim.parts``: their monthly files keep those names). It is written to a
temporary file and renamed into place before the files it replaces are deleted, so a kill
at any moment leaves either those files or the compacted one that covers them. Readers use
:attr:`Layout.live`, which skips every covered file, so each run is read once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from commsim.io import OutputError, atomic_write

COVERS = b"commsim.covers"
PARTS = b"commsim.parts"


def compact_runs(runs_dir: Path, everything: bool = False, written: Mapping[str, pa.Table] | None = None) -> Path | None:
    """Merge the loose summary chunks of ``runs_dir`` (``everything``: every live file) into
    one compacted file and delete what it covers; returns the new file (None if none).

    ``written``: tables this process wrote to files of ``runs_dir``, by file name; those files
    are not read again (the command's own chunks: only chunks of an earlier command are read).
    """
    layout = Layout.scan(runs_dir)
    merge = layout.live if everything else layout.loose
    if len(merge) < 2 and not layout.covered_files:
        return None
    path = None
    if len(merge) >= 2:
        written = written or {}
        table = _concat([written[p.name] if p.name in written else pq.ParquetFile(p).read() for p in merge])
        covers = set(layout.covers_of(merge))
        parts = set(layout.parts_of(merge))
        path = runs_dir / f"compact-{layout.next_number:06d}.parquet"

        meta = {COVERS: json.dumps(sorted(covers)).encode(), PARTS: json.dumps(sorted(parts)).encode()}

        def write(tmp: Path) -> None:
            pq.write_table(table.replace_schema_metadata(meta), tmp)

        atomic_write(path, write)  # from here on the merged files are covered: readers skip them
        for old in merge:
            old.unlink(missing_ok=True)
    for old in layout.covered_files:
        old.unlink(missing_ok=True)
    return path


def _concat(tables: list[pa.Table]) -> pa.Table:
    """One table of the rows of ``tables`` (columns missing from some filled with nulls);
    without pandas' index metadata, so it reads back with a fresh index like ``pd.concat``."""
    tables = [t.replace_schema_metadata(None) for t in tables]
    return pa.concat_tables(tables, promote_options="permissive")


class Layout:
    """The files of ``runs/``: which are live, which a compacted file covers, which chunk
    names the live files hold."""

    def __init__(self, files: list[Path], meta: dict[str, tuple[list[str], list[str]]]):
        self.meta = meta  # compacted file name -> (files it covers, chunk names it holds)
        covered = {name for covers, _ in meta.values() for name in covers}
        self.live = [p for p in files if p.name not in covered]
        self.loose = [p for p in self.live if p.name.startswith("part-")]
        self.covered_files = [p for p in files if p.name in covered]
        self.parts = set(self.parts_of(self.live))
        numbers = [int(name.split("-")[1].split(".")[0]) for name in meta]
        self.next_number = max(numbers, default=0) + 1

    @classmethod
    def scan(cls, folder: Path) -> Layout:
        """The layout of ``folder`` (empty when it does not exist).

        Raises:
            OutputError: a compacted file's metadata cannot be read.
        """
        if not folder.is_dir():
            return cls([], {})
        files = sorted(folder.glob("part-*.parquet")) + sorted(folder.glob("compact-*.parquet"))
        meta = {}
        for path in files:
            if path.name.startswith("compact-"):
                try:
                    md = pq.read_schema(path).metadata or {}
                    meta[path.name] = (json.loads(md[COVERS]), json.loads(md[PARTS]))
                except Exception as exc:  # pyarrow raises its own types for a broken file
                    raise OutputError(f"{path}: unreadable result file ({exc}); delete it and run again") from None
        return cls(files, meta)

    def covers_of(self, files: Sequence[Path]) -> Iterator[str]:
        """Names a file merging ``files`` covers: theirs, and those they cover."""
        for p in files:
            yield p.name
            yield from self.meta.get(p.name, ((), ()))[0]

    def parts_of(self, files: Sequence[Path]) -> Iterator[str]:
        """Chunk names whose runs ``files`` hold."""
        for p in files:
            yield from self.meta[p.name][1] if p.name in self.meta else (p.name,)
