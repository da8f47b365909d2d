"""Evidence that survives its assumptions: policies compared across sampled worlds.

    .venv/bin/python experiments/robustness_worlds.py                       # baseline vs two policies
    .venv/bin/python experiments/robustness_worlds.py baseline suzhou_alliance --worlds 400
    .venv/bin/python experiments/robustness_worlds.py --posterior calibration/results/accepted.csv

Each world (``commsim.worlds``) draws a calibrated parameter set (with ``--posterior``), the
uncalibrated assumptions and the compared policies' strengths over their documented ranges,
and a submodel variant where the model offers one; every scenario runs in every world with
the same seed. Then ``commsim.robustness`` says how often each policy beats the status quo and
each other (robustness.csv, figures/ranking_*.png) and ``commsim.discovery`` under which
conditions it does not (discovery.csv, figures/discovery_*.png). The stability of the shares
(standard error, worlds needed for 0.025) is printed and stored in stability.json.

Writes to OUT (default results/experiments/worlds); runs are kept there as they finish, so
running the same command again resumes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from _common import add_run_options, guarded

DEFAULT = ["baseline", "suzhou_alliance", "fee_subsidy"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Policies compared across sampled worlds: robustness and failure conditions.")
    ap.add_argument("scenarios", nargs="*", default=DEFAULT, help="baseline first, then the others (names or files)")
    ap.add_argument("--worlds", type=int, default=100, help="worlds (replicates) to run (default 100; see stability)")
    ap.add_argument("--months", type=int, default=None)
    ap.add_argument("--posterior", type=Path, default=None, help="a calibration's accepted.csv")
    add_run_options(ap)
    ap.add_argument("--out", type=Path, default=Path("results/experiments/worlds"))
    return guarded(run, ap.parse_args(argv))


def run(args: argparse.Namespace) -> int:
    from commsim.discovery import discover, write_discovery
    from commsim.io import write_json
    from commsim.report import plots_discovery, plots_robustness, style
    from commsim.report.fonts import find_cjk_font
    from commsim.robustness import robustness, write_robustness
    from commsim.scenario import load_scenario
    from commsim.uncertainty import load_posterior
    from commsim.worlds import run_worlds, sample_worlds, stability, world_parameters

    scenarios = {}
    for ref in args.scenarios:
        sc = load_scenario(ref)
        scenarios[sc.name] = sc.with_months(args.months) if args.months else sc
    baseline = next(iter(scenarios))
    posterior = load_posterior(args.posterior) if args.posterior else []
    spec = world_parameters(list(scenarios.values()), posterior)
    worlds = sample_worlds(spec, args.worlds, args.seed)
    kinds = {k: sum(1 for v in spec.kinds.values() if v == k) for k in ("calibrated", "assumption", "policy", "structural")}
    print(f"{len(scenarios)} scenarios x {args.worlds} worlds; sampled parameters: {kinds}", file=sys.stderr)
    summary = run_worlds(scenarios, worlds, args.out, args.backend, args.workers, progress=True)
    table = robustness(summary, baseline)
    write_robustness(table, args.out / "robustness.csv")
    stable = stability(table)
    write_json(stable, args.out / "stability.json")
    disc, traj = discover(summary, worlds.table, baseline,
                          policies={k: list(sc.policies) for k, sc in scenarios.items()})
    write_discovery(disc, traj, args.out)
    langs = ["en", "zh"] if find_cjk_font() is not None else ["en"]
    figures = args.out / "figures"
    for lang in langs:
        with style.language(lang):
            style.save(plots_robustness.ranking(table, lang, scenarios=list(scenarios), base_seed=args.seed),
                       figures / f"ranking_{lang}")
            boxes = disc[disc["box"] == 1].drop_duplicates(["scenario", "outcome", "comparator"]).head(4)
            for row in boxes.itertuples(index=False):
                fig = plots_discovery.failure_box(disc, traj, row.scenario, row.outcome, row.comparator, lang)
                style.save(fig, figures / f"discovery_{row.scenario}_{row.outcome}_{row.comparator}_{lang}")
    vs_base = table[(table["comparator"] == baseline) & (table["scenario"] != baseline)]
    for row in vs_base.itertuples(index=False):
        verb = "higher than the status quo" if row.direction == "ambiguous" else "beats the status quo"
        print(f"{row.scenario:<24} {row.outcome:<44} {verb} in {100 * row.share_better:5.1f}% of worlds; "
              f"difference {row.median_diff:+.4g} (5-95%: {row.diff_p05:+.4g} to {row.diff_p95:+.4g}); "
              f"noise-only CI {row.noise_ci_low:+.4g} to {row.noise_ci_high:+.4g}")
    print(f"stability: largest standard error {stable['max_se']:.3f}; stable at 0.025: {stable['stable']}; "
          f"worlds needed {stable['worlds_needed']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
