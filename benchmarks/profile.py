"""Profile the vectorised model on a street of N households with pyinstrument.

    .venv/bin/python benchmarks/profile.py 30000 --months 40

Prints the call tree of ``months`` monthly steps (after one warm-up month). pyinstrument is in
the ``dev`` extra.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import pyinstrument

    from benchmarks.streets import street_of
    from commsim import CommunityModel

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("households", type=int)
    ap.add_argument("--months", type=int, default=40)
    ap.add_argument("--interval", type=float, default=0.0002, help="sampling interval, seconds")
    args = ap.parse_args(argv)
    model = CommunityModel(street_of(args.households), seed=1)
    model.step()
    profiler = pyinstrument.Profiler(interval=args.interval)
    profiler.start()
    for _ in range(args.months):
        model.step()
    profiler.stop()
    print(profiler.output_text(unicode=False, color=False))


if __name__ == "__main__":
    main()
