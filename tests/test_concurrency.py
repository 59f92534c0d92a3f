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
