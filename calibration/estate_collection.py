"""Estate collection rates with organised refusal switched on and off (docs/validation.md).

    .venv/bin/python calibration/estate_collection.py [--seeds 20] [--workers 2]

Runs the baseline street on ``--seeds`` replicate seeds with payment stances and organised
refusal (the defaults), stances without it (``pay_beta_recruit = 0``), and the alternative
submodel of an independent monthly choice (``payment_model = "monthly"``, same other
parameters); and a street whose old estates are poorly served (``infrastructure_old = 0.55``)
with organised refusal on and off. For every estate charged throughout months 13-60 it takes
the mean monthly collection rate and its standard deviation over those months. It also seeds
refusal: in the poorly served street, with firms kept from leaving (to isolate the households),
40% of Textile Lane (an old estate) are made refusers at month 12, with organised refusal on
and off, against the same runs unseeded. Writes:

- calibration/results/estate_collection.csv: one row per variant, seed and estate;
- calibration/results/estate_collection_summary.csv: per variant, the spread of estate means
  (between estates) against the mean spread over time within an estate;
- calibration/results/figures/estate_collection.png: the distributions, between- against
  within-estate spread, and the seeded estate's refusers over time.
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from commsim import load_scenario
from commsim.runner import replicate_seed, simulate

HERE = Path(__file__).parent
OUT = HERE / "results"
POOR = {"infrastructure_old": 0.55}
VARIANTS = {
    "organised refusal": {},
    "no organised refusal": {"pay_beta_recruit": 0.0},
    "monthly choice (same parameters)": {"payment_model": "monthly"},
    "poorly served old estates, organised refusal": POOR,
    "poorly served old estates, no organised refusal": {**POOR, "pay_beta_recruit": 0.0},
}
SEEDED_ESTATE, SEED_MONTH, SEED_SHARE = "Textile Lane", 12, 0.4


def estate_rates(args: tuple[str, int]) -> pd.DataFrame:
    """Per estate of one run: mean and sd over months of its collection rate (charged estates)."""
    variant, r = args
    scenario = load_scenario("baseline").with_overrides(VARIANTS[variant])
    df = simulate(scenario, replicate_seed(2028, r))
    rows = df[(df.estate != "all") & (df.month > scenario.burn_in_months)]
    by = rows.groupby("estate", observed=True)["collection_rate"]
    out = pd.DataFrame({"mean": by.mean(), "sd": by.std(), "months": by.count()}).reset_index()
    out = out[out["months"] == rows["month"].nunique()]  # charged every month after burn-in
    return out.assign(variant=variant, seed=r)


def seeded(args: tuple[bool, bool, int]) -> pd.Series:
    """Refuser share of SEEDED_ESTATE by month, in the poorly served street."""
    from commsim import CommunityModel
    from commsim.vocabulary import Stance

    organised, seed_it, r = args
    keep_firms = {"firm_exit_loss_months": 240}  # isolate the households: firms do not leave
    scenario = load_scenario("baseline").with_overrides(
        {**POOR, **keep_firms, **({} if organised else {"pay_beta_recruit": 0.0})})
    model = CommunityModel(scenario, seed=replicate_seed(2029, r))
    for _ in range(SEED_MONTH):
        model.step()
    if seed_it:
        e = model.estates.names.index(SEEDED_ESTATE)
        rows = np.arange(model.estates.start[e], model.estates.stop[e])
        pick = rows[: int(SEED_SHARE * rows.size)]
        model.households.stance[pick] = Stance.REFUSER
        model.households.arrears_months[pick] = np.maximum(model.households.arrears_months[pick], 1)
    model.run()
    df = model.dataframe()
    return df[df.estate == SEEDED_ESTATE].set_index("month")["refuser_share"]


def summarise(data: pd.DataFrame) -> pd.DataFrame:
    """Between-estate sd of estate means (within each seed, averaged) against within-estate sd."""
    rows = []
    for variant, d in data.groupby("variant", sort=False):
        between = d.groupby("seed")["mean"].std().mean()
        within = d["sd"].mean()
        rows.append({"variant": variant, "estates": len(d), "between_sd": between, "within_sd": within,
                     "ratio": between / within, "share_below_60pct": (d["mean"] < 0.6).mean(),
                     "share_above_90pct": (d["mean"] > 0.9).mean()})
    return pd.DataFrame(rows)


def figure(data: pd.DataFrame, summary: pd.DataFrame, paths: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(12, 8.5))
    bins = np.linspace(0.2, 1.0, 33)
    colours = dict(zip(VARIANTS, ("C3", "C0", "C7", "C3", "C0"), strict=True))
    for ax, keep, title in ((axes[0, 0], list(VARIANTS)[:3], "Baseline street"),
                            (axes[0, 1], list(VARIANTS)[3:], "Old estates poorly served (infrastructure 0.55)")):
        for variant in keep:
            d = data[data.variant == variant]
            ax.hist(d["mean"], bins=bins, histtype="step", linewidth=2, color=colours[variant],
                    label=variant.replace("poorly served old estates, ", ""))
        ax.set_xlabel("estate collection rate, mean of months 13-60")
        ax.set_ylabel("estates (all seeds)")
        ax.set_title(title)
        ax.legend(fontsize=8, loc="upper left")
    bx = axes[1, 0]
    x = np.arange(len(summary))
    bx.bar(x - 0.2, summary["between_sd"], 0.4, label="between estates (sd of estate means)", color="C1")
    bx.bar(x + 0.2, summary["within_sd"], 0.4, label="within an estate over months (sd)", color="C2")
    short = {"organised refusal": "organised\nrefusal", "no organised refusal": "no organised\nrefusal",
             "monthly choice (same parameters)": "monthly\nchoice",
             "poorly served old estates, organised refusal": "poor old estates,\norganised",
             "poorly served old estates, no organised refusal": "poor old estates,\nno organised"}
    labels = [short[v] for v in summary["variant"]]
    bx.set_xticks(x, labels, fontsize=7)
    bx.set_ylabel("standard deviation of collection rate")
    bx.set_title("Between against within estates")
    bx.legend(fontsize=8)
    cx = axes[1, 1]
    for (organised, seed_it), series in paths.items():
        style = "-" if seed_it else ":"
        colour = "C3" if organised else "C0"
        label = f"{'organised refusal' if organised else 'no organised refusal'}, {'40% seeded' if seed_it else 'not seeded'}"
        mean = pd.concat(series, axis=1).mean(axis=1)
        cx.plot(mean.index, mean.to_numpy(), style, color=colour, linewidth=2, label=label)
    cx.axvline(SEED_MONTH + 0.5, color="grey", linewidth=0.8)
    cx.set_xlabel("month")
    cx.set_ylabel(f"refusers, {SEEDED_ESTATE} (share of charged)")
    cx.set_title(f"Seeded refusal at month {SEED_MONTH} (poorly served street, firms kept; mean of seeds)", fontsize=10)
    cx.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    tasks = [(v, r) for v in VARIANTS for r in range(args.seeds)]
    cases = [(organised, seed_it) for organised in (True, False) for seed_it in (True, False)]
    with ProcessPoolExecutor(args.workers) as pool:
        data = pd.concat(pool.map(estate_rates, tasks), ignore_index=True)
        runs = list(pool.map(seeded, [(*case, r) for case in cases for r in range(args.seeds // 2)]))
    paths = {case: runs[i * (args.seeds // 2):(i + 1) * (args.seeds // 2)] for i, case in enumerate(cases)}
    summary = summarise(data)
    (OUT / "figures").mkdir(parents=True, exist_ok=True)
    data.to_csv(OUT / "estate_collection.csv", index=False, float_format="%.4f")
    summary.to_csv(OUT / "estate_collection_summary.csv", index=False, float_format="%.4f")
    figure(data, summary, paths, OUT / "figures" / "estate_collection.png")
    print(summary.to_string(index=False))
    for case, series in paths.items():
        late = pd.concat(series, axis=1).loc[48:].mean().mean()
        print(f"seeded case organised={case[0]} seeded={case[1]}: refusers months 48-60 {late:.3f}")


if __name__ == "__main__":
    main()
