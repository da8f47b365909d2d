"""Your own street from a table: a CSV or Excel sheet of estates turned into a scenario file.

One row per estate, columns (header in row 1, any order, case-insensitive):

=================  ========  =====================================================
column             required  meaning (scenario-file field)
=================  ========  =====================================================
community          yes       the community (社区) the estate belongs to
name               yes       the estate's name (unique within its community)
type               yes       commercial, old, resettlement or work_unit
households         yes       dwelling units, occupied or not (whole number)
fee                yes       fee_yuan_per_m2_month (0 for an unmanaged estate)
occupancy          no        share of units lived in (default 0.9)
management         no        firm, self or none (default firm)
owners_committee   no        true/false, yes/no, 1/0, 是/否 (empty: drawn by estate type)
floor_area         no        mean floor area per dwelling, m2 (default 92)
=================  ========  =====================================================

With ``floor_area`` given, the spread, minimum and maximum of the dwelling sizes scale with
it as in the default distribution (sd 25, min 30, max 250 for a mean of 92); the optional
columns ``floor_area_sd``, ``floor_area_min`` and ``floor_area_max`` set them directly.
Empty cells take the default. Rows are numbered as a spreadsheet shows them (the header is
row 1), and every problem is reported as ``<file>: row N, column C: <problem>``.
"""

from __future__ import annotations

import csv
import io
import math
import re
import tomllib
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from commsim.errors import ScenarioError
from commsim.scenario import Estate, Scenario, parse_scenario

REQUIRED = ("community", "name", "type", "households", "fee")
OPTIONAL = ("occupancy", "management", "owners_committee", "floor_area", "floor_area_sd", "floor_area_min", "floor_area_max")
ALIASES = {"fee_yuan_per_m2_month": "fee", "estate": "name"}
#: scenario-file field -> table column, for locating validation errors
FIELD_COLUMN = {"fee_yuan_per_m2_month": "fee"}
DEFAULT_AREA = {"mean": 92.0, "sd": 25.0, "min": 30.0, "max": 250.0}
TRUE = {"true", "yes", "y", "1", "是", "有"}
FALSE = {"false", "no", "n", "0", "否", "无"}
MAX_ROWS = 100_000


