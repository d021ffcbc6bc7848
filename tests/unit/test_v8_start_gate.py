"""The V8 start gate: a burst of jobs starts a few at a time, first come first served, and a slot
is given back when the first step ends or after _START_SLOT_SECONDS, whichever comes first."""

from __future__ import annotations

import asyncio
import gc
import time

import pytest

from js_runtime.v8 import engine as v8_engine
from js_runtime.v8.engine import _START_SLOT_SECONDS, _StartGate, _StartSlot


@pytest.mark.asyncio
async def test_slots_are_handed_out_first_come_first_served() -> None:
    gate = _StartGate(2)
    order: list[int] = []

    async def job(i: int) -> None:
        await gate.acquire()
        order.append(i)
        await asyncio.sleep(0.01)
        gate.release()

    await asyncio.gather(*(job(i) for i in range(8)))
    assert order == list(range(8))


@pytest.mark.asyncio
async def test_a_cancelled_waiter_passes_its_slot_on() -> None:
    gate = _StartGate(1)
    await gate.acquire()
    cancelled = asyncio.ensure_future(gate.acquire())
    behind = asyncio.ensure_future(gate.acquire())
    await asyncio.sleep(0)
    gate.release()  # hands the slot to `cancelled`...
    cancelled.cancel()  # ...which is cancelled before it runs: `behind` must get it
    await asyncio.wait_for(behind, 1)
    with pytest.raises(asyncio.CancelledError):
        await cancelled


@pytest.mark.asyncio
async def test_a_slot_comes_back_by_itself_after_a_while(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(v8_engine, "_START_SLOTS", 1)
    loop = asyncio.get_running_loop()
    held = await _StartSlot.take(loop)  # a first step that never ends (a spinning script)
    started = time.monotonic()
    second = await asyncio.wait_for(_StartSlot.take(loop), 1)
    assert time.monotonic() - started >= _START_SLOT_SECONDS * 0.9
    held.release()  # late and twice: no extra slot appears
    held.release()
    second.release()


def test_the_gates_do_not_keep_event_loops_alive() -> None:
    async def burst() -> None:
        loop = asyncio.get_running_loop()
        slots = [await _StartSlot.take(loop) for _ in range(v8_engine._START_SLOTS)]
        waiting = asyncio.ensure_future(_StartSlot.take(loop))
        await asyncio.sleep(0)
        slots[0].release()
        (await waiting).release()
        for slot in slots[1:]:
            slot.release()

    gc.collect()  # loops of earlier tests that are garbage already
    before = len(v8_engine._start_gates)
    asyncio.run(burst())
    gc.collect()
    assert len(v8_engine._start_gates) == before
