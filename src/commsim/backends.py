"""Where runs execute: in this process, a local process pool, or a Dask cluster.

Every backend runs the same module-level function on chunks of tasks and hands back results
as they finish, so results never depend on the backend or the number of workers (each run
is a pure function of scenario, parameter values and seed).

Local pool: start method chosen deliberately. Importing Mesa sets the global start method to
"spawn" (mesa.batchrunner), and a spawned worker re-imports commsim (about 1 s here). We use
"forkserver" where available: one clean server process imports commsim once (preload) and
forks each worker from it, so workers start fast, inherit no threads or locks from the
parent, and stay alive for the whole ensemble (chunks of runs are sent to them). Workers
ignore Ctrl-C (the parent handles it) and exit by themselves if the parent dies (SIGKILL).

Dask: ``--backend dask --scheduler ADDRESS`` uses a running cluster; without an address a
LocalCluster of ``workers`` single-threaded processes is started. The nanny's default
``MALLOC_TRIM_THRESHOLD_`` setting is removed (with it a numpy model ran 2.5x slower on this
machine), and tasks are submitted with ``pure=False`` so equal-looking calls are not merged.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from commsim.errors import CommsimError

BACKENDS = ("local", "dask")


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
        self._queue.append((tag, fn, args))

    def next_done(self) -> tuple[Any, Any]:
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
    """In each pool worker: leave Ctrl-C to the parent; exit when the parent is gone.

    (A worker's own parent is the fork server, which stays up as long as any worker holds
    its socket, so the worker watches the command's process itself.)
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)

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
        # imports commsim.cli): preloading both makes that a dictionary look-up
        ctx.set_forkserver_preload(["commsim.ensemble", "commsim.cli"])
        return ctx
    return mp.get_context("spawn")


class LocalBackend:
    """A pool of ``workers`` long-lived processes on this machine."""

    name = "local"

    def __init__(self, workers: int):
        self.workers = workers
        self.window = 2 * workers
        self._pool: ProcessPoolExecutor | None = None
        self._futures: dict[Any, Any] = {}
        self._ready: deque = deque()

    def __enter__(self) -> LocalBackend:
        self._pool = ProcessPoolExecutor(
            self.workers, mp_context=pool_context(), initializer=_worker_init, initargs=(os.getpid(),)
        )
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        if exc_type is None:
            pool.shutdown(wait=True)
            return
        pool.shutdown(wait=False, cancel_futures=True)
        for proc in list((getattr(pool, "_processes", None) or {}).values()):  # stop runs in progress now
            proc.terminate()

    def submit(self, tag: Any, fn: Callable, *args: Any) -> None:
        try:
            self._futures[self._pool.submit(fn, *args)] = tag
        except BrokenProcessPool:
            raise _dead_worker() from None

    def next_done(self) -> tuple[Any, Any]:
        if not self._ready:
            done, _ = wait(list(self._futures), return_when=FIRST_COMPLETED)
            self._ready.extend(done)
        fut = self._ready.popleft()
        tag = self._futures.pop(fut)
        try:
            return tag, fut.result()
        except BrokenProcessPool:
            raise _dead_worker() from None


def _dead_worker() -> EnsembleError:
    return EnsembleError(
        "a worker process died (out of memory or killed?); finished runs are kept: "
        "run the same command again to complete the missing ones"
    )


class DaskBackend:
    """Dask distributed: a running scheduler at ``address``, or a LocalCluster."""

    name = "dask"

    def __init__(self, workers: int, address: str | None = None):
        self.workers = workers
        self.address = address
        self.window = 2 * workers
        self._client = None
        self._cluster = None
        self._ac = None
        self._pending: dict[str, tuple[Any, Any]] = {}

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
        fut = self._client.submit(fn, *args, pure=False)
        self._pending[fut.key] = (tag, fut)
        self._ac.add(fut)

    def next_done(self) -> tuple[Any, Any]:
        fut = next(self._ac)
        tag, _ = self._pending.pop(fut.key)
        try:
            return tag, fut.result()
        except CommsimError:
            raise
        except Exception as exc:
            if type(exc).__name__ == "KilledWorker":
                raise EnsembleError(f"Dask workers died running these runs ({exc}); finished runs are kept: run the same command again") from None
            raise


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
