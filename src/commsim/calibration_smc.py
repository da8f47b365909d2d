"""Calibration by sequential Monte Carlo ABC (pyabc) against published targets.

Prior: uniform over the parameter table's ranges of the parameters named in the targets file.
Distance of a parameter set (``TargetDistance``): the largest, over fitted targets, of how far
the replicate-mean statistic lies from the target's central value (the range's middle when
none is given), in units of the distance from the centre to the range's edge on that side.
So a distance of 1 means "inside every target's range" (what the earlier rejection sampler
accepted) and 0 means "at every central value".

Each generation (ABC-SMC, Toni et al. 2009; Beaumont et al. 2009) proposes from the previous
one through a multivariate normal kernel, and accepts sets closer than a threshold: the median
distance of the previous generation (``alpha``), but never below ``floor`` (default 1: the
targets' ranges are the data's own uncertainty, so the posterior is the prior restricted to
the sets whose statistics fall inside every range). The run stops after the first generation
at the floor, after ``generations``, or when fewer than ``min_acceptance`` of proposals are
accepted. The final generation is a weighted sample of the posterior.

Reproducibility: candidate j of generation t draws its parameters and its model seed from
``SeedSequence([seed, t + 1, j])``, and a generation keeps the first n accepted candidates in
order of j; so results do not depend on the number of workers or the backend. Every generation
is stored in ``abc.db`` (SQLite) when it ends, and each generation starts from the stored one;
an interrupted run, started again with the same settings, continues after the last stored
generation (the interrupted generation's runs are done again, with the same results).
"""

from __future__ import annotations

import hashlib
import logging
import math
import random
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from commsim.calibration import CalibrationSpec, Target, evaluate
from commsim.params import PARAMETERS
from commsim.runner import replicate_seed

#: distance given to a set whose statistic is not a number (a run without the estate type...)
MISSING = 1e6
#: threshold of the first generation: every prior draw is accepted
FIRST_EPSILON = 1e12


def centre_and_halves(target: Target) -> tuple[float, float, float]:
    """(centre, distance centre-low, distance centre-high) of a target."""
    c = target.central if target.central is not None else (target.low + target.high) / 2
    return float(c), max(c - target.low, 1e-12), max(target.high - c, 1e-12)


def scaled_deviation(target: Target, value: float) -> float:
    """Distance of ``value`` from the target's centre in units of the centre-to-edge distance on
    that side: <= 1 exactly inside [low, high]."""
    if value is None or not math.isfinite(value):
        return MISSING
    c, below, above = centre_and_halves(target)
    return (c - value) / below if value < c else (value - c) / above


class TargetDistance:
    """The pyabc distance: the largest scaled deviation over the fitted targets."""

    def __init__(self, targets: Sequence[Target]):
        self.targets = [t for t in targets if t.fitted]

    def __call__(self, x: Mapping[str, float], x_0: Mapping[str, float] | None = None) -> float:
        """Distance of a simulated statistic set from the targets (pyabc's distance call).

        Args:
            x: Statistic of every target, as :class:`TargetModel` returns it.
            x_0: The observed data pyabc passes (the targets' central values); unused, the targets
                themselves define the distance.

        Returns:
            The largest :func:`scaled_deviation` over the fitted targets (``MISSING`` for a
            statistic that is missing or not finite).
        """
        return max(scaled_deviation(t, x.get(t.name, math.nan)) for t in self.targets)


def typed(parameters: Mapping[str, Any]) -> dict[str, Any]:
    """Parameter values as the table's kinds (whole numbers rounded for int parameters)."""
    return {k: int(round(float(v))) if PARAMETERS[k].kind == "int" else float(v) for k, v in parameters.items()}


class TargetModel:
    """The pyabc model: run ``reps`` replicates of the scenario with a parameter set and return the
    replicate-mean statistic of every target. The model seed comes from numpy's global random
    state, which the sampler seeds per candidate."""

    def __init__(self, payload: Mapping[str, Any], targets: Sequence[Target], reps: int):
        self.payload, self.targets, self.reps = dict(payload), tuple(targets), int(reps)

    def __call__(self, pars: Mapping[str, Any]) -> dict[str, float]:
        """Simulate one parameter set (pyabc's model call).

        Args:
            pars: Parameter values drawn by pyabc; int parameters are rounded (:func:`typed`).

        Returns:
            The replicate-mean statistic of every target, keyed by target name.
        """
        from commsim.ensemble import scenario_from_payload

        seed = int(np.random.randint(0, 2**31 - 1))
        seeds = [replicate_seed(seed, r) for r in range(self.reps)]
        return evaluate(scenario_from_payload(self.payload), typed(dict(pars)), seeds, self.targets)


def candidate_seed(seed: int, t: int, j: int) -> int:
    """The seed of candidate ``j`` of generation ``t`` (t = -1 for a calibration sample)."""
    return int(np.random.SeedSequence([int(seed), int(t) + 1, int(j)]).generate_state(1)[0])


