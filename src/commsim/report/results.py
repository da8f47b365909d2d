"""Reading a comparison's output folder (written by ``commsim compare``).

The folder holds ``manifest.json`` (command, scenarios with sha256, replicates, base seed,
versions), ``summary.parquet`` (scenario x replicate summaries), ``monthly/`` (Parquet
dataset of monthly metrics), ``comparison.csv`` (one row per metric and scenario: means,
paired differences against the baseline with CIs, p-values, probability of being better),
and optionally ``sensitivity.csv``, ``sweep.csv``, ``robustness.csv`` (how often each scenario
beats each comparator across plausible worlds) and ``discovery.csv`` (PRIM boxes: where a
scenario fails to beat a comparator). Each file is read only if present; a file that is present
but broken is reported as one :class:`ReportError` naming the file (and the row).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from commsim.errors import CommsimError
from commsim.report.vocab import ScenarioTitles

COMPARISON_COLUMNS: tuple[str, ...] = (
    "metric", "scenario", "baseline", "n", "mean", "ci_low", "ci_high", "diff", "diff_ci_low",
    "diff_ci_high", "diff_method", "p_value", "p_adjusted", "effect_size", "prob_better",
    "higher_is_better", "crn_variance_ratio",
)
SENSITIVITY_COLUMNS: dict[str, tuple[str, ...]] = {
    "morris": ("mu_star", "mu_star_conf", "sigma"),
    "sobol": ("S1", "S1_conf", "ST", "ST_conf"),
}
#: robustness.csv: one row per (scenario, outcome, comparator), across plausible worlds
ROBUSTNESS_COLUMNS: tuple[str, ...] = (
    "scenario", "outcome", "comparator", "direction", "n_worlds", "share_better", "median_diff",
    "diff_p05", "diff_p95", "noise_diff", "noise_ci_low", "noise_ci_high", "prob_best",
)
#: discovery.csv: one row per restricted parameter of a PRIM box of failures
DISCOVERY_COLUMNS: tuple[str, ...] = (
    "scenario", "outcome", "comparator", "box", "coverage", "density", "n_cases", "parameter",
    "low", "high", "values", "text_en", "text_zh",
)
#: discovery_trajectory.csv: the peeling trajectory of each box (for its figure)
TRAJECTORY_COLUMNS: tuple[str, ...] = (
    "scenario", "outcome", "comparator", "box", "step", "coverage", "density", "mass", "res_dim", "selected",
)
DIRECTIONS = ("higher", "lower", "ambiguous")
#: columns of summaries and sweeps that are not outcomes
ID_COLUMNS = ("scenario", "replicate", "seed")
SUMMARY_PREFIXES = ("final_", "mean_", "total_")


class ReportError(CommsimError):
    """A comparison folder is missing or one of its files cannot be used."""


def _bool_or_none(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and not (isinstance(value, float) and math.isnan(value)):
        return bool(value)
    text = str(value).strip().lower()
    return {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}.get(text)


def _read_csv(path: Path, required: tuple[str, ...]) -> pd.DataFrame:
    try:
        df = pd.read_csv(path)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise ReportError(f"{path}: cannot read: {exc}") from None
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise ReportError(f"{path}: missing column(s) {', '.join(missing)}")
    if df.empty:
        raise ReportError(f"{path}: no rows")
    return df


def _read_parquet(path: Path, columns: list[str] | None = None) -> pd.DataFrame:
    try:
        return pd.read_parquet(path, columns=columns)
    except (OSError, ValueError, KeyError) as exc:
        raise ReportError(f"{path}: cannot read: {exc}") from None
    except Exception as exc:  # pyarrow raises its own error types for broken files
        raise ReportError(f"{path}: cannot read: {exc}") from None


def _scenario_entries(raw: Any) -> dict[str, dict[str, Any]]:
    """The manifest's ``scenarios`` (a list of dicts or names, or a mapping) as name -> entry."""
    out: dict[str, dict[str, Any]] = {}
    if isinstance(raw, dict):
        for name, entry in raw.items():
            out[str(name)] = dict(entry) if isinstance(entry, dict) else {"sha256": entry}
    elif isinstance(raw, list):
        for entry in raw:
            if isinstance(entry, dict) and "name" in entry:
                out[str(entry["name"])] = dict(entry)
            elif isinstance(entry, str):
                out[entry] = {}
    return out


