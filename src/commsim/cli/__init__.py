"""The ``commsim`` command line. Each command lives in its own module under ``commsim.cli``.

Errors a user can fix (bad scenario, bad parameter, bad option, unwritable or busy output)
are printed as one line ``error: ...`` with a non-zero exit code (2; 1 when runs failed),
never a traceback. Ctrl-C, SIGTERM and SIGHUP stop a command the same way: finished runs are
kept, the command says what it kept, and exits with 128 + the signal number (130, 143, 129).
"""

from __future__ import annotations

import importlib
import signal
import sys
import warnings

import click

from commsim.errors import CommsimError, CommsimWarning, Interrupted, note_signal, stop_signal

#: modules that add commands to the group (each defines ``register(group)``)
COMMAND_MODULES: tuple[str, ...] = (
    "commsim.cli.basic",
    "commsim.cli.street",
    "commsim.cli.experiments",
    "commsim.cli.calibrate",
    "commsim.cli.decompose",
    "commsim.cli.report",
    "commsim.cli.app",
)


class _Group(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except Interrupted as exc:
            click.echo(f"\n{exc}", err=True)
            ctx.exit(exc.exit_code)
        except CommsimError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("\ninterrupted (an output folder's manifest.json says whether its results are complete)", err=True)
            ctx.exit(128 + stop_signal())

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        """As click's, but a usage error is one line ``error: ...`` too."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.ClickException as exc:
            hint = ""
            if isinstance(exc, click.UsageError) and exc.ctx is not None:
                hint = f" (see '{exc.ctx.command_path} --help')"
            click.echo(f"error: {exc.format_message()}{hint}", err=True)
            sys.exit(exc.exit_code)
        except click.exceptions.Abort:
            click.echo("\ninterrupted", err=True)
            sys.exit(128 + stop_signal())
        sys.exit(code if isinstance(code, int) else 0)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="commsim", prog_name="commsim")
def cli() -> None:
    """Simulate urban residential community governance and compare policies."""


for _name in COMMAND_MODULES:
    importlib.import_module(_name).register(cli)


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Show commsim's own warnings as one line on stderr; others as Python shows them."""
    if issubclass(category, CommsimWarning):
        click.echo(f"warning: {message}", err=True)
    else:
        _default_showwarning(message, category, filename, lineno, file, line)


_default_showwarning = warnings.showwarning


def _stop(signum, frame) -> None:
    """SIGTERM and SIGHUP stop the command as Ctrl-C does."""
    note_signal(signum)
    raise KeyboardInterrupt


def install_signal_handlers() -> None:
    """Make SIGTERM and SIGHUP behave like Ctrl-C (in the main thread only)."""
    for name in ("SIGTERM", "SIGHUP"):
        sig = getattr(signal, name, None)
        if sig is not None:
            signal.signal(sig, _stop)
    signal.signal(signal.SIGINT, _interrupt)


def _interrupt(signum, frame) -> None:
    note_signal(signum)
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> None:
    """Run the ``commsim`` command line.

    Installs the one-line warning display and the signal handlers (SIGTERM and SIGHUP stop
    the command as Ctrl-C does), then runs the click group; click exits the process.

    Args:
        argv: Command-line arguments without the program name (default: ``sys.argv[1:]``).
    """
    warnings.showwarning = _show_warning
    install_signal_handlers()
    cli.main(args=argv, prog_name="commsim", standalone_mode=True)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
