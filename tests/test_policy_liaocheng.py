"""Mechanism tests of Liaocheng four-in-one (seeds/000): joint meetings, cross-appointment,
help forming committees, consolidation and dedicated staff.

Each mechanism runs alone (the others switched off) on the small test street against the status
quo under the same seed, and does nothing where its preconditions are absent.
"""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path

import numpy as np
import pytest

from commsim import CommunityModel
from commsim.agents import PropertyFirm
from commsim.meetings import Meeting
from commsim.params import PARAMETERS
from commsim.policies.liaocheng_four_in_one import DedicatedStaff, LiaochengFourInOne
from commsim.scenario import parse_scenario

from .helpers import mechanism_alone

DATA = Path(__file__).parent / "data"
START = 7  # small.toml: burn-in 6 months, so policies start in month 7
SETUP = int(PARAMETERS["liaocheng_four_in_one.setup_months"].default)
NAME = "liaocheng_four_in_one"


@pytest.fixture(scope="module")
def small_data() -> dict:
    return tomllib.loads((DATA / "small.toml").read_text(encoding="utf-8"))


def only(mechanism: str | None, **pars) -> dict:
    """Policy values with every mechanism but ``mechanism`` switched off (None: all on)."""
    return mechanism_alone(LiaochengFourInOne, mechanism, **pars)


def scenario(data: dict, policy: dict | None = None, parameters: dict | None = None):
    d = copy.deepcopy(data)
    d["policies"] = {} if policy is None else {NAME: policy}
    d["parameters"] = {**d.get("parameters", {}), **(parameters or {})}
    return parse_scenario(d, "test")


def booked(model: CommunityModel, purpose: str = "") -> float:
    key = f"policy:{NAME}" + (f":{purpose}" if purpose else "")
    return sum(h for rc in model.residents_committees for k, h in rc.demand.items() if k.startswith(key))


# --- joint meetings -------------------------------------------------------------------------------
def test_joint_meeting_waits_for_setup_and_books_every_attendee(small_data):
    model = CommunityModel(scenario(small_data, only("joint_meeting")), seed=4)
    est = model.estates
    for month in range(1, START + SETUP + 3):
        model.step()
        meetings = list(model.agents_by_type[Meeting]) if Meeting in model.agents_by_type else []
        if month < START + SETUP:
            assert not meetings and booked(model) == 0 and model.state.meeting_hours.sum() == 0
            continue
        assert len(meetings) == est.n
        pol = model.policies[0]
        for m in meetings:
            assert m.supplied <= m.consumed + 1e-9
            if not m.lapsed:
                assert model.state.meeting_hours[m.estates[0]] == pytest.approx(m.consumed)
        held = [m for m in meetings if not m.lapsed]
        worker = sum(a.hours for m in held for a in m.attendees if a.kind == "community_worker")
        assert booked(model, "joint_meeting") == pytest.approx(worker)
        assert pol.month_hours == pytest.approx(booked(model))


def test_joint_meeting_supervises_only_where_a_firm_attends(small_data):
    pol = only("joint_meeting")
    base = CommunityModel(scenario(small_data), seed=3)
    model = CommunityModel(scenario(small_data, pol), seed=3)
    months = START + SETUP + 6
    n = model.estates.n
    meeting, total, total_base = np.zeros(n), np.zeros(n), np.zeros(n)
    for _ in range(months):
        base.step()
        model.step()
        meeting += model.supervision.by_actor.get("meeting:joint_meeting", np.zeros(n))
        total += model.supervision.hours
        total_base += base.supervision.hours
    firm = np.array([p is not None for p in model.provider_of])
    assert not firm.all()  # the unmanaged estate stays unmanaged with staff and consolidation off
    assert (meeting[firm] > 0).all()
    assert (meeting[~firm] == 0).all()
    assert (total[firm] > total_base[firm]).all()


