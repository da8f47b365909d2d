"""The owners' vote under Civil Code art. 278 (and the 2007 rule): exact thresholds."""

import numpy as np
import pytest

from commsim.processes.governance import owners_vote


def vote(n_owners, parts, yes, area=None, rule="civil_code_2021"):
    area = np.ones(n_owners) if area is None else np.asarray(area, dtype=float)
    takes_part = np.zeros(n_owners, dtype=bool)
    takes_part[:parts] = True
    consents = np.zeros(n_owners, dtype=bool)
    consents[:yes] = True
    return owners_vote(area, takes_part, consents, rule)


def test_quorum_is_two_thirds_of_headcount_exactly():
    assert vote(9, 6, 6).quorum_met  # 6/9 = 2/3 exactly: enough
    assert not vote(9, 5, 5).quorum_met  # 5/9 < 2/3
    assert not vote(9, 5, 5).passed


def test_consent_needs_more_than_half_of_participants():
    assert not vote(9, 6, 3).passed  # 3/6 = 1/2 is not more than half
    assert vote(9, 6, 4).passed  # 4/6 > 1/2


def test_quorum_needs_two_thirds_of_area_too():
    # 6 of 9 owners take part (headcount quorum met) but hold under 2/3 of the area
    area = [1, 1, 1, 1, 1, 1, 4, 4, 4]  # participants hold 6 of 18 m2
    result = vote(9, 6, 6, area=area)
    assert result.quorum_headcount == pytest.approx(2 / 3)
    assert result.quorum_area == pytest.approx(6 / 18)
    assert not result.quorum_met and not result.passed


def test_consent_needs_more_than_half_of_participating_area():
    # 6 participants; 4 consent by headcount but hold exactly half the participating area
    area = [1, 1, 1, 1, 4, 0, 1, 1, 1]
    takes_part = np.array([1, 1, 1, 1, 1, 1, 0, 0, 0], dtype=bool)
    consents = np.array([1, 1, 1, 1, 0, 0, 0, 0, 0], dtype=bool)
    # participating area 8 of 11 (quorum met); consenting area 4 of 8: not more than half
    res = owners_vote(np.array(area, dtype=float), takes_part, consents)
    assert res.quorum_met and res.consent_headcount == pytest.approx(4 / 6)
    assert not res.passed
    area[0] = 1.5  # consenting area 4.5 of 8.5 now > half, and quorum by area 8.5/11.5 > 2/3
    res = owners_vote(np.array(area, dtype=float), takes_part, consents)
    assert res.quorum_met and res.passed


def test_property_law_2007_counts_consent_over_all_owners():
    assert not vote(10, 10, 5, rule="property_law_2007").passed  # 5/10 not more than half
    assert vote(10, 6, 6, rule="property_law_2007").passed  # no quorum, 6/10 of all owners
    assert not vote(10, 6, 5, rule="property_law_2007").passed


def test_empty_estate_never_passes():
    res = owners_vote(np.array([]), np.array([], dtype=bool), np.array([], dtype=bool))
    assert not res.passed
