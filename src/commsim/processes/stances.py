"""Payment stances and organised refusal (``payment_model = "stances"``).

Each household holds a lasting stance (``vocabulary.Stance``): a **regular** payer pays every
month except a lapse (``pay_regular_lapse``); an **occasional** payer pays with probability
logistic(z), z being the log-odds of paying of ``payment.payment_logit``; a **refuser** pays
nothing. Stances move only for charged households, once a month, before anyone pays:

- a regular or occasional payer reconsiders with probability ``stance_review_rate``; it then
  takes a stance by an ordered logit on z: refuser with logistic(``stance_refusal_cut`` - z),
  regular with logistic(z - ``stance_regular_cut``), occasional otherwise;
- a refuser reconsiders with the lower ``stance_refuser_review_rate`` and stays a refuser with
  logistic(``stance_refusal_cut`` + ``stance_return_margin`` - z), else it pays occasionally
  again. The margin is hysteresis: refusing starts at lower z than it ends, so one good month
  does not end it (nor does the slow review). A refuser whose dispute was resolved, or whom a
  mediator reached (``MonthState.stance_review``), reconsiders at once without the margin.

**Organised refusal.** In the stance model z also falls by

    pay_beta_recruit x (1 - satisfaction) x [(1 - w) x share of the household's ties refusing
                                             + w x campaign of its estate]

with w = ``refusal_campaign_weight``; the campaign is the estate's share of refusers once at
least ``refusal_group_min`` occupied refusers act as a group (canvassing, owners' chat groups),
else 0. Refusers recruit the dissatisfied: in a poorly served estate refusal feeds on itself
and can tip the estate into mass non-payment (arrears then hold it there: the arrears term of
z and the margin); in a well-served estate the same pressure finds few takers.

Draws: one uniform per household a month from ``stance`` (whether it reconsiders, and which
stance: u / rate is uniform given u < rate), used or not. The ties' refusing share is gathered
with their paying share (``Households.tie_shares``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from commsim.processes.payment import _sigmoid_inplace, sigmoid
from commsim.vocabulary import Stance

if TYPE_CHECKING:
    from commsim.model import CommunityModel

#: stance codes as int8 scalars: comparing the int8 stance array with an IntEnum member would cast
#: the whole array to int64
REGULAR, OCCASIONAL, REFUSER = (np.int8(s) for s in Stance)
f32 = np.float32


def campaign(model: CommunityModel, refusing: np.ndarray) -> np.ndarray | None:
    """Per estate: its share of refusers where at least ``refusal_group_min`` occupied
    households refuse (an organised group), else 0; None where no estate has a group."""
    p, hh, est = model.p, model.households, model.estates
    active = np.add.reduceat((refusing & hh.occupied).view(np.uint8), est.start, dtype=np.int32)
    organised = active >= p.refusal_group_min
    if not organised.any():
        return None
    counts = np.add.reduceat(refusing.view(np.uint8), est.start, dtype=np.int32)
    return np.where(organised, counts / est.units, 0.0)


def refusal_pressure(model: CommunityModel, ties_refusing: np.ndarray | None = None) -> np.ndarray:
    """Per household: (1 - w) x share of ties refusing + w x its estate's campaign (float32).

    ``ties_refusing``: the ties' refusing share, if already computed (it is consumed)."""
    hh = model.households
    refusing = hh.stance == REFUSER
    w = model.p.refusal_campaign_weight
    pressure = hh.tie_share(refusing) if ties_refusing is None else ties_refusing
    pressure *= f32(1.0 - w)
    by_estate = campaign(model, refusing) if w > 0 else None
    if by_estate is not None:
        pressure += model.estates.per_household((w * by_estate).astype(np.float32))
    return pressure


def recruit(model: CommunityModel, logit: np.ndarray, refusing: np.ndarray | None = None,
            ties_refusing: np.ndarray | None = None) -> None:
    """Lower the log-odds of paying by organised refusal's pull on the dissatisfied (in place):
    ``pay_beta_recruit`` x (1 - satisfaction) x refusal pressure. ``refusing`` (stance mask) and
    ``ties_refusing`` (the ties' refusing share, consumed) may be passed if already computed."""
    p, hh = model.p, model.households
    beta, w = p.pay_beta_recruit, p.refusal_campaign_weight
    if beta == 0:
        return
    if refusing is None:
        refusing = hh.stance == REFUSER
    pull = hh.tie_share(refusing) if ties_refusing is None else ties_refusing
    pull *= f32(beta * (1.0 - w))
    by_estate = campaign(model, refusing) if w > 0 else None
    if by_estate is not None:
        pull += model.estates.per_household((beta * w * by_estate).astype(np.float32))
    pull *= f32(1.0) - hh.satisfaction
    logit -= pull


def uniform_logit(v: np.ndarray) -> np.ndarray:
    """log(v / (1 - v)) of uniforms ``v`` in [0, 1): ``v < logistic(x)`` exactly when this is
    below ``x``, so stance draws compare log-odds (one logarithm a draw, no sigmoid)."""
    with np.errstate(divide="ignore"):
        return np.log(v / (1.0 - v))