def test_joint_meeting_lowers_escalation_beyond_the_estate(small_data):
    esc = {"base": [0.0, 0.0], "pol": [0.0, 0.0]}
    for seed in (1, 2, 3):
        for key, policy in (("base", None), ("pol", only("joint_meeting"))):
            df = CommunityModel(scenario(small_data, policy), seed).run()
            s = df[(df.estate == "all") & (df.month >= START + SETUP)]
            esc[key][0] += (s["complaints_escalated_beyond_estate_share"] * s["complaints_filed"]).sum()
            esc[key][1] += s["complaints_filed"].sum()
    share = {k: v[0] / v[1] for k, v in esc.items()}
    assert share["pol"] < share["base"], share


def test_joint_meetings_lapse_when_community_workers_have_no_hours(small_data):
    swamped = {"admin_hours_per_household": 50.0}
    model = CommunityModel(scenario(small_data, only("joint_meeting"), swamped), seed=2)
    model.run(START + SETUP + 3)
    pol = model.policies[0]
    assert pol.meetings_lapsed == 4 * model.estates.n and pol.meetings_held == 0
    assert pol.total_hours == 0
    assert model.supervision.by_actor.get("meeting:joint_meeting") is None


def test_cross_appointment_saves_coordination_hours_only_where_there_is_a_committee(small_data):
    hours = {}
    for share in (0.0, 1.0):
        model = CommunityModel(scenario(small_data, only("joint_meeting", cross_appointment_share=share)), seed=5)
        model.run(START + SETUP)
        meetings = {m.estates[0]: m for m in model.agents_by_type[Meeting]}
        hours[share] = {e: sum(a.hours for a in m.attendees if a.kind in ("community_worker", "volunteer"))
                        for e, m in meetings.items()}
        has_oc = [oc is not None for oc in model.committee_of]
    p = LiaochengFourInOne.parameters
    coord = next(x.default for x in p if x.name == "coordination_hours_per_party")
    length = next(x.default for x in p if x.name == "meeting_hours")
    for e, with_oc in enumerate(has_oc):
        saved = hours[0.0][e] - hours[1.0][e]
        assert saved == pytest.approx(coord + length if with_oc else 0.0)
    assert any(has_oc) and not all(has_oc)


# --- help forming owners' committees -------------------------------------------------------------
def test_formation_help_works_through_organisers_and_the_assembly(small_data):
    # Owners alone can hardly reach the (raised) number of organisers; with the branch and
    # residents' group counted as organisers every eligible estate starts a drive once the
    # policy is established and (owners turning out) elects a committee at the first assembly.
    pars = {"oc_formation_hazard": 1.0, "oc_formation_factor_old": 1.0, "oc_formation_factor_resettlement": 1.0,
            "oc_initiators_needed": 1000.0, "vote_turnout_intercept": 6.0, "vote_turnout_absentee_shift": 0.0}
    pol = only("formation_help", formation_help_initiators=1000.0)
    months = START + SETUP + int(PARAMETERS["assembly_preparation_months"].default)
    base = CommunityModel(scenario(small_data, None, pars), seed=5)
    helped = CommunityModel(scenario(small_data, pol, pars), seed=5)
    base.run(months)
    helped.run(months - 1)
    assert sum(oc is not None for oc in helped.committee_of) == 1  # a drive takes months
    assert booked(helped, "formation") > 0  # workers canvass while a drive is under way
    helped.step()
    assert all(oc is not None for oc in helped.committee_of)
    assert sum(oc is not None for oc in base.committee_of) < helped.estates.n
    helped.step()
    assert booked(helped, "formation") == 0  # no drive, no canvassing


# --- consolidation and dedicated staff --------------------------------------------------------------
CHEAP = {"owners_price_weight": 0.05}  # the bid (about twice the old estate's guided fee) beats no management
#: no management as bad as before the joint recalibration (0.15): owners of the small street's
#: old estate then prefer dedicated staff to nothing (at 0.22 they are nearly indifferent)
BARE = {"unmanaged_quality": 0.15}


