"""Once-only execution in one process: SingleFlight (concurrent twins) and OnceOnly over the memory store.

Each test here fails if a finished run is not forgotten, if a failed run is kept, or if a record
outlives its retention or its bound.
"""

from __future__ import annotations

import asyncio

import pytest

from executor.server.idempotency import IdempotencyKeyReused, OnceOnly, SingleFlight, StillRunning
from executor.server.store.memory import MemoryStore


async def test_single_flight_used_twice_for_one_key_runs_twice() -> None:
    flight: SingleFlight[str] = SingleFlight()
    gate = asyncio.Event()
    runs: list[str] = []

    async def work(value: str) -> str:
        runs.append(value)
        await gate.wait()
        return value

    first = asyncio.ensure_future(flight.run("conn", lambda: work("first")))
    twin = asyncio.ensure_future(flight.run("conn", lambda: work("twin")))
    await asyncio.sleep(0)
    gate.set()
    assert await first == ("first", False)
    assert await twin == ("first", True)  # joined the running one
    assert len(flight) == 0  # forgotten once finished
    # A later call for the same key is a new run with its own (fresh) result, not the first one's.
    assert await flight.run("conn", lambda: work("second")) == ("second", False)
    assert runs == ["first", "second"]


async def test_single_flight_failure_reaches_every_caller_and_is_not_kept() -> None:
    flight: SingleFlight[str] = SingleFlight()
    gate = asyncio.Event()
    calls = 0

    async def failing() -> str:
        nonlocal calls
        calls += 1
        await gate.wait()
        raise RuntimeError("token endpoint down")

    callers = [asyncio.ensure_future(flight.run("conn", failing)) for _ in range(3)]
    await asyncio.sleep(0)
    gate.set()
    for caller in callers:
        with pytest.raises(RuntimeError, match="token endpoint down"):
            await caller
    assert calls == 1

    async def succeeding() -> str:
        return "fresh"

    assert await flight.run("conn", succeeding) == ("fresh", False)  # the failure was not stored


def _once(store: MemoryStore, keep: bool = True) -> OnceOnly[str]:
    return OnceOnly(store, lease=5.0, encode=lambda r: r.encode() if keep and r != "refused" else None,
                    decode=bytes.decode)


async def test_once_only_keeps_results_for_their_retention_and_within_the_bound() -> None:
    now = [0.0]
    store = MemoryStore(max_entries=2, clock=lambda: now[0])
    once = _once(store)
    runs: list[str] = []

    async def work(value: str) -> str:
        runs.append(value)
        return value

    args = {"retention": 10.0, "wait": 1.0, "any_done": True}
    assert await once.run("a", "fp", lambda: work("ok"), **args) == ("ok", False)
    assert await once.run("a", "fp", lambda: work("again"), **args) == ("ok", True)
    now[0] = 10.5  # past the retention window: runs again
    assert await once.run("a", "fp", lambda: work("later"), **args) == ("later", False)
    assert await once.run("r", "fp", lambda: work("refused"), **args) == ("refused", False)
    assert await once.run("r", "fp", lambda: work("accepted"), **args) == ("accepted", False)  # not kept
    await once.run("b", "fp", lambda: work("b"), **args)
    await once.run("c", "fp", lambda: work("c"), **args)
    assert len(store) == 2  # bounded: the oldest finished records went
    assert runs == ["ok", "later", "refused", "accepted", "b", "c"]


async def test_once_only_failed_work_releases_the_lease_and_runs_again() -> None:
    store = MemoryStore(max_entries=10)
    once = _once(store)

    async def failing() -> str:
        raise RuntimeError("crashed")

    async def fine() -> str:
        return "done"

    args = {"retention": 60.0, "wait": 0.5, "any_done": True}
    with pytest.raises(RuntimeError):
        await once.run("k", "fp", failing, **args)
    assert await once.run("k", "fp", fine, **args) == ("done", False)  # not StillRunning, not the failure


async def test_idempotency_conflicts_but_a_connection_waits_then_runs_another_body() -> None:
    store = MemoryStore(max_entries=10)
    once = _once(store)
    gate = asyncio.Event()
    order: list[str] = []

    async def slow(value: str) -> str:
        order.append(f"start {value}")
        await gate.wait()
        order.append(f"end {value}")
        return value

    first = asyncio.ensure_future(once.run("c:1", "body-a", lambda: slow("a"), retention=60, wait=5, any_done=False))
    await asyncio.sleep(0.01)
    with pytest.raises(IdempotencyKeyReused):  # an idempotency key with another body: 409
        await once.run("c:1", "body-b", lambda: slow("x"), retention=60, wait=5, any_done=True)
    other = asyncio.ensure_future(once.run("c:1", "body-b", lambda: slow("b"), retention=60, wait=5, any_done=False))
    await asyncio.sleep(0.05)
    assert order == ["start a"]  # the other body waits for the running refresh of that connection
    gate.set()
    assert await first == ("a", False)
    assert await other == ("b", False)  # then runs: it never gets the first body's result
    assert order == ["start a", "end a", "start b", "end b"]
    # a retry of the latest body gets its stored result (the connection keeps only its latest refresh)
    assert await once.run("c:1", "body-b", lambda: slow("never"), retention=60, wait=5, any_done=False) == ("b", True)


async def test_waiting_past_the_budget_is_still_running() -> None:
    store = MemoryStore(max_entries=10)
    once = _once(store)
    gate = asyncio.Event()

    async def blocked() -> str:
        await gate.wait()
        return "late"

    holder = asyncio.ensure_future(once.run("c:2", "a", blocked, retention=60, wait=5, any_done=False))
    await asyncio.sleep(0.01)
    with pytest.raises(StillRunning):
        await once.run("c:2", "b", blocked, retention=60, wait=0.1, any_done=False)
    gate.set()
    await holder


async def test_an_expired_lease_lets_the_next_caller_run() -> None:
    now = [0.0]
    store = MemoryStore(max_entries=10, clock=lambda: now[0])
    claim = await store.claim("c:3", "fp", 5.0, any_done=False)  # a replica that then died
    assert claim.state == "claimed"
    assert (await store.claim("c:3", "fp", 5.0, any_done=False)).state == "running"
    now[0] = 5.1
    assert (await store.claim("c:3", "fp", 5.0, any_done=False)).state == "claimed"
    assert claim.token is not None
    assert not await store.renew("c:3", claim.token, 5.0)  # the dead owner's token no longer counts
    assert not await store.complete("c:3", claim.token, "fp", b"stale", 60.0)
