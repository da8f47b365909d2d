"""The revenue -> effort -> quality -> satisfaction -> payment loop: its measured gain, and
whether the status quo and the policies settle (docs/validation.md, "The feedback loop").

    .venv/bin/python docs/figures/loop.py [--reps 8] [--months 120]

1. **Gain.** A probe policy (registered below, not shipped) pays every provider a grant of 5% of
   its estate's billed fees each month from month 13. With common random numbers, the extra
   revenue it brings is the grant plus the extra payments it induces through the loop; the loop
   gain is G = extra payments / (grant + extra payments), i.e. the share of a revenue change the
   loop adds back (extra revenue = grant / (1 - G)). G is measured over months 37-60, by estate
   type.
2. **Settling.** The street's collection rate and satisfaction under the status quo and every
   shipped policy scenario, means over replicates, for ``--months`` (past the 60-month horizon),
   and each policy's effect (policy - status quo). A series counts as settled at month 60 when its
   change over months 49-60 is under 10% of its total change since month 12 (or under 0.5
   percentage points / 0.5 satisfaction points).

Writes docs/figures/loop.png and prints the figures quoted in docs/validation.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from commsim import CommunityModel, load_scenario  # noqa: E402
from commsim.policies import Policy, register_policy  # noqa: E402
from commsim.policies.base import policy_param  # noqa: E402
from commsim.runner import replicate_seed  # noqa: E402

HERE = Path(__file__).parent
POLICIES = ("suzhou_alliance", "liaocheng_four_in_one", "fee_subsidy", "cangzhou_six_in_one",
            "harbin_basic_service", "xian_staffing", "suzhou_classified")
GRANT = 0.05


@register_policy
class LoopProbe(Policy):
    """A probe, not a policy: a grant of ``share`` of billed fees to every provider, monthly."""

    name = "loop_probe"
    title_en = "Loop probe: grant of a share of billed fees"
    title_zh = "反馈回路探针"
    source = "docs/figures/loop.py"
    parameters = (policy_param("share", GRANT, "share of billed fees", (0.0, 0.2), "assumption",
                               "Grant paid to each provider as a share of its estate's billed fees.", bounds=(0.0, 1.0)),)

    def after_payment(self, model) -> None:
        for e in np.flatnonzero(model.state.billed > 0):
            self.grant(int(e), self.pars.share * float(model.state.billed[e]))


def street(df: pd.DataFrame) -> pd.DataFrame:
    return df[df["estate"] == "all"].set_index("month")


def gain(reps: int) -> pd.DataFrame:
    """Loop gain by estate type (and the street), months 37-60."""
    base_sc = load_scenario("baseline")
    data = base_sc.spec.model_dump()
    data["policies"] = {"loop_probe": {"start_month": 13}}
    from commsim.scenario import parse_scenario

    probe_sc = parse_scenario(data, "loop_probe")
    rows = []
    for r in range(reps):
        seed = replicate_seed(2026, r)
        b = CommunityModel(base_sc, seed=seed).run()
        p = CommunityModel(probe_sc, seed=seed).run()
        for df, label in ((b, "base"), (p, "probe")):
            w = df[(df["month"] > 36)]
            for t, g in w.groupby("estate_type", observed=True):
                rows.append({"rep": r, "run": label, "type": t, "payments": g["payments_yuan"].sum(),
                             "grants": g["grants_yuan"].sum()})
    tab = pd.DataFrame(rows).pivot_table(index=["rep", "type"], columns="run", values=["payments", "grants"])
    extra_pay = tab[("payments", "probe")] - tab[("payments", "base")]
    grant = tab[("grants", "probe")] - tab[("grants", "base")]
    per = pd.DataFrame({"extra_payments": extra_pay, "grant": grant}).groupby(level="type").sum()
    per["gain"] = per["extra_payments"] / (per["grant"] + per["extra_payments"])
    return per


def settling(reps: int, months: int) -> dict[str, pd.DataFrame]:
    out = {}
    for name in ("baseline", *POLICIES):
        sc = load_scenario(name).with_months(months)
        runs = [street(CommunityModel(sc, seed=replicate_seed(2026, r)).run())[["collection_rate", "satisfaction"]]
                for r in range(reps)]
        out[name] = sum(runs) / len(runs)
    return out


def settled(series: pd.Series, tol: float) -> tuple[float, float, bool]:
    total = series.loc[60] - series.loc[12]
    late = series.loc[60] - series.loc[48]
    return float(total), float(late), abs(late) < max(0.1 * abs(total), tol)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=8)
    ap.add_argument("--months", type=int, default=120)
    args = ap.parse_args()
    per = gain(args.reps)
    print("loop gain by estate type (months 37-60):")
    print(per.round(3).to_string())
    total = per[["extra_payments", "grant"]].sum()
    print(f"street: G = {total.extra_payments / (total.grant + total.extra_payments):.3f}")
    series = settling(args.reps, args.months)
    base = series["baseline"]
    fig, axes = plt.subplots(2, 2, figsize=(11, 7), sharex=True)
    for name, s in series.items():
        style = {"color": "black", "lw": 2.0} if name == "baseline" else {"lw": 1.0}
        axes[0, 0].plot(s.index, s["collection_rate"], label=name, **style)
        axes[1, 0].plot(s.index, s["satisfaction"], label=name, **style)
        if name != "baseline":
            axes[0, 1].plot(s.index, s["collection_rate"] - base["collection_rate"], label=name, lw=1.0)
            axes[1, 1].plot(s.index, s["satisfaction"] - base["satisfaction"], label=name, lw=1.0)
    titles = (("Collection rate", "Effect on collection rate (policy - status quo)"),
              ("Satisfaction (0-100)", "Effect on satisfaction"))
    for i, row in enumerate(titles):
        for j, title in enumerate(row):
            ax = axes[i, j]
            ax.set_title(title, fontsize=10)
            ax.axvline(60, color="grey", ls=":", lw=1)
            ax.axvline(12, color="grey", ls=":", lw=1)
    axes[1, 0].set_xlabel("month")
    axes[1, 1].set_xlabel("month")
    axes[0, 0].legend(fontsize=7, loc="lower right")
    fig.suptitle(f"Street series, mean of {args.reps} replicates (horizon 60 months, dotted; burn-in 12)", fontsize=11)
    fig.tight_layout()
    fig.savefig(HERE / "loop.png", dpi=110)
    print("settling at month 60 (total change since month 12, change over months 49-60, settled):")
    for name, s in series.items():
        ref = s if name == "baseline" else s - base
        c = settled(ref["collection_rate"], 0.005)
        v = settled(ref["satisfaction"], 0.5)
        kind = "level" if name == "baseline" else "effect"
        tail = ""
        if args.months >= 120:
            tail = (f"; month 120 vs 60: collection {ref['collection_rate'].loc[120] - ref['collection_rate'].loc[60]:+.3f},"
                    f" satisfaction {ref['satisfaction'].loc[120] - ref['satisfaction'].loc[60]:+.2f}")
        print(f"  {name:24s} {kind}: collection {c[0]:+.3f} / {c[1]:+.3f} {'yes' if c[2] else 'NO'};"
              f" satisfaction {v[0]:+.2f} / {v[1]:+.2f} {'yes' if v[2] else 'NO'}{tail}")


if __name__ == "__main__":
    main()
