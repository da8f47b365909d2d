"""The monthly processes, one module each, run by the model in the order of ``STAGES``.

1. service       providers turn expected revenue into effort and quality; households meet failures
2. complaints    satisfaction and trust move; complaints are filed and climb the ladder of tiers
3. payment       households pay this month's fee or not; providers' revenue
4. participation households take part in community affairs (threshold rule)
5. governance    providers book the month, exit; owners' committees form, lapse, vote to dismiss
6. belonging     belonging drifts; participation rewires ties

Policies hook in before or after any stage (``commsim.policies.Policy``).
"""

from commsim.processes import belonging, complaints, governance, participation, payment, service

STAGES: tuple[str, ...] = ("service", "complaints", "payment", "participation", "governance", "belonging")

RUN = {
    "service": service.step,
    "complaints": complaints.step,
    "payment": payment.step,
    "participation": participation.step,
    "governance": governance.step,
    "belonging": belonging.step,
}

__all__ = ["STAGES", "RUN"]
