"""Settings of one app process for serving a lecture hall: what Gradio and Python do for every
event, session or allocation that this app does not need. One interpreter runs every student's
events, so each millisecond it spends here is a millisecond every other student waits.
Measured in benchmarks/README.md (class mode).

    configure()  once, before the app is built (app.py does it on import)
    settle()     once the app is built and torch imported (app.launch does it)
"""

from __future__ import annotations

import asyncio
import gc
import importlib.util
import os
import sys
import time

# Collect the young generation after 10,000 new container objects instead of 700: the objects of
# an event in flight (requests, figures, JSON) mostly die before that, so far fewer of them are
# promoted to the older generations, whose collections stop every thread for hundreds of ms. Not
# 100,000: each young collection then walked up to 100,000 objects,
# 60-120 ms with every thread stopped, every 10 s of a class; at 10,000 they
# take 10-25 ms, and older collections stay as rare (benchmarks/README.md, class mode).
YOUNG_THRESHOLD = 10_000
OLDER_THRESHOLDS = (50, 100)  # collections of the generation below before an older one

# The longest Gradio's queue waits for work without being woken (Gradio's own poll on Windows).
QUEUE_FALLBACK = 0.05


class _WithoutDeepLinks:
    """What Gradio's SessionState reads of the Blocks, with no block to copy for a deep link."""

    def __init__(self, blocks):
        self.default_config = blocks.default_config
        self.blocks = {}


def configure() -> None:
    """Before the app is built (idempotent).

    1. Gradio's queue rebuilds a pandas summary of its last 10,000 events after every event, for
       a monitoring dashboard this app never enables: 4-13 ms of the interpreter per event, more
       as events pile up. Once in a billion events instead (read when the queue is made).
    2. Gradio's SessionState copies the config of every block (1,208 here) when a session makes
       its first event, for gr.DeepLinkButton, which this app does not use: 77 ms of the
       interpreter per student and 5,300 objects that every full collection walks, for as long
       as the session lives. Gradio adds a block's config on its own when one is set later.
    3. The garbage collector's young generation (YOUNG_THRESHOLD).
    4. Gradio's queue looks for work every 1 ms while it has none to start, a wake-up of the
       event loop each time: 0.043 of a core in an idle server, twice what 100 students sending
       to a class add to it. It now waits until an event joins or a job ends (_wake_on_work).
    5. Gradio runs every event inside a switch of matplotlib's backend, which imports matplotlib
       twice; where it is not installed (this app does not use it), each failed import searches
       sys.path again: 78 µs of the event loop per event. None in sys.modules fails it at once.
    """
    os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", str(10**9))
    from gradio import state_holder

    init = state_holder.SessionState.__init__
    if not getattr(init, "without_deep_links", False):

        def session_state_init(self, blocks):
            init(self, _WithoutDeepLinks(blocks))

        session_state_init.without_deep_links = True
        state_holder.SessionState.__init__ = session_state_init
    gc.set_threshold(YOUNG_THRESHOLD, *OLDER_THRESHOLDS)
    _wake_on_work()
    if "matplotlib" not in sys.modules and importlib.util.find_spec("matplotlib") is None:
        sys.modules["matplotlib"] = None


def _wake_on_work() -> None:
    """Gradio's Queue starts jobs when woken by a push or a finished job, not by polling (idempotent)."""
    from gradio.queueing import Queue

    if getattr(Queue.start_processing, "wakes_on_work", False):
        return
    push, process_events = Queue.push, Queue.process_events

    async def push_and_wake(self, *args, **kwargs):
        try:
            return await push(self, *args, **kwargs)
        finally:
            _wake(self)

    async def process_events_and_wake(self, *args, **kwargs):
        try:
            return await process_events(self, *args, **kwargs)
        finally:
            _wake(self)  # a job's slot and its concurrency are free again

    start_processing.wakes_on_work = True
    Queue.push, Queue.process_events, Queue.start_processing = push_and_wake, process_events_and_wake, start_processing


def _wake(queue) -> None:
    if (waiter := getattr(queue, "waiter", None)) is not None and not waiter.done():
        waiter.set_result(None)


async def start_processing(self) -> None:
    """Gradio 6.31's Queue.start_processing (gradio/queueing.py) as it is, but for how it waits: on a
    future that a push or a finished job resolves (_wake), or QUEUE_FALLBACK, instead of 1 ms and again.
    A resolved future resumes the loop in the next turn of the event loop, as a timer's did (an
    asyncio.Event under wait_for takes three). Everything runs on the one event loop, so nothing can
    join between finding no work and making the future."""
    from gradio.utils import run_coro_in_background, set_task_name

    loop = asyncio.get_running_loop()
    try:
        while not self.stopped:
            event_batch = None
            if len(self) and None in self.active_jobs:
                async with self.delete_lock:  # Using mutex to avoid editing a list in use
                    event_batch = self.get_events()
            if not event_batch:
                self.waiter = loop.create_future()
                fallback = loop.call_later(QUEUE_FALLBACK, _wake, self)
                await self.waiter
                fallback.cancel()
                continue

            events, batch, concurrency_id = event_batch
            self.active_jobs[self.active_jobs.index(None)] = events
            event_queue = self.event_queue_per_concurrency_id[concurrency_id]
            event_queue.current_concurrency += 1
            start_time = time.time()
            fn = events[0].fn
            event_queue.start_times_per_fn[fn].add(start_time)
            for event in events:
                if (a := self.event_analytics.get(event._id)) is not None:
                    a["status"] = "processing"
            process_event_task = run_coro_in_background(self.process_events, events, batch, start_time, fn)
            set_task_name(process_event_task, events[0].session_hash, fn._id, events[0]._id, batch)

            self._asyncio_tasks.add(process_event_task)
            process_event_task.add_done_callback(self._asyncio_tasks.discard)
            if self.live_updates:
                self.broadcast_estimations(concurrency_id)
    finally:
        self.stopped = True
        self._cancel_asyncio_tasks()


def settle() -> None:
    """Once the app is built and torch imported: collect once, then freeze what is left (modules,
    the app's blocks, torch: about 400,000 objects that live as long as the process), so that no
    later collection walks them again. A full collection took 220 ms with them."""
    gc.collect()
    gc.freeze()
