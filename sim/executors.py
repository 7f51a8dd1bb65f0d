"""Where a batch's chunks run: in this process, in local processes, or on Dask.

Every executor offers one operation, :meth:`imap_unordered`: apply a function to
items and yield results as they finish, with only a bounded number in flight so
the results waiting to be written never pile up in memory. Results are a pure
function of the item (counter-based random numbers), so the executor changes
speed, never numbers.

- :class:`InProcess`: one after another, here (the default; best for tests and
  for the vectorised engine, which already uses whole arrays per step).
- :class:`Processes`: a ``concurrent.futures`` pool of spawned local processes.
- :class:`Dask`: a ``distributed`` cluster, either an existing one
  (``scheduler="tcp://HOST:PORT"``) or a ``LocalCluster`` of ``workers``
  processes started on the loopback interface, its dashboard too (127.0.0.1,
  never every interface). A task lost with a dying worker is rerun elsewhere by
  the scheduler; a task that raises is retried. A scheduler that does not answer
  within :data:`CONNECT_SECONDS` is reported as an :class:`ExecutorError`
  before anything is written, and so is a cluster that fails part way.
"""

import concurrent.futures as cf
import itertools
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Protocol

from sim.errors import InputError

CONNECT_SECONDS = 5.0
"""How long to wait for a Dask scheduler to answer before giving up."""
TASK_RETRIES = 3
"""Times Dask retries a task that raised (e.g. a worker that ran out of memory)."""
IN_FLIGHT_PER_WORKER = 2
"""Tasks submitted per worker at a time: enough to keep workers busy, few enough
that finished results do not pile up (a throughput/memory choice)."""
PARENT_CHECK_SECONDS = 1.0
"""How often a local worker checks that the process that started it still runs."""


class ExecutorError(InputError):
    """A cluster that cannot be reached or failed; the message says what to do."""


class Executor(Protocol):
    """Runs a function over items, yielding results as they finish."""

    def imap_unordered(
        self, fn: Callable[[Any], Any], items: Iterable[Any]
    ) -> Iterator[Any]:
        """Yield ``fn(item)`` for every item, in completion order."""
        ...


class InProcess:
    """Run items one after another in this process."""

    def __enter__(self) -> "InProcess":
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def imap_unordered(
        self, fn: Callable[[Any], Any], items: Iterable[Any]
    ) -> Iterator[Any]:
        """Yield ``fn(item)`` for each item, in order."""
        for item in items:
            yield fn(item)


class _Pool(AbstractContextManager):
    """Workers fed through futures; subclasses say how to submit and wait.

    Attributes:
        workers: Number of workers (sets how many tasks are in flight).
    """

    workers: int

    def _submit(self, fn: Callable[[Any], Any], item: Any) -> Any:
        """Start ``fn(item)``; return its future."""
        raise NotImplementedError

    def _wait_any(self, pending: set) -> tuple[set, set]:
        """Wait until at least one future is done; return (done, not done)."""
        raise NotImplementedError

    def _result(self, future: Any) -> Any:
        """The result of a finished future (its error, if it raised)."""
        return future.result()

    def imap_unordered(
        self, fn: Callable[[Any], Any], items: Iterable[Any]
    ) -> Iterator[Any]:
        """Yield ``fn(item)`` as workers finish, with a bounded number in flight.

        On an early exit (an error, or Ctrl-C in the consumer) the futures still
        pending are cancelled.
        """
        todo = iter(items)
        window = self.workers * IN_FLIGHT_PER_WORKER
        pending = {self._submit(fn, item) for item in itertools.islice(todo, window)}
        try:
            while pending:
                done, not_done = self._wait_any(pending)
                pending = set(not_done)
                for future in done:
                    result = self._result(future)
                    for item in itertools.islice(todo, 1):
                        pending.add(self._submit(fn, item))
                    yield result
        finally:
            for future in pending:
                future.cancel()


class Processes(_Pool):
    """A pool of spawned local processes (all cores by default).

    Args:
        workers: Number of processes; ``os.cpu_count()`` if None.
    """

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1
        self._pool: cf.ProcessPoolExecutor | None = None

    def __enter__(self) -> "Processes":
        self._pool = cf.ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(os.getpid(),),
        )
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def _submit(self, fn: Callable[[Any], Any], item: Any) -> cf.Future:
        if self._pool is None:
            raise RuntimeError("use Processes as a context manager")
        return self._pool.submit(fn, item)

    def _wait_any(self, pending: set) -> tuple[set, set]:
        return cf.wait(pending, return_when=cf.FIRST_COMPLETED)


