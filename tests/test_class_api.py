"""Class mode's public API against the served app: a class played through, and bad input."""

from __future__ import annotations

import math

import gradio as gr
import numpy as np
import pytest
from gradio_client.exceptions import AppError

from demos import mnist_data
from demos.basics import gradient_descent as G
from demos.basics import linear_model as L
from demos.classroom import activities as A

PLAYGROUND = {
    "dataset": "moons", "n": 200, "noise": 0.1, "test_pct": 30, "seed": 0, "layers": "4, 4",
    "activation": "tanh", "features": ["x₁", "x₂"], "optimizer": "adam", "lr": 0.03, "batch_size": 32,
    "l2": 0.0, "epochs": 50,
}  # fmt: skip


def seven() -> list[list[int]]:
    x, y = mnist_data.raw()["x_test"], mnist_data.raw()["y_test"]
    return x[int(np.flatnonzero(y == 7)[0])].tolist()


def test_a_class_through_the_api(client):
    made = client.predict("", api_name="/class_create")
    code, key = made["code"], made["teacher_key"]
    ann = client.predict(code, "Ann", api_name="/class_join")
    bob = client.predict(code.lower(), "", api_name="/class_join")
    assert (ann["student"], bob["student"]) == (1, 2) and ann["student_token"] != bob["student_token"]

    def send(who, activity, payload):
        return client.predict(code, who["student"], who["student_token"], activity, payload, api_name="/class_submit")

    lin = send(ann, "linear", {"w": 1.5, "b": 0.25})["submission"]
    send(ann, "gradient", {"mode": "batch", "lr": 0.25, "epochs": 50, "w0": 1.0, "seed": 0, "batch_size": 2})
    send(bob, "gradient", {"mode": "batch", "lr": 0.1, "epochs": 50, "w0": 1.0, "seed": 0})
    send(bob, "digit", {"image": seven(), "label": 7})
    send(bob, "playground", {"settings": PLAYGROUND, "accuracy": 91.5})

    summary = client.predict(code, api_name="/class_summary")
    assert summary["students"] == 2 and summary["counts"] == {"linear": 1, "gradient": 2, "digit": 1, "playground": 1}
    assert "Ann" not in str(summary) and "student_token" not in str(summary)  # anonymous
    (point,) = summary["linear"]
    assert math.isclose(point["mse"], L.mse(1.5, 0.25))  # computed by the server, as the L2 tab does
    fast, slow = summary["gradient"]
    assert fast["diverged"] and not slow["diverged"]  # 0.25 > 3/14, the batch limit
    assert fast["bound"] == slow["bound"] == G.largest_stable_lr("batch", 2)
    digits = summary["digits"]
    assert np.asarray(digits["confusion"]["best_cnn"])[7, 7] == 1 and digits["accuracy"]["best_cnn"] == 1.0
    assert "image" not in str(summary)  # the drawings only go to the teacher's export
    (net,) = summary["playground"]
    assert net["params"] == (2 * 4 + 4) + (4 * 4 + 4) + (4 + 1) and net["accuracy"] == 91.5

    # take back (own only), remove (teacher only), export, close
    with pytest.raises(AppError, match="no such submission"):
        client.predict(code, 2, bob["student_token"], lin, api_name="/class_withdraw")
    client.predict(code, 1, ann["student_token"], lin, api_name="/class_withdraw")
    exported = client.predict(code, key, api_name="/class_export")
    assert [s["activity"] for s in exported["submissions"]] == ["gradient", "gradient", "digit", "playground"]
    assert exported["digits"]["label"] == [7] and exported["digits"]["reads"]["best_cnn"] == [7]
    wrong = key[:-1] + ("y" if key.endswith("x") else "x")  # one character off, never the key itself
    with pytest.raises(AppError, match="Wrong teacher key"):
        client.predict(code, wrong, exported["submissions"][0]["submission"], api_name="/class_remove")
    client.predict(code, key, exported["submissions"][0]["submission"], api_name="/class_remove")
    assert client.predict(code, api_name="/class_summary")["counts"]["gradient"] == 1
    client.predict(code, key, api_name="/class_close")
    with pytest.raises(AppError, match="closed"):
        send(ann, "linear", {"w": 1, "b": 0})


