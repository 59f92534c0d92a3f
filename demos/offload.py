"""Live training off the serving interpreter: each run in a process of its own.

One Python interpreter serves every student's drag and draw. A training run in it
holds the GIL for most of each step, so two students training made everyone else's
events wait their turn for it (drag p95 1.85x with 2 trainers). A run in a child
process competes only for the CPU, where the kernel's scheduler lets a drag's few
milliseconds in at once: the child runs at idle priority (SCHED_IDLE).

The children fork from one fork server that has imported torch and every tab
(``demos.offload_preload``), so a run starts in tens of milliseconds. A run is a
module-level function, sent by reference with its arguments; a generator's frames
come back one at a time, and the child computes the next frame only when the page
asks for it (as the generator would in-process), so Stop and Gradio's time limit
behave as before: closing the stream kills the child.

``APP_TRAIN_PROCESSES=0`` keeps runs in the serving process (and so does a platform
without fork servers, Windows).
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import multiprocessing
import os
import pickle
import threading
from pathlib import Path

import gradio as gr

_FRAME, _DONE, _ERROR = "frame", "done", "error"
_NEXT = b"n"
ROOT = str(Path(__file__).resolve().parents[1])  # the app's folder, where `demos` imports from

CRASHED = "训练进程意外结束（退出码 {code}），请再试一次。/ The training process ended unexpectedly (exit code {code}); please try again."


def enabled() -> bool:
    """Runs go to child processes: on unless APP_TRAIN_PROCESSES=0, where fork servers exist (not Windows)."""
    if os.environ.get("APP_TRAIN_PROCESSES", "1").strip() == "0":
        return False
    return "forkserver" in multiprocessing.get_all_start_methods()


def sendable(fn) -> bool:
    """A child can import ``fn`` by name: a module-level function (not a closure or a lambda)."""
    return "<" not in getattr(fn, "__qualname__", "<") and bool(getattr(fn, "__module__", None))


_LOCK = threading.Lock()


@functools.cache
def _context():
    # Python 3.11's fork server ignores the parent's sys.path (its preload would fail silently, and each
    # run would import torch itself, seconds): it finds the app through PYTHONPATH instead.
    paths = os.environ.get("PYTHONPATH", "").split(os.pathsep)
    if ROOT not in paths:
        os.environ["PYTHONPATH"] = os.pathsep.join([ROOT, *filter(None, paths)])
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["demos.offload_preload"])
    return ctx


def start() -> None:
    """Start the fork server now (it imports torch and the tabs, a few seconds) rather than on the first run."""
    if enabled():
        with _LOCK:
            from multiprocessing import forkserver

            _context()
            forkserver.ensure_running()


def stream(fn, *args):
    """``fn(*args)`` run in a child process: yields a generator's frames, returns a function's result
    (as a generator's ``StopIteration`` value). Exceptions raised in the child are raised here."""
    ctx = _context()
    with _LOCK:  # ensure_running is not thread-safe before the server exists
        here, there = ctx.Pipe()
        child = ctx.Process(target=_serve, args=(there, pickle.dumps((fn, args))), daemon=True)
        child.start()
    there.close()
    try:
        while True:
            kind, value = _receive(here, child)
            if kind == _FRAME:
                yield value
                here.send_bytes(_NEXT)
            elif kind == _DONE:
                return value
            else:
                raise value
    finally:
        here.close()  # a child waiting for _NEXT reads end-of-file and leaves
        if child.is_alive():
            child.kill()
        child.join()
        child.close()  # its sentinel's file descriptor, now rather than when collected


def call(fn, *args):
    """``fn(*args)`` run in a child process, for a function that returns (an API's fit)."""
    frames = stream(fn, *args)
    while True:
        try:
            next(frames)
        except StopIteration as done:
            return done.value


def api(fn):
    """``fn`` for ``gr.api``: in a child process when runs are offloaded. Same name, signature and docs."""

    @functools.wraps(fn)
    def offloaded(*args, **kwargs):
        if not enabled():
            return fn(*args, **kwargs)
        bound = inspect.signature(fn).bind(*args, **kwargs)
        bound.apply_defaults()
        return call(fn, *bound.args)

    return offloaded


def _receive(here, child):
    try:
        return pickle.loads(here.recv_bytes())
    except (EOFError, OSError):
        child.join(5)
        raise gr.Error(CRASHED.format(code=child.exitcode)) from None


def _serve(there, payload: bytes) -> None:
    """In the child: run ``fn(*args)`` and send back its frames, each after the parent asked for it.

    Plain pickle, not the connection's own: multiprocessing's pickler would move tensors into shared
    memory and pass file descriptors, where bytes are all a frame needs."""
    _yield_to_the_server()
    try:
        fn, args = pickle.loads(payload)
        out = fn(*args)
        if inspect.isgenerator(out):
            for frame in out:
                there.send_bytes(pickle.dumps((_FRAME, frame)))
                there.recv_bytes()  # the parent's next(): EOFError when it closed the run
            out = None
        there.send_bytes(pickle.dumps((_DONE, out)))
    except (EOFError, BrokenPipeError):
        return  # the parent stopped listening: the run ends here
    except BaseException as e:  # noqa: BLE001 - every error goes back to the page
        there.send_bytes(_pickled_error(e))


def _yield_to_the_server() -> None:
    """A run takes only the CPU time no one else wants. Linux's SCHED_IDLE: a waking server thread
    (a drag's event) preempts a training step at once. Measured with 100 senders and 2 trainers, the
    drag p95 ratio was 1.09 at SCHED_IDLE against 1.57 at nice 10 (benchmarks/README.md, class mode).
    Elsewhere, the lowest nice priority."""
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):
        with contextlib.suppress(OSError):
            os.nice(19)


def _pickled_error(e: BaseException) -> bytes:
    try:
        out = pickle.dumps((_ERROR, e))
        pickle.loads(out)
        return out
    except Exception:  # noqa: BLE001 - an exception that does not cross processes: its text does
        return pickle.dumps((_ERROR, RuntimeError(f"{type(e).__name__}: {e}")))