def read_table(path: Path, sheet: str | None = None) -> list[tuple[int, dict[str, Any]]]:
    """``(row number, {column: cell})`` for every non-empty row of a CSV or Excel file."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        rows = _excel_rows(path, sheet)
    elif suffix in (".csv", ".txt"):
        if sheet is not None:
            raise ScenarioError(f"{path}: --sheet: a CSV file has no sheets")
        rows = _csv_rows(path)
    else:
        raise ScenarioError(f"{path}: not a table commsim reads (give a .csv or .xlsx file)")
    rows = [(i, [None if c is None or (isinstance(c, str) and not c.strip()) else c for c in r]) for i, r in rows]
    rows = [(i, r) for i, r in rows if any(c is not None for c in r)]
    if not rows:
        raise ScenarioError(f"{path}: the table is empty")
    (_, header), body = rows[0], rows[1:]
    columns = []
    for j, cell in enumerate(header, start=1):
        name = str(cell).strip().lower().replace(" ", "_") if cell is not None else ""
        name = ALIASES.get(name, name)
        if not name:
            if any(j <= len(r) and r[j - 1] is not None for _, r in body):
                raise ScenarioError(f"{path}: row 1, column {j}: a column with values needs a name")
        elif name not in REQUIRED + OPTIONAL:
            raise ScenarioError(f"{path}: row 1, column {cell}: unknown column (columns: {', '.join(REQUIRED + OPTIONAL)})")
        elif name in columns:
            raise ScenarioError(f"{path}: row 1, column {name}: given twice")
        columns.append(name)
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise ScenarioError(f"{path}: row 1: missing column(s) {', '.join(missing)} (required: {', '.join(REQUIRED)})")
    if not body:
        raise ScenarioError(f"{path}: no estates below the header")
    if len(body) > MAX_ROWS:
        raise ScenarioError(f"{path}: {len(body):,} rows is more than a street can have here ({MAX_ROWS:,})")
    out = []
    for i, cells in body:
        if len(cells) > len(columns) and any(c is not None for c in cells[len(columns):]):
            raise ScenarioError(f"{path}: row {i}: more cells than the header has columns")
        out.append((i, {c: v for c, v in zip(columns, cells, strict=False) if c and v is not None}))
    return out


def _csv_rows(path: Path) -> list[tuple[int, list[Any]]]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read: {exc.strerror or exc}") from None
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in Chinese saves CSV as GBK
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ScenarioError(f"{path}: not UTF-8 or GBK text")
    if "\x00" in text:
        raise ScenarioError(f"{path}: not a text file (contains NUL bytes)")
    try:
        return list(enumerate(csv.reader(io.StringIO(text, newline="")), start=1))
    except csv.Error as exc:
        raise ScenarioError(f"{path}: not valid CSV: {exc}") from None


def _excel_rows(path: Path, sheet: str | None) -> list[tuple[int, list[Any]]]:
    try:
        import openpyxl
    except ImportError:  # pragma: no cover
        raise ScenarioError(f"{path}: reading Excel files needs openpyxl (pip install openpyxl)") from None
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl and zipfile raise many types for a broken file
        raise ScenarioError(f"{path}: cannot read as an Excel workbook ({type(exc).__name__}: {exc})") from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise ScenarioError(f"{path}: --sheet {sheet}: no such sheet (sheets: {', '.join(book.sheetnames)})")
        ws = book[sheet] if sheet is not None else book.worksheets[0]
        return [(i, list(r)) for i, r in enumerate(ws.iter_rows(values_only=True), start=1)]
    finally:
        book.close()


def _cell(path: Path, row: int, column: str, value: Any, kind: str) -> Any:
    where = f"{path}: row {row}, column {column}"
    if kind == "str":
        text = str(value).strip()
        if any(ord(c) < 32 for c in text):
            raise ScenarioError(f"{where}: contains control characters (new lines, tabs)")
        return text
    if kind == "bool":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in TRUE or text in FALSE:
            return text in TRUE
        raise ScenarioError(f"{where}: must be true or false (yes/no, 1/0, 是/否; got {value!r})")
    if isinstance(value, bool):
        raise ScenarioError(f"{where}: must be a number (got {value!r})")
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).strip().replace(",", "") if re.fullmatch(r"[\d,]+(\.\d*)?", str(value).strip()) else str(value).strip()
        try:
            number = float(text)
        except ValueError:
            raise ScenarioError(f"{where}: must be a number (got {value!r})") from None
    if not math.isfinite(number):
        raise ScenarioError(f"{where}: must be a finite number (got {value!r})")
    if kind == "int":
        if number != int(number):
            raise ScenarioError(f"{where}: must be a whole number (got {value!r})")
        return int(number)
    return number


KINDS = {"community": "str", "name": "str", "type": "str", "management": "str", "households": "int",
         "owners_committee": "bool"}


def estate_entries(path: Path, rows: Iterable[tuple[int, Mapping[str, Any]]]) -> list[dict[str, Any]]:
    """Communities (in order of first appearance) with their estates, each validated."""
    communities: dict[str, dict[str, Any]] = {}
    seen: dict[tuple[str, str], int] = {}
    for row, cells in rows:
        values = {c: _cell(path, row, c, v, KINDS.get(c, "float")) for c, v in cells.items()}
        for column in REQUIRED:
            if column not in values or values[column] == "":
                raise ScenarioError(f"{path}: row {row}, column {column}: empty (a required column)")
        key = (values["community"], values["name"])
        if key in seen:
            raise ScenarioError(f"{path}: row {row}, column name: estate {key[1]!r} is already in community "
                                f"{key[0]!r} (row {seen[key]}); estate names must be unique within a community")
        seen[key] = row
        estate = _estate(path, row, values)
        communities.setdefault(values["community"], {"name": values["community"], "estates": []})["estates"].append(estate)
    return list(communities.values())


def _estate(path: Path, row: int, values: Mapping[str, Any]) -> dict[str, Any]:
    estate: dict[str, Any] = {"name": values["name"], "type": values["type"], "households": values["households"]}
    if "occupancy" in values:
        estate["occupancy"] = values["occupancy"]
    estate["fee_yuan_per_m2_month"] = values["fee"]
    for column in ("management", "owners_committee"):
        if column in values:
            estate[column] = values[column]
    area = {k: values[f"floor_area_{k}"] for k in ("sd", "min", "max") if f"floor_area_{k}" in values}
    if "floor_area" in values or area:
        mean = values.get("floor_area", DEFAULT_AREA["mean"])
        scale = mean / DEFAULT_AREA["mean"]
        full = {"mean": mean, **{k: min(max(DEFAULT_AREA[k] * scale, 5.0 if k != "sd" else 0.0), 2000.0)
                                 for k in ("sd", "min", "max")}, **area}
        estate["floor_area"] = {k: float(v) for k, v in full.items()}
    try:
        Estate.model_validate(estate)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = [str(p) for p in err["loc"]]
        column = FIELD_COLUMN.get(loc[0], loc[0]) if loc else None
        if column == "floor_area":
            column = "floor_area" if len(loc) < 2 or loc[1] == "mean" else f"floor_area_{loc[1]}"
        msg = str(err["msg"]).removeprefix("Value error, ")
        where = f"row {row}, column {column}" if column else f"row {row}"
        got = err.get("input")
        tail = f" (got {got!r})" if column and not isinstance(got, dict | list) else ""
        raise ScenarioError(f"{path}: {where}: {msg}{tail}") from None
    return estate


def toml_string(text: str) -> str:
    """A TOML basic string (control characters and DEL escaped)."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 32 or ord(ch) == 127:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def toml_value(value: Any) -> str:
    """``value`` written as a TOML value: a boolean, number, string or inline table.

    Raises:
        TypeError: The value has no TOML form here (a list, say).
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"no TOML form for {value!r}")


def scenario_text(name: str, communities: list[dict[str, Any]], source: str, months: int, burn_in: int,
                  title: str | None = None) -> str:
    """The scenario file (TOML) of a street."""
    lines = [f"# A street read from {source} by `commsim street` ({date.today().isoformat()}).",
             "# Edit freely; `commsim check` validates it.", "", "[scenario]",
             f"name = {toml_string(name)}"]
    if title:
        lines.append(f"title_en = {toml_string(title)}")
    lines += [f"months = {months}", f"burn_in_months = {burn_in}"]
    for c in communities:
        lines += ["", "[[communities]]", f"name = {toml_string(c['name'])}"]
        for e in c["estates"]:
            lines += ["", "[[communities.estates]]"] + [f"{k} = {toml_value(v)}" for k, v in e.items()]
    return "\n".join(lines) + "\n"


def scenario_name(text: str) -> str:
    """A valid ``[scenario] name`` (letters, digits, _ and -) from a file name."""
    name = re.sub(r"[^A-Za-z0-9_\-]+", "_", text).strip("_")
    return name or "street"


def street_from_table(path: str | Path, out: str | Path, name: str | None = None, months: int = 60,
                      burn_in: int = 12, sheet: str | None = None, title: str | None = None) -> tuple[str, Scenario]:
    """The scenario text of the street in table ``path`` and the scenario it validates to
    (errors name the table's row and column). Nothing is written here."""
    path = Path(path)
    communities = estate_entries(path, read_table(path, sheet))
    name = scenario_name(name if name is not None else Path(out).stem)
    text = scenario_text(name, communities, path.name, months, burn_in, title)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:  # pragma: no cover - scenario_text writes valid TOML
        raise ScenarioError(f"{out}: internal error writing TOML: {exc}") from None
    return text, parse_scenario(data, str(out))