def ordered_choice(z: np.ndarray, lv: np.ndarray, p) -> np.ndarray:
    """A reconsidering payer's new stance from ``lv`` = uniform_logit(v): refuser when v <
    logistic(refusal cut - z), regular when v >= 1 - logistic(z - regular cut), else occasional."""
    return np.where(lv < p.stance_refusal_cut - z, REFUSER,
                    np.where(lv >= p.stance_regular_cut - z, REGULAR, OCCASIONAL)).astype(np.int8)


def transition(model: CommunityModel, logit: np.ndarray, charged: np.ndarray,
               refuser: np.ndarray | None = None) -> None:
    """Each charged household may change its stance this month (see the module docstring);
    ``refuser``: the refusers' mask, if already computed."""
    p, hh = model.p, model.households
    u = model.streams.uniform("stance", hh.n)
    stance = hh.stance
    if refuser is None:
        refuser = stance == REFUSER
    rate_payer, rate_refuser = f32(p.stance_review_rate), f32(p.stance_refuser_review_rate)
    triggered = model.state.stance_review & refuser  # reconsider at once
    # review = u < (rate_refuser if refuser else rate_payer), in a few boolean passes
    review = u < max(rate_payer, rate_refuser)
    review &= ~(refuser & (u >= rate_refuser)) if rate_refuser < rate_payer else refuser | (u < rate_payer)
    review |= triggered
    review &= charged
    rows = np.flatnonzero(review)
    if rows.size == 0:
        return
    ur = u[rows]
    was_refuser = refuser[rows]
    trig = triggered[rows]
    rate = np.where(was_refuser, rate_refuser, rate_payer)
    v = np.where(trig, ur, ur / rate).astype(np.float64)  # uniform given review
    z = logit[rows]
    lv = uniform_logit(v)
    new = ordered_choice(z, lv, p)
    margin = np.where(trig, 0.0, p.stance_return_margin)
    stays = lv < p.stance_refusal_cut + margin - z
    new[was_refuser] = np.where(stays[was_refuser], REFUSER, OCCASIONAL)
    stance[rows] = new


def stationary_shares(z: np.ndarray, p) -> tuple[np.ndarray, np.ndarray]:
    """(P(regular), P(refuser)) of a household that kept log-odds ``z`` for long: the
    stationary distribution of the monthly stance chain (a refuser's log-odds carry the
    arrears term at its cap).

    Computed in few buffers (it runs on every household at the start), by the same operations as
    p_refuse = sigmoid(cut - z), leave = refuser_rate x (1 - sigmoid(cut + margin - z_refuser)),
    enter = review_rate x p_refuse, refuse = enter / (enter + leave) (1 where both are 0),
    regular = (1 - refuse) x sigmoid(z - regular_cut).
    """
    enter = _sigmoid_inplace(p.stance_refusal_cut - z)  # p_refuse
    enter *= p.stance_review_rate
    leave = z - p.pay_beta_arrears * p.pay_arrears_cap_months  # the refuser's log-odds
    np.subtract(p.stance_refusal_cut + p.stance_return_margin, leave, out=leave)
    _sigmoid_inplace(leave)
    np.subtract(1.0, leave, out=leave)
    leave *= p.stance_refuser_review_rate
    leave += enter  # enter + leave
    some = leave > 0
    refuse = np.divide(enter, leave, out=enter, where=some)
    refuse[~some] = 1.0
    del leave, some
    regular = _sigmoid_inplace(z - p.stance_regular_cut)
    regular *= 1.0 - refuse
    return regular, refuse


def initialize(model: CommunityModel, rounds: int = 4) -> None:
    """Start near the stance chain's equilibrium: a few rounds of drawing every household's
    stance from its stationary distribution given its log-odds (refusal pressure from the
    round before); refusers start with 1 to ``stance_initial_arrears_max_months`` unpaid months;
    regular payers paid last month, refusers did not, occasional payers with logistic(z).
    Draws from stream ``stance_init``. Nothing happens under ``payment_model = "monthly"``."""
    from commsim.processes.payment import payment_logit

    p, hh, est = model.p, model.households, model.estates
    if p.payment_model != "stances":
        return
    rng = model.streams["stance_init"]
    fee = model.fee_charged()
    for _ in range(rounds):
        z = payment_logit(model, fee)
        recruit(model, z)
        regular, refuse = stationary_shares(z, p)
        del z
        v = rng.random(hh.n)
        stance = np.full(hh.n, OCCASIONAL, dtype=np.int8)
        stance[v >= np.subtract(1.0, regular, out=regular)] = REGULAR
        stance[v < refuse] = REFUSER  # (refuser where v < refuse, else regular where v >= 1 - regular)
        hh.stance = stance
        del v, regular, refuse
    charged = est.per_household(fee) > 0
    refusers = (hh.stance == REFUSER) & charged
    months = rng.integers(1, int(p.stance_initial_arrears_max_months) + 1, hh.n)
    hh.arrears_months = np.where(refusers, months, 0).astype(np.int16)
    z = payment_logit(model, fee)
    recruit(model, z)
    paid = rng.random(hh.n) < sigmoid(z)
    hh.paid = np.where(hh.stance == REGULAR, True, np.where(hh.stance == REFUSER, False, paid)) & charged