@dataclass
class Results:
    """What a comparison folder holds, read once."""

    folder: Path
    manifest: dict[str, Any]
    comparison: pd.DataFrame | None = None
    summary: pd.DataFrame | None = None
    sensitivity: pd.DataFrame | None = None
    sensitivity_info: dict[str, Any] = field(default_factory=dict)
    sweep: pd.DataFrame | None = None
    robustness: pd.DataFrame | None = None
    discovery: pd.DataFrame | None = None
    trajectory: pd.DataFrame | None = None
    stability: dict[str, Any] | None = None
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)
    titles: ScenarioTitles = field(default_factory=ScenarioTitles)

    # --- scenarios and provenance ----------------------------------------------------------
    @property
    def baseline(self) -> str | None:
        """The baseline scenario: comparison.csv's ``baseline``, else the manifest's (or None)."""
        if self.comparison is not None:
            return str(self.comparison["baseline"].iloc[0])
        return self.manifest.get("baseline")

    @property
    def scenarios(self) -> list[str]:
        """Scenario names, baseline first, then in the manifest's (or the data's) order."""
        names = list(self.entries)
        for df in (self.comparison, self.summary):
            if df is not None and "scenario" in df:
                names += [str(s) for s in df["scenario"].unique() if str(s) not in names]
        base = self.baseline
        return ([base] if base in names else []) + [n for n in names if n != base]

    @property
    def command(self) -> str | None:
        """The command that wrote the folder (manifest ``command``): compare, sweep, sensitivity."""
        value = self.manifest.get("command")
        return str(value) if value else None

    @property
    def replicates(self) -> int | None:
        """Replicates per scenario: the manifest's ``reps``/``replicates``, else counted in
        summary.csv; None when neither says.
        """
        for key in ("reps", "replicates"):
            if isinstance(self.manifest.get(key), int):
                return int(self.manifest[key])
        if self.summary is not None:
            return int(self.summary["replicate"].nunique())
        return None

    @property
    def base_seed(self) -> int | None:
        """Base seed of the runs (manifest ``base_seed`` or ``seed``), or None."""
        for key in ("base_seed", "seed"):
            if isinstance(self.manifest.get(key), int):
                return int(self.manifest[key])
        return None

    @property
    def version(self) -> str:
        """The commsim version that wrote the folder, as its manifest says ("unknown" if not)."""
        versions = self.manifest.get("versions")
        if isinstance(versions, dict) and versions.get("commsim"):
            return str(versions["commsim"])
        return str(self.manifest.get("commsim", "unknown"))

    @property
    def burn_in_months(self) -> int:
        """Burn-in months: the largest any scenario entry or the manifest gives (0 if none)."""
        values = [e.get("burn_in_months") for e in self.entries.values()]
        values.append(self.manifest.get("burn_in_months"))
        found = [int(v) for v in values if isinstance(v, int)]
        return max(found) if found else 0

    def title(self, scenario: str, lang: str) -> str:
        """Title of ``scenario`` in ``lang`` (see :class:`ScenarioTitles`)."""
        return self.titles.title(scenario, lang)  # type: ignore[arg-type]

    # --- data ---------------------------------------------------------------------------------
    @property
    def monthly_path(self) -> Path:
        """Where the monthly results are: a folder of Parquet files (or one Parquet file)."""
        return self.folder / "monthly"

    @property
    def has_monthly(self) -> bool:
        """Whether the folder holds monthly results (see :attr:`monthly_path`)."""
        path = self.monthly_path
        return path.is_dir() and any(path.rglob("*.parquet")) or path.is_file()

    def monthly(self, metrics: list[str], street_only: bool = True) -> pd.DataFrame:
        """Monthly rows (street-wide ``estate == "all"`` by default) with the given metrics."""
        if not self.has_monthly:
            raise ReportError(f"{self.monthly_path}: no monthly results in this folder")
        base = ["scenario", "replicate", "month", "estate", "estate_type"]
        df = _read_parquet(self.monthly_path, columns=base + metrics)
        for col in ("scenario", "estate", "estate_type"):  # hive-partitioned folders give categoricals
            df[col] = df[col].astype(str)
        if street_only:
            return df[df["estate"] == "all"].reset_index(drop=True)
        return df[df["estate"] != "all"].reset_index(drop=True)

    def rows(self, metric: str) -> pd.DataFrame:
        """comparison.csv rows of one metric, in scenario order (baseline first)."""
        if self.comparison is None:
            return pd.DataFrame(columns=COMPARISON_COLUMNS)
        df = self.comparison[self.comparison["metric"] == metric]
        order = {name: i for i, name in enumerate(self.scenarios)}
        return df.sort_values("scenario", key=lambda s: s.map(order)).reset_index(drop=True)

    def metrics(self) -> list[str]:
        """Metrics in comparison.csv, in the order they first appear (empty without one)."""
        return [] if self.comparison is None else list(dict.fromkeys(self.comparison["metric"]))


