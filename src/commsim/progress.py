"""A small progress line on stderr for runs longer than a few seconds."""

from __future__ import annotations

import sys
import time


class Progress:
    """Reports ``done/total`` with elapsed time and an estimate of what remains.

    On a terminal the line is redrawn in place; otherwise a line is printed at most every
    ``every`` seconds (and at the end), so logs stay short. Nothing is shown for runs that
    finish within ``quiet_for`` seconds.
    """

    def __init__(self, total: int, label: str = "runs", every: float = 5.0, quiet_for: float = 2.0, stream=None):
        self.total = total
        self.label = label
        self.every = every
        self.quiet_for = quiet_for
        self.stream = stream or sys.stderr
        self.start = time.monotonic()
        self.last = self.start
        self.done = 0
        self.tty = getattr(self.stream, "isatty", lambda: False)()
        self.shown = False

    def _line(self) -> str:
        elapsed = time.monotonic() - self.start
        rate = self.done / elapsed if elapsed > 0 else 0.0
        left = (self.total - self.done) / rate if rate > 0 else float("nan")
        eta = f", about {left:.0f} s left" if self.done < self.total and rate > 0 else ""
        return f"{self.done}/{self.total} {self.label} done in {elapsed:.1f} s{eta}"

    def advance(self, n: int = 1) -> None:
        """Count ``n`` more finished runs and show the line when it is due."""
        self.done += n
        now = time.monotonic()
        if now - self.start < self.quiet_for and self.done < self.total:
            return
        if self.tty:
            self.stream.write("\r" + self._line() + " " * 8)
            self.stream.flush()
            self.shown = True
        elif now - self.last >= self.every or (self.done >= self.total and (self.shown or now - self.start >= self.quiet_for)):
            self.stream.write(self._line() + "\n")
            self.stream.flush()
            self.last = now
            self.shown = True

    def close(self) -> None:
        """End the line on a terminal where it was shown (the next output starts afresh)."""
        if self.tty and self.shown:
            self.stream.write("\n")
            self.stream.flush()
