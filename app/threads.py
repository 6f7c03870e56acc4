"""Worker threads that the event loop hands blocking calls to: a render, a folder's peek or read.

A lean executor, in place of `loop.run_in_executor` with a ThreadPoolExecutor. That one
makes a concurrent Future for each call (a Condition, taken and notified several times),
chains it to an asyncio future with callbacks both ways, and runs `asyncio.wait_for` for a
timeout: measured on uvloop on the 2-core bench machine, 140-165 us of CPU per hand-off of
an empty call, against 110-120 us here, where a call is a loop future, a queue put, and
`call_soon_threadsafe` back (issue 16: a cold answer makes two or three hand-offs). Most
of what is left is the two wake-ups, of the thread and of the loop.

What it keeps of the executor's behaviour:
- at most `size` threads, each started when a call finds none idle;
- a call cancelled (its requester gone, its timeout passed) before a thread takes it never
  runs; one already running finishes in its thread and its result is dropped;
- after `shutdown()` a call is refused (RuntimeError), the queued ones are cancelled, idle
  threads end and a running one ends after its call.

The threads are daemons: a call stuck in a stalled disk read must not keep a worker process
from exiting (uvicorn has already waited for the requests by then).
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

_Call = tuple["asyncio.Future[Any]", Callable[..., Any], tuple[Any, ...]]


class Threads:
    def __init__(self, size: int, name: str) -> None:
        self.size = size
        self.name = name
        self._calls: queue.SimpleQueue[_Call | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        # Threads free for a call not yet claimed by one (ThreadPoolExecutor's count): a
        # thread adds itself after each call, a submit claims one. Changed under _lock.
        self._idle = 0
        self._lock = threading.Lock()
        self._closed = False

    def submit(self, fn: Callable[..., T], *args: Any) -> asyncio.Future[T]:
        """`fn(*args)` in one of the threads; its future, of the running loop."""
        if self._closed:
            raise RuntimeError(f"{self.name}: cannot take calls after shutdown")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        with self._lock:  # an idle thread is claimed for this call, else one is started
            if self._idle:
                self._idle -= 1
            elif len(self._threads) < self.size:
                self._start()
        self._calls.put((future, fn, args))
        return future

    async def call(self, fn: Callable[..., T], *args: Any, timeout: float | None = None) -> T:
        """`await` of `fn(*args)` in a thread; TimeoutError after `timeout` seconds (the call
        then is dropped if no thread has taken it yet, else left to end by itself)."""
        future = self.submit(fn, *args)
        if timeout is None:
            return await future
        timer = future.get_loop().call_later(timeout, _expire, future)
        try:
            return await future
        finally:
            timer.cancel()

    def shutdown(self) -> None:
        """Refuse new calls, cancel the queued ones; the threads end once idle."""
        self._closed = True
        while True:
            try:
                call = self._calls.get_nowait()
            except queue.Empty:
                break
            if call is not None:
                _cancel(call[0])
        for _ in self._threads:
            self._calls.put(None)

    def _start(self) -> None:
        thread = threading.Thread(
            target=self._work, name=f"{self.name}_{len(self._threads)}", daemon=True
        )
        self._threads.append(thread)
        thread.start()

    def _work(self) -> None:
        calls, lock = self._calls, self._lock
        while True:
            call = calls.get()
            if call is None:  # shut down
                return
            future = call[0]
            outcome = _run(*call)
            del call
            # Idle again before the loop hears of it: its next call then finds this thread.
            with lock:
                self._idle += 1
            if outcome is not None:
                _settle_later(future, *outcome)
            del future, outcome  # hold nothing while idle (an original's bytes)


def _run(
    future: asyncio.Future[Any], fn: Callable[..., Any], args: tuple[Any, ...]
) -> tuple[Any, BaseException | None] | None:
    """(result, None) or (None, exception) of the call; None if it was not to run."""
    if future.done():  # cancelled or timed out while queued (a benign race: read unlocked)
        return None
    try:
        return fn(*args), None
    except BaseException as exc:  # noqa: BLE001 - handed to the awaiting task
        return None, exc


def _settle_later(future: asyncio.Future[Any], result: Any, exc: BaseException | None) -> None:
    try:
        future.get_loop().call_soon_threadsafe(_settle, future, result, exc)
    except RuntimeError:  # the loop is closed: nobody waits any more
        pass


def _settle(future: asyncio.Future[Any], result: Any, exc: BaseException | None) -> None:
    if future.done():  # cancelled or timed out meanwhile
        return
    if exc is None:
        future.set_result(result)
    else:
        future.set_exception(exc)


def _expire(future: asyncio.Future[Any]) -> None:
    if not future.done():
        future.set_exception(TimeoutError())


def _cancel(future: asyncio.Future[Any]) -> None:
    loop = future.get_loop()
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        future.cancel()
    else:
        try:
            loop.call_soon_threadsafe(future.cancel)
        except RuntimeError:  # closed
            pass
