"""The shipped street archetypes: about 9,000 households each, bilingual titles, no policy, a
policy can be laid on them, and they differ from the baseline in the way their files say."""

from __future__ import annotations

import numpy as np
import pytest

from commsim.runner import simulate
from commsim.scenario import load_scenario

STREETS = ("street_old_town", "street_new_district", "street_resettlement")


def _mean_fee(sc) -> float:
    est = [e for _, _, e in sc.estates()]
    return float(np.average([e.fee_yuan_per_m2_month for e in est], weights=[e.households for e in est]))


@pytest.mark.parametrize("name", STREETS)
def test_street_is_a_status_quo_of_about_9000_households(name, tmp_path):
    sc = load_scenario(name)
    assert 8_500 <= sc.households <= 9_500 and len(sc.communities) == 3
    assert sc.spec.scenario.title_en and sc.spec.scenario.title_zh and not sc.policies
    monthly = simulate(sc.with_months(6), seed=1)
    street = monthly[monthly["estate"] == "all"]
    assert street["collection_rate"].between(0, 1).all()
    policy = tmp_path / "p.toml"
    policy.write_text(f'[scenario]\nname = "p"\nbase = "{name}"\n\n[policies.suzhou_alliance]\n', encoding="utf-8")
    assert load_scenario(policy).spec.communities == sc.spec.communities


def test_streets_differ_as_described():
    base, old, new, res = (load_scenario(n) for n in ("baseline", *STREETS))
    types = lambda sc: {e.type for _, _, e in sc.estates()}  # noqa: E731
    assert _mean_fee(old) < _mean_fee(base) < _mean_fee(new)
    assert 2.0 <= _mean_fee(new) <= 2.8  # near the 20-city average of 2.52
    assert types(new) == {"commercial"} and {"old", "work_unit"} <= types(old)
    share = lambda sc, t: sum(e.households for _, _, e in sc.estates() if e.type == t) / sc.households  # noqa: E731
    assert share(res, "resettlement") > 0.7 and share(old, "commercial") < 0.1
    assert old.spec.household_mix.age.retired > base.spec.household_mix.age.retired > new.spec.household_mix.age.retired
