"""Training runs in child processes (demos/offload.py): frames, results and errors cross intact, a run
computes only the frames asked for, and closing it ends the child."""

import os
import sys

import gradio as gr
import pytest

from demos import live, offload

pytestmark = pytest.mark.skipif(not offload.enabled(), reason="no fork server on this platform")


# ---- run in the child: module-level, so the child imports them by name ----


def where() -> tuple[int, bool, int | None, int | None]:
    """(pid, whether the fork server's preload ran, torch's intra-op threads if imported, the scheduling policy)."""
    torch = sys.modules.get("torch")
    threads = torch.get_num_threads() if torch else None
    policy = os.sched_getscheduler(0) if hasattr(os, "sched_getscheduler") else None  # Linux
    return os.getpid(), "demos.offload_preload" in sys.modules, threads, policy


def count(n: int, log: str):
    """Frames 0..n-1; each frame computed is logged, to see how far the child ran ahead."""
    for i in range(n):
        with open(log, "a") as f:
            f.write(f"{i}\n")
        yield i, os.getpid()


def refuse(message: str):
    raise gr.Error(message)


class Unpicklable(Exception):
    def __init__(self, a, b):  # pickle rebuilds an exception from its args: this one cannot be
        super().__init__(a)
        self.b = b


def raise_unpicklable():
    raise Unpicklable("lost in transit", lambda: None)


def die(code: int):
    os._exit(code)


def double(x: float, y: float = 2.0) -> dict:
    """Docs of a fit."""
    return {"sum": x * y, "pid": os.getpid()}


# ---- tests ----


def test_a_call_runs_in_a_child_forked_from_the_preloaded_server():
    pid, preloaded, threads, policy = offload.call(where)
    assert pid != os.getpid()
    assert preloaded, "the fork server's preload failed: each run would import torch and the tabs itself"
    assert threads == 1  # as the server runs torch (demos.ui.torch_ready)
    assert policy == getattr(os, "SCHED_IDLE", None)  # training takes only the CPU the server's events leave


def test_a_stream_computes_only_the_frames_asked_for_and_closing_it_ends_the_child(tmp_path):
    log = tmp_path / "frames.txt"
    frames = offload.stream(count, 100, str(log))
    (first, pid), (second, _) = next(frames), next(frames)
    assert (first, second) == (0, 1) and pid != os.getpid()
    frames.close()
    assert log.read_text().split() == ["0", "1"]  # the child waited for the page before each frame
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # joined: gone
    assert [i for i, _ in offload.stream(count, 3, str(tmp_path / "all.txt"))] == [0, 1, 2]


def test_errors_cross_with_their_message():
    with pytest.raises(gr.Error) as error:
        offload.call(refuse, "lr must be between 0 and 1 / lr 必须在 0 和 1 之间")
    assert "lr 必须" in str(error.value)
    with pytest.raises(RuntimeError, match="Unpicklable: lost in transit"):
        offload.call(raise_unpicklable)


def test_a_child_that_dies_is_a_clear_message_and_the_next_run_works():
    with pytest.raises(gr.Error, match="exit code 3"):
        offload.call(die, 3)
    assert offload.call(double, 2.0)["sum"] == 4.0


def test_api_keeps_the_signature_and_runs_in_a_child(monkeypatch):
    import inspect

    fit = offload.api(double)
    assert fit.__name__ == "double" and fit.__doc__ == "Docs of a fit."
    assert inspect.signature(fit) == inspect.signature(double)
    out = fit(3.0)
    assert out["sum"] == 6.0 and out["pid"] != os.getpid()
    assert fit(3.0, y=3.0)["sum"] == 9.0
    monkeypatch.setenv("APP_TRAIN_PROCESSES", "0")
    assert fit(1.0)["pid"] == os.getpid()


def test_only_module_level_functions_are_sent():
    assert offload.sendable(count) and offload.sendable(live.curves_figure)
    assert not offload.sendable(lambda: None)

    def nested():
        yield 1

    assert not offload.sendable(nested)


def test_the_train_button_runs_a_module_level_generator_in_a_child(tmp_path):
    with gr.Blocks() as demo:
        n, log, out = gr.Number(3), gr.Textbox(str(tmp_path / "log")), gr.JSON()
        start, stop = gr.Button(), gr.Button()
        live.train_button(start, stop, count, [n, log], out, concurrency_id="toy_offload")
    run = next(fn.fn for fn in demo.fns.values() if fn.fn.__name__ == "run")

    class Request:
        session_hash = "me"

    frames = list(run(Request(), 3, str(tmp_path / "log")))
    assert [i for i, _ in frames] == [0, 1, 2]
    assert {pid for _, pid in frames} != {os.getpid()}


def test_the_app_sends_its_training_apis_to_children():
    import app

    demo = app.build_app()
    fns = {fn.api_name: fn.fn for fn in demo.fns.values()}
    for name in ("sigmoids_fit", "playground", "rnn_train", "gradient_flow"):
        assert fns[name].__code__.co_name == "offloaded", name  # offload.api, under the fit's own name
