"""The work limiter: bounded workers, bounded queue, 503 past it."""

from __future__ import annotations

import threading

import anyio
import pytest

from app.limiter import Overloaded, WorkLimiter


def test_overload_answers_503_without_starting_the_work():
    release = threading.Event()
    started = []

    def slow(i: int) -> int:
        started.append(i)
        release.wait(5)
        return i

    async def main():
        limiter = WorkLimiter(workers=1, max_queue=1)
        results, errors = [], []

        async def one(i: int):
            try:
                results.append(await limiter.run(slow, i))
            except Overloaded as err:
                errors.append(err)

        async with anyio.create_task_group() as tg:
            for i in range(5):
                tg.start_soon(one, i)
            await anyio.sleep(0.2)
            assert len(errors) == 3  # one running, one queued, the rest refused at once
            release.set()
        return results, errors

    results, errors = anyio.run(main)
    assert sorted(results) == [0, 1]
    assert sorted(started) == [0, 1]
    assert all(e.retry_after == 1 for e in errors)  # the edge's 503: tests/app/test_overload.py


def test_worker_exceptions_propagate():
    def boom() -> None:
        raise ValueError("x")

    async def main():
        await WorkLimiter(1, 0).run(boom)

    with pytest.raises(ValueError):
        anyio.run(main)


def test_a_render_whose_requester_left_keeps_its_slot_until_it_ends():
    """Cancelling the request does not free the slot early: the thread still runs, so the
    limiter keeps counting it and a request past the queue is still refused."""
    release = threading.Event()

    def slow() -> str:
        release.wait(5)
        return "done"

    async def main() -> None:
        limiter = WorkLimiter(workers=1, max_queue=0)
        with anyio.move_on_after(0.2):
            await limiter.run(slow)  # the requester gives up; the render goes on
        assert (limiter.in_flight, limiter.running) == (1, 1)
        with pytest.raises(Overloaded):
            await limiter.run(slow)
        release.set()
        for _ in range(100):  # the thread ends: its slot comes back
            if limiter.in_flight == 0:
                break
            await anyio.sleep(0.02)
        assert (limiter.in_flight, limiter.running) == (0, 0)
        assert await limiter.run(lambda: "again") == "again"
        limiter.close()

    anyio.run(main)


def test_a_closed_limiter_refuses_and_gives_its_slot_back():
    async def main() -> None:
        limiter = WorkLimiter(workers=1, max_queue=0)
        limiter.close()
        with pytest.raises(RuntimeError):
            await limiter.run(lambda: None)
        assert limiter.in_flight == 0
        assert limiter._semaphores()[1]._value == 1  # the slot was released

    anyio.run(main)
