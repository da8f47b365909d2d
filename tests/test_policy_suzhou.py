"""Mechanism tests of the Suzhou policies (seeds/004): the alliance's joining votes, handovers,
cross-subsidy, set-up and lapses; classified management's guaranteed service as an option the
street arranges or owners choose.

Each test runs the small test street (tests/data/small.toml: burn-in 6 months, so policies start
in month 7) and checks that a mechanism moves its direct target, and that it does nothing where
its precondition is absent (no vote passed, no firm, no committee, no hours).
"""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path

import numpy as np
import pytest

from commsim import CommunityModel
from commsim.agents import PropertyFirm
from commsim.policies.suzhou_alliance import SuzhouAlliance
from commsim.policies.suzhou_classified import GuaranteedService, SuzhouClassified
from commsim.scenario import parse_scenario

DATA = Path(__file__).parent / "data"
START = 7
SETUP = 3  # the default setup_months
#: owners turn out and consent to join (everyone counts as dissatisfied with their own firm)
YES = {"vote_turnout_intercept": 6.0, "vote_turnout_absentee_shift": 0.0, "dismissal_trigger_satisfaction": 1.0,
       "vote_consent_steepness": 20.0, "hire_consent_logit": 6.0}
#: nobody turns out: every vote fails its quorum
NO = {"vote_turnout_intercept": -8.0}


@pytest.fixture(scope="module")
def small() -> dict:
    return tomllib.loads((DATA / "small.toml").read_text(encoding="utf-8"))


def run(data: dict, policies: dict, parameters: dict | None = None, months: int | None = None,
        seed: int = 1, edit=None) -> CommunityModel:
    d = copy.deepcopy(data)
    d["policies"] = policies
    d["parameters"] = {**d.get("parameters", {}), **(parameters or {})}
    if edit is not None:
        edit(d)
    model = CommunityModel(parse_scenario(d, "test"), seed)
    model.run(months)
    return model


def alliance(model: CommunityModel) -> SuzhouAlliance:
    return next(p for p in model.policies if isinstance(p, SuzhouAlliance))


FIRM_ONLY = {"suzhou_alliance": {"federation": False, "common_convention": False, "joint_activities": False}}


# --- alliance: the common firm by owners' vote ----------------------------------------------
def test_no_estate_joins_the_common_firm_when_its_vote_fails(small):
    base = run(small, {}, NO)
    model = run(small, FIRM_ONLY, NO)
    pol = alliance(model)
    assert pol.votes_held > 0 and pol.votes_passed == 0 and pol.handovers == 0
    # every estate keeps the kind of provider it had without the policy (nobody installed by fiat)
    assert [type(p).__name__ for p in model.provider_of] == [type(p).__name__ for p in base.provider_of]
    assert model.provider_of[model.estates.names.index("B-unmanaged")] is None
    assert pol.total_cost_yuan == 0.0  # no handover without a vote passed


def test_estates_whose_owners_agree_join_and_the_handover_is_costed(small):
    model = run(small, FIRM_ONLY, YES, months=START + SETUP)
    pol = alliance(model)
    for a in pol.alliances:  # every estate in scope voted yes at the first votes
        assert {id(model.provider_of[e]) for e in a.members} == {id(a.firm)}
        assert isinstance(a.firm, PropertyFirm)
    assert pol.handovers == pol.votes_passed == 2  # A-old and B-unmanaged; the flagships' firms stay
    assert pol.total_cost_yuan == pytest.approx(2 * 5000.0)  # handover_cost_yuan per estate
    assert pol.total_hours == pytest.approx(2 * 12.0)  # join_vote_worker_hours per vote
    early = run(small, FIRM_ONLY, YES, months=START + SETUP - 1)
    assert alliance(early).votes_held == 0  # the first votes wait for the set-up months


def test_a_failed_estate_votes_again_after_the_retry_months(small):
    model = run(small, {"suzhou_alliance": {**FIRM_ONLY["suzhou_alliance"], "join_retry_months": 6}}, NO,
                months=START + SETUP + 12)
    assert alliance(model).votes_held == 2 * 3  # two estates in scope, months 10, 16 and 22
    never = run(small, {"suzhou_alliance": {**FIRM_ONLY["suzhou_alliance"], "join_retry_months": 0}}, NO,
                months=START + SETUP + 12)
    assert alliance(never).votes_held == 2


def test_votes_are_postponed_while_community_workers_lack_the_hours(small):
    busy = {**YES, "admin_hours_per_household": 50.0}  # administration eats every worker hour
    model = run(small, FIRM_ONLY, busy, months=START + SETUP + 2)
    pol = alliance(model)
    assert pol.votes_held == 0 and pol.votes_postponed > 0 and pol.handovers == 0


