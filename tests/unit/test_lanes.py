"""LanePool: a burst of short calls shares a few threads; a lane stuck in a long call is gone around."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator

import pytest

from js_runtime import lanes
from js_runtime.lanes import _TRIM_DELAY_SECONDS, STUCK_SECONDS, Lane, LanePool, _Trimmer

pytestmark = pytest.mark.asyncio


async def _job(pool: LanePool, seconds: float) -> int:
    lane = pool.acquire()
    try:
        return await lane.run(lambda: (time.sleep(seconds), threading.get_ident())[1])
    finally:
        pool.release(lane)


async def test_a_burst_of_short_jobs_shares_busy_lanes_threads() -> None:
    pool = LanePool(max_lanes=64, busy_lanes=3)
    try:
        threads = await asyncio.gather(*(_job(pool, 0.002) for _ in range(60)))
        assert pool.size == 3
        assert len(set(threads)) == 3
    finally:
        pool.close()


async def test_an_idle_lane_is_reused_before_a_new_one_is_started() -> None:
    pool = LanePool(max_lanes=8, busy_lanes=8)
    try:
        for _ in range(5):
            await _job(pool, 0)
        assert pool.size == 1
    finally:
        pool.close()


async def test_a_lane_busy_with_submitted_work_is_not_idle() -> None:
    # A finished job's context is freed (renewed) by a call submitted to its lane: the next job goes
    # to another lane instead of queueing behind that work.
    pool = LanePool(max_lanes=8, busy_lanes=8)
    release = threading.Event()
    try:
        first = pool.acquire()
        first.submit(release.wait, 10)
        pool.release(first)
        assert not first.idle
        second = pool.acquire()
        assert second is not first
        assert await second.run(lambda: 42) == 42
        pool.release(second)
        release.set()
        deadline = time.monotonic() + 5
        while not first.idle and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        assert first.idle
        # Work the next job would gladly wait for (renewing a QuickJS context for it) keeps it idle.
        release.clear()
        first.submit(release.wait, 10, keeps_busy=False)
        assert first.idle
        assert pool.acquire() is first
    finally:
        release.set()
        pool.close()


async def test_a_stuck_lane_is_gone_around_up_to_max_lanes() -> None:
    pool = LanePool(max_lanes=3, busy_lanes=1)
    release = threading.Event()

    async def stuck() -> None:
        lane = pool.acquire()
        try:
            await lane.run(release.wait, 10)
        finally:
            pool.release(lane)

    try:
        spinners = [asyncio.ensure_future(stuck())]
        await asyncio.sleep(STUCK_SECONDS * 3)
        # The only lane is stuck: a short job gets a new lane and finishes while the spinner runs.
        started = time.monotonic()
        await asyncio.wait_for(_job(pool, 0), 2)
        assert time.monotonic() - started < 1
        assert pool.size == 2
        spinners.append(asyncio.ensure_future(stuck()))  # goes to the idle second lane
        await asyncio.sleep(STUCK_SECONDS * 3)
        await asyncio.wait_for(_job(pool, 0), 2)  # both stuck: a third lane
        assert pool.size == 3
        # At max_lanes with every lane stuck, a job queues on the least loaded lane instead.
        late = asyncio.ensure_future(_job(pool, 0))
        spinners.append(asyncio.ensure_future(stuck()))
        await asyncio.sleep(STUCK_SECONDS * 3)
        assert pool.size == 3
        release.set()
        await asyncio.wait_for(asyncio.gather(late, *spinners), 5)
    finally:
        release.set()
        pool.close()


async def test_a_busy_lane_running_a_short_call_is_queued_on_not_doubled() -> None:
    pool = LanePool(max_lanes=8, busy_lanes=1)
    try:
        first = asyncio.ensure_future(_job(pool, 0.01))
        await asyncio.sleep(0)
        second = await _job(pool, 0)
        assert second == await first
        assert pool.size == 1
    finally:
        pool.close()


@pytest.fixture
def lane() -> Iterator[Lane]:
    """One lane of a one-lane pool, closed afterwards."""
    pool = LanePool(max_lanes=1)
    lane = pool.acquire()
    yield lane
    pool.release(lane)
    pool.close()


async def test_a_lane_runs_calls_in_order_on_its_own_thread_and_hands_back_results_and_errors(lane: Lane) -> None:
    seen: list[tuple[str, int]] = []
    lane.submit(lambda: seen.append(("submitted", threading.get_ident())))
    lane.submit(lambda: 1 / 0)  # a fire-and-forget call's error is dropped: the lane goes on
    ident = await lane.run(threading.get_ident)
    assert seen == [("submitted", ident)] and ident != threading.get_ident()
    with pytest.raises(ZeroDivisionError):
        await lane.run(lambda: 1 / 0)
    assert await lane.run(lambda x, y: x + y, 2, 3) == 5
    assert lane.running == 0


async def test_a_caller_that_gives_up_leaves_the_lane_usable(lane: Lane) -> None:
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(lane.run(time.sleep, 0.2), 0.01)
    assert lane.running == 0
    # The abandoned call still ran to its end; the next one runs after it, normally.
    assert await lane.run(lambda: "next") == "next"


async def test_closing_the_pool_ends_its_threads() -> None:
    pool = LanePool(max_lanes=2)
    lane = pool.acquire()
    thread = await lane.run(threading.current_thread)
    pool.release(lane)
    pool.close()
    thread.join(2)
    assert not thread.is_alive()


async def test_frees_in_a_burst_share_one_malloc_trim_after_the_delay() -> None:
    trims: list[float] = []

    def trim(_pad: int) -> int:
        trims.append(time.monotonic())
        return 0

    def free_many() -> None:
        for _ in range(100):
            trimmer.freed()

    trimmer = _Trimmer(trim)
    first = time.monotonic()
    threads = [threading.Thread(target=free_many) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    await asyncio.sleep(_TRIM_DELAY_SECONDS * 2.5)
    assert len(trims) == 1 and trims[0] - first >= _TRIM_DELAY_SECONDS  # 800 frees, one trim, not at once
    trimmer.freed()  # a later free gets its own
    await asyncio.sleep(_TRIM_DELAY_SECONDS * 2.5)
    assert len(trims) == 2 and trimmer.trims == 2


async def test_without_malloc_trim_a_free_starts_nothing() -> None:
    trimmer = _Trimmer(None)
    trimmer.freed()
    assert trimmer._thread is None and trimmer.trims == 0


async def test_a_lane_that_frees_an_engine_context_asks_for_a_trim() -> None:
    if lanes._trimmer._trim is None:
        pytest.skip("this C library has no malloc_trim")
    lane = Lane()
    try:
        before = lanes._trimmer.trims
        lane.submit(lambda: None)  # what an engine's close submits: freeing its context
        deadline = time.monotonic() + 5 * _TRIM_DELAY_SECONDS
        while lanes._trimmer.trims == before and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert lanes._trimmer.trims > before
    finally:
        lane.shutdown()


async def test_a_forked_child_trims_too() -> None:
    import os
    import sys

    if lanes._trimmer._trim is None:
        pytest.skip("this C library has no malloc_trim")
    lanes._trimmer.freed()  # the parent's trim thread exists before the fork
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: a free must lead to a trim here too
        trimmed = 0
        try:
            before = lanes._trimmer.trims
            lanes._trimmer.freed()
            time.sleep(4 * _TRIM_DELAY_SECONDS)
            trimmed = lanes._trimmer.trims - before
        finally:
            os.write(write, str(trimmed).encode())
            sys.stdout.flush()
            os._exit(0)
    os.close(write)
    await asyncio.get_running_loop().run_in_executor(None, os.waitpid, pid, 0)
    assert int(os.read(read, 16)) == 1
    os.close(read)