@pytest.mark.parametrize(
    ("activity", "payload", "message"),
    [
        ("linear", {"w": 9, "b": 0}, "w must be between"),
        ("linear", {"w": "1e999", "b": 0}, "w must be a finite number"),  # inf: NaN cannot travel as JSON
        ("linear", {"b": 0}, "missing “w”"),
        ("linear", [1, 2], "JSON object"),
        ("gradient", {"mode": "adam", "lr": 0.1, "epochs": 5, "w0": 1, "seed": 0}, "mode must be one of"),
        ("gradient", {"mode": "sgd", "lr": 0, "epochs": 5, "w0": 1, "seed": 0}, "lr must be above 0"),
        ("gradient", {"mode": "sgd", "lr": 0.1, "epochs": 10**9, "w0": 1, "seed": 0}, "epochs must be between"),
        ("digit", {"image": [[0] * 28] * 27, "label": 3}, "28×28"),
        ("digit", {"image": [[300] * 28] * 28, "label": 3}, "28×28"),
        ("digit", {"image": [[0] * 28] * 28, "label": 3}, "pad is empty"),
        ("digit", {"image": [[255] * 28] * 28, "label": 12}, "Pick the digit"),
        ("digit", {"image": "x" * 100_000, "label": 1}, "28×28"),
        ("playground", {"settings": {**PLAYGROUND, "layers": "4, x"}, "accuracy": 90}, "x"),
        ("playground", {"settings": PLAYGROUND, "accuracy": 190}, "accuracy must be between"),
        ("playground", {"settings": {**PLAYGROUND, "features": "x₁"}, "accuracy": 90}, "list of names"),
        ("poem", {}, "activity must be one of"),
    ],
)
def test_bad_sends_get_a_clear_message_in_both_languages(client, activity, payload, message):
    code = client.predict("", api_name="/class_create")["code"]
    me = client.predict(code, "", api_name="/class_join")
    with pytest.raises(AppError, match=message) as info:
        client.predict(code, me["student"], me["student_token"], activity, payload, api_name="/class_submit")
    assert " / " in str(info.value) and "Traceback" not in str(info.value)  # English / 中文


def test_bad_codes_tokens_and_nicknames(client):
    made = client.predict("", api_name="/class_create")
    code = made["code"]
    for bad in ("", "ZZZZZ", "x" * 5000):
        with pytest.raises(AppError, match="no class with the code"):
            client.predict(bad, "n", api_name="/class_join")
    with pytest.raises(AppError, match="at most 40 characters"):
        client.predict(code, "n" * 41, api_name="/class_join")
    me = client.predict(code, "", api_name="/class_join")
    for student, token in ((me["student"], "wrong"), (me["student"] + 1, me["student_token"]), (-1, "")):
        with pytest.raises(AppError, match="not a student of this class"):
            client.predict(code, student, token, "linear", {"w": 1, "b": 0}, api_name="/class_submit")
    with pytest.raises(AppError, match="Wrong teacher key"):
        client.predict(code, "", api_name="/class_export")


def test_a_playground_link_opens_the_same_settings():
    """The leaderboard's link carries every setting the playground link names, and the links module
    reads it back to the same values (lr from the tab's list)."""
    import urllib.parse

    query = A.playground_link(PLAYGROUND)
    params = dict(urllib.parse.parse_qsl(query[1:]))
    assert params["tab"] == "playground" and set(params) - {"tab"} == set(A.LINK_NAMES.values())
    assert params["pg_features"] == "x₁,x₂" and params["pg_layers"] == "4, 4" and params["pg_lr"] == "0.03"
    assert "pg_lr" not in dict(urllib.parse.parse_qsl(A.playground_link({**PLAYGROUND, "lr": 0.07})[1:]))


def test_the_projector_says_once_that_its_class_is_gone_and_stops_ticking():
    from demos.classroom import tab

    out = tab.on_tick({"code": "ZZZZZ", "teacher_key": "k" * 32}, None, "en")
    assert "no class with the code “ZZZZZ”" in out[0] and out[-1].active is False
    assert len(out) == tab.VIEWS + 2
    made = tab.service.create("", None, "en")
    teacher = {"code": made["code"], "teacher_key": made["teacher_key"]}
    first = tab.on_tick(teacher, None, "zh")
    assert "0 名同学已加入" in first[0] and first[-1] == gr.skip()
    again = tab.on_tick(teacher, first[-2], "zh")  # nothing new: nothing sent
    assert all(v == gr.skip() for v in again)


def test_a_students_sends_are_one_post_each_outside_the_queue(client, server_url: str):
    """A send, a take-back and a join are direct (service.DIRECT): one plain POST, answered at once,
    refusals included; the teacher's operations stay queued (a direct POST is refused)."""
    import httpx

    def post(name: str, *data) -> httpx.Response:
        return httpx.post(f"{server_url}gradio_api/run/{name}", json={"data": list(data)}, timeout=30)

    code = client.predict("", api_name="/class_create")["code"]
    ann = post("class_join", code, "Ann").json()["data"][0]
    sent = post("class_submit", code, ann["student"], ann["student_token"], "linear", {"w": 2.0, "b": 0.0})
    assert sent.status_code == 200 and sent.json()["data"][0]["submission"] > 0
    refused = post("class_submit", code, ann["student"], "wrong token", "linear", {"w": 2.0, "b": 0.0})
    assert refused.status_code == 500 and "You are not a student of this class" in refused.json()["error"]
    back = post("class_withdraw", code, ann["student"], ann["student_token"], sent.json()["data"][0]["submission"])
    assert back.status_code == 200
    for queued in (post("class_summary", code), post("sigmoids_fit", "lee", "sigmoid", 6, 0, 3000, 0.05)):
        assert queued.status_code == 404 and "join the queue" in queued.text  # its limits hold (app.py api_open)

    import app  # the page's own events: the Send buttons and take-back direct, the join queued

    demo = app.build_app()
    events = {fn.name: fn.queue for fn in demo.fns.values() if fn.name in ("send", "on_withdraw", "on_mine", "on_join")}
    assert events == {"send": False, "on_withdraw": False, "on_mine": False, "on_join": True}
