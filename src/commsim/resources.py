"""How much memory and time a run needs, and refusing what cannot fit before it starts.

A run holds its households in numpy arrays (about 130 bytes each) and records every estate
every month (about 1,500 bytes per estate-month, kept until the run's DataFrame is built); a
process that has imported commsim takes about 170 MB before any run. Measured on this
project's 2-core machine with ``benchmarks/streets.py`` streets (peak resident memory of one
run in a fresh process, minus the process before the run):

==============  =======  ======  ==========  ======
households      estates  months  peak (MB)   time
==============  =======  ======  ==========  ======
300,000         330      24      54          1.5 s
300,000         330      60      72          3.5 s
1,000,000       1,090    12      146         3.6 s
3,000,000       3,280    12      439         10.5 s
30,000          3,000    120     535         12.5 s
==============  =======  ======  ==========  ======

The estimate is ``130 B x households + 1,500 B x estates x months + 8 MB`` per run, and
``2e-7 s x household-months + 3.3e-5 s x estate-months + 5e-7 s x households`` of one core
(machines differ; the time is a guide, the memory a bound to refuse on).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass

from commsim.errors import ResourceError

BYTES_PER_HOUSEHOLD = 130
BYTES_PER_ESTATE_MONTH = 1500
BYTES_PER_RUN = 8e6
#: a Python process with commsim imported, before any run
BYTES_PER_PROCESS = 170e6
SECONDS_PER_HOUSEHOLD_MONTH = 2e-7
SECONDS_PER_ESTATE_MONTH = 3.3e-5
SECONDS_PER_HOUSEHOLD = 5e-7

#: runs above which an experiment asks before starting (``--yes`` goes ahead)
CONFIRM_RUNS = 20_000
#: runs above which an experiment is refused whatever the flags (its plan alone would take
#: gigabytes of memory)
MAX_RUNS = 1_000_000


@dataclass(frozen=True)
class Estimate:
    """Memory (bytes) and time (seconds on one core) of one run of a scenario."""

    bytes: float
    seconds: float


def estimate(scenario) -> Estimate:
    """What one run of ``scenario`` needs (see the module docstring for the measurements)."""
    households = scenario.households
    estates = len(scenario.estates())
    months = scenario.months
    memory = BYTES_PER_HOUSEHOLD * households + BYTES_PER_ESTATE_MONTH * estates * months + BYTES_PER_RUN
    seconds = (SECONDS_PER_HOUSEHOLD_MONTH * households * months + SECONDS_PER_ESTATE_MONTH * estates * months
               + SECONDS_PER_HOUSEHOLD * households)
    return Estimate(memory, seconds)


def available_memory() -> float | None:
    """Memory available to new processes now (Linux ``MemAvailable``; else physical memory)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return float(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):
        return None


def fmt_bytes(n: float) -> str:
    """A byte count for a message, in GB, MB or kB to three digits: "1.2 GB", "512 B"."""
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n:.0f} B"


def fmt_seconds(s: float) -> str:
    """A duration for a message: seconds, minutes or hours ("45 s", "2.5 min", "1.2 h")."""
    if s < 60:
        return f"{s:.2g} s"
    if s < 3600:
        return f"{s / 60:.2g} min"
    return f"{s / 3600:.3g} h"


def check_memory(scenarios: Iterable, workers: int = 1, limit: float | None = None, option: str = "--max-memory") -> float:
    """Refuse (ResourceError) runs of ``scenarios`` on ``workers`` processes at once that need
    more than ``limit`` bytes (default: :func:`available_memory`); returns the need in bytes."""
    scenarios = list(scenarios)
    if not scenarios:
        return 0.0
    worst = max(scenarios, key=lambda sc: estimate(sc).bytes)
    per_run = estimate(worst).bytes
    need = workers * (per_run + (BYTES_PER_PROCESS if workers > 1 else 0)) + BYTES_PER_PROCESS
    have = limit if limit is not None else available_memory()
    if have is not None and need > have:
        where = f"{workers} workers x " if workers > 1 else ""
        fewer = " (or fewer --workers)" if workers > 1 else ""
        raise ResourceError(
            f"{worst.source}: households: {worst.households:,} households in {len(worst.estates()):,} estates over "
            f"{worst.months} months need about {where}{fmt_bytes(per_run)} per run, {fmt_bytes(need)} in all; "
            f"{'the limit is' if limit is not None else 'this machine has'} {fmt_bytes(have)}"
            f"{' available' if limit is None else ''}: give {option} GB on a bigger machine{fewer}"
        )
    return need


def check_runs(runs: int, what: str, yes: bool = False, confirm=None) -> None:
    """Refuse designs above :data:`MAX_RUNS`; above :data:`CONFIRM_RUNS` go ahead only with
    ``yes`` or when ``confirm(question)`` (asked on a terminal) returns True."""
    if runs > MAX_RUNS:
        raise ResourceError(f"{what}: {runs:,} runs is more than commsim plans at once ({MAX_RUNS:,}); "
                            "split the design (fewer steps, parameters or replicates)")
    if runs > CONFIRM_RUNS and not yes:
        question = f"{what}: {runs:,} runs; go ahead?"
        if confirm is not None and confirm(question):
            return
        raise ResourceError(f"{what}: {runs:,} runs (more than {CONFIRM_RUNS:,}); add --yes to start them")