def test_no_votes_where_no_estate_has_a_firm(small):
    def unmanaged(d):
        for c in d["communities"]:
            for e in c["estates"]:
                e["management"] = "none"
    pars = {**YES, "firm_entry_hazard": 0.0}
    pol = alliance(run(small, {"suzhou_alliance": {**FIRM_ONLY["suzhou_alliance"],
                                                   "common_firm_includes_unmanaged": False}}, pars, edit=unmanaged))
    assert pol.votes_held == 0 and pol.handovers == 0


def test_the_common_firm_moves_money_between_its_estates(small):
    model = run(small, FIRM_ONLY, YES)
    pol = alliance(model)
    assert pol.cross_subsidy_yuan > 0
    # what the subsidised estates receive, the others pay: net transfers within a firm sum to zero
    for a in pol.alliances:
        if len(a.firm.estates) == len(a.joined):
            assert abs(pol.cross_received[a.joined].sum()) < 1e-6 * pol.cross_subsidy_yuan
    assert alliance(run(small, FIRM_ONLY, NO)).cross_subsidy_yuan == 0.0  # nobody joined: nothing moves


def test_the_cross_subsidy_is_recorded_per_estate_and_for_the_street(small):
    d = copy.deepcopy(small)
    d["policies"], d["parameters"] = FIRM_ONLY, {**d.get("parameters", {}), **YES}
    model = CommunityModel(parse_scenario(d, "test"), 1)
    df = model.run()
    street = df.loc[df["estate"] == "all", "cross_subsidy_received_yuan"]
    pol = alliance(model)
    assert pol.cross_subsidy_yuan > 0
    assert street.sum() == pytest.approx(pol.cross_subsidy_yuan)  # the street row is the money moved
    assert (df["cross_subsidy_received_yuan"] >= 0).all()


def test_the_common_firm_shares_company_overhead_but_not_project_offices(small):
    """Scale economies come from the cost structure: one firm serving two estates costs less than
    two firms each serving one, by the company overhead shared, never by more."""
    model = run(small, {}, months=2)
    a, b = 0, 1
    firm = model.provider_of[a]
    alone = firm.cost_of([a]) + firm.cost_of([b])
    joint = firm.cost_of([a, b])
    p = model.p
    assert joint < alone
    assert alone - joint <= p.firm_fixed_cost_yuan_month + 1e-9


# --- alliance: federation and activities need their actors -----------------------------------
def test_federation_meets_only_where_a_member_estate_has_a_committee(small):
    only_fed = {"suzhou_alliance": {"common_firm": False, "common_convention": False, "joint_activities": False}}

    def no_committees(d):
        for c in d["communities"]:
            for e in c["estates"]:
                e["owners_committee"] = False
    pars = {"oc_formation_hazard": 0.0}
    none = run(small, only_fed, pars, edit=no_committees)
    assert alliance(none).total_hours == 0.0
    assert none.dataframe()["meeting_hours"].sum() == 0.0
    some = run(small, only_fed, pars)
    assert alliance(some).total_hours > 0  # community A has a committee: its federation meets


def test_activities_lapse_when_workers_lack_the_hours(small):
    only_act = {"suzhou_alliance": {"common_firm": False, "common_convention": False, "federation": False}}
    busy = run(small, only_act, {"admin_hours_per_household": 50.0}, months=START + SETUP + 3)
    pol = alliance(busy)
    assert pol.activities_lapsed > 0 and pol.total_cost_yuan == 0.0
    assert busy.dataframe()["cross_estate_tie_share"].max() == 0.0


def test_cross_ties_reach_other_estates_of_the_alliance_and_tie_counts_stay_exact(small):
    """Joint activities tie attendees to attendees of the alliance's other estates; the policy
    recounts only the households whose empty slot it filled, which must equal a full recount."""
    only_act = {"suzhou_alliance": {"common_firm": False, "common_convention": False, "federation": False,
                                    "cross_tie_prob": 0.6}}
    model = run(small, only_act, months=START + SETUP + 8)
    pol, hh = alliance(model), model.households
    cross = hh.ties[:, pol.cross_slot0:]
    made = cross >= 0
    assert made.sum() > 0
    rows = np.nonzero(made)[0]
    other = cross[made]
    assert (hh.estate[other] != hh.estate[rows]).all()
    assert (pol.in_alliance[hh.estate[other]] == pol.in_alliance[hh.estate[rows]]).all()
    kept = hh.inv_tie_count.copy()
    hh.refresh_ties()
    np.testing.assert_array_equal(kept, hh.inv_tie_count)


