"""Class mode through whole app processes: a class that outlives its server, a hundred students
sending at once, and a database that cannot be used (the Class tab says so; the rest works)."""

from __future__ import annotations

import signal
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError
from test_benchmarks import load_module


def serve(db: Path) -> tuple[subprocess.Popen, str]:
    """`python app.py` on a free port with its class database at ``db``; (process, url) once it serves."""
    load = load_module("load")  # benchmarks/load.py's start_server: the one way the project starts the app
    return load.start_server(timeout=120.0, env={"CLASS_DB": str(db)})


def client_of(url: str) -> Client:
    return Client(url, ssl_verify=False, verbose=False)


@pytest.mark.browser
def test_a_class_survives_a_killed_server(tmp_path, page):
    from playwright.sync_api import expect

    db = tmp_path / "classes.sqlite"
    proc, url = serve(db)
    try:
        c = client_of(url)
        made = c.predict("", api_name="/class_create")
        me = c.predict(made["code"], "Ann", api_name="/class_join")
        c.predict(made["code"], 1, me["student_token"], "linear", {"w": 1.75, "b": 0.5}, api_name="/class_submit")
        c.predict(made["code"], 1, me["student_token"], "gradient", {"mode": "sgd", "lr": 0.05, "epochs": 20,
                  "w0": 0, "seed": 1}, api_name="/class_submit")  # fmt: skip
        before = c.predict(made["code"], api_name="/class_summary")
    finally:
        proc.send_signal(signal.SIGKILL)  # no clean shutdown: what was committed must be on disk
        proc.wait(10)
    proc, url = serve(db)
    try:
        assert client_of(url).predict(made["code"], api_name="/class_summary") == before
        page.goto(f"{url}?class={made['code']}&lang=en#{made['teacher_key']}")
        counts = page.locator("#cls-counts")
        expect(counts).to_contain_text("1 student joined · linear model 1 · gradient descent 1", timeout=30_000)
        expect(page.locator("#cls-linear")).to_contain_text("best: w = 1.75, b = 0.50")
        assert "#" not in page.url  # the key left the address bar once read
        me2 = client_of(url).predict(made["code"], "", api_name="/class_join")
        assert me2["student"] == 2  # numbering goes on where it was
    finally:
        proc.terminate()
        proc.wait(10)


def test_a_hundred_students_sending_at_once_lose_nothing(client):
    made = client.predict("", api_name="/class_create")
    code = made["code"]
    with ThreadPoolExecutor(25) as pool:
        students = list(pool.map(lambda i: client.predict(code, f"s{i}", api_name="/class_join"), range(100)))
    jobs = [
        client.submit(
            code, s["student"], s["student_token"], "linear", {"w": 1 + i / 100, "b": 0}, api_name="/class_submit"
        )  # fmt: skip
        for i, s in enumerate(students)
    ]
    results = [job.result(timeout=120) for job in jobs]  # an error ("database is locked" above all) raises here
    assert len({r["submission"] for r in results}) == 100
    summary = client.predict(code, api_name="/class_summary")
    assert summary["students"] == 100 and summary["counts"]["linear"] == 100
    assert sorted(p["w"] for p in summary["linear"]) == [1 + i / 100 for i in range(100)]


@pytest.mark.parametrize(
    ("kind", "en", "zh"),
    [("corrupt", "damaged or not a database", "已损坏"), ("folder", "cannot be made or opened", "无法创建或打开")],
)
def test_a_database_that_cannot_be_used_is_reported_and_the_rest_works(tmp_path, kind, en, zh):
    if kind == "corrupt":
        db = tmp_path / "classes.sqlite"
        db.write_bytes(b"not a database at all " * 200)
    else:
        blocker = tmp_path / "a-file"
        blocker.write_text("a file where the folder should be")
        db = blocker / "classes.sqlite"
    proc, url = serve(db)
    try:
        c = client_of(url)
        with pytest.raises(AppError) as info:
            c.predict("", api_name="/class_create")
        assert en in str(info.value) and zh in str(info.value) and "Traceback" not in str(info.value)
        with pytest.raises(AppError, match=en):
            c.predict("ABCDE", "x", api_name="/class_join")
        assert c.predict(2.0, 0.0, api_name="/linear_mse") == 0.0  # every other tab keeps working
        assert c.predict("Nakamura", 3, api_name="/name_to_country")  # (and the server is still up)
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.mark.browser
def test_the_class_tab_says_so_in_the_pages_language(tmp_path, page):
    from playwright.sync_api import expect

    import demos.classroom.service  # noqa: F401
    import demos.classroom.tab  # noqa: F401  (registers the Class section's texts)
    from demos.i18n import t

    db = tmp_path / "classes.sqlite"
    db.write_bytes(b"not a database at all " * 200)
    proc, url = serve(db)
    try:
        for lang in ("zh", "en"):
            page.goto(f"{url}?lang={lang}")
            page.get_by_role("tab", name=t("sec_class", lang), exact=True).click()
            page.locator("#cls-start").click()
            expect(page.get_by_text(t("db_corrupt", lang)).first).to_be_visible(timeout=20_000)
            page.get_by_role("tab", name=t("sec_basics", lang), exact=True).click()
            page.locator("#lin-w input[type=number]").fill("2")
            page.locator("#lin-w input[type=number]").press("Enter")
            expect(page.locator("#lin-mse")).to_contain_text("0.0000")  # the rest of the app works
    finally:
        proc.terminate()
        proc.wait(10)
