"""Domain vocabulary: the categories commsim's street is described in.

One home for the names that the scenario parser, the population, the model, the processes,
the policies and the reports all use. Codes are positions in these tuples (households store
``income_class`` and ``age_group`` as int8 codes, estates ``type_code``).
"""

from __future__ import annotations

from enum import IntEnum

#: estate types (小区类型): commercial 商品房, old 老旧小区, resettlement 安置房, work-unit 单位小区
ESTATE_TYPES: tuple[str, ...] = ("commercial", "old", "resettlement", "work_unit")
#: household income classes; ``minimum`` = minimum-income households (低保户)
INCOME_CLASSES: tuple[str, ...] = ("minimum", "low", "middle", "high")
#: age group of the person who deals with the estate
AGE_GROUPS: tuple[str, ...] = ("young", "middle", "retired")
#: how an estate is managed at the start of a run
MANAGEMENT: tuple[str, ...] = ("firm", "self", "none")


class Tier(IntEnum):
    """Tiers of the complaint ladder, in the order a complaint climbs them.

    ``COMMITTEE`` is the estate's owners' committee, or the residents' committee standing in
    where there is none (seeds/002; seeds/001 art. 9); ``COMMUNITY`` is community coordination
    by community workers; ``HOTLINE`` the city hotline (12345).
    """

    FIRM = 0
    COMMITTEE = 1
    COMMUNITY = 2
    STREET = 3
    HOTLINE = 4


#: tier names, indexed by :class:`Tier` value
TIERS: tuple[str, ...] = tuple(t.name.lower() for t in Tier)
TOP_TIER = Tier.HOTLINE


class Stance(IntEnum):
    """A charged household's lasting payment stance (``payment_model = "stances"``).

    ``REGULAR`` pays every month bar an occasional lapse; ``OCCASIONAL`` decides month by month;
    ``REFUSER`` pays nothing until it reconsiders (or is sued).
    """

    REGULAR = 0
    OCCASIONAL = 1
    REFUSER = 2


#: stance names, indexed by :class:`Stance` value
STANCES: tuple[str, ...] = tuple(s.name.lower() for s in Stance)


def estate_type_code(name: str) -> int:
    """The code of estate type ``name`` (index into :data:`ESTATE_TYPES`)."""
    return ESTATE_TYPES.index(name)
