"""A chunk of finished runs as Arrow tables, built straight from numpy blocks.

The result store writes every chunk twice: its runs' monthly rows and their summary rows
(``commsim.store``). Going through pandas (``ensemble.result_frames``, then
``io.annotated_table``: a per-column pandas -> Arrow conversion of ~100 columns and the
field metadata worked out again for each) cost ~100 ms of the command's main process per
chunk. Here the monthly columns of a chunk's runs are gathered into one numpy block per
dtype, wrapped by Arrow without copying, and given a schema (types, field metadata, pandas
metadata) worked out once per column layout, from a one-row table made the pandas way. The
tables are equal to ``annotated_table(result_frames(...))``, metadata included
(tests/test_chunks.py); a chunk this path does not cover (runs with different columns or
categories, object or nullable columns, point or sample values of mixed types) goes the
pandas way instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa

from commsim.io import annotated_table

if TYPE_CHECKING:
    from commsim.ensemble import Plan, Task

_SCHEMAS: dict[tuple, pa.Schema] = {}  # column layout -> annotated schema
_PLAIN = (int, float, str)


class _Fallback(Exception):
    """This chunk needs the pandas way."""


def chunk_tables(plan: Plan, results: Sequence[tuple[Task, pd.DataFrame | None, dict]]) -> tuple[pa.Table | None, pa.Table]:
    """(monthly rows, summary rows) of finished runs as annotated Arrow tables: the rows of
    ``ensemble.result_frames`` as ``io.annotated_table`` converts them."""
    try:
        monthly = _monthly_table(plan, results)
    except _Fallback:
        frames = _frames(plan, results)
        monthly = annotated_table(frames[0]) if frames[0] is not None else None
    try:
        summary = _summary_table(plan, results)
    except _Fallback:
        summary = annotated_table(_frames(plan, results)[1])
    return monthly, summary


def _frames(plan: Plan, results) -> tuple[pd.DataFrame | None, pd.DataFrame]:
    from commsim.ensemble import result_frames

    return result_frames(plan, results)


def _schema(key: tuple, template: pd.DataFrame) -> pa.Schema:
    schema = _SCHEMAS.get(key)
    if schema is None:
        if len(_SCHEMAS) > 256:
            _SCHEMAS.clear()
        schema = _SCHEMAS[key] = annotated_table(template).schema
    return schema


def _kind(values: list) -> type:
    """The one plain Python type of ``values`` (int, float or str), else fall back."""
    kinds = {float if isinstance(v, float) else type(v) for v in values}
    if len(kinds) != 1:
        raise _Fallback
    kind = kinds.pop()
    if kind not in _PLAIN:
        raise _Fallback
    return kind


def _column(values: list, kind: type, field: pa.Field) -> pa.Array:
    if kind is str:
        return pa.array(values, type=field.type)
    try:
        col = np.array(values, dtype=np.float64 if kind is float else np.int64)
        return pa.array(col, type=field.type, from_pandas=kind is float and bool(np.isnan(col).any()))
    except OverflowError:
        raise _Fallback from None


# --- summary rows -----------------------------------------------------------------------------


def _summary_rows(plan: Plan, results) -> list[dict[str, Any]]:
    """The summary rows of ``ensemble.result_frames``, in its column order."""
    policy_cols = plan.policy_columns
    rows = []
    for task, _, summary in results:
        values = dict(task.values)
        row = {"task": task.index, "key": task.key, "point": task.point, "scenario": task.scenario,
               **{c: values.get(c) for c in plan.point_columns}, "replicate": task.replicate, "seed": task.seed}
        row.update(summary)
        for c in policy_cols:
            row.setdefault(f"total_{c}", 0.0)
        sample = plan.samples.get(task.replicate, {})
        row.update({c: sample.get(c) for c in plan.sampled})
        rows.append(row)
    return rows


def _summary_table(plan: Plan, results) -> pa.Table:
    rows = _summary_rows(plan, results)
    names = tuple(dict.fromkeys(c for r in rows for c in r))  # as pandas orders them
    if any(len(r) != len(names) for r in rows):
        raise _Fallback
    columns = [[r[c] for r in rows] for c in names]
    kinds = tuple(_kind(col) for col in columns)
    schema = _schema(("summary", names, kinds), pd.DataFrame(rows[:1]))
    arrays = [_column(col, kind, field) for col, kind, field in zip(columns, kinds, schema, strict=True)]
    return _table(arrays, schema)


def _table(arrays: list[pa.Array], schema: pa.Schema) -> pa.Table:
    if any(a.type != f.type for a, f in zip(arrays, schema, strict=True)):
        raise _Fallback
    return pa.Table.from_arrays(arrays, schema=schema)


# --- monthly rows -----------------------------------------------------------------------------


def _layout(plan: Plan, columns: list[str]) -> list[str]:
    """A run's monthly ``columns`` in ``result_frames``' order (the plan's policy columns in)."""
    policy_cols = plan.policy_columns
    base = [c for c in columns if not c.startswith("policy_")]
    extra = [c for c in columns if c.startswith("policy_") and c not in policy_cols]
    return base + policy_cols + extra


class _Run:
    """One run's monthly frame, with its column positions and dtypes looked up once."""

    def __init__(self, task: Task, df: pd.DataFrame):
        self.task, self.df = task, df
        names = df.columns.tolist()
        self.pos = {c: i for i, c in enumerate(names)}
        self.dtypes = dict(zip(names, list(df.dtypes), strict=True))

    def values(self, name: str) -> Any:
        """Column ``name``'s numpy array (or pandas Categorical), without building a Series."""
        i = self.pos[name]
        get = getattr(self.df, "_get_column_array", None)  # pandas 2-3; a Series costs ~50x more
        return get(i) if get is not None else self.df.iloc[:, i].array


def _monthly_table(plan: Plan, results) -> pa.Table | None:
    runs = [_Run(task, df) for task, df, _ in results if df is not None and plan.keep_monthly]
    if not runs:
        return None
    first = runs[0]
    cols = _layout(plan, list(first.pos))
    f64 = np.dtype(np.float64)
    dtypes = {c: first.dtypes.get(c, f64) for c in cols}
    for c in cols:
        if not (dtypes[c] in (f64, np.dtype(np.int64)) or isinstance(dtypes[c], pd.CategoricalDtype)):
            raise _Fallback
        if c not in first.pos and dtypes[c] != f64:
            raise _Fallback
    categorical = [c for c in cols if isinstance(dtypes[c], pd.CategoricalDtype)]
    categories = {c: first.values(c).categories for c in categorical}
    for run in runs[1:]:
        if _layout(plan, list(run.pos)) != cols or any(run.dtypes.get(c, f64) != dtypes[c] for c in cols):
            raise _Fallback
        for c in categorical:  # equal dtypes may list their categories in another order
            if not run.values(c).categories.equals(categories[c]):
                raise _Fallback
    front = _front(plan, runs)
    key = ("monthly", tuple(front.columns), tuple(str(t) for t in front.dtypes), tuple(cols),
           tuple(str(dtypes[c]) for c in cols))
    schema = _SCHEMAS.get(key) or _schema(key, pd.concat(
        [front.iloc[:1], first.df.iloc[:1].reindex(columns=cols, fill_value=0.0)], axis=1))
    arrays: dict[str, pa.Array] = {}
    front_table = pa.Table.from_pandas(front, preserve_index=False)
    for name in front.columns:
        arrays[name] = front_table.column(name).combine_chunks()
    for name in cols:
        if name in categories:
            codes = np.concatenate([run.values(name).codes for run in runs])
            if codes.size and codes.min() < 0:
                raise _Fallback  # missing values: nulls, as pandas makes them
            dictionary = pa.array(categories[name].tolist(), type=schema.field(name).type.value_type)
            arrays[name] = pa.DictionaryArray.from_arrays(pa.array(codes), dictionary)
            continue
        col = np.concatenate([run.values(name) if name in run.pos else np.zeros(len(run.df)) for run in runs])
        # pandas converts NaN to null: so does from_pandas=True (a scan, skipped when none)
        nan = col.dtype == f64 and bool(np.isnan(col).any())
        arrays[name] = pa.array(col, type=schema.field(name).type, from_pandas=nan)
    return _table([arrays[f.name] for f in schema], schema)


def _front(plan: Plan, runs: list[_Run]) -> pd.DataFrame:
    """The labelling columns (scenario, point columns, replicate) of every monthly row."""
    lens = [len(run.df) for run in runs]
    data: dict[str, list] = {"scenario": [run.task.scenario for run in runs]}
    for c in plan.point_columns:
        data[c] = [dict(run.task.values).get(c) for run in runs]
    data["replicate"] = [run.task.replicate for run in runs]
    for values in data.values():
        _kind(values)
    return pd.DataFrame({c: np.repeat(np.array(v, dtype=object), lens).tolist() for c, v in data.items()})
