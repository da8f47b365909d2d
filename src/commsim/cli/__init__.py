"""The ``commsim`` command line. Each command lives in its own module under ``commsim.cli``.

Errors a user can fix (bad scenario, bad parameter, unwritable output) are printed as one
line ``error: ...`` with exit code 2, never a traceback; Ctrl-C exits with 130.
"""

from __future__ import annotations

import importlib
import sys
import warnings

import click

from commsim.errors import CommsimError, CommsimWarning

#: modules that add commands to the group (each defines ``register(group)``)
COMMAND_MODULES: tuple[str, ...] = (
    "commsim.cli.basic",
    "commsim.cli.experiments",
    "commsim.cli.calibrate",
    "commsim.cli.report",
)


class _Group(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except CommsimError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("\ninterrupted: finished results were kept; nothing half-written was left", err=True)
            ctx.exit(130)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="commsim", prog_name="commsim")
def cli() -> None:
    """Simulate urban residential community governance and compare policies."""


for _name in COMMAND_MODULES:
    importlib.import_module(_name).register(cli)


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """commsim's own warnings as one line on stderr; others as Python shows them."""
    if issubclass(category, CommsimWarning):
        click.echo(f"warning: {message}", err=True)
    else:
        _default_showwarning(message, category, filename, lineno, file, line)


_default_showwarning = warnings.showwarning


def main(argv: list[str] | None = None) -> None:
    warnings.showwarning = _show_warning
    cli.main(args=argv, prog_name="commsim", standalone_mode=True)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
