"""Your own street: a scenario file from a table of estates, and files that extend a base by
name (one estate's fee in three lines; a base's policy switched off)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from commsim.cli import cli
from commsim.errors import ScenarioError
from commsim.scenario import load_scenario

from .helpers import SMALL

HEADER = "community,name,type,households,occupancy,fee,management,owners_committee,floor_area\n"
ROWS = [
    "A,A-commercial,commercial,400,0.85,1.9,firm,yes,\n",
    "A,A-old,old,300,0.95,0.6,firm,no,60\n",
    "B,B-resettlement,resettlement,350,0.8,0.7,,no,\n",
    "B,B-unmanaged,old,150,0.9,0.5,none,否,\n",
]


def table(tmp_path, rows=ROWS, header=HEADER, name="estates.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes((header + "".join(rows)).encode(encoding))
    return path


def test_a_table_becomes_the_same_street_as_the_file(tmp_path):
    out = tmp_path / "my_street.toml"
    result = CliRunner().invoke(cli, ["street", "--from", str(table(tmp_path)), "--out", str(out), "--months", "36",
                                      "--burn-in", "6"])
    assert result.exit_code == 0, result.output
    assert "2 communities, 4 estates, 1,200 households" in result.output
    mine, small = load_scenario(out), load_scenario(SMALL)
    assert mine.name == "my_street" and mine.households == small.households
    for (_, c1, e1), (_, c2, e2) in zip(mine.estates(), small.estates(), strict=True):
        assert (c1.name, e1.model_copy(update={"floor_area": None})) == (c2.name, e2.model_copy(update={"floor_area": None}))
    area = mine.communities[0].estates[1].floor_area  # 60 m2: sd, min and max scale like the default shape
    assert (area.mean, area.sd, area.min, area.max) == pytest.approx((60, 25 * 60 / 92, 30 * 60 / 92, 250 * 60 / 92))
    assert mine.communities[0].estates[0].floor_area == small.communities[0].estates[0].floor_area
    again = CliRunner().invoke(cli, ["street", "--from", str(table(tmp_path)), "--out", str(out)])
    assert again.exit_code == 2 and "exists; give --overwrite" in again.output


def test_an_excel_table_and_a_gbk_csv(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(HEADER.strip().split(","))
    ws.append(["东城社区", "锦绣花园", "commercial", 1200, 0.88, 1.9, "firm", True, 105])
    ws.append(["东城社区", "老街", "old", 800.0, 0.95, 0.6, None, None, None])
    book.save(tmp_path / "estates.xlsx")
    out = tmp_path / "street.toml"
    result = CliRunner().invoke(cli, ["street", "--from", str(tmp_path / "estates.xlsx"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    sc = load_scenario(out)
    assert [e.name for _, _, e in sc.estates()] == ["锦绣花园", "老街"] and sc.households == 2000
    gbk = table(tmp_path, ["东城,锦绣花园,commercial,1200,0.88,1.9,firm,是,105\n"], name="gbk.csv", encoding="gbk")
    assert CliRunner().invoke(cli, ["street", "--from", str(gbk), "--out", str(tmp_path / "g.toml")]).exit_code == 0


@pytest.mark.parametrize("row, needle", [
    ("A,x,old,300,0.9,abc,,,\n", "row 6, column fee: must be a number (got 'abc')"),
    ("A,x,old,30.5,0.9,1.0,,,\n", "row 6, column households: must be a whole number"),
    ("A,x,villa,300,0.9,1.0,,,\n", "row 6, column type: Input should be"),
    ("A,x,old,300,1.5,1.0,,,\n", "row 6, column occupancy: Input should be less than or equal to 1"),
    ("A,x,old,300,0.9,1.0,self,no,\n", "row 6: management = 'self' needs an owners' committee"),
    ("A,x,old,300,0.9,1.0,,maybe,\n", "row 6, column owners_committee: must be true or false"),
    ("A,x,old,300,0.9,1.0,,,1\n", "row 6, column floor_area: Input should be greater than or equal to 5"),
    ("A,A-old,old,300,0.9,1.0,,,\n", "row 6, column name: estate 'A-old' is already in community 'A' (row 3)"),
    ("A,all,old,300,0.9,1.0,,,\n", "row 6, column name: 'all' is reserved"),
    (",x,old,300,0.9,1.0,,,\n", "row 6, column community: empty"),
    ("A,x,old,inf,0.9,1.0,,,\n", "row 6, column households: must be a finite number"),
])
def test_table_errors_name_the_row_and_column(tmp_path, row, needle):
    path = table(tmp_path, [*ROWS, row])
    result = CliRunner().invoke(cli, ["street", "--from", str(path), "--out", str(tmp_path / "s.toml")])
    assert result.exit_code == 2, result.output
    assert result.output.strip() == result.output.strip().splitlines()[0]
    assert result.output.startswith(f"error: {path}: ") and needle in result.output, result.output
    assert not (tmp_path / "s.toml").exists()


def test_table_header_errors(tmp_path):
    runner = CliRunner()
    bad = table(tmp_path, header="community,name,type,households,price\n", name="h.csv")
    result = runner.invoke(cli, ["street", "--from", str(bad), "--out", str(tmp_path / "s.toml")])
    assert "row 1, column price: unknown column" in result.output
    bad = table(tmp_path, header="community,name,type,households\n", name="m.csv")
    result = runner.invoke(cli, ["street", "--from", str(bad), "--out", str(tmp_path / "s.toml")])
    assert "row 1: missing column(s) fee" in result.output
    (tmp_path / "e.csv").write_text("")
    result = runner.invoke(cli, ["street", "--from", str(tmp_path / "e.csv"), "--out", str(tmp_path / "s.toml")])
    assert "the table is empty" in result.output
    (tmp_path / "x.xlsx").write_text("not a workbook")
    result = runner.invoke(cli, ["street", "--from", str(tmp_path / "x.xlsx"), "--out", str(tmp_path / "s.toml")])
    assert result.exit_code == 2 and "cannot read as an Excel workbook" in result.output


def test_a_derived_file_changes_one_estate_by_name(tmp_path):
    child = tmp_path / "child.toml"
    child.write_text(f'[scenario]\nname = "child"\nbase = "{SMALL}"\n\n[[communities]]\nname = "A"\n\n'
                     '[[communities.estates]]\nname = "A-old"\nfee_yuan_per_m2_month = 2.2\n', encoding="utf-8")
    sc, small = load_scenario(child), load_scenario(SMALL)
    fees = {e.name: e.fee_yuan_per_m2_month for _, _, e in sc.estates()}
    assert fees == {**{e.name: e.fee_yuan_per_m2_month for _, _, e in small.estates()}, "A-old": 2.2}
    old = next(e for _, _, e in sc.estates() if e.name == "A-old")
    assert old.floor_area.mean == 60 and old.households == 300  # the rest of the estate is the base's
    child.write_text(child.read_text() + '\n[[communities]]\nname = "C"\n\n[[communities.estates]]\nname = "C-new"\n'
                     'type = "old"\nhouseholds = 10\nfee_yuan_per_m2_month = 1.0\n', encoding="utf-8")
    sc = load_scenario(child)
    assert [c.name for c in sc.communities] == ["A", "B", "C"] and sc.households == small.households + 10


def test_a_derived_file_switches_a_base_policy_off(tmp_path):
    child = tmp_path / "off.toml"
    child.write_text('[scenario]\nname = "off"\nbase = "alliance_plus_subsidy"\n\n[policies.fee_subsidy]\nenabled = false\n',
                     encoding="utf-8")
    sc = load_scenario(child)
    base = load_scenario("alliance_plus_subsidy")
    assert "fee_subsidy" in base.policies and "fee_subsidy" not in sc.policies and "suzhou_alliance" in sc.policies
    child.write_text(child.read_text().replace("enabled = false", 'enabled = "no"'), encoding="utf-8")
    with pytest.raises(ScenarioError, match="policies.fee_subsidy.enabled: must be true or false"):
        load_scenario(child)
    child.write_text('[scenario]\nname = "off"\nbase = "baseline"\n\n[policies.no_such]\nenabled = false\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match="policies.no_such: unknown policy"):
        load_scenario(child)
