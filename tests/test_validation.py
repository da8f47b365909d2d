"""The shipped defaults reproduce every fitted calibration target (a modest ensemble)."""

from __future__ import annotations

from pathlib import Path

from commsim import load_scenario
from commsim.calibration import evaluate, load_targets
from commsim.runner import replicate_seed

TARGETS = Path(__file__).resolve().parents[1] / "calibration" / "targets.toml"


def test_defaults_fit_every_target():
    spec = load_targets(TARGETS)
    scenario = load_scenario(spec.scenario)
    seeds = [replicate_seed(2026, r) for r in range(6)]
    values = evaluate(scenario, {}, seeds, spec.targets)
    misses = {t.name: (round(values[t.name], 3), t.low, t.high) for t in spec.targets if t.fitted and t.deviation(values[t.name]) > 0}
    assert not misses, f"targets missed by the shipped defaults: {misses}"


def test_face_validity_liaocheng_oversized_community_is_overloaded():
    """seeds/000: 9,000 households and a dozen staff cannot reach every household."""
    from commsim.runner import simulate

    path = TARGETS.parent / "face_liaocheng_9000.toml"
    dozen = load_scenario(path)
    assert dozen.communities[0].workers == 12
    normed = dozen.spec.model_copy(update={"communities": [dozen.communities[0].model_copy(update={"workers": None})]})
    from commsim.scenario import Scenario

    norm = Scenario(normed, str(path))
    a = simulate(dozen, 5, months=24)
    b = simulate(norm, 5, months=24)
    street_a, street_b = a[a.estate == "all"], b[b.estate == "all"]
    assert street_a.community_workers.iloc[0] == 12 and street_b.community_workers.iloc[0] == 30
    assert street_a.worker_load.mean() > 2.0 and street_a.worker_load.mean() > 1.8 * street_b.worker_load.mean()
    assert street_a.complaints_open.iloc[-1] > street_b.complaints_open.iloc[-1]
    assert street_a.complaint_wait_months.mean() > street_b.complaint_wait_months.mean()
