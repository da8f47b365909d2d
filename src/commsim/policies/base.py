"""The policy interface: a parameterised intervention hooked into the monthly stages.

A policy is a class with a registry ``name`` (its ``[policies.<name>]`` table in scenario
files), bilingual titles, a source, a tuple of :class:`~commsim.params.Param` (registered in
the parameter table as ``<name>.<param>``; ``start_month`` is added for every policy; build them
with :func:`policy_param`), and any of the hooks ``before_<stage>(model)`` /
``after_<stage>(model)`` for the stages in ``commsim.processes.STAGES``. A method whose name
looks like a hook but names no stage (``before_servce``, ``after_month``) is an error when the
class is defined. Hooks run only from ``start_month`` on, so a policy changes nothing before it
starts.

Policies act through the model's mechanisms and never write its institutions directly: who
serves an estate, its owners' committee and public money to providers change through
``model.institutions`` (award, dismiss, form a committee, ...) or this class's
:meth:`Policy.subsidise` and :meth:`Policy.grant`; the complaint ladder through
``model.ladder``; failures fixed early through ``model.state.fix_early``. Policies draw random
numbers only from their own stream (``self.rng``) and record their costs with :meth:`spend`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from commsim.params import Param, Values
from commsim.processes import STAGES

if TYPE_CHECKING:
    from commsim.model import CommunityModel

START_MONTH = Param(
    "start_month", 0, "month", None, "assumption",
    "First month the policy acts (months count from 1); 0 = the first month after burn-in.",
    kind="int", bounds=(0, 1200), group="policy",
)


#: every valid hook name, in the order hooks run within a month
HOOKS: tuple[str, ...] = tuple(f"{when}_{stage}" for stage in STAGES for when in ("before", "after"))
_HOOKISH = re.compile(r"^(before|after|befor|aftr|pre|post)_")


def policy_param(name: str, default: Any, unit: str, range: tuple[float, float] | None, source: str,
                 meaning: str, *, kind: str = "float", bounds: tuple[float, float] | None = None,
                 choices: tuple[str, ...] = ()) -> Param:
    """A policy parameter (registered as ``<policy>.<name>``). Numbers need explicit ``bounds``
    (what is valid at all) beside their plausible ``range``; switches and choices need none."""
    if kind in ("float", "int") and bounds is None:
        raise ValueError(f"policy parameter {name}: give bounds (the values valid at all)")
    return Param(name, default, unit, range, source, meaning, kind, bounds, choices, group="policy")


def switch(name: str, meaning: str, source: str, default: bool = True) -> Param:
    """An on/off policy parameter (a mechanism of the policy that can be switched off)."""
    return Param(name, default, "on/off", None, source, meaning, "bool", None, group="policy")


def check_hooks(cls: type) -> None:
    """Raise TypeError if ``cls`` defines a method that looks like a hook but names no stage."""
    for attr, value in vars(cls).items():
        if not callable(value) or attr in HOOKS:
            continue
        near = difflib.get_close_matches(attr, HOOKS, n=1, cutoff=0.85)
        if _HOOKISH.match(attr) or near:
            hint = f"; did you mean {near[0]}?" if near else ""
            raise TypeError(
                f"policy {cls.__qualname__}: method {attr!r} looks like a hook but names no stage "
                f"(hooks are before_/after_ + one of {', '.join(STAGES)}){hint}"
            )


SETUP_MONTHS = Param(
    "setup_months", 3, "months", (0, 12), "assumption",
    "Months from the start month before the policy's actors are in place (staff hired, meetings set up, "
    "first assemblies called); mechanisms that need them wait until then (Policy.established).",
    kind="int", bounds=(0, 240), group="policy",
)


class PolicyValues(Values):
    """A policy's parameter values (read-only), each also a plain instance attribute.

    Hooks read ``self.pars.<name>`` many times a month; a plain attribute is found at once, where
    :class:`~commsim.params.Values` first fails the ordinary lookup and then runs its
    ``__getattr__`` (~1 us each). Names that are also ``Values`` methods keep the method.
    """

    def __init__(self, data: Mapping[str, Any]):
        super().__init__(data)
        self.__dict__.update({k: v for k, v in self._data.items() if k not in _VALUES_ATTRIBUTES})


_VALUES_ATTRIBUTES = frozenset(dir(Values))


class Policy:
    """Base class of policies: parameters, mechanisms, hooks and cost bookkeeping.

    Subclasses set the class attributes (``name``, titles, ``source``, ``parameters``,
    ``mechanisms``) and define hooks; see the module docstring.
    """

    name: ClassVar[str] = ""
    title_en: ClassVar[str] = ""
    title_zh: ClassVar[str] = ""
    source: ClassVar[str] = ""
    parameters: ClassVar[tuple[Param, ...]] = ()
    #: the policy's mechanisms: name -> the values of its parameters that switch it off
    #: (``commsim decompose`` switches each off in turn, and on alone); empty: not taken apart
    mechanisms: ClassVar[dict[str, dict[str, Any]]] = {}

    def __init__(self, model: CommunityModel, values: Mapping[str, Any]):
        self.model = model
        self.pars = PolicyValues(values)
        start = int(values.get("start_month", 0))
        self.start_month = start if start > 0 else model.scenario.burn_in_months + 1
        self.month_cost_yuan = 0.0
        self.month_hours = 0.0
        self.total_cost_yuan = 0.0
        self.total_hours = 0.0

    @classmethod
    def mechanism_switches(cls) -> dict[str, dict[str, Any]]:
        """Mechanism -> the values of this policy's parameters that switch it off."""
        return {name: dict(off) for name, off in cls.mechanisms.items()}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        check_hooks(cls)

    # --- life cycle ------------------------------------------------------------------
    @classmethod
    def check_values(cls, values: Mapping[str, Any], where: str) -> None:
        """Check constraints *between* this policy's parameters when a scenario loads.

        Each value has already passed its own bounds; raise ``ParameterError`` whose message
        starts with ``where`` (file and ``policies.<name>.``) and names the parameter.
        """

    def initialize(self) -> None:
        """Called once when the model is built. Must not change model state or draw numbers, except
        to register options the policy offers the market (``model.market.offer``)."""

    def active(self) -> bool:
        """Whether the policy acts this month (from ``start_month`` on)."""
        return self.model.month >= self.start_month

    def established(self) -> bool:
        """Whether the policy's actors are in place: ``setup_months`` after it started."""
        return self.model.month >= self.start_month + int(self.pars.get("setup_months", 0))

    def hooks(self) -> dict[tuple[str, str], Callable[[CommunityModel], None]]:
        """This policy's hooks by (``before``/``after``, stage)."""
        return {
            tuple(name.split("_", 1)): getattr(self, name)  # type: ignore[misc]
            for name in HOOKS
            if callable(getattr(self, name, None))
        }

    @property
    def rng(self) -> np.random.Generator:
        """The policy's own random stream (does not disturb the model's streams)."""
        return self.model.streams[f"policy:{self.name}"]

    # --- costs -------------------------------------------------------------------------
    def spend(self, yuan: float = 0.0, hours: float = 0.0, *, estate: int | None = None,
              community: int | None = None, purpose: str = "") -> None:
        """Record public money (yuan) and community-worker hours this policy uses this month.

        Money is attributed to ``estate``, else spread over ``community``'s estates, else over
        the street by dwelling units. Hours are booked on the community's residents' committee
        (purpose ``policy:<name>``), where they compete with complaints for worker time; without
        a community they are spread over all communities by households.
        """
        model = self.model
        if yuan:
            model.add_public_cost(yuan, estate=estate, community=community)
            self.month_cost_yuan += yuan
            self.total_cost_yuan += yuan
        if hours:
            label = f"policy:{self.name}" + (f":{purpose}" if purpose else "")
            model.book_worker_hours(label, hours, community=community)
            self.month_hours += hours
            self.total_hours += hours

    def record_cost(self, yuan: float) -> None:
        """Attribute ``yuan`` of public money already booked elsewhere to this policy."""
        self.month_cost_yuan += yuan
        self.total_cost_yuan += yuan

    def subsidise(self, estate: int, yuan: float) -> None:
        """Pay ``yuan`` of households' fees in ``estate`` (fee subsidy; public cost)."""
        self.model.institutions.pay_subsidy(estate, yuan)
        self.record_cost(yuan)

    def grant(self, estate: int, yuan: float) -> None:
        """Pay ``yuan`` to ``estate``'s provider toward its costs (top-up; public cost)."""
        self.model.institutions.pay_grant(estate, yuan)
        self.record_cost(yuan)

    def new_month(self) -> None:
        """Called at the start of every month (before any stage), whether active or not."""
        self.month_cost_yuan = 0.0
        self.month_hours = 0.0

    def __repr__(self) -> str:
        return f"{type(self).__name__}(start_month={self.start_month})"
