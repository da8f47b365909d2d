"""Timed workloads for ``benchmarks/run.py`` (importable by spawned worker processes).

Each function returns plain numbers (seconds, bytes) so results pickle cheaply. Wall time is
``time.perf_counter``; CPU time is ``time.process_time`` (this process only): on a shared
machine CPU time shows what the code costs, wall time what a user waits.
"""

from __future__ import annotations

import gc
import os
import resource
import statistics
import time
import tracemalloc

from benchmarks.reference import ReferenceModel
from benchmarks.streets import street_of
from commsim import CommunityModel
from commsim.estates import EstateTable
from commsim.population import build_population
from commsim.runner import simulate, summarize
from commsim.scenario import Scenario, load_scenario
from commsim.streams import Streams


def _timed_steps(model, months: int) -> tuple[float, float]:
    w0, c0 = time.perf_counter(), time.process_time()
    for _ in range(months):
        model.step()
    return time.perf_counter() - w0, time.process_time() - c0


def throughput(n: int, months: int, repeats: int, seed: int = 1) -> dict:
    """Household-steps per second of the vectorised model on a street of ``n`` households.

    One warm-up month, then ``repeats`` blocks of ``months`` months on the same model.
    """
    model = CommunityModel(street_of(n), seed=seed)
    model.step()
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = _timed_steps(model, months)
        walls.append(wall / months)
        cpus.append(cpu / months)
    return _rates(n, walls, cpus) | {"households": n, "estates": model.estates.n, "months_per_block": months}


def _rates(n: int, walls: list[float], cpus: list[float]) -> dict:
    return {
        "seconds_per_month_median": statistics.median(walls),
        "seconds_per_month_best": min(walls),
        "household_steps_per_s_median": n / statistics.median(walls),
        "household_steps_per_s_best": n / min(walls),
        "household_steps_per_s_cpu_median": n / statistics.median(cpus),
    }


def versus_reference(n: int, vec_months: int, ref_months: int, rounds: int, seed: int = 1) -> dict:
    """Vectorised and reference model on the same street, timed in alternating blocks."""
    scenario = street_of(n)
    vec = CommunityModel(scenario, seed=seed)
    w0 = time.perf_counter()
    ref = ReferenceModel(scenario, seed=seed)
    ref_build = time.perf_counter() - w0
    vec.step()
    ref.step()
    vw, vc, rw, rc = [], [], [], []
    for _ in range(rounds):
        wall, cpu = _timed_steps(vec, vec_months)
        vw.append(wall / vec_months)
        vc.append(cpu / vec_months)
        wall, cpu = _timed_steps(ref, ref_months)
        rw.append(wall / ref_months)
        rc.append(cpu / ref_months)
    vector, reference = _rates(n, vw, vc), _rates(n, rw, rc)
    return {
        "households": n,
        "vectorised": vector,
        "reference": reference | {"build_seconds": ref_build},
        "ratio_median": statistics.median(r / v for r, v in zip(rw, vw, strict=True)),
        "ratio_cpu_median": statistics.median(r / v for r, v in zip(rc, vc, strict=True)),
    }


def population_build(n: int, repeats: int = 3, seed: int = 1) -> dict:
    """Seconds to build the households (``build_population``) and the whole model."""
    scenario = street_of(n)
    pop, full = [], []
    for r in range(repeats):
        est = EstateTable.from_scenario(scenario)
        w0 = time.perf_counter()
        build_population(scenario, est, Streams(seed + r))
        pop.append(time.perf_counter() - w0)
        w0 = time.perf_counter()
        CommunityModel(scenario, seed=seed + r)
        full.append(time.perf_counter() - w0)
    return {"households": n, "population_seconds_median": statistics.median(pop),
            "model_seconds_median": statistics.median(full)}


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def memory(n: int, seed: int = 1) -> dict:
    """Peak traced memory (tracemalloc) and RSS growth of building a model and running a month.

    Run in a fresh process: the scenario is prepared first, so only the model's own memory
    (households, estates, institutions, one month's temporaries and its record) is counted.
    """
    scenario = street_of(n)
    gc.collect()
    rss0 = _rss_bytes()
    tracemalloc.start()
    model = CommunityModel(scenario, seed=seed)
    model.step()
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss1 = _rss_bytes()
    return {
        "households": n,
        "traced_peak_bytes": peak,
        "traced_peak_bytes_per_household": peak / n,
        "traced_retained_bytes_per_household": current / n,
        "household_arrays_bytes_per_household": model.households.nbytes() / n,
        "rss_growth_bytes_per_household": (rss1 - rss0) / n,
    }


def long_run(n: int, months: int, seed: int = 1) -> dict:
    """Build and run a street of ``n`` households for ``months`` months; time and peak RSS."""
    w0 = time.perf_counter()
    scenario = street_of(n, months=months)
    model = CommunityModel(scenario, seed=seed)
    build = time.perf_counter() - w0
    wall, cpu = _timed_steps(model, months)
    w0 = time.perf_counter()
    df = model.dataframe()
    frame = time.perf_counter() - w0
    street = df[df["estate"] == "all"]
    return {
        "households": n, "months": months, "estates": model.estates.n,
        "build_seconds": build, "run_seconds": wall, "run_cpu_seconds": cpu, "dataframe_seconds": frame,
        "household_steps_per_s": n * months / wall,
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "final_collection_rate": float(street["collection_rate"].iloc[-1]),
        "final_satisfaction": float(street["satisfaction"].iloc[-1]),
    }


# --- ensemble ---------------------------------------------------------------------------
_SCENARIO: Scenario | None = None


def warm_worker(name: str) -> int:
    """Load the scenario and run one short model so imports and caches are warm."""
    global _SCENARIO
    if _SCENARIO is None:
        _SCENARIO = load_scenario(name)
        CommunityModel(_SCENARIO, seed=0).run(2)
    time.sleep(0.5)  # hold this worker so that the pool's other workers take the other warm-ups
    return os.getpid()


def one_run(seed: int) -> tuple[int, float, float, dict]:
    """One replicate of the warm scenario: (pid, wall s, cpu s, summary)."""
    w0, c0 = time.perf_counter(), time.process_time()
    df = simulate(_SCENARIO, seed)
    summary = summarize(df, _SCENARIO.burn_in_months)
    return os.getpid(), time.perf_counter() - w0, time.process_time() - c0, summary
