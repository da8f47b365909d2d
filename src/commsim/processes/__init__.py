"""The monthly processes, one module each, run by the model in the order of ``STAGES``.

1. service       providers turn expected revenue into effort and quality; households meet failures
2. complaints    satisfaction and trust move (value for money: ``expectations``); complaints are
                 filed and climb the ladder of tiers
3. payment       firms remind and sue households in arrears (``collection``); households update
                 their payment stance (``stances``) and pay this month's fee or not; revenue
4. participation households take part in community affairs (threshold rule)
5. governance    providers book the month, exit; owners' committees form, lapse, vote to dismiss
6. belonging     belonging drifts; participation rewires ties

Each month begins with the model resetting its month state (``commsim.state.MonthState``),
the complaint ladder's adjustments, the residents' committees' bookings and every policy's
``new_month()``; then, for each stage in order, every switched-on policy's ``before_<stage>``
hook (in the order the scenario lists the policies), the stage, and every ``after_<stage>``
hook; last the recorder. Policies hook in only through these ``before_``/``after_`` methods
(``commsim.policies.Policy``; a misspelt hook is an error when the policy is registered).
"""

from commsim.processes import belonging, complaints, governance, participation, payment, service

STAGES: tuple[str, ...] = ("service", "complaints", "payment", "participation", "governance", "belonging")

#: the function that runs each stage
STAGE_STEPS = {
    "service": service.step,
    "complaints": complaints.step,
    "payment": payment.step,
    "participation": participation.step,
    "governance": governance.step,
    "belonging": belonging.step,
}

__all__ = ["STAGES", "STAGE_STEPS"]
