"""Generate docs/parameters.md from the parameter table (``commsim params --markdown``)."""

from __future__ import annotations

from commsim.params import PARAMETERS, Param
from commsim.policies import registry

GROUP_TITLES = {
    "population": "Population",
    "service": "Service",
    "complaints": "Complaints and the ladder",
    "payment": "Fee payment",
    "participation": "Participation, belonging and ties",
    "governance": "Governance: committees, assemblies, votes",
    "firms": "Firms, the market and fees",
    "supervision": "Supervision",
    "staffing": "Community workers",
    "satisfaction": "Satisfaction: value for money",
    "collection": "Collection of arrears",
    "submodel": "Submodel choices (alternatives sampled as structural uncertainty)",
}


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _row(p: Param) -> str:
    if p.kind == "choice":
        rng = " / ".join(p.choices)
    elif p.range is not None:
        rng = f"{p.range[0]:g} – {p.range[1]:g}"
    else:
        rng = "–"
    return f"| `{p.name}` | {p.default!s} | {_cell(p.unit)} | {rng} | {_cell(p.source)} | {_cell(p.meaning)} |"


def _shipped(group: str) -> bool:
    """Core groups and the groups of commsim's own policies (not of plugins loaded since)."""
    if not group.startswith("policy:"):
        return True
    cls = registry.available().get(group.split(":", 1)[1])
    return cls is not None and cls.__module__.startswith("commsim.policies.")


def parameters_markdown() -> str:
    """The whole page: one table per group, core groups first, then the shipped policies."""
    groups: dict[str, list[Param]] = {}
    for p in PARAMETERS:
        if _shipped(p.group):
            groups.setdefault(p.group, []).append(p)
    order = [g for g in GROUP_TITLES if g in groups] + sorted(g for g in groups if g not in GROUP_TITLES)
    lines = [
        "# Parameters",
        "",
        "Generated from `src/commsim/params.py` and the policies' parameter lists by",
        "`commsim params --markdown > docs/parameters.md`; do not edit by hand (a test checks it).",
        "",
        "Every parameter has a default, a unit, a range for Monte Carlo and sensitivity analysis,",
        "and a source: a seed document (`seeds/...`), a figure of `EMPIRICAL_TARGETS.md`",
        "(`targets: ...`), a law, or the word *assumption*. Override any of them in a scenario's",
        "`[parameters]` table, a policy's `[policies.<name>]` table, or with `--set NAME=VALUE`.",
        "",
    ]
    for group in order:
        title = GROUP_TITLES.get(group, group.replace("policy:", "Policy: "))
        lines += [f"## {title}", "", "| name | default | unit | range | source | meaning |",
                  "|---|---|---|---|---|---|"]
        lines += [_row(p) for p in groups[group]]
        lines.append("")
    listed = [p for ps in groups.values() for p in ps]
    n = len(listed)
    assumed = sum(1 for p in listed if p.source.startswith("assumption"))
    lines += [f"{n} parameters; {assumed} are marked as assumptions.", ""]
    return "\n".join(lines)
