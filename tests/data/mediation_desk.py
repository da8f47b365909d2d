"""A policy written outside commsim's code: a community mediation desk (社区调解窗口).

The worked example of docs/policies.md. A scenario switches it on with
``[scenario] plugins = ["mediation_desk.py"]`` (path relative to the scenario file) and a
``[policies.mediation_desk]`` table. The street hires a mediator for each community; the desk
adds handling hours at the community tier of the complaint ladder (tier 2) and raises that
tier's chance of resolving a complaint. Its cost is the mediator's pay.
"""

from __future__ import annotations

from commsim.params import Param
from commsim.policies import Policy, register_policy

COMMUNITY_TIER = 2  # commsim.processes.complaints.TIERS: firm, committee, community, street, hotline


@register_policy
class MediationDesk(Policy):
    name = "mediation_desk"
    title_en = "Community mediation desk"
    title_zh = "社区调解窗口"
    source = "assumption (a user's own policy)"
    parameters = (
        Param("mediator_hours_month", 40.0, "hours/community/month", (20.0, 80.0), "assumption",
              "Hours the hired mediator staffs the desk in each community per month.", bounds=(0.0, 1000.0)),
        Param("pay_yuan_per_hour", 25.0, "yuan/hour", (20.0, 40.0), "assumption",
              "Public pay of the mediator per hour.", bounds=(0.0, 1000.0)),
        Param("resolve_gain", 0.1, "probability", (0.0, 0.2), "assumption",
              "Added chance that community coordination resolves a complaint it handles.", bounds=(0.0, 1.0)),
    )

    def before_complaints(self, model) -> None:
        """Runs every month from ``start_month`` on, just before the complaints stage."""
        est, p = model.estates, self.pars
        for c in range(est.n_communities):
            in_c = est.community == c
            share = est.units * in_c / est.units[in_c].sum()  # the desk's hours, by estate size
            model.ladder.extra_hours[COMMUNITY_TIER] += p.mediator_hours_month * share
            self.spend(yuan=p.mediator_hours_month * p.pay_yuan_per_hour, community=c)
        model.ladder.resolve_bonus[COMMUNITY_TIER] += p.resolve_gain
