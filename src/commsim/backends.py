"""Where runs execute: in this process, a local process pool, or a Dask cluster.

Every backend runs the same module-level function on chunks of tasks and hands back results
as they finish, so results never depend on the backend or the number of workers (each run
is a pure function of scenario, parameter values and seed).

Local pool: start method chosen deliberately. Importing Mesa sets the global start method to
"spawn" (mesa.batchrunner), and a spawned worker re-imports commsim (about 1 s here). We use
"forkserver" where available: one clean server process imports commsim once (preload) and
forks each worker from it, so workers start fast, inherit no threads or locks from the
parent, and stay alive for the whole ensemble (chunks of runs are sent to them, one at a
time, through a pipe per worker). The pool is ours: multiprocessing's public Process, Pipe
and connection.wait, so a worker's death is seen at once (its sentinel) and an interrupted
command kills its workers by their handles. Workers ignore Ctrl-C, SIGTERM and SIGHUP (the
parent handles them) and exit by themselves if the parent dies (SIGKILL).

Dask: ``--backend dask --scheduler ADDRESS`` uses a running cluster; without an address a
LocalCluster of ``workers`` single-threaded processes is started. The nanny's default
``MALLOC_TRIM_THRESHOLD_`` setting is removed (with it a numpy model ran 2.5x slower on this
machine), and tasks are submitted with ``pure=False`` so equal-looking calls are not merged.
When the cluster has had no worker for 60 s (``COMMSIM_DASK_NO_WORKER_TIMEOUT``), the
command stops with an error instead of waiting for workers forever.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing as mp
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as mp_wait
from typing import Any

from commsim.errors import CommsimError

BACKENDS = ("local", "dask")
#: signals that stop a command as Ctrl-C does (the command keeps what finished)
STOP_SIGNALS: tuple[signal.Signals, ...] = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


class EnsembleError(CommsimError):
    """Runs could not be completed (a worker died, the cluster is unreachable)."""

    exit_code = 1


def default_workers() -> int:
    """Cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class SerialBackend:
    """Runs each chunk in this process when asked for the next result (1 worker)."""

    name = "serial"
    workers = 1
    window = 1

    def __init__(self) -> None:
        self._queue: deque[tuple[Any, Callable, tuple]] = deque()

    def __enter__(self) -> SerialBackend:
        return self

    def __exit__(self, *exc) -> None:
        self._queue.clear()

    def submit(self, tag: Any, fn: Callable, *args: Any) -> None:
        """Queue ``fn(*args)`` under ``tag``; it runs when :meth:`next_done` asks for it."""
        self._queue.append((tag, fn, args))

    def next_done(self) -> tuple[Any, Any]:
        """Run the oldest queued call here and return ``(tag, result)``."""
        tag, fn, args = self._queue.popleft()
        return tag, fn(*args)