_SIMULATE: dict[str, Callable] = {}


def run_candidate(blob: bytes, digest: str, seed: int):
    """Worker entry point: seed the random state, then sample, simulate and judge one candidate."""
    import cloudpickle

    fn = _SIMULATE.get(digest)
    if fn is None:
        _SIMULATE.clear()
        fn = _SIMULATE[digest] = cloudpickle.loads(blob)
    np.random.seed(seed)
    random.seed(seed)
    return fn()


def make_sampler(seed: int, backend=None):
    """A pyabc sampler whose results depend on ``seed`` only (see the module docstring).
    ``backend``: an open ``commsim.backends`` backend (None: this process)."""
    from pyabc.sampler import Sampler

    class SeededSampler(Sampler):
        def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False, ana_vars=None):
            import cloudpickle

            blob = cloudpickle.dumps(simulate_one)
            digest = hashlib.sha256(blob).hexdigest()
            sample, results = self._create_empty_sample(), {}
            submitted = scanned = accepted = 0
            window = getattr(backend, "window", 1) if backend is not None else 1
            in_flight = 0
            while accepted < n and scanned < max_eval:
                while backend is not None and in_flight < window and submitted < max_eval:
                    backend.submit(submitted, run_candidate, blob, digest, candidate_seed(seed, t, submitted))
                    submitted, in_flight = submitted + 1, in_flight + 1
                if backend is None:
                    results[scanned] = run_candidate(blob, digest, candidate_seed(seed, t, scanned))
                else:
                    j, particle = backend.next_done()
                    results[j] = particle
                    in_flight -= 1
                while scanned in results and accepted < n:
                    particle = results.pop(scanned)
                    sample.append(particle)
                    scanned += 1
                    accepted += bool(particle.accepted)
            while in_flight:  # results past the n-th acceptance are not used
                backend.next_done()
                in_flight -= 1
            self.nr_evaluations_ = scanned
            if accepted < n:
                sample.ok = False
            return sample

    return SeededSampler()


def floored_epsilon(floor: float, alpha: float):
    """Quantile threshold (``alpha`` of the previous generation's weighted distances), never
    below ``floor``; the first generation accepts every prior draw. Recomputed from the stored
    generation when a run starts or resumes."""
    from pyabc.epsilon import QuantileEpsilon

    class FlooredQuantileEpsilon(QuantileEpsilon):
        def __init__(self):
            super().__init__(initial_epsilon=FIRST_EPSILON, alpha=alpha)
            self.floor = float(floor)

        def initialize(self, t, get_weighted_distances, get_all_records, max_nr_populations, acceptor_config):
            if t > 0:
                self._update(t, get_weighted_distances())

        def _update(self, t, weighted_distances):
            super()._update(t, weighted_distances)
            self._look_up[t] = max(float(self._look_up[t]), self.floor)

    return FlooredQuantileEpsilon()


def priors(spec: CalibrationSpec):
    """The pyabc prior: independent uniforms over the parameter table's ranges."""
    from pyabc import RV, Distribution

    return Distribution(**{n: RV("uniform", PARAMETERS[n].range[0], PARAMETERS[n].range[1] - PARAMETERS[n].range[0])
                           for n in spec.parameters})


def make_abc(spec: CalibrationSpec, payload: Mapping[str, Any], reps: int, n: int, seed: int,
             floor: float = 1.0, alpha: float = 0.5, backend=None):
    """The pyabc ABCSMC object for a targets file and a scenario payload."""
    from pyabc import ABCSMC
    from pyabc.transition import MultivariateNormalTransition

    return ABCSMC(TargetModel(payload, spec.targets, reps), priors(spec), TargetDistance(spec.targets),
                  population_size=n, transitions=MultivariateNormalTransition(), eps=floored_epsilon(floor, alpha),
                  sampler=make_sampler(seed, backend))


def observed(spec: CalibrationSpec) -> dict[str, float]:
    """The 'observed data' pyabc records: every target's central value."""
    return {t.name: centre_and_halves(t)[0] for t in spec.targets}


def quiet_pyabc() -> None:
    """Silence pyabc's INFO log of every generation (commsim reports progress itself)."""
    for name in ("ABC", "ABC.History", "ABC.Sampler", "ABC.Distance", "ABC.Epsilon", "ABC.Adaptation"):
        logging.getLogger(name).setLevel(logging.WARNING)