def test_consolidation_adds_the_unmanaged_estate_to_a_local_firm_at_a_recorded_cost(small_data):
    model = CommunityModel(scenario(small_data, only("consolidation"), CHEAP), seed=1)
    e = model.estates.names.index("B-unmanaged")
    neighbour = model.estates.names.index("B-resettlement")
    model.run(START + SETUP - 1)
    assert model.provider_of[e] is None
    model.step()
    firm = model.provider_of[e]
    assert isinstance(firm, PropertyFirm) and firm is model.provider_of[neighbour]
    pol = model.policies[0]
    p = pol.pars
    expected = p.consolidation_street_hours * p.street_hour_cost_yuan + p.consolidation_works_yuan_per_unit * model.estates.units[e]
    assert pol.total_cost_yuan == pytest.approx(expected)
    df = model.run(6)
    rows = df[(df.estate == "B-unmanaged") & (df.month > START + SETUP)]
    assert (rows.payments_yuan > 0).all() and (rows.subsidies_yuan == 0).all()  # owners pay the firm


def test_consolidation_needs_a_local_firm(small_data):
    # the firm of community B's other estate is not there: nobody bids, the estate stays as it is
    data = copy.deepcopy(small_data)
    data["communities"][1]["estates"][0]["management"] = "none"
    model = CommunityModel(scenario(data, only("consolidation"), CHEAP), seed=1)
    model.run(START + SETUP + 2)
    assert model.provider_of[model.estates.names.index("B-unmanaged")] is None
    pol = model.policies[0]
    assert pol.consolidated == 0
    assert pol.total_cost_yuan == pytest.approx(2 * pol.pars.consolidation_street_hours * pol.pars.street_hour_cost_yuan)


def test_dedicated_staff_after_setup_paid_by_owners(small_data):
    model = CommunityModel(scenario(small_data, only("dedicated_staff"), BARE), seed=1)
    df = model.run()
    e = model.estates.names.index("B-unmanaged")
    assert isinstance(model.provider_of[e], DedicatedStaff)
    rows = df[df["estate"] == "B-unmanaged"]
    assert (rows[rows["month"] < START + SETUP]["payments_yuan"] == 0).all()
    later = rows[rows["month"] > START + SETUP]  # installed at the start of the month, billed from the next
    assert (later["payments_yuan"] > 0).all() and (later["subsidies_yuan"] == 0).all()
    assert (later["service_quality"] > model.p.unmanaged_quality).all()


def test_staff_wait_for_a_failed_consolidation_tender(small_data):
    # At the old estate's low guided fee the local firm's bid scores worse than no management
    # (the tender fails), and dedicated staff come the month after; where owners weigh price
    # little the firm takes the blocks and staff never come.
    model = CommunityModel(scenario(small_data, only(None), BARE), seed=1)
    e = model.estates.names.index("B-unmanaged")
    model.run(START + SETUP)
    assert model.provider_of[e] is None and model.policies[0].tried_until[e] > 0
    model.step()
    assert isinstance(model.provider_of[e], DedicatedStaff)
    cheap = CommunityModel(scenario(small_data, only(None), {**CHEAP, **BARE}), seed=1)
    cheap.run(START + SETUP)
    assert isinstance(cheap.provider_of[e], PropertyFirm)
    for _ in range(12):
        cheap.step()
        assert not isinstance(cheap.provider_of[e], DedicatedStaff)


def test_nothing_changes_before_the_policy_is_established(small_data):
    base = CommunityModel(scenario(small_data), seed=6).run(START + SETUP - 1)
    pol = CommunityModel(scenario(small_data, only(None)), seed=6).run(START + SETUP - 1)
    cols = [c for c in base.columns if c in pol.columns]
    assert base[cols].equals(pol[cols])


def test_an_estate_a_firm_left_is_consolidated_without_works(small_data):
    model = CommunityModel(scenario(small_data, only("consolidation"), CHEAP), seed=2)
    e = model.estates.names.index("A-old")
    model.run(START + SETUP - 1)
    model.institutions.release(model.provider_of[e], e)  # its firm leaves (no owners' committee)
    model.step()
    assert isinstance(model.provider_of[e], PropertyFirm)
    assert model.provider_of[e] is model.provider_of[model.estates.names.index("A-commercial")]
    pol = model.policies[0]
    b = model.estates.names.index("B-unmanaged")
    works = pol.pars.consolidation_works_yuan_per_unit * model.estates.units[b]
    tender = pol.pars.consolidation_street_hours * pol.pars.street_hour_cost_yuan
    assert not pol.works_done[e]  # works only for the never-managed blocks
    assert pol.total_cost_yuan == pytest.approx(2 * tender + works * pol.works_done[b])
