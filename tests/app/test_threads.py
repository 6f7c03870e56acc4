"""app.threads: the lean executor the limiter and the sources hand blocking calls to."""

from __future__ import annotations

import asyncio
import gc
import threading
import time
import weakref

import pytest

from app.threads import Threads


class Blocker:
    """A call that waits for `release` and records which threads ran it."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.ran: list[str] = []
        self.running = 0
        self.most = 0
        self._lock = threading.Lock()

    def __call__(self, value: int = 0) -> int:
        with self._lock:
            self.running += 1
            self.most = max(self.most, self.running)
            self.ran.append(threading.current_thread().name)
        self.release.wait(10)
        with self._lock:
            self.running -= 1
        return value


def test_a_call_returns_its_result_and_raises_its_exception():
    threads = Threads(2, "t-result")

    def fails() -> None:
        raise KeyError("from the thread")

    async def main() -> tuple[int, str]:
        got = await threads.call(lambda a, b: a + b, 2, 3)
        with pytest.raises(KeyError, match="from the thread"):
            await threads.call(fails)
        return got, await threads.call(lambda: threading.current_thread().name)

    got, name = asyncio.run(main())
    assert got == 5
    assert name.startswith("t-result_")
    threads.shutdown()


def test_at_most_size_threads_and_one_thread_for_calls_one_after_another():
    threads = Threads(3, "t-size")
    blocker = Blocker()

    async def main() -> list[int]:
        for _ in range(5):  # one at a time: the idle thread takes each
            await threads.call(lambda: None)
        assert len(threads._threads) == 1
        waiting = [threads.submit(blocker, i) for i in range(8)]
        await asyncio.sleep(0.2)
        assert blocker.running == 3  # the other five wait in the queue
        blocker.release.set()
        return list(await asyncio.gather(*waiting))

    assert asyncio.run(main()) == list(range(8))
    assert blocker.most == 3
    assert len(threads._threads) == 3
    assert set(blocker.ran) <= {"t-size_0", "t-size_1", "t-size_2"}
    threads.shutdown()


def test_a_timeout_drops_a_queued_call_and_leaves_a_running_one_to_end():
    threads = Threads(1, "t-timeout")
    blocker = Blocker()
    queued_ran = threading.Event()

    async def main() -> float:
        running = threads.submit(blocker)
        began = time.monotonic()
        with pytest.raises(TimeoutError):
            await threads.call(queued_ran.set, timeout=0.2)  # behind the running one
        took = time.monotonic() - began
        blocker.release.set()
        assert await running == 0  # the running call ended by itself
        await threads.call(lambda: None)  # the thread is free again
        return took

    took = asyncio.run(main())
    assert 0.15 < took < 2, took
    assert not queued_ran.is_set()  # dropped before a thread took it
    threads.shutdown()


def test_a_call_cancelled_before_a_thread_takes_it_never_runs():
    threads = Threads(1, "t-cancel")
    blocker = Blocker()
    ran = threading.Event()

    async def main() -> None:
        running = threads.submit(blocker)
        task = asyncio.ensure_future(threads.call(ran.set))
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        blocker.release.set()
        await running
        await threads.call(lambda: None)

    asyncio.run(main())
    assert not ran.is_set()
    threads.shutdown()


def test_shutdown_cancels_the_queue_refuses_calls_and_ends_the_threads():
    threads = Threads(1, "t-shutdown")
    blocker = Blocker()
    ran = threading.Event()

    async def main() -> None:
        running = threads.submit(blocker, 7)
        queued = threads.submit(ran.set)
        await asyncio.sleep(0.05)
        threads.shutdown()
        assert queued.cancelled()
        with pytest.raises(RuntimeError, match="after shutdown"):
            threads.submit(lambda: None)
        blocker.release.set()
        assert await running == 7  # the call under way finishes

    asyncio.run(main())
    assert not ran.is_set()
    threads._threads[0].join(5)
    assert not threads._threads[0].is_alive()


def test_a_shutdown_from_another_thread_cancels_the_queued_calls_in_their_loop():
    threads = Threads(1, "t-elsewhere")
    blocker = Blocker()
    ran = threading.Event()

    async def main() -> None:
        running = threads.submit(blocker)
        queued = threads.submit(ran.set)
        await asyncio.sleep(0.05)
        await asyncio.to_thread(threads.shutdown)  # not the loop's thread (Runtime.close is)
        with pytest.raises(asyncio.CancelledError):
            await queued
        blocker.release.set()
        await running

    asyncio.run(main())
    assert not ran.is_set()


def test_an_idle_thread_holds_nothing_of_its_last_call():
    threads = Threads(1, "t-hold")

    class Original:
        pass

    async def main() -> weakref.ref[Original]:
        original = Original()
        kept = weakref.ref(original)
        assert await threads.call(lambda o: o is not None, original)
        del original
        return kept

    kept = asyncio.run(main())
    time.sleep(0.05)  # the thread is back waiting for a call
    gc.collect()
    assert kept() is None
    threads.shutdown()


def test_a_call_that_ends_after_its_loop_closed_raises_nothing_in_its_thread():
    threads = Threads(1, "t-closed")
    blocker = Blocker()
    errors: list[object] = []
    before = threading.excepthook
    threading.excepthook = errors.append

    async def main() -> None:
        threads.submit(blocker)
        await asyncio.sleep(0.05)

    try:
        asyncio.run(main())  # the loop closes with the call still running
        blocker.release.set()
        time.sleep(0.2)
        assert errors == []
        assert threads._threads[0].is_alive()  # and the thread serves on
    finally:
        threading.excepthook = before
        threads.shutdown()
