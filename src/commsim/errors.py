"""Errors that commsim reports to users as one clear line (no traceback)."""


class CommsimError(Exception):
    """Base class: the command-line interface prints the message and exits non-zero."""

    exit_code = 2


class ScenarioError(CommsimError):
    """A scenario file is missing, unreadable or invalid; the message names file and field."""


class ParameterError(CommsimError):
    """A parameter name or value is invalid; the message names the parameter."""


class CommsimWarning(UserWarning):
    """A warning the command line prints as one line ``warning: ...``."""


class RangeWarning(CommsimWarning):
    """A parameter value inside its valid bounds but outside its documented plausible range."""


class ShortRunWarning(CommsimWarning):
    """``--months`` left no room for a scenario's burn-in: it was cut, and policies start early."""


class StreetWarning(CommsimWarning):
    """Compared scenarios describe different streets: differences are not the policies' alone."""


class ResourceError(CommsimError):
    """A run or a design would not fit in memory, or is larger than commsim plans for."""


class PluginError(ScenarioError):
    """A user policy plugin failed (to import, or while running); names the file and line."""


class Interrupted(CommsimError):
    """The command was stopped (Ctrl-C, SIGTERM, SIGHUP); the message says what was kept.

    The exit code is 128 + the signal number (130 for Ctrl-C, 143 for SIGTERM).
    """

    def __init__(self, message: str, signum: int | None = None):
        super().__init__(message)
        self.exit_code = 128 + (signum if signum is not None else stop_signal())


#: the last stop signal received (set by the command line's handlers; SIGINT by default)
_received: list[int] = []


def note_signal(signum: int) -> None:
    """Record that the command was asked to stop by ``signum``."""
    _received.append(int(signum))


def stop_signal() -> int:
    """The signal that stopped the command (2, SIGINT, unless a handler noted another)."""
    return _received[-1] if _received else 2


class RunError(CommsimError):
    """A run failed while it was running; the message names the scenario, the seed and where
    (a plugin's file and line, or the commsim code)."""

    exit_code = 1
