"""The process settings of deploy/tuning.py hold on the Gradio and Python this app runs on."""

import gc
import importlib.util
import sys
import time

import gradio as gr
import pytest
from gradio_client import Client

import app  # noqa: F401  (configures the process, as `python app.py` does)
from deploy import tuning
from deploy.hall import free_port


def serve(demo: gr.Blocks) -> Client:
    demo.queue()
    demo.launch(server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True)
    return Client(demo.local_url, verbose=False)


def test_the_queue_does_not_rebuild_gradios_analytics_after_every_event():
    """Gradio rebuilds a pandas summary of its last 10,000 events after each event unless told."""
    with gr.Blocks() as demo:
        number = gr.Number()
        number.change(lambda x: x, number, number, api_name="echo")
    try:
        client = serve(demo)
        assert [client.predict(x, api_name="/echo") for x in (1, 2, 3)] == [1, 2, 3]
        assert demo._queue.events_recorded == 3
        assert demo._queue.event_count_at_last_cache == 0, "the summary was rebuilt"
    finally:
        demo.close()


def test_a_new_session_copies_no_block_config_and_its_state_still_works():
    """Gradio copies every block's config into a new session for deep links (77 ms and 5,300
    objects a student in this app); without it a session's state and updates work as before."""
    from gradio.state_holder import SessionState

    with gr.Blocks() as demo:
        boxes = [gr.Textbox(str(i)) for i in range(50)]
        count = gr.State(0)
        shown = gr.Textbox()
        button = gr.Button()

        def press(n):
            return n + 1, gr.Textbox(value=f"pressed {n + 1}", label="pressed")

        button.click(press, count, [count, shown], api_name="press")
    assert SessionState(demo).config_values == {}
    try:
        client = serve(demo)
        assert client.predict(api_name="/press")["value"] == "pressed 1"
        assert client.predict(api_name="/press")["value"] == "pressed 2"  # the session's gr.State kept 1
        session = demo.server_app.state_holder[client.session_hash]
        assert set(session.config_values) <= {shown._id, count._id}  # only what an event set
        assert boxes[0]._id not in session.config_values
    finally:
        demo.close()
    tuning.configure()  # a second call does not wrap the constructor again
    assert SessionState.__init__.without_deep_links


def test_the_queue_starts_each_job_when_woken_by_its_push_or_a_finished_job(monkeypatch):
    """Gradio's queue polled every 1 ms for work; it now waits to be woken. Were a wake missed, a job
    would wait for the fallback, here two minutes: three jobs of a one-at-a-time event, sent at once
    to an idle queue, need one wake by a push and two by finished jobs."""
    from gradio.queueing import Queue

    assert Queue.start_processing.wakes_on_work
    monkeypatch.setattr(tuning, "QUEUE_FALLBACK", 120.0)
    with gr.Blocks() as demo:
        number = gr.Number()

        def slow(x):
            time.sleep(0.2)
            return x + 1

        number.change(slow, number, number, api_name="slow", concurrency_limit=1)
    try:
        client = serve(demo)
        assert client.predict(0, api_name="/slow") == 1  # woken by its push
        time.sleep(0.5)  # idle: waiting, now with the two minutes
        jobs = [client.submit(x, api_name="/slow") for x in (1, 2, 3)]
        assert [job.result(timeout=30) for job in jobs] == [2, 3, 4]
    finally:
        monkeypatch.setattr(tuning, "QUEUE_FALLBACK", 0.05)
        client.predict(0, api_name="/slow")  # wakes the queue's wait, which now ends soon after close
        demo.close()
    tuning.configure()  # a second call does not wrap the queue's methods again
    assert Queue.push.__name__ == "push_and_wake"


def test_the_collector_spares_long_lived_objects():
    assert gc.get_threshold() == (tuning.YOUNG_THRESHOLD, *tuning.OLDER_THRESHOLDS)
    tuning.settle()
    assert gc.get_freeze_count() > 10_000  # the modules, gradio and the app's blocks at least


def test_gradios_matplotlib_switch_around_every_event_imports_nothing_where_matplotlib_is_missing():
    """Gradio imports matplotlib twice around every event; a missing one fails at once, without a search."""
    if sys.modules.get("matplotlib") is not None:
        pytest.skip("matplotlib is installed here: configure() leaves it alone")
    assert "matplotlib" in sys.modules and sys.modules["matplotlib"] is None
    searched = []
    sys.meta_path.insert(0, type("Spy", (), {"find_spec": lambda *a, **k: searched.append(a[1])})())
    try:
        with pytest.raises(ImportError):
            import matplotlib  # noqa: F401
        from gradio.utils import MatplotlibBackendMananger

        with MatplotlibBackendMananger():
            pass
    finally:
        sys.meta_path.pop(0)
    assert searched == []
    del sys.modules["matplotlib"]
    try:
        assert importlib.util.find_spec("matplotlib") is None  # so configure() has a reason to set it
    finally:
        tuning.configure()