def _alive(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie (killed, not yet reaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except OSError:  # no /proc (not Linux): existence is all we know
        return True


def _worker_init(parent: int) -> None:
    """In each pool worker: leave Ctrl-C, SIGTERM and SIGHUP to the parent (which stops its
    workers with SIGKILL); exit when the parent is gone.

    (A worker's own parent is the fork server, which stays up as long as any worker holds
    its socket, so the worker watches the command's process itself.)
    """
    for sig in STOP_SIGNALS:
        signal.signal(sig, signal.SIG_IGN)

    def watch() -> None:
        while _alive(parent):
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="commsim-parent-watch", daemon=True).start()


def pool_context() -> mp.context.BaseContext:
    """The multiprocessing context for the local pool (see the module docstring)."""
    if "forkserver" in mp.get_all_start_methods():
        ctx = mp.get_context("forkserver")
        # each worker also re-imports the parent's __main__ (e.g. the commsim script, which
        # imports commsim.cli): preloading both makes that a dictionary look-up. Mesa first:
        # see commsim.cli.import_shallow
        ctx.set_forkserver_preload(["mesa", "commsim.ensemble", "commsim.cli"])
        return ctx
    return mp.get_context("spawn")


def start_pool_server() -> None:
    """Start the fork server of :func:`pool_context` (no-op without one, or when running):
    it imports its preloaded modules in the background, so that the first worker started
    later forks at once."""
    ctx = pool_context()
    if ctx.get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()


class _Worker:
    """One pool process and the pipe the parent talks to it through."""

    def __init__(self, process: mp.process.BaseProcess, conn: Connection):
        self.process = process
        self.conn = conn
        self.tag: Any = None
        self.busy = False


def _worker_main(conn: Connection, parent: int) -> None:
    """A pool process: run ``(fn, args)`` messages until ``None`` or the pipe closes."""
    _worker_init(parent)
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        fn, args = message
        try:
            reply = (True, fn(*args))
        except BaseException as exc:  # SystemExit from user code too: report, keep serving
            reply = (False, exc if isinstance(exc, CommsimError) else EnsembleError(f"{type(exc).__name__}: {exc}"))
        try:
            conn.send(reply)
        except Exception as exc:  # an unpicklable result
            conn.send((False, EnsembleError(f"a run's result could not be sent back: {type(exc).__name__}: {exc}")))


class LocalBackend:
    """A pool of ``workers`` long-lived processes on this machine, started, fed and stopped
    here (multiprocessing's public Process and Pipe): each worker gets one chunk at a time
    through its own pipe, and a worker that dies is seen at once through its sentinel."""

    name = "local"

    def __init__(self, workers: int):
        self.workers = workers
        self.window = 2 * workers
        self._pool: list[_Worker] = []
        self._queue: deque[tuple[Any, Callable, tuple]] = deque()
        self._ready: deque[tuple[Any, Any]] = deque()

    def __enter__(self) -> LocalBackend:
        ctx = pool_context()
        try:
            for i in range(self.workers):
                here, there = ctx.Pipe()
                proc = ctx.Process(target=_worker_main, args=(there, os.getpid()), name=f"commsim-worker-{i}", daemon=True)
                proc.start()
                there.close()
                self._pool.append(_Worker(proc, here))
        except BaseException:
            self._stop(graceful=False)
            raise
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self._stop(graceful=exc_type is None)

    def _stop(self, graceful: bool) -> None:
        """Stop every worker: ask politely after a clean finish, kill runs in progress otherwise
        (workers ignore SIGTERM, so that the command alone decides when they stop)."""
        pool, self._pool = self._pool, []
        self._queue.clear()
        for w in pool:
            if graceful and not w.busy:
                with contextlib.suppress(OSError):
                    w.conn.send(None)
            else:
                w.process.kill()
        for w in pool:
            w.process.join(timeout=5 if graceful else 2)
            if w.process.is_alive():
                w.process.kill()
                w.process.join(timeout=2)
            w.conn.close()

    def submit(self, tag: Any, fn: Callable, *args: Any) -> None:
        """Queue ``fn(*args)`` under ``tag`` and hand it to an idle worker if there is one."""
        self._queue.append((tag, fn, args))
        self._dispatch()

    def _dispatch(self) -> None:
        for w in self._pool:
            if not self._queue:
                return
            if not w.busy:
                tag, fn, args = self._queue.popleft()
                try:
                    w.conn.send((fn, args))
                except OSError:
                    raise _dead_worker(w) from None
                w.tag, w.busy = tag, True

    def next_done(self) -> tuple[Any, Any]:
        """Wait for the next finished run.

        Returns:
            ``(tag, result)`` of a run that finished.

        Raises:
            EnsembleError: nothing was submitted, a worker died, or the run failed.
        """
        while not self._ready:
            busy = [w for w in self._pool if w.busy]
            if not busy:
                raise EnsembleError("no run in progress (internal error: next_done without submit)")
            waiting = {w.conn: w for w in busy} | {w.process.sentinel: w for w in self._pool}
            for obj in mp_wait(list(waiting)):
                w = waiting[obj]
                if obj is w.process.sentinel and not w.conn.poll():
                    raise _dead_worker(w)
                if obj is w.conn or w.conn.poll():
                    try:
                        ok, value = w.conn.recv()
                    except (EOFError, OSError):
                        raise _dead_worker(w) from None
                    tag, w.tag, w.busy = w.tag, None, False
                    if not ok:
                        raise value
                    self._ready.append((tag, value))
            self._dispatch()
        return self._ready.popleft()


def _dead_worker(w: _Worker | None = None) -> EnsembleError:
    if w is not None:
        w.process.join(timeout=1)  # reap it, to report how it ended
    code = w.process.exitcode if w is not None else None
    how = f" (exit code {code})" if code is not None else ""
    return EnsembleError(
        f"a worker process died{how} (out of memory or killed?); finished runs are kept: "
        "run the same command again to complete the missing ones"
    )


class DaskBackend:
    """Dask distributed: a running scheduler at ``address``, or a LocalCluster."""

    name = "dask"

    #: seconds without any worker before the command gives up (COMMSIM_DASK_NO_WORKER_TIMEOUT)
    no_worker_timeout: float = 60.0
    poll_seconds: float = 0.2

    def __init__(self, workers: int, address: str | None = None):
        self.workers = workers
        self.address = address
        self.window = 2 * workers
        self.no_worker_timeout = _env_seconds("COMMSIM_DASK_NO_WORKER_TIMEOUT", DaskBackend.no_worker_timeout)
        self._client = None
        self._cluster = None
        self._ac = None
        self._pending: dict[str, tuple[Any, Any]] = {}
        self._ready: deque = deque()

    def __enter__(self) -> DaskBackend:
        try:
            import dask
            from distributed import Client, LocalCluster, as_completed
        except ImportError:
            raise CommsimError(
                "--backend dask needs Dask distributed: pip install 'commsim[distributed]'"
            ) from None
        dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None})
        try:
            if self.address:
                self._client = Client(self.address, timeout="20s")
            else:
                self._cluster = LocalCluster(
                    n_workers=self.workers, threads_per_worker=1, processes=True,
                    dashboard_address=None, silence_logs=logging.ERROR,
                )
                self._client = Client(self._cluster)
        except (OSError, TimeoutError) as exc:
            self.__exit__(None, None, None)
            where = f"--scheduler {self.address}" if self.address else "Dask LocalCluster"
            raise EnsembleError(f"{where}: cannot connect: {exc}") from None
        threads = sum(self._client.nthreads().values())
        self.workers = max(threads, 1)
        self.window = 2 * self.workers
        self._ac = as_completed()
        return self

    def __exit__(self, *exc) -> None:
        if self._client is not None:
            if self._pending:
                self._client.cancel([fut for _, fut in self._pending.values()])
                self._pending.clear()
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()
        self._client = self._cluster = None

    def submit(self, tag: Any, fn: Callable, *args: Any) -> None:
        """Send ``fn(*args)`` to the cluster under ``tag`` (``pure=False``: never deduplicated)."""
        fut = self._client.submit(fn, *args, pure=False)
        self._pending[fut.key] = (tag, fut)
        self._ac.add(fut)

    def next_done(self) -> tuple[Any, Any]:
        """Wait for the next run the cluster finishes.

        Returns:
            ``(tag, result)`` of a finished run.

        Raises:
            EnsembleError: the run failed on a worker, the workers died, or the cluster had
                no worker for ``no_worker_timeout`` seconds.
        """
        fut = self._next_finished()
        tag, _ = self._pending.pop(fut.key)
        try:
            return tag, fut.result()
        except CommsimError:
            raise
        except Exception as exc:
            if type(exc).__name__ == "KilledWorker":
                raise EnsembleError(f"Dask workers died running these runs ({exc}); finished runs are kept: run the same command again") from None
            raise EnsembleError(f"a run failed on a Dask worker: {type(exc).__name__}: {exc}") from None

    def _next_finished(self):
        """The next finished future; an error when the cluster has had no worker for
        ``no_worker_timeout`` seconds (Dask itself would wait for workers forever)."""
        since = None
        while True:
            if not self._ready and self._ac.has_ready():
                self._ready.extend(self._ac.next_batch(block=False))
            if self._ready:
                return self._ready.popleft()
            try:
                alive = len(self._client.nthreads())
            except Exception as exc:  # the scheduler went away
                raise EnsembleError(f"lost the Dask scheduler ({type(exc).__name__}: {exc}); finished runs are kept: "
                                    "run the same command again") from None
            now = time.monotonic()
            since = None if alive else (since or now)
            if since is not None and now - since >= self.no_worker_timeout:
                raise EnsembleError(
                    f"the Dask cluster has had no worker for {self.no_worker_timeout:g} s (all died or left); "
                    "finished runs are kept: run the same command again when workers are back")
            time.sleep(self.poll_seconds)


def _env_seconds(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise CommsimError(f"{name}={raw!r}: must be a number of seconds") from None
    if not 0 < value < float("inf"):
        raise CommsimError(f"{name}={raw!r}: must be a positive number of seconds")
    return value


def make_backend(name: str = "local", workers: int | None = None, scheduler: str | None = None, tasks: int | None = None):
    """The backend for ``--backend NAME --workers K [--scheduler ADDRESS]``.

    ``local`` with one worker (or a single task) runs in this process.
    """
    if name not in BACKENDS:
        raise CommsimError(f"--backend {name}: must be one of {', '.join(BACKENDS)}")
    if workers is not None and workers < 1:
        raise CommsimError(f"--workers {workers}: must be at least 1")
    if scheduler and name != "dask":
        raise CommsimError("--scheduler needs --backend dask")
    workers = workers or default_workers()
    if name == "dask":
        return DaskBackend(workers, scheduler)
    if tasks is not None:
        workers = min(workers, max(tasks, 1))
    return SerialBackend() if workers == 1 else LocalBackend(workers)
