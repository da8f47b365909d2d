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


class StreetWarning(CommsimWarning):
    """Compared scenarios describe different streets: differences are not the policies' alone."""
