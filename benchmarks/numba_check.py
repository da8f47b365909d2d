"""Does numba pay for the payment stage? A fused per-household kernel against the numpy code.

    .venv/bin/pip install numba && .venv/bin/python benchmarks/numba_check.py 30000

Not a dependency of commsim: this script only answers the question with a measurement (same
decisions as the numpy code are checked first). Figures are in benchmarks/README.md.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def kernel_source():
    from numba import njit

    @njit
    def pay_kernel(sat, trust, bel, paid, ties, inv, group_h, fee_h, area, fsp, income, arrears, owner, occ,
                   type_h, draw, intercept, b_sat, b_trust, b_norm, b_bel, b_burden, b_arr, cap, tenant, absentee, w):
        n, k = ties.shape
        out = np.empty(n, np.bool_)
        half = np.float32(0.5)
        for i in range(n):
            acc = (sat[i] - half) * np.float32(b_sat) + np.float32(intercept)
            acc += (trust[i] - half) * np.float32(b_trust)
            c = 0
            for j in range(k):
                t = ties[i, j]
                if t >= 0 and paid[t]:
                    c += 1
            logit = w * group_h[i]
            logit += np.float32(c) * inv[i] * np.float32(1.0 - w)
            logit -= 0.5
            logit *= b_norm
            logit += acc
            logit += (bel[i] - half) * np.float32(b_bel)
            logit -= fee_h[i] * area[i] * fsp[i] / income[i] * b_burden
            logit -= min(arrears[i], cap) * b_arr
            if not owner[i]:
                logit += tenant
            if not occ[i]:
                logit += absentee
            logit += type_h[i]
            out[i] = fee_h[i] > 0 and draw[i] < 0.5 * (1.0 + np.tanh(0.5 * logit))
        return out

    return pay_kernel


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from benchmarks.streets import street_of
    from commsim import CommunityModel
    from commsim.processes import payment

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 30_000
    model = CommunityModel(street_of(n), seed=1)
    for _ in range(3):
        model.step()
    p, hh, est = model.p, model.households, model.estates
    fee = model.fee_charged()
    draw = model.streams.uniform("payment", hh.n)
    args = (hh.satisfaction, hh.trust, hh.belonging, hh.paid, hh.ties, hh.inv_tie_count,
            est.per_household(model.group_paying_share()), est.per_household(fee), hh.area_m2,
            hh.fee_share_payable, hh.income_yuan, hh.arrears_months, hh.owner, hh.occupied,
            est.per_household(model.pay_type_shift()), draw, p.pay_intercept, p.pay_beta_satisfaction,
            p.pay_beta_trust, p.pay_beta_norm, p.pay_beta_belonging, p.pay_beta_burden, p.pay_beta_arrears,
            p.pay_arrears_cap_months, p.pay_tenant_shift, p.pay_absentee_shift, p.norm_estate_weight)
    w0 = time.perf_counter()
    kernel = kernel_source()
    fused = kernel(*args)
    compile_s = time.perf_counter() - w0

    def with_numpy():
        return payment.pays(payment.payment_logit(model, fee), draw) & (est.per_household(fee) > 0)

    mismatches = int((with_numpy() != fused).sum())

    def best(f, k: int = 50) -> float:
        out = []
        for _ in range(5):
            c0 = time.process_time()
            for _ in range(k):
                f()
            out.append((time.process_time() - c0) / k)
        return min(out)

    a, b = best(with_numpy), best(lambda: kernel(*args))
    print(f"{n:,} households: compile {compile_s:.1f} s; decisions differing: {mismatches}; "
          f"numpy {a * 1e9 / n:.1f} ns/household, numba {b * 1e9 / n:.1f} ns/household: {a / b:.2f}x")


if __name__ == "__main__":
    main()