def read_sensitivity(path: Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """A sensitivity.csv (or a folder holding one) and what its manifest says was analysed."""
    csv = path / "sensitivity.csv" if path.is_dir() else path
    if not csv.is_file():
        raise ReportError(f"{path}: no sensitivity.csv (give the output folder of 'commsim sensitivity')")
    df = _read_csv(csv, ("method", "output", "parameter"))
    for method in df["method"].str.lower().unique():
        need = SENSITIVITY_COLUMNS.get(method)
        if need is None:
            raise ReportError(f"{csv}: unknown method {method!r} (morris or sobol)")
        missing = [c for c in need if c not in df.columns]
        if missing:
            raise ReportError(f"{csv}: {method} rows need column(s) {', '.join(missing)}")
    df["method"] = df["method"].str.lower()
    info: dict[str, Any] = {}
    manifest = csv.parent / "manifest.json"
    if manifest.is_file():
        try:
            meta = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            meta = {}
        names = [e.get("name") for e in meta.get("scenarios", []) if isinstance(e, dict)]
        info = {"scenario": names[0] if names else None, "against": meta.get("against")}
    samples = csv.parent / "samples.parquet"
    if samples.is_file():  # one row per design row: parameter values and the analysed outputs
        info["samples"] = _read_parquet(samples)
    return df, info


def _check_sensitivity_pair(path: Path, info: dict[str, Any], comparison: pd.DataFrame | None) -> None:
    """A sensitivity analysis given beside a comparison must be of a scenario (and comparator)
    that the comparison compares: otherwise the brief would cite another policy's spread."""
    scenario, against = info.get("scenario"), info.get("against")
    if comparison is None or scenario is None:
        return
    base = str(comparison["baseline"].iloc[0])
    compared = {base, *map(str, comparison["scenario"].unique())}
    if scenario not in compared or (against is not None and against != base):
        what = f"{scenario} against {against}" if against is not None else str(scenario)
        others = ", ".join(sorted(compared - {base}))
        raise ReportError(f"{path}: manifest.json: the sensitivity analysis is of {what}, but the comparison "
                          f"compares {others} against {base}; give a sensitivity analysis of one of those "
                          f"against {base}")


def load_results(folder: str | Path, sensitivity: str | Path | None = None) -> Results:
    """Read a comparison folder; at least one of comparison/summary/sensitivity/sweep is needed.

    ``sensitivity``: a sensitivity.csv or the folder of a ``commsim sensitivity`` run to use
    instead of one inside ``folder``."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ReportError(f"{folder}: no such folder (give the output folder of 'commsim compare')")
    manifest: dict[str, Any] = {}
    mpath = folder / "manifest.json"
    if mpath.is_file():
        try:
            manifest = json.loads(mpath.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ReportError(f"{mpath}: cannot read: {exc}") from None
        if not isinstance(manifest, dict):
            raise ReportError(f"{mpath}: expected a JSON object")
    res = Results(folder, manifest)
    if (folder / "comparison.csv").is_file():
        df = _read_csv(folder / "comparison.csv", COMPARISON_COLUMNS)
        df["higher_is_better"] = [_bool_or_none(v) for v in df["higher_is_better"]]
        if df["baseline"].nunique() != 1:
            raise ReportError(f"{folder / 'comparison.csv'}: expected one baseline, found "
                              f"{', '.join(map(str, df['baseline'].unique()))}")
        res.comparison = df
    if (folder / "summary.parquet").is_file():
        res.summary = _read_parquet(folder / "summary.parquet")
        if "scenario" not in res.summary or "replicate" not in res.summary:
            raise ReportError(f"{folder / 'summary.parquet'}: missing column scenario or replicate")
    if sensitivity is not None:
        res.sensitivity, res.sensitivity_info = read_sensitivity(Path(sensitivity))
        _check_sensitivity_pair(Path(sensitivity), res.sensitivity_info, res.comparison)
    elif (folder / "sensitivity.csv").is_file():
        res.sensitivity, res.sensitivity_info = read_sensitivity(folder)
    if (folder / "sweep.csv").is_file():
        res.sweep = _read_csv(folder / "sweep.csv", ("replicate",))
        if not swept_parameters(res.sweep, manifest):
            raise ReportError(f"{folder / 'sweep.csv'}: no swept parameter column")
    if (folder / "robustness.csv").is_file():
        res.robustness = read_robustness(folder / "robustness.csv")
    if (folder / "stability.json").is_file():
        try:
            res.stability = json.loads((folder / "stability.json").read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ReportError(f"{folder / 'stability.json'}: cannot read: {exc}") from None
    if (folder / "discovery.csv").is_file():
        res.discovery = read_discovery(folder / "discovery.csv")
        if (folder / "discovery_trajectory.csv").is_file():  # only for the figures of the boxes
            res.trajectory = _read_csv(folder / "discovery_trajectory.csv", TRAJECTORY_COLUMNS) \
                if pd.read_csv(folder / "discovery_trajectory.csv", nrows=1).shape[0] else None
    if all(x is None for x in (res.comparison, res.summary, res.sensitivity, res.sweep)):
        raise ReportError(
            f"{folder}: no comparison.csv, summary.parquet, sensitivity.csv or sweep.csv here; "
            "run 'commsim compare' first and give its output folder"
        )
    res.entries = _scenario_entries(manifest.get("scenarios"))
    res.titles = ScenarioTitles(res.entries)
    return res


def swept_parameters(sweep: pd.DataFrame, manifest: dict[str, Any] | None = None) -> list[str]:
    """Columns of a sweep that are swept parameters: those the manifest lists under ``swept``,
    else every column that is neither an id nor a summary outcome."""
    swept = (manifest or {}).get("swept")
    if isinstance(swept, dict) and swept:
        return [c for c in swept if c in sweep.columns]
    return [c for c in sweep.columns if c not in ID_COLUMNS and not c.startswith(SUMMARY_PREFIXES)]


def _bad_row(path: Path, df: pd.DataFrame, mask: pd.Series, problem: str) -> None:
    if bool(mask.any()):
        row = int(mask.to_numpy().nonzero()[0][0]) + 2  # 1-based, after the header line
        raise ReportError(f"{path}: row {row}: {problem}")


def _shares(path: Path, df: pd.DataFrame, columns: tuple[str, ...]) -> None:
    for col in columns:
        df[col] = pd.to_numeric(df[col], errors="coerce")
        values = df[col]
        _bad_row(path, df, values.notna() & ((values < 0) | (values > 1)), f"{col}: expected a share from 0 to 1")


def read_robustness(path: Path) -> pd.DataFrame:
    """robustness.csv, checked: known directions, shares from 0 to 1, numeric differences;
    ``margin`` (the smallest difference that counts as a win) is NaN in files written before it."""
    df = _read_csv(path, ROBUSTNESS_COLUMNS)
    for col in ("scenario", "outcome", "comparator", "direction"):
        df[col] = df[col].astype(str).str.strip()
    _bad_row(path, df, ~df["direction"].isin(DIRECTIONS), "direction: expected higher, lower or ambiguous")
    _shares(path, df, ("share_better", "prob_best"))
    if "margin" not in df.columns:  # written before margins (any difference was a win): say nothing of them
        df["margin"] = float("nan")
    for col in ("n_worlds", "median_diff", "diff_p05", "diff_p95", "noise_diff", "noise_ci_low", "noise_ci_high",
                "margin"):
        df[col] = pd.to_numeric(df[col], errors="coerce")
    _bad_row(path, df, ~(df["n_worlds"] > 0), "n_worlds: expected a positive number of worlds")
    return df


def read_discovery(path: Path) -> pd.DataFrame:
    """discovery.csv, checked: whole-number boxes from 0 (0: no box, only a sentence saying
    why, with an empty ``parameter``), coverage and density from 0 to 1."""
    df = _read_csv(path, DISCOVERY_COLUMNS)
    df["parameter"] = df["parameter"].fillna("")
    for col in ("scenario", "outcome", "comparator", "parameter"):
        df[col] = df[col].astype(str).str.strip()
    box = pd.to_numeric(df["box"], errors="coerce")
    _bad_row(path, df, ~((box >= 0) & (box == box.round())), "box: expected a whole number from 0")
    _bad_row(path, df, (box >= 1) & (df["parameter"] == ""), "parameter: empty in a box (only box 0 has none)")
    _bad_row(path, df, (box == 0) & (df["parameter"] != ""), "parameter: box 0 (no box) restricts no parameter")
    df["box"] = box.astype(int)
    _shares(path, df, ("coverage", "density"))
    for col in ("text_en", "text_zh"):
        _bad_row(path, df, df[col].isna() | (df[col].astype(str).str.strip() == ""), f"{col}: empty")
        df[col] = df[col].astype(str).str.strip()
    return df


def outcome_columns(df: pd.DataFrame) -> list[str]:
    """Outcome columns of a summary table (those starting ``final_``, ``mean_`` or ``total_``)."""
    return [c for c in df.columns if c.startswith(SUMMARY_PREFIXES)]
