"""The front-end's side of the workers: start them, send jobs to the least-loaded one, restart the dead.

`WorkerProcess` owns one `python -m executor.server.worker` child and the replies it owes; when the
child dies, for whatever reason, every job in flight on it gets an ENGINE_CRASHED result.
`WorkerPool` holds N of them, a bounded FIFO of jobs waiting for a slot (QueueFull past it), and
the restart loop. A worker that asks to retire (it abandoned an engine) keeps taking jobs while its
replacement starts, then drains beside it (counted in `in_flight` and the memory budget): waiting
for it to exit first left no worker at all when every worker retired at once, until their longest
job ended, and then for a worker start.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from executor.errors import EngineCrashed, ExecutorError, InvalidInput, JobTimeout
from executor.jobs.result import JobResult
from executor.limits import LIMITS
from executor.server.config import ENV_TOKEN
from executor.server.worker import MAX_LINE_BYTES, LineBatcher

Reply = dict[str, Any]  # {"id", "result": <job result dict>, "runMs"}

# A worker's own run_job gives up at the job's timeout + 5 s (js_runtime's stop grace); past this margin
# the worker is stuck, not slow.
HARD_TIMEOUT_MARGIN = LIMITS.hard_timeout_margin
_FAST_EXIT_SECONDS = 2.0
_MAX_RESTART_DELAY = 5.0


class QueueFull(Exception):
    """Every worker slot is busy and the waiting line is at its bound."""


class QueueClosed(Exception):
    """The pool stopped taking jobs (shutdown) while this one waited for a slot."""


class WorkerStartError(RuntimeError):
    """A worker process did not come up."""


def failed_reply(error: ExecutorError) -> Reply:
    """A reply carrying a failed job result, for jobs a worker could not answer."""
    return {"result": JobResult.failed(error).to_dict(), "runMs": None}


def encode_job_message(message: dict[str, Any]) -> bytes:
    """One protocol line for the worker; InvalidInput if the job cannot be one (nested past the JSON
    encoder's recursion limit, or not JSON at all). The front end's validation can call it first to
    answer 400 INVALID_JOB; `WorkerProcess.call` answers such a job as failed instead of raising."""
    try:
        return json.dumps(message, allow_nan=False).encode() + b"\n"
    except RecursionError:
        raise InvalidInput("the job is nested too deeply") from None
    except (TypeError, ValueError):
        raise InvalidInput("the job is not JSON") from None


def describe_exit(returncode: int | None) -> str:
    """`signal SIGSEGV` or `exit status 3`."""
    if returncode is not None and returncode < 0:
        try:
            return f"signal {signal.Signals(-returncode).name}"
        except ValueError:
            return f"signal {-returncode}"
    return f"exit status {returncode}"


def _is_ready_line(line: bytes) -> bool:
    try:
        message = json.loads(line)
    except ValueError:
        return False
    return isinstance(message, dict) and "ready" in message


@dataclass(frozen=True)
class WorkerOptions:
    """How to start a worker process."""

    engine: str = "quickjs"
    connectors_dir: Path | None = None
    reload: bool = False
    allow_hosts: tuple[str, ...] = ()
    lanes: int = 8
    start_timeout: float = 30.0

    def command(self) -> list[str]:
        """The worker's command line."""
        cmd = [sys.executable, "-m", "executor.server.worker", "--engine", self.engine, "--lanes", str(self.lanes)]
        if self.connectors_dir is not None:
            cmd += ["--connectors", str(self.connectors_dir)]
        if self.reload:
            cmd.append("--reload")
        for host in self.allow_hosts:
            cmd += ["--allow-host", host]
        return cmd


@dataclass(eq=False)
class WorkerProcess:
    """One worker child: sends job messages, matches replies by id, fails them all if the child dies."""

    index: int
    options: WorkerOptions
    on_exit: Callable[[WorkerProcess], None]
    on_retire: Callable[[WorkerProcess], None] = lambda _worker: None
    load: int = 0  # slots taken by jobs dispatched here (the pool's bookkeeping)
    started_at: float = 0.0
    exited: bool = False
    retire_asked: bool = False  # it abandoned an engine: replace it (it works on until replaced)
    retiring: bool = False  # replaced: no more jobs; it exits when done
    _process: asyncio.subprocess.Process | None = None
    _pending: dict[int, asyncio.Future[Reply]] = field(default_factory=dict)
    _jobs_out: LineBatcher | None = None  # the child's stdin
    _reader: asyncio.Task[None] | None = None
    _kill_reason: str | None = None

    @property
    def pid(self) -> int | None:
        """The child's process id (None before start)."""
        return self._process.pid if self._process is not None else None

    @property
    def alive(self) -> bool:
        """Started, ready, not retiring and not exited."""
        return self._reader is not None and not self.exited and not self.retiring

    async def start(self) -> None:
        """Spawn the child and wait for its ready line."""
        env = {k: v for k, v in os.environ.items() if k != ENV_TOKEN}  # the worker has no use for it
        self._process = await asyncio.create_subprocess_exec(
            *self.options.command(), stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            limit=MAX_LINE_BYTES, start_new_session=True, env=env)
        self.started_at = time.monotonic()
        assert self._process.stdout is not None and self._process.stdin is not None
        self._jobs_out = LineBatcher(self._process.stdin)
        try:
            line = await asyncio.wait_for(self._process.stdout.readline(), self.options.start_timeout)
        except TimeoutError:
            line = b"timeout"
        if not _is_ready_line(line):
            if line:  # still running (an empty line is EOF: it exited, and killing would race the reaper)
                self.kill("the worker did not start")
            await self._process.wait()
            raise WorkerStartError(f"worker {self.index} did not start ({describe_exit(self._process.returncode)})")
        self._reader = asyncio.ensure_future(self._read_replies())

    async def call(self, message: dict[str, Any], hard_timeout: float) -> Reply:
        """Send one job and wait for its reply (an ENGINE_CRASHED one if the child dies first)."""
        try:
            line = encode_job_message(message)
        except InvalidInput as exc:
            return failed_reply(exc)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Reply] = loop.create_future()
        job_id = message["id"]
        self._pending[job_id] = future
        # One timer per job, no wait_for/shield: past the hard timeout the child is stuck, and killing
        # it fails this job (and the others on it) through the reader.
        stuck = loop.call_later(hard_timeout, self.kill, "the worker stopped responding and was restarted")
        try:
            assert self._jobs_out is not None
            self._jobs_out.send(line)
            await self._jobs_out.drain_if_full()
            return await future
        finally:
            stuck.cancel()
            self._pending.pop(job_id, None)

    async def _read_replies(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        try:
            while line := await self._process.stdout.readline():
                reply = json.loads(line)
                if "retire" in reply:
                    if not self.retire_asked:
                        self.retire_asked = True
                        self.on_retire(self)
                    continue
                future = self._pending.pop(reply.get("id"), None)
                if future is not None and not future.done():
                    future.set_result(reply)
        except (ValueError, AttributeError, asyncio.LimitOverrunError):
            self.kill("the worker sent an unreadable reply and was restarted")
        except asyncio.CancelledError:  # the loop is going away without close(): do not leave the child
            self.kill("the server stopped before the job finished")
            raise
        finally:
            returncode = await self._process.wait()
            self.exited = True
            reason = self._kill_reason or f"the engine process running the job died ({describe_exit(returncode)})"
            for future in self._pending.values():
                if not future.done():
                    future.set_result(failed_reply(EngineCrashed(reason)))
            self._pending.clear()
            self.on_exit(self)

    def retire(self) -> None:
        """No more jobs: the ones already sent are answered, then the child exits."""
        self.retiring = True
        if self._jobs_out is not None:
            self._jobs_out.flush()
        if self._process is not None and self._process.stdin is not None:
            self._process.stdin.close()

    def kill(self, reason: str) -> None:
        """End the child now; its jobs fail with `reason`."""
        self._kill_reason = self._kill_reason or reason
        if self._process is not None and self._process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self._process.kill()

    async def stop(self, grace: float) -> None:
        """Close stdin (the child finishes its jobs and exits); kill it after `grace` seconds."""
        if self._process is None:
            return
        if self._process.stdin is not None:
            self._process.stdin.close()
        try:
            await asyncio.wait_for(self._process.wait(), grace)
        except TimeoutError:
            self.kill("the server stopped before the job finished")
            await self._process.wait()
        if self._reader is not None:
            await self._reader


class WorkerPool:
    """N worker processes; each job goes to the least-loaded one with a free slot, or waits in line."""

    def __init__(self, options: WorkerOptions, *, size: int, jobs_per_worker: int, queue_size: int,
                 on_restart: Callable[[], None] | None = None,
                 hard_timeout_margin: float = HARD_TIMEOUT_MARGIN) -> None:
        self.options = options
        self.hard_timeout_margin = hard_timeout_margin
        self.jobs_per_worker = max(1, jobs_per_worker)
        self.queue_size = max(0, queue_size)
        self.workers: list[WorkerProcess] = [self._new(i) for i in range(max(1, size))]
        self.draining: set[WorkerProcess] = set()  # retired, replaced, finishing the jobs they have
        self._waiters: deque[asyncio.Future[WorkerProcess]] = deque()
        self._ids = itertools.count(1)
        self._on_restart = on_restart or (lambda: None)
        self._restarts: set[asyncio.Task[None]] = set()
        self._fast_failures = [0] * len(self.workers)
        self._closing = False
        self._refusing = False

    def _new(self, index: int) -> WorkerProcess:
        return WorkerProcess(index, self.options, self._exited, self._retired)

    @property
    def in_flight(self) -> int:
        """Jobs dispatched to a worker (draining ones included) and not yet answered."""
        return sum(w.load for w in self.workers) + sum(w.load for w in self.draining)

    def pids(self) -> list[int]:
        """The process ids of every worker child, draining ones included."""
        return [pid for w in [*self.workers, *self.draining] if (pid := w.pid) is not None]

    @property
    def queued(self) -> int:
        """Jobs waiting for a slot."""
        return sum(1 for f in self._waiters if not f.done())

    @property
    def alive(self) -> int:
        """Workers ready for jobs."""
        return sum(1 for w in self.workers if w.alive)

    @property
    def saturated(self) -> bool:
        """Whether a new job would be refused with QueueFull."""
        return self._pick() is None and self.queued >= self.queue_size

    async def start(self) -> None:
        """Start every worker; WorkerStartError if any fails."""
        results = await asyncio.gather(*(w.start() for w in self.workers), return_exceptions=True)
        errors = [r for r in results if isinstance(r, BaseException)]
        if errors:
            await self.close(grace=1.0)
            raise errors[0]

    async def run(self, message: dict[str, Any], timeout: float) -> Reply:
        """Run one job (`timeout`: its budget in seconds); QueueFull when saturated."""
        worker = self._pick()
        if worker is not None:
            worker.load += 1
        else:
            worker = await self._wait_for_slot(timeout)
            if worker is None:
                return failed_reply(JobTimeout("no worker was free within the job's time limit"))
        try:
            return await worker.call({**message, "id": next(self._ids)}, timeout + self.hard_timeout_margin)
        finally:
            worker.load -= 1
            self._wake()

    def _pick(self) -> WorkerProcess | None:
        free = [w for w in self.workers if w.alive and w.load < self.jobs_per_worker]
        free = [w for w in free if not w.retire_asked] or free  # one whose replacement is starting: last
        return min(free, key=lambda w: w.load) if free else None

    async def _wait_for_slot(self, timeout: float) -> WorkerProcess | None:
        if self._refusing:
            raise QueueClosed
        if self.queued >= self.queue_size:
            raise QueueFull
        waiter: asyncio.Future[WorkerProcess] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            return await asyncio.wait_for(asyncio.shield(waiter), timeout)
        except (TimeoutError, asyncio.CancelledError) as exc:
            if waiter.done() and not waiter.cancelled():  # handed a slot just as we gave up: give it back
                waiter.result().load -= 1
                self._wake()
            else:
                waiter.cancel()
            if isinstance(exc, TimeoutError):
                return None
            raise
        finally:
            if waiter in self._waiters:  # (remove() of a missing one would build the future's repr)
                self._waiters.remove(waiter)

    def refuse_waiting(self) -> None:
        """Jobs waiting for a slot, and any that would, fail with QueueClosed (a shutdown: never started)."""
        self._refusing = True
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_exception(QueueClosed())

    def _wake(self) -> None:
        """Hand free slots to waiting jobs, first come first served."""
        while self._waiters:
            worker = self._pick()
            if worker is None:
                return
            waiter = self._waiters.popleft()
            if not waiter.done():
                worker.load += 1
                waiter.set_result(worker)

    def _retired(self, worker: WorkerProcess) -> None:
        """Start a replacement for a worker that asked to retire; it takes jobs until the swap."""
        if not self._closing and not worker.exited and self.workers[worker.index] is worker:
            self._start_restart(worker.index)

    def _exited(self, worker: WorkerProcess) -> None:
        self.draining.discard(worker)
        if self._closing or worker.retiring:  # replaced already
            return
        if worker.retire_asked and self.workers[worker.index] is worker:  # its replacement is starting
            self._fast_failures[worker.index] = 0
            return
        quick = time.monotonic() - worker.started_at < _FAST_EXIT_SECONDS
        self._fast_failures[worker.index] = self._fast_failures[worker.index] + 1 if quick else 0
        self._start_restart(worker.index)

    def _start_restart(self, index: int) -> None:
        task = asyncio.ensure_future(self._restart(index))
        self._restarts.add(task)
        task.add_done_callback(self._restarts.discard)

    async def _restart(self, index: int) -> None:
        """Replace a dead worker, backing off while it keeps dying at once."""
        while not self._closing:
            failures = self._fast_failures[index]
            if failures:
                await asyncio.sleep(min(0.1 * 2 ** failures, _MAX_RESTART_DELAY))
            replacement = self._new(index)
            try:
                await replacement.start()
            except (WorkerStartError, OSError):
                self._fast_failures[index] += 1
                continue
            if self._closing:
                await replacement.stop(grace=1.0)
                return
            replaced = self.workers[index]
            self.workers[index] = replacement
            if not replaced.exited:  # it asked to retire: it drains beside its replacement
                self.draining.add(replaced)
                replaced.retire()
            self._on_restart()
            self._wake()
            return

    async def close(self, grace: float) -> None:
        """Stop restarting, let workers finish their jobs for up to `grace` seconds, then kill them."""
        self._closing = True
        for task in list(self._restarts):
            task.cancel()
        await asyncio.gather(*self._restarts, return_exceptions=True)
        await asyncio.gather(*(w.stop(grace) for w in [*self.workers, *self.draining]), return_exceptions=True)
