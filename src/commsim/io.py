"""Writing results so that an interrupted run never leaves a file that looks complete.

Every file is written to a temporary name in the same folder and renamed into place
(``os.replace`` is atomic on one file system). The manifest is written last.
"""

from __future__ import annotations

import json
import math
import os
import platform
import sys
import tempfile
from collections.abc import Callable
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from commsim.errors import CommsimError


class OutputError(CommsimError):
    """An output folder or file cannot be written."""


@contextmanager
def _atomic_path(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write(path: str | os.PathLike[str], write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_path)`` and move the result to ``path``; errors name the path."""
    path = Path(path)
    try:
        with _atomic_path(path) as tmp:
            write(tmp)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from None
    return path


def annotated_table(df: pd.DataFrame):
    """``df`` as a pyarrow Table whose fields carry each known column's unit, description,
    street-row rule and direction (``commsim.metrics.column_metadata``; summary columns
    ``final_``/``mean_``/``total_`` describe their monthly metric)."""
    import pyarrow as pa

    table = pa.Table.from_pandas(df, preserve_index=False)
    return pa.Table.from_arrays(table.columns, schema=_annotated_schema(table.schema))


_ANNOTATED: dict[bytes, Any] = {}  # a schema, serialized -> the schema with field metadata


def _annotated_schema(schema):
    """``schema`` with each known field's metadata (worked out once per schema)."""
    import pyarrow as pa

    from commsim.metrics import base_metric, column_metadata

    key = schema.serialize().to_pybytes()
    done = _ANNOTATED.get(key)
    if done is not None:
        return done
    meta = column_metadata(schema.names)
    prefix = {"final_": "at the end of the run: ", "mean_": "mean after burn-in: ", "total_": "sum after burn-in: "}
    fields = []
    for f in schema:
        info = dict(meta.get(f.name, {}))
        if not info and base_metric(f.name) != f.name:
            base = column_metadata([base_metric(f.name)]).get(base_metric(f.name), {})
            if base:
                info = {**base, "description": prefix[f.name[: f.name.index("_") + 1]] + base["description"]}
        fields.append(f.with_metadata({k: str(v) for k, v in info.items()}) if info else f)
    if len(_ANNOTATED) > 256:
        _ANNOTATED.clear()
    done = _ANNOTATED[key] = pa.schema(fields, metadata=schema.metadata)
    return done


def write_parquet(df: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write ``df`` atomically as Parquet, with units and descriptions in the schema metadata."""
    return write_table(annotated_table(df), path)


def write_table(table, path: str | os.PathLike[str]) -> Path:
    """Write the pyarrow Table ``table`` atomically as Parquet (snappy). Floating-point
    columns are stored plainly, not dictionary-encoded: they rarely repeat, and encoding
    them took about half the writing time of a monthly chunk."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    dictionary = [f.name for f in table.schema if not pa.types.is_floating(f.type)]
    return atomic_write(path, lambda tmp: pq.write_table(table, tmp, use_dictionary=dictionary))


def write_csv(df: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write ``df`` atomically as CSV without its index; returns the path.

    Raises:
        OutputError: The file cannot be written (the message names the path).
    """
    return atomic_write(path, lambda tmp: df.to_csv(tmp, index=False))


def json_safe(data: Any) -> Any:
    """``data`` with every non-finite float (NaN, infinity) as None: JSON has no such numbers,
    and Python's ``NaN``/``Infinity`` tokens make a file other readers reject."""
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {k: json_safe(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [json_safe(v) for v in data]
    return data


def write_json(data: Any, path: str | os.PathLike[str]) -> Path:
    """Write ``data`` as JSON (non-finite numbers as null; other objects as text)."""
    def _write(tmp: Path) -> None:
        text = json.dumps(json_safe(data), indent=2, ensure_ascii=False, default=str, allow_nan=False)
        tmp.write_text(text + "\n", encoding="utf-8")

    return atomic_write(path, _write)


def environment() -> dict[str, str]:
    """Versions and machine facts for manifests."""
    import mesa
    import numpy

    from commsim import __version__

    return {
        "commsim": __version__,
        "mesa": mesa.__version__,
        "numpy": numpy.__version__,
        "pandas": pd.__version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "time_utc": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def prepare_output_dir(out: str | os.PathLike[str]) -> Path:
    """Create the output folder ``out`` (and its parents) if needed; returns its path.

    Raises:
        OutputError: The folder cannot be created or is not writable.
    """
    path = Path(out)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{path}: cannot create output folder: {exc.strerror or exc}") from None
    if not os.access(path, os.W_OK):
        raise OutputError(f"{path}: output folder is not writable")
    return path