def test_estate_tie_slots_never_leave_the_estate(small):
    """The recorder counts cross-estate ties in the slots policies add only: the estate's own
    slots, built and rewired every month, must stay within the estate."""
    only_act = {"suzhou_alliance": {"common_firm": False, "common_convention": False, "federation": False,
                                    "cross_tie_prob": 0.6}}
    model = run(small, only_act, months=START + SETUP + 24)
    hh, k = model.households, int(model.p.neighbour_ties)
    own = hh.ties[:, :k]
    used = own >= 0
    assert used.sum() > 0 and hh.ties.shape[1] > k
    assert (hh.estate[own[used]] == hh.estate[np.nonzero(used)[0]]).all()
    df = model.dataframe()
    assert df["cross_estate_tie_share"].max() > 0.0


def test_only_alliances_whose_activity_is_held_make_cross_ties(small):
    only_act = {"suzhou_alliance": {"common_firm": False, "common_convention": False, "federation": False,
                                    "cross_tie_prob": 0.6}}

    def one_worker_in_b(d):  # community B's single worker has no hours to organise an activity
        d["communities"][1]["workers"] = 1
    model = run(small, only_act, months=START + SETUP + 8, edit=one_worker_in_b)
    pol, hh = alliance(model), model.households
    assert pol.activities_lapsed > 0
    made = (hh.ties[:, pol.cross_slot0:] >= 0).any(axis=1)
    by_community = np.bincount(model.estates.community[hh.estate[made]], minlength=2)
    assert by_community[0] > 0 and by_community[1] == 0


# --- Suzhou classified: guaranteed service through the street or the owners --------------------
def classified(model: CommunityModel) -> SuzhouClassified:
    return next(p for p in model.policies if isinstance(p, SuzhouClassified))


GUARANTEE = {"suzhou_classified": {"market_pricing": False}}


def test_guaranteed_service_is_arranged_for_estates_without_a_provider(small):
    model = run(small, GUARANTEE, months=START + SETUP + 3)  # the street's choice has noise
    unmanaged = model.estates.names.index("B-unmanaged")
    assert isinstance(model.provider_of[unmanaged], GuaranteedService)
    early = run(small, GUARANTEE, months=START + SETUP - 1)
    assert early.provider_of[unmanaged] is None  # the guarantee waits for its set-up months


def test_a_firm_under_contract_is_not_displaced_without_the_owners(small):
    """Estates served by a firm change to guaranteed service only when their owners decide (a
    vote at the contract's end, convened by the residents' committee where there is no owners'
    committee); with no turnout every firm stays."""
    model = run(small, GUARANTEE, {**NO, "contract_term_months": 6})
    for name in ("A-old", "B-resettlement"):
        assert isinstance(model.provider_of[model.estates.names.index(name)], PropertyFirm)
    assert classified(model).switch_votes > 0


def test_owners_who_agree_move_to_guaranteed_service_at_the_contract_end(small):
    model = run(small, GUARANTEE, {**YES, "contract_term_months": 6})
    kinds = {model.estates.names[e]: type(model.provider_of[e]) for e in range(model.estates.n)}
    assert kinds["A-old"] is GuaranteedService and kinds["B-resettlement"] is GuaranteedService
    assert kinds["A-commercial"] is PropertyFirm  # the market class stays with the market
    pol = classified(model)
    assert pol.total_hours > 0  # the street's supervision of guaranteed providers, and the votes


def test_guaranteed_deficits_are_paid_and_costed(small):
    model = run(small, GUARANTEE, {**YES, "contract_term_months": 6})
    df = model.dataframe()
    s = df[df["estate"] == "all"]
    assert s["grants_yuan"].sum() > 0
    guaranteed = df[(df["estate"] != "all") & (df["month"] >= START + 12)
                    & df["estate"].isin(["A-old", "B-resettlement", "B-unmanaged"])]
    assert (guaranteed["service_effort"] >= 0.75 - 1e-9).all()
    assert np.isclose(classified(model).total_cost_yuan, s["policy_cost_yuan_suzhou_classified"].sum())


# --- the brief says the alliance is a proposal --------------------------------------------------
@pytest.mark.parametrize("lang, words", [("en", "did not adopt it"), ("zh", "并未采纳")])
def test_the_annex_says_the_alliance_was_never_adopted(lang, words):
    from types import SimpleNamespace

    from commsim.report.annex import reading_notes

    ans = SimpleNamespace(others=["suzhou_alliance", "fee_subsidy"], base="baseline", row=lambda m, s: None,
                          t=lambda s: {"suzhou_alliance": "ALLIANCE"}.get(s, s))
    notes = reading_notes(ans, lang, [])
    assert sum(words in n for n in notes) == 1
    assert any(n.startswith("ALLIANCE") and "seeds/004" in n for n in notes)
    ans.others = ["fee_subsidy"]
    assert not any(words in n for n in reading_notes(ans, lang, []))