def _start_worker(parent: int) -> None:
    """Leave Ctrl-C to the parent, and end with it.

    The parent stops the batch on Ctrl-C and shuts the pool down. A parent
    killed outright (``kill -9``, the out-of-memory killer) cannot: its workers
    would run their chunks to the end on every core, so each exits once the
    process that started it, ``parent``, is gone.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()


def _exit_with(parent: int) -> None:
    """Exit this process as soon as ``parent`` is no longer its parent."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(1)


@contextmanager
def _interrupts_ignored() -> Iterator[None]:
    """Ignore Ctrl-C while starting processes, which keep ignoring it.

    A terminal sends Ctrl-C to every process of the foreground group; worker
    processes started meanwhile inherit the ignored signal, so only this process
    stops the batch (cleanly, closing the cluster) and no worker prints a
    traceback. Signal handlers can only change in the main thread.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class Dask(_Pool):
    """A Dask ``distributed`` cluster: an existing one, or a new local one.

    Args:
        scheduler: Address of a running scheduler, ``tcp://HOST:PORT``.
        workers: Worker processes of a ``LocalCluster`` started on 127.0.0.1
            (one thread each) when no scheduler is given; all cores if None.
    """

    def __init__(
        self,
        scheduler: str | None = None,
        workers: int | None = None,
        *,
        timeout: float = CONNECT_SECONDS,
    ):
        self.scheduler = scheduler
        self.workers = workers or os.cpu_count() or 1
        self.timeout = timeout
        self.client: Any = None
        self._cluster: Any = None

    def __enter__(self) -> "Dask":
        from distributed import Client, LocalCluster

        if self.scheduler is None:
            with _interrupts_ignored():  # the workers inherit it: Ctrl-C is ours
                self._cluster = LocalCluster(
                    n_workers=self.workers,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address="127.0.0.1:0",  # loopback, any free port
                )
            self.client = Client(self._cluster)
            return self
        try:
            _probe(self.scheduler, self.timeout)
            self.client = Client(self.scheduler, timeout=self.timeout)
            self.workers = max(1, sum(self.client.nthreads().values()))
        except (OSError, TimeoutError, ValueError, TypeError) as err:
            self.__exit__()
            problem = (
                "is not a scheduler address"
                if isinstance(err, ValueError | TypeError)
                else f"no Dask scheduler answered within {self.timeout:g} s"
            )
            detail = f": {err}" if str(err) else ""
            raise ExecutorError(
                f"scheduler {self.scheduler}: {problem} ({type(err).__name__}"
                f"{detail}); start one (`dask scheduler`) or check the address, "
                "tcp://HOST:PORT",
                field="scheduler",
            ) from None
        return self

    def __exit__(self, *exc: object) -> None:
        """Close the client before the cluster, so no connection is left dangling."""
        if self.client is not None:
            self.client.close()
        if self._cluster is not None:
            self._cluster.close()

    def _submit(self, fn: Callable[[Any], Any], item: Any) -> Any:
        if self.client is None:
            raise RuntimeError("use Dask as a context manager")
        return self.client.submit(fn, item, pure=False, retries=TASK_RETRIES)

    def _wait_any(self, pending: set) -> tuple[set, set]:
        from distributed import wait

        return wait(pending, return_when="FIRST_COMPLETED")

    def _result(self, future: Any) -> Any:
        """The result, or an :class:`ExecutorError` if the cluster lost it."""
        from distributed import KilledWorker
        from distributed.comm import CommClosedError

        try:
            return future.result()
        except (KilledWorker, CommClosedError, OSError, TimeoutError) as err:
            raise ExecutorError(
                f"scheduler {self.scheduler or 'local'}: the Dask cluster failed "
                f"({type(err).__name__}: {err}); finished chunks are kept: run the "
                "same command again to resume",
                field="scheduler",
            ) from None


def _probe(address: str, timeout: float) -> None:
    """Ask the scheduler at ``address`` who it is, giving up after ``timeout``.

    Dask's client bounds the connection but not every wait after it, so an
    address where something else listens (a web server) would hang; this one
    round trip, under a deadline of its own, fails fast instead.

    Raises:
        TimeoutError: No answer in time; OSError: no connection.
    """
    import asyncio

    from distributed.comm import connect

    async def identity() -> None:
        comm = await connect(address, timeout=timeout)
        try:
            await comm.write({"op": "identity"})
            await comm.read()
        finally:
            comm.abort()

    # In a thread of its own: a notebook's thread already runs an event loop.
    with cf.ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, asyncio.wait_for(identity(), timeout)).result()
