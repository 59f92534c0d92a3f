"""One student's long training must not hold up another's slider."""

import time

from gradio_client import Client


def test_a_training_run_does_not_block_cheap_events(server_url):
    trainer = Client(server_url, ssl_verify=False, verbose=False)
    student = Client(server_url, ssl_verify=False, verbose=False)
    # The playground's largest network, one sample per step: seconds of work.
    job = trainer.submit(
        "spirals",
        600,
        0.2,
        20,
        0,
        "16, 16, 16, 16, 16, 16",
        "tanh",
        ["x₁", "x₂"],
        "adam",
        0.01,
        1,
        0.0,
        3,
        api_name="/playground",
    )
    deadline = time.monotonic() + 30
    while job.status().code.name not in ("PROCESSING", "FINISHED") and time.monotonic() < deadline:
        time.sleep(0.05)
    answers = [student.predict(w, 0.0, api_name="/linear_mse") for w in (1.0, 2.0, 3.0)]
    assert answers[1] == 0.0
    assert not job.done(), "the cheap calls waited for the training run"
    result = job.result(timeout=120)
    assert len(result["train_loss"]) == 3


def test_the_queue_does_not_rebuild_gradios_analytics_after_every_event():
    """Gradio's queue rebuilds a pandas summary of its last 10,000 events after each event (for a
    monitoring dashboard the app never enables): milliseconds of the one interpreter per event, more
    as events pile up. The app turns that off for every Blocks its process builds."""
    import gradio as gr

    import app  # noqa: F401  (sets the process's Gradio settings)
    from deploy.hall import free_port

    with gr.Blocks() as demo:
        number = gr.Number()
        number.change(lambda x: x, number, number, api_name="echo")
    demo.queue()
    demo.launch(server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True)
    try:
        client = Client(demo.local_url, verbose=False)
        assert [client.predict(x, api_name="/echo") for x in (1, 2, 3)] == [1, 2, 3]
        assert demo._queue.events_recorded == 3
        assert demo._queue.event_count_at_last_cache == 0, "the summary was rebuilt"
    finally:
        demo.close()
