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
    """The ``commsim`` group: its commands' modules are imported when a command is looked up,
    so that :func:`main` can start the worker pool's server first (see :func:`main`)."""

    _loaded = False

    def _load(self) -> None:
        if not _Group._loaded:
            _Group._loaded = True
            import_shallow()
            for name in COMMAND_MODULES:
                importlib.import_module(name).register(self)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load()
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        self._load()
        return super().get_command(ctx, cmd_name)

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
    _start_pool_early(sys.argv[1:] if argv is None else argv)
    cli._load()  # here, not inside click's call stack (see import_shallow)
    cli.main(args=argv, prog_name="commsim", standalone_mode=True)


def import_shallow() -> None:
    """Import Mesa before the modules that need it: each of Mesa's modules names its logger
    through ``inspect.stack()``, whose cost grows with the depth of the import chain that
    reaches it (~0.5-1 s of start-up when Mesa comes at the end of commsim's chain)."""
    importlib.import_module("mesa")


#: commands that run models on the local worker pool
POOL_COMMANDS = ("run", "compare", "streets", "sweep", "sensitivity", "decompose", "calibrate")


def _start_pool_early(argv: list[str]) -> None:
    """Start the local pool's fork server now, when ``argv`` is a command that will use it:
    it imports the model (~2-3 s) on the other core while this process imports the commands
    and reads the scenarios, instead of after. Errors are left to the command itself."""
    if not argv or argv[0] not in POOL_COMMANDS or any(a in ("-h", "--help") for a in argv):
        return
    opts = dict(zip(argv, argv[1:], strict=False))
    if opts.get("--backend", "local") != "local" or opts.get("--workers") == "1":
        return
    try:
        from commsim.backends import default_workers, start_pool_server

        if default_workers() > 1 or opts.get("--workers", "1") != "1":
            start_pool_server()
    except Exception:  # noqa: BLE001 (the pool starts as usual when the command needs it)
        return


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
