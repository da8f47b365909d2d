"""Households as a struct of numpy arrays: one row per dwelling unit.

Rows of an estate are contiguous, occupied units first. Categorical codes index
``INCOME_CLASSES``, ``AGE_GROUPS`` (scenario module) and tier numbers of the complaint ladder.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

NO_COMPLAINT = -1


@dataclass
class Households:
    """The households of a street: one numpy array per attribute, one row per dwelling unit.

    Rows of an estate are contiguous, occupied units first; each field's comment gives its
    dtype and meaning.
    """
    estate: np.ndarray  # int32, estate index
    occupied: np.ndarray  # bool, someone lives here (else an absent owner)
    owner: np.ndarray  # bool, owner-occupied or absent owner (else tenant)
    area_m2: np.ndarray  # float32, floor area
    income_class: np.ndarray  # int8, index into INCOME_CLASSES
    income_yuan: np.ndarray  # float32, monthly household income
    age_group: np.ndarray  # int8, index into AGE_GROUPS
    satisfaction: np.ndarray  # float32, 0-1, with the estate's service
    trust: np.ndarray  # float32, 0-1, in the estate's service provider
    belonging: np.ndarray  # float32, 0-1, 社区认同感
    threshold: np.ndarray  # float32, 0-1, personal participation threshold (fixed)
    arrears_months: np.ndarray  # int16, consecutive unpaid months
    paid: np.ndarray  # bool, paid last month's fee
    participated: np.ndarray  # bool, took part in community affairs last month
    fee_share_payable: np.ndarray  # float32, share of the fee the household itself pays (subsidies lower it)
    complaint_tier: np.ndarray  # int8, tier of the open complaint, NO_COMPLAINT if none
    complaint_wait: np.ndarray  # int16, months the open complaint has waited at its tier
    complaint_age: np.ndarray  # int16, months since the open complaint was filed
    ties: np.ndarray  # int32 (n, k), neighbour rows; -1 = empty slot (column-major)
    # --- households v2 (issue 11) ---
    stance: np.ndarray  # int8, payment stance (vocabulary.Stance); kept while not charged
    complaint_weight: np.ndarray  # float32, own complaint propensity multiplier (fixed, mean 1)
    inv_tie_count: np.ndarray | None = None  # float32, 1 / number of non-empty ties (0 if none)
    pay_static: np.ndarray | None = None  # float64, fixed payment log-odds shifts (payment.payment_logit)

    @property
    def n(self) -> int:
        """Number of household rows (dwelling units)."""
        return int(self.estate.shape[0])

    def nbytes(self) -> int:
        """Bytes held by the household arrays."""
        return sum(v.nbytes for f in fields(self) if (v := getattr(self, f.name)) is not None)

    def refresh_ties(self) -> None:
        """Recount non-empty ties; call after changing which slots are empty."""
        count = (self.ties >= 0).sum(axis=1)
        self.inv_tie_count = np.divide(
            1.0, count, out=np.zeros(self.n, dtype=np.float32), where=count > 0
        ).astype(np.float32)

    def tie_share(self, flag: np.ndarray) -> np.ndarray:
        """For each household, the share of its (non-empty) ties for which ``flag`` is true.

        Empty slots hold -1, which indexes the extra last element (always 0) of the lookup.
        Ties are gathered one slot (column) at a time from a one-byte lookup: ``ties`` is kept
        in column-major order so each column is contiguous (5x faster than a 2-D gather).
        Returns float32; a non-boolean ``flag`` gives the mean of ``flag`` over the ties.
        """
        if self.inv_tie_count is None:
            self.refresh_ties()
        flag = np.asarray(flag)
        k = self.ties.shape[1]
        if flag.dtype == bool and k < 256:
            lookup = np.empty(self.n + 1, dtype=np.uint8)
            lookup[:-1] = flag
            lookup[-1] = 0
            count = np.take(lookup, self.ties[:, 0])
            for j in range(1, k):
                count += np.take(lookup, self.ties[:, j])
            return count * self.inv_tie_count
        lookup = np.zeros(self.n + 1, dtype=np.float32)
        lookup[:-1] = flag
        return lookup[self.ties].sum(axis=1) * self.inv_tie_count

    def tie_shares(self, first: np.ndarray, second: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(tie_share(first), tie_share(second))`` of two boolean flags in one gather.

        Each tie's two flags are packed in one byte (``first + 16 x second``); with fewer than
        16 slots the per-household sums keep the two counts apart exactly, so the results equal
        two calls of :meth:`tie_share` bit for bit (otherwise it makes the two calls).
        """
        k = self.ties.shape[1]
        if k >= 16:
            return self.tie_share(first), self.tie_share(second)
        if self.inv_tie_count is None:
            self.refresh_ties()
        lookup = np.empty(self.n + 1, dtype=np.uint8)
        np.multiply(second, np.uint8(16), out=lookup[:-1], casting="unsafe")
        lookup[:-1] += first
        lookup[-1] = 0
        count = np.take(lookup, self.ties[:, 0])
        for j in range(1, k):
            count += np.take(lookup, self.ties[:, j])
        low = count & np.uint8(15)
        count >>= 4
        return low * self.inv_tie_count, count * self.inv_tie_count

    def add_tie_slots(self, k: int) -> None:
        """Append ``k`` empty tie slots per household (for ties that policies create)."""
        ties = np.full((self.n, self.ties.shape[1] + k), -1, dtype=np.int32, order="F")
        ties[:, : self.ties.shape[1]] = self.ties
        self.ties = ties
        self.refresh_ties()
