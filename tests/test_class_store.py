"""classroom/store.py: the class database (SQLite) and its rules, without the app."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import threading
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from classroom import store as S

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def new_store(tmp_path, **limits) -> S.ClassStore:
    return S.ClassStore(tmp_path / "db" / "classes.sqlite", S.Limits(**limits))


def err_key(fn, *args, **kwargs) -> str:
    with pytest.raises(S.ClassError) as info:
        fn(*args, **kwargs)
    return info.value.key


def test_a_class_from_start_to_export(tmp_path):
    db = new_store(tmp_path)
    made = db.create("client-1")
    code, key = made["code"], made["teacher_key"]
    assert len(code) == 5 and set(code) <= set(S.CODE_ALPHABET) and len(key) >= 32
    ann = db.join(code.lower(), "  Ann \n ")  # a typed code: any case
    anon = db.join(code, "")
    assert (ann["student"], ann["nickname"], anon["student"], anon["nickname"]) == (1, "Ann", 2, "")
    first = db.submit(code, 1, ann["student_token"], "linear", {"w": 1.5, "b": 0.0})["submission"]
    second = db.submit(code, 2, anon["student_token"], "linear", {"w": 2.5, "b": 0.1})["submission"]
    third = db.submit(code, 2, anon["student_token"], "gradient", {"lr": 0.3})["submission"]
    assert [s["submission"] for s in db.mine(code, 2, anon["student_token"])] == [third, second]

    public = db.rows(code)
    assert public["students"] == 2 and [s["payload"]["w"] for s in public["submissions"][:2]] == [1.5, 2.5]
    assert all(set(s) == {"activity", "payload"} for s in public["submissions"])  # no one's identity
    teacher = db.rows(code, key)
    assert [s["student"] for s in teacher["submissions"]] == [1, 2, 2]
    assert {s["nickname"] for s in teacher["submissions"]} == {""}  # names hidden until the teacher shows them
    db.show_names(code, key, True)
    assert [s["nickname"] for s in db.rows(code, key)["submissions"]] == ["Ann", "", ""]

    # only one's own submission can be taken back; only the teacher removes any
    assert err_key(db.withdraw, code, 1, ann["student_token"], second) == "class_no_submission"
    db.withdraw(code, 2, anon["student_token"], second)
    assert err_key(db.remove, code, "not the key", first) == "class_not_teacher"
    db.remove(code, key, first)
    assert [s["submission"] for s in db.rows(code, key)["submissions"]] == [third]

    db.close(code, key)
    assert err_key(db.join, code, "late") == "class_closed"
    assert err_key(db.submit, code, 2, anon["student_token"], "linear", {}) == "class_closed"
    assert db.rows(code, key)["closed"] and len(db.rows(code)["submissions"]) == 1  # still viewable


def test_secrets_are_stored_as_digests_and_checked_in_constant_time(tmp_path, monkeypatch):
    db = new_store(tmp_path)
    made = db.create("client-1")
    joined = db.join(made["code"], "Bo")
    raw = b"".join(p.read_bytes() for p in (tmp_path / "db").iterdir())
    assert made["teacher_key"].encode() not in raw and joined["student_token"].encode() not in raw
    compared = []
    real = S.hmac.compare_digest
    monkeypatch.setattr(S.hmac, "compare_digest", lambda a, b: compared.append(1) or real(a, b))
    key = made["teacher_key"]
    wrong = key[:-1] + ("y" if key.endswith("x") else "x")  # one character off, never the key itself
    assert err_key(db.close, made["code"], wrong) == "class_not_teacher"
    assert err_key(db.withdraw, made["code"], 1, "wrong", 1) == "class_not_student"
    assert len(compared) == 2
    for bad in (None, 7, ["k"], {"k": 1}):
        assert err_key(db.close, made["code"], bad) == "class_not_teacher"
        assert err_key(db.submit, made["code"], 1, bad, "linear", {}) == "class_not_student"
    assert err_key(db.submit, made["code"], "1", joined["student_token"], "linear", {}) == "class_not_student"
    assert err_key(db.submit, made["code"], True, joined["student_token"], "linear", {}) == "class_not_student"


def test_codes_and_nicknames(tmp_path):
    db = new_store(tmp_path)
    for bad in ("", "ABCD", "ABCDEF", "ABCD0", None, 12345, "ÄBCDE"):
        assert err_key(db.join, bad) == "class_unknown"
    code = db.create("c")["code"]
    assert db.join(f" {code[:2]}-{code[2:]} ".lower())["student"] == 1  # as read off a slide
    assert db.join(code, "<img src=x onerror=alert(1)>")["nickname"] == "<img src=x onerror=alert(1)>"  # kept as text
    assert db.join(code, "a\x00b\u200bc\td")["nickname"] == "abc d"
    assert err_key(db.join, code, "x" * 41) == "class_nickname_long"
    assert err_key(db.join, code, 42) == "class_nickname_bad"


def test_every_limit_answers_with_its_own_message(tmp_path):
    db = new_store(tmp_path, students=2, classes=2, creates_per_hour=2, sends_per_minute=3, payload=200)
    t0 = 1_000_000.0
    code = db.create("a", now=t0)["code"]
    db.create("a", now=t0 + 1)
    assert err_key(db.create, "a", now=t0 + 2) == "class_rate_create"  # this client, this hour
    assert err_key(db.create, "b", now=t0 + 2) == "class_full_server"  # two classes open
    s = db.join(code, now=t0)
    db.join(code, now=t0)
    assert err_key(db.join, code, now=t0) == "class_full"
    for i in range(3):
        db.submit(code, 1, s["student_token"], "linear", {"i": i}, now=t0 + 10 + i)
    assert err_key(db.submit, code, 1, s["student_token"], "linear", {}, now=t0 + 20) == "class_rate_send"
    db.submit(code, 1, s["student_token"], "linear", {}, now=t0 + 71)  # a minute later
    assert (
        err_key(db.submit, code, 1, s["student_token"], "linear", {"x": "y" * 300}, now=t0 + 80) == "class_payload_big"
    )


def test_a_password_guards_starting_a_class(tmp_path):
    db = new_store(tmp_path, password="lecture-hall")
    for bad in ("", "lecture", None, 3):
        assert err_key(db.create, "c", bad) == "class_password"
    assert db.create("c", "lecture-hall")["code"]


def test_a_class_expires_and_its_data_is_deleted(tmp_path):
    db = new_store(tmp_path, hours=1)
    t0 = 2_000_000.0
    made = db.create("c", now=t0)
    s = db.join(made["code"], "x", now=t0)
    db.submit(made["code"], 1, s["student_token"], "linear", {"w": 1}, now=t0)
    later = db.create("c", now=t0 + 1800)["code"]  # a second class, started half an hour on
    assert db.rows(made["code"], now=t0 + 3599)["students"] == 1
    assert err_key(db.rows, made["code"], now=t0 + 3600) == "class_unknown"
    db.join(later, "y", now=t0 + 3601)  # any start, join or send deletes what expired
    assert db.counts() == {"classes": 1, "students": 1, "submissions": 0, "sends": 0, "creations": 1}


def test_what_was_kept_survives_a_new_store_on_the_same_file(tmp_path):
    made = new_store(tmp_path).create("c")
    s = new_store(tmp_path).join(made["code"], "x")
    new_store(tmp_path).submit(made["code"], 1, s["student_token"], "linear", {"w": 2})
    assert new_store(tmp_path).rows(made["code"], made["teacher_key"])["submissions"][0]["payload"] == {"w": 2}
    con = sqlite3.connect(tmp_path / "db" / "classes.sqlite")
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert con.execute("PRAGMA user_version").fetchone()[0] == S.VERSION == len(S.MIGRATIONS)


def _students_send(path: str, code: str, students: int, sends: int) -> list[str]:
    """One process's students, each in its own thread: join, then send ``sends`` times at once."""
    db = S.ClassStore(path, S.Limits(students=1000, sends_per_minute=100))
    errors: list[str] = []
    barrier = threading.Barrier(students)

    def student(i):
        try:
            barrier.wait()
            me = db.join(code, f"p{os.getpid()}-{i}")
            for k in range(sends):
                db.submit(code, me["student"], me["student_token"], "linear", {"w": k, "pid": os.getpid()})
        except Exception as err:  # every failure is reported, "database is locked" above all
            errors.append(repr(err))

    threads = [threading.Thread(target=student, args=(i,)) for i in range(students)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return errors


def test_a_hundred_students_sending_at_once_from_four_processes_lose_nothing(tmp_path):
    db = new_store(tmp_path, students=1000)
    code = db.create("teacher")["code"]
    with ProcessPoolExecutor(4) as pool:
        results = list(pool.map(_students_send, [str(db.path)] * 4, [code] * 4, [25] * 4, [3] * 4))
    assert [e for r in results for e in r] == []
    counts = db.counts()
    assert (counts["students"], counts["submissions"]) == (100, 300)
    con = sqlite3.connect(db.path)
    assert sorted(n for (n,) in con.execute("SELECT number FROM students")) == list(range(1, 101))


def test_a_corrupt_file_is_reported_not_raised_as_sqlite(tmp_path):
    path = tmp_path / "db" / "classes.sqlite"
    path.parent.mkdir()
    path.write_bytes(b"this is not a database, it is a note" * 100)
    with pytest.raises(S.StoreError) as info:
        S.ClassStore(path).create("c")
    assert info.value.key == "db_corrupt"


def test_a_folder_that_is_missing_is_made_and_one_that_cannot_be_is_reported(tmp_path):
    deep = tmp_path / "a" / "b" / "classes.sqlite"
    assert S.ClassStore(deep).create("c")["code"] and deep.exists()
    blocker = tmp_path / "file"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(S.StoreError) as info:
        S.ClassStore(blocker / "classes.sqlite").create("c")
    assert info.value.key == "db_dir"


@pytest.mark.skipif(not hasattr(os, "setuid") or os.geteuid() != 0, reason="needs root to run a child as nobody")
def test_a_read_only_file_is_reported_to_a_user_who_cannot_write_it(tmp_path):
    """As a user without write access (root reads and writes anything, so the child drops to nobody)."""
    import tempfile

    tmp_path = Path(tempfile.mkdtemp(prefix="class-ro-"))  # pytest's own is root's alone (0700)
    os.chmod(tmp_path, 0o755)
    made = new_store(tmp_path).create("c")
    os.chmod(tmp_path / "db", 0o755)
    for p in (tmp_path / "db").iterdir():
        os.chmod(p, 0o644)
    code = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {ROOT!r})
        from classroom import store as S  # imported as root (the interpreter lives under /root)
        os.setgid(65534); os.setuid(65534)
        db = S.ClassStore({str(tmp_path / "db" / "classes.sqlite")!r})
        try:
            db.join({made["code"]!r}, "x")
        except S.StoreError as err:
            print(err.key)
    """)
    try:
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    finally:
        shutil.rmtree(tmp_path)
    assert out.stdout.strip() == "db_readonly", out.stderr