def run_generations(make: Callable[[], Any], db_url: str, spec: CalibrationSpec, generations: int, floor: float,
                    min_acceptance: float, resume: bool, on_generation: Callable[[dict], None] | None = None) -> str:
    """Run (or continue) ABC-SMC one generation at a time until a stopping rule holds.

    ``make`` builds a fresh ABCSMC object (``make_abc``); each generation starts from the one
    stored in the database, so a resumed run takes exactly the path of an uninterrupted one.
    Returns why it stopped: ``floor`` (a generation ran at the floor), ``generations``,
    ``acceptance`` (acceptance below ``min_acceptance``), ``budget`` (a generation could not
    be completed within its evaluation budget, n / min_acceptance) or ``weights`` (the next
    generation's importance weights underflowed, which happens with many parameters and few
    sets: the proposal density of an accepted set rounds to zero; the last stored generation
    is the result).
    """
    if not resume:
        make().new(db_url, observed(spec))
    while True:
        abc = make()
        history = abc.load(db_url, 1)
        quiet_pyabc()
        pops = history.get_all_populations()
        pops = pops[pops["t"] >= 0]
        if len(pops):
            last = pops.iloc[-1]
            rate = float(last["particles"]) / max(float(last["samples"]), 1.0)
            if float(last["epsilon"]) <= floor:
                return "floor"
            if len(pops) >= generations:
                return "generations"
            if rate < min_acceptance:
                return "acceptance"
        before = history.max_t
        try:
            abc.run(max_nr_populations=1, min_acceptance_rate=min_acceptance)
        except AssertionError as exc:  # pyabc: importance weights underflowed (NaN total)
            if "not normalized" not in str(exc) or history.max_t < 0:
                raise
            return "weights"
        if history.max_t == before:
            return "budget"
        if on_generation is not None:
            row = history.get_all_populations().iloc[-1]
            on_generation({"t": int(row["t"]), "epsilon": float(row["epsilon"]), "particles": int(row["particles"]),
                           "samples": int(row["samples"])})


# --- rejuvenation of the final generation: resample, then ABC-MCMC moves -----------------------


def evaluate_set(payload: Mapping[str, Any], targets: Sequence[Target], reps: int, values: Mapping[str, Any],
                 seed: int) -> dict[str, float]:
    """Worker entry point: the replicate-mean statistics of one parameter set (model seed ``seed``)."""
    from commsim.ensemble import scenario_from_payload

    return evaluate(scenario_from_payload(payload), typed(dict(values)), [replicate_seed(seed, r) for r in range(reps)], targets)


def move_seed(seed: int, rnd: int, i: int) -> int:
    """Seed of particle ``i``'s proposal in move round ``rnd``."""
    return int(np.random.SeedSequence([int(seed), 0x4D4F5645, int(rnd), int(i)]).generate_state(1)[0])


def move_round(sample, spec: CalibrationSpec, payload: Mapping[str, Any], reps: int, epsilon: float,
               seed: int, rnd: int, backend=None):
    """One ABC-MCMC move (Marjoram et al. 2003) of every particle of an equally weighted sample.

    ``sample``: DataFrame with the parameters and ``stat_<target>`` columns. Each particle
    proposes a Gaussian step (covariance 2.38^2 / d times the sample's, Roberts & Rosenthal
    2001); a step outside the prior's ranges is refused, otherwise the model runs once
    (``reps`` replicates) and the step is taken when its distance is at most ``epsilon``. With a
    uniform prior and a symmetric step this leaves the ABC posterior unchanged, and it spreads
    out the copies that resampling makes. Returns (new sample, share of steps taken)."""
    import pandas as pd

    names = list(spec.parameters)
    x = sample[names].to_numpy(float)
    d = len(names)
    cov = np.cov(x, rowvar=False) * (2.38**2 / d) + np.eye(d) * 1e-12
    lows = np.array([PARAMETERS[n].range[0] for n in names])
    highs = np.array([PARAMETERS[n].range[1] for n in names])
    dist = TargetDistance(spec.targets)
    proposals = {}
    for i in range(len(x)):
        rng = np.random.default_rng(move_seed(seed, rnd, i))
        step = x[i] + rng.multivariate_normal(np.zeros(d), cov)
        if np.all(step >= lows) and np.all(step <= highs):
            proposals[i] = dict(zip(names, step.tolist(), strict=True))
    results: dict[int, dict[str, float]] = {}
    if backend is None:
        for i, values in proposals.items():
            results[i] = evaluate_set(payload, spec.targets, reps, values, move_seed(seed, rnd, i))
    else:
        pending = list(proposals.items())
        in_flight = 0
        while pending or in_flight:
            while pending and in_flight < backend.window:
                i, values = pending.pop(0)
                backend.submit(i, evaluate_set, dict(payload), tuple(spec.targets), reps, values, move_seed(seed, rnd, i))
                in_flight += 1
            i, stats = backend.next_done()
            results[i] = stats
            in_flight -= 1
    out = sample.copy()
    taken = 0
    for i, stats in sorted(results.items()):
        if dist(stats) <= epsilon:
            taken += 1
            for n, v in typed(proposals[i]).items():
                out.at[out.index[i], n] = v
            for k, v in stats.items():
                out.at[out.index[i], f"stat_{k}"] = v
    return pd.DataFrame(out), taken / max(len(x), 1)
