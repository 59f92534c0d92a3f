"""Class mode's database: classes, students and what they sent, in one SQLite file.

Plain sqlite3, no ORM. One file (CLASS_DB, default classdata/classes.sqlite beside app.py, which
git ignores), created on first use, in WAL mode so that the lecture hall's processes (deploy/)
on one machine read while one writes. Every write is one short ``BEGIN IMMEDIATE`` transaction:
a writer waits for the lock (busy_timeout) instead of failing with "database is locked" when a
read transaction would have to be upgraded. Each call opens its own connection (about 0.1 ms),
so a thread, a process or a replaced file never sees a stale one.

Secrets: the teacher key (192 random bits) and student tokens (128 bits) are given out once and
stored only as SHA-256 digests; a key is checked by comparing digests in constant time
(hmac.compare_digest). Clients that create classes are stored as salted digests, never as
addresses. Nothing here logs.

Schema versions are PRAGMA user_version. To change the schema, append a migration to
MIGRATIONS (SQL that takes version n to n + 1); opening a database applies the missing ones in
one transaction. Everything is plain SQL types (TEXT, INTEGER, REAL, JSON in TEXT) keyed by
integer ids and the class code, so the same tables move to a server database (PostgreSQL) with
the connection as the only change (README: beyond one machine).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PATH = ROOT / "classdata" / "classes.sqlite"
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no I/1, L, O/0: read off a projector
CODE_LENGTH = 5  # 31^5 = 28.6 million codes


@dataclass(frozen=True)
class Limits:
    """Every limit of class mode; from the environment by ``Limits.from_env``."""

    hours: float = 8.0  # a class and its data are deleted this long after it started
    students: int = 300  # per class
    classes: int = 100  # open classes per server (database)
    creates_per_hour: int = 10  # classes one client may start in an hour
    sends_per_minute: int = 12  # submissions per student per minute
    nickname: int = 40  # characters
    payload: int = 16_000  # bytes of a submission's JSON
    password: str = ""  # when set, starting a class needs it

    @classmethod
    def from_env(cls) -> Limits:
        env = os.environ
        return cls(
            hours=float(env.get("CLASS_HOURS", cls.hours)),
            students=int(env.get("CLASS_MAX_STUDENTS", cls.students)),
            classes=int(env.get("CLASS_MAX_CLASSES", cls.classes)),
            creates_per_hour=int(env.get("CLASS_CREATES_PER_HOUR", cls.creates_per_hour)),
            sends_per_minute=int(env.get("CLASS_SENDS_PER_MINUTE", cls.sends_per_minute)),
            password=env.get("CLASS_PASSWORD", ""),
        )


class ClassError(Exception):
    """A request the rules refuse: ``key`` names the message (demos translate it), ``fmt`` fills it."""

    def __init__(self, key: str, **fmt):
        super().__init__(key)
        self.key, self.fmt = key, fmt


class StoreError(Exception):
    """The database cannot be used: ``key`` is db_dir, db_readonly, db_corrupt or db_busy."""

    def __init__(self, key: str, detail: str = ""):
        super().__init__(f"{key}: {detail}")
        self.key, self.detail = key, detail


MIGRATIONS = [
    # 0 -> 1
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE classes (
        code TEXT PRIMARY KEY,
        teacher_digest BLOB NOT NULL,
        created REAL NOT NULL,
        expires REAL NOT NULL,
        closed REAL,
        show_names INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE students (
        id INTEGER PRIMARY KEY,
        code TEXT NOT NULL REFERENCES classes(code) ON DELETE CASCADE,
        number INTEGER NOT NULL,
        nickname TEXT NOT NULL,
        token_digest BLOB NOT NULL,
        joined REAL NOT NULL,
        UNIQUE (code, number)
    );
    CREATE TABLE submissions (
        id INTEGER PRIMARY KEY,
        code TEXT NOT NULL REFERENCES classes(code) ON DELETE CASCADE,
        student_id INTEGER NOT NULL REFERENCES students(id) ON DELETE CASCADE,
        activity TEXT NOT NULL,
        payload TEXT NOT NULL,
        created REAL NOT NULL
    );
    CREATE INDEX submissions_by_class ON submissions (code, activity, id);
    CREATE TABLE sends (student_id INTEGER NOT NULL REFERENCES students(id) ON DELETE CASCADE, at REAL NOT NULL);
    CREATE INDEX sends_by_student ON sends (student_id, at);
    CREATE INDEX sends_by_time ON sends (at);
    CREATE INDEX classes_by_expiry ON classes (expires);
    CREATE TABLE creations (client TEXT NOT NULL, at REAL NOT NULL);
    CREATE INDEX creations_by_client ON creations (client, at);
    """,
]
VERSION = len(MIGRATIONS)


def digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).digest()


def same(secret, stored: bytes) -> bool:
    """Constant-time check of a given secret against a stored digest (False for a non-string)."""
    return isinstance(secret, str) and hmac.compare_digest(digest(secret), stored)


def normal_code(code) -> str:
    """A typed class code as stored: upper case, spaces and dashes dropped; "" if it cannot be one."""
    if not isinstance(code, str):
        return ""
    code = code.strip().upper().replace(" ", "").replace("-", "")
    return code if len(code) == CODE_LENGTH and all(c in CODE_ALPHABET for c in code) else ""


class ClassStore:
    """One database file; every method is one transaction on a fresh connection."""

    def __init__(self, path: str | os.PathLike | None = None, limits: Limits | None = None):
        self.path = Path(path or os.environ.get("CLASS_DB") or DEFAULT_PATH)
        self.limits = limits or Limits.from_env()
        self.ready = False

    # ---- connection -------------------------------------------------------------------------

    @contextlib.contextmanager
    def connect(self, write: bool):
        """A connection in a transaction (IMMEDIATE for writes); database trouble as StoreError."""
        try:
            if not self.ready:
                self.migrate()
            con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        except sqlite3.Error as err:
            raise self.trouble(err) from None
        try:
            con.execute("PRAGMA foreign_keys = ON")
            con.execute("PRAGMA busy_timeout = 30000")
            con.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            yield con
            con.execute("COMMIT")
        except sqlite3.Error as err:
            with contextlib.suppress(sqlite3.Error):
                con.execute("ROLLBACK")
            raise self.trouble(err) from None
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                con.execute("ROLLBACK")
            raise
        finally:
            con.close()

    def trouble(self, err: sqlite3.Error) -> StoreError:
        text = str(err).lower()
        if "readonly" in text or "read-only" in text:
            return StoreError("db_readonly", str(err))
        if "not a database" in text or "malformed" in text or "corrupt" in text:
            return StoreError("db_corrupt", str(err))
        if "locked" in text or "busy" in text:
            return StoreError("db_busy", str(err))
        if "unable to open" in text:
            return StoreError("db_dir", str(err))
        return StoreError("db_corrupt", str(err))

    def migrate(self) -> None:
        """Create the folder and the file if missing and bring the schema to VERSION."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise StoreError("db_dir", str(err)) from None
        if self.path.exists() and not os.access(self.path, os.W_OK):
            raise StoreError("db_readonly", str(self.path))
        con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            con.execute("PRAGMA busy_timeout = 30000")
            if con.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                con.execute("PRAGMA journal_mode = WAL")  # persistent: set once per file
            con.execute("BEGIN IMMEDIATE")
            version = con.execute("PRAGMA user_version").fetchone()[0]
            if version > VERSION:
                raise sqlite3.DatabaseError(f"schema version {version} is newer than this app's {VERSION}")
            for sql in MIGRATIONS[version:]:
                for statement in filter(str.strip, sql.split(";")):
                    con.execute(statement)
            if version < VERSION:
                con.execute(f"PRAGMA user_version = {VERSION}")
                con.execute("INSERT OR IGNORE INTO meta VALUES ('salt', ?)", (secrets.token_hex(16),))
            con.execute("COMMIT")
        except sqlite3.Error:
            with contextlib.suppress(sqlite3.Error):
                con.execute("ROLLBACK")
            raise
        finally:
            con.close()
        self.ready = True

    # ---- lookups ------------------------------------------------------------------------------

    def open_class(self, con, code, now: float) -> sqlite3.Row:
        code = normal_code(code)
        row = con.execute(
            "SELECT code, teacher_digest, created, expires, closed, show_names FROM classes WHERE code = ?", (code,)
        ).fetchone()
        if row is None or row[3] <= now:
            raise ClassError("class_unknown", code=code or "?")
        return row

    def as_teacher(self, con, code, key, now: float):
        row = self.open_class(con, code, now)
        if not same(key, row[1]):
            raise ClassError("class_not_teacher")
        return row

    def as_student(self, con, code, student, token, now: float) -> tuple[int, tuple]:
        row = self.open_class(con, code, now)
        if not isinstance(student, int) or isinstance(student, bool):
            raise ClassError("class_not_student")
        found = con.execute(
            "SELECT id, token_digest FROM students WHERE code = ? AND number = ?", (row[0], student)
        ).fetchone()
        if found is None or not same(token, found[1]):
            raise ClassError("class_not_student")
        return found[0], row

    # ---- what the API does ----------------------------------------------------------------------

    def create(self, client: str, password: str = "", now: float | None = None) -> dict:
        """Start a class: {code, teacher_key, expires}. The key is shown once and stored as a digest."""
        now = time.time() if now is None else now
        if self.limits.password and not (
            isinstance(password, str) and hmac.compare_digest(digest(password), digest(self.limits.password))
        ):
            raise ClassError("class_password")
        with self.connect(write=True) as con:
            self.purge(con, now)
            salt = con.execute("SELECT value FROM meta WHERE key = 'salt'").fetchone()[0]
            who = hashlib.sha256(f"{salt}:{client}".encode()).hexdigest()
            recent = con.execute(
                "SELECT COUNT(*) FROM creations WHERE client = ? AND at > ?", (who, now - 3600)
            ).fetchone()[0]
            if recent >= self.limits.creates_per_hour:
                raise ClassError("class_rate_create", n=self.limits.creates_per_hour)
            open_now = con.execute("SELECT COUNT(*) FROM classes WHERE closed IS NULL").fetchone()[0]
            if open_now >= self.limits.classes:
                raise ClassError("class_full_server", n=self.limits.classes)
            key = secrets.token_urlsafe(24)  # 192 bits
            for _ in range(20):
                code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
                if con.execute("SELECT 1 FROM classes WHERE code = ?", (code,)).fetchone() is None:
                    break
            expires = now + self.limits.hours * 3600
            con.execute(
                "INSERT INTO classes (code, teacher_digest, created, expires) VALUES (?, ?, ?, ?)",
                (code, digest(key), now, expires),
            )
            con.execute("INSERT INTO creations VALUES (?, ?)", (who, now))
        return {"code": code, "teacher_key": key, "expires": expires}

    def join(self, code, nickname="", now: float | None = None) -> dict:
        """A student joins: {student (their number in the class), student_token, nickname}."""
        now = time.time() if now is None else now
        nickname = clean_nickname(nickname, self.limits.nickname)
        with self.connect(write=True) as con:
            self.purge(con, now)
            row = self.open_class(con, code, now)
            if row[4] is not None:
                raise ClassError("class_closed")
            count, top = con.execute("SELECT COUNT(*), MAX(number) FROM students WHERE code = ?", (row[0],)).fetchone()
            if count >= self.limits.students:
                raise ClassError("class_full", n=self.limits.students)
            number = (top or 0) + 1
            token = secrets.token_urlsafe(16)  # 128 bits
            con.execute(
                "INSERT INTO students (code, number, nickname, token_digest, joined) VALUES (?, ?, ?, ?, ?)",
                (row[0], number, nickname, digest(token), now),
            )
        return {"code": row[0], "student": number, "student_token": token, "nickname": nickname}

    def submit(self, code, student, token, activity: str, payload: dict, now: float | None = None) -> dict:
        """Keep one submission (payload already checked by the activity): {submission}."""
        now = time.time() if now is None else now
        text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        if len(text.encode()) > self.limits.payload:
            raise ClassError("class_payload_big", n=self.limits.payload)
        with self.connect(write=True) as con:
            self.purge(con, now)
            student_id, row = self.as_student(con, code, student, token, now)
            if row[4] is not None:
                raise ClassError("class_closed")
            sent = con.execute(
                "SELECT COUNT(*) FROM sends WHERE student_id = ? AND at > ?", (student_id, now - 60)
            ).fetchone()[0]
            if sent >= self.limits.sends_per_minute:
                raise ClassError("class_rate_send", n=self.limits.sends_per_minute)
            con.execute("INSERT INTO sends VALUES (?, ?)", (student_id, now))
            cur = con.execute(
                "INSERT INTO submissions (code, student_id, activity, payload, created) VALUES (?, ?, ?, ?, ?)",
                (row[0], student_id, activity, text, now),
            )
        return {"submission": cur.lastrowid}

    def withdraw(self, code, student, token, submission, now: float | None = None) -> dict:
        """A student takes back one of their own submissions."""
        now = time.time() if now is None else now
        with self.connect(write=True) as con:
            student_id, row = self.as_student(con, code, student, token, now)
            gone = con.execute(
                "DELETE FROM submissions WHERE id = ? AND student_id = ? AND code = ?",
                (submission if isinstance(submission, int) else -1, student_id, row[0]),
            ).rowcount
        if not gone:
            raise ClassError("class_no_submission")
        return {"withdrawn": submission}

    def mine(self, code, student, token, now: float | None = None) -> list[dict]:
        """A student's own submissions, newest first: [{submission, activity, payload, created}]."""
        now = time.time() if now is None else now
        with self.connect(write=False) as con:
            student_id, _ = self.as_student(con, code, student, token, now)
            rows = con.execute(
                "SELECT id, activity, payload, created FROM submissions WHERE student_id = ? ORDER BY id DESC",
                (student_id,),
            ).fetchall()
        return [{"submission": i, "activity": a, "payload": json.loads(p), "created": c} for i, a, p, c in rows]

    def rows(self, code, key=None, now: float | None = None) -> dict:
        """The class and its submissions, oldest first. With the teacher key: submission ids,
        student numbers and (when shown) nicknames; without: the same rows with no one's identity."""
        now = time.time() if now is None else now
        with self.connect(write=False) as con:
            row = self.as_teacher(con, code, key, now) if key is not None else self.open_class(con, code, now)
            joined = con.execute("SELECT COUNT(*) FROM students WHERE code = ?", (row[0],)).fetchone()[0]
            found = con.execute(
                "SELECT s.id, s.activity, s.payload, s.created, t.number, t.nickname FROM submissions s "
                "JOIN students t ON t.id = s.student_id WHERE s.code = ? ORDER BY s.id",
                (row[0],),
            ).fetchall()
        teacher = key is not None
        subs = []
        for sid, activity, payload, created, number, nickname in found:
            item = {"activity": activity, "payload": json.loads(payload)}
            if teacher:
                item.update(submission=sid, student=number, created=created)
                item["nickname"] = nickname if row[5] else ""
            subs.append(item)
        return {
            "code": row[0],
            "created": row[2],
            "expires": row[3],
            "closed": row[4] is not None,
            "show_names": bool(row[5]),
            "students": joined,
            "submissions": subs,
        }

    def remove(self, code, key, submission, now: float | None = None) -> dict:
        now = time.time() if now is None else now
        with self.connect(write=True) as con:
            row = self.as_teacher(con, code, key, now)
            gone = con.execute(
                "DELETE FROM submissions WHERE id = ? AND code = ?",
                (submission if isinstance(submission, int) else -1, row[0]),
            ).rowcount
        if not gone:
            raise ClassError("class_no_submission")
        return {"removed": submission}

    def show_names(self, code, key, on: bool, now: float | None = None) -> dict:
        now = time.time() if now is None else now
        with self.connect(write=True) as con:
            row = self.as_teacher(con, code, key, now)
            con.execute("UPDATE classes SET show_names = ? WHERE code = ?", (int(bool(on)), row[0]))
        return {"show_names": bool(on)}

    def close(self, code, key, now: float | None = None) -> dict:
        """No more joins or sends; the class can still be viewed and exported until it expires."""
        now = time.time() if now is None else now
        with self.connect(write=True) as con:
            row = self.as_teacher(con, code, key, now)
            con.execute("UPDATE classes SET closed = COALESCE(closed, ?) WHERE code = ?", (now, row[0]))
        return {"closed": True}

    def purge(self, con, now: float) -> None:
        """Delete expired classes with everything in them (cascades), and rate-limit records no
        longer counted; on every start, join and send (indexed deletes, usually of nothing)."""
        con.execute("DELETE FROM classes WHERE expires <= ?", (now,))
        con.execute("DELETE FROM creations WHERE at <= ?", (now - 3600,))
        con.execute("DELETE FROM sends WHERE at <= ?", (now - 60,))

    def counts(self) -> dict:
        """Rows per table (tests and benchmarks)."""
        with self.connect(write=False) as con:
            return {
                t: con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                for t in ("classes", "students", "submissions", "sends", "creations")
            }


def clean_nickname(nickname, limit: int) -> str:
    """A nickname as kept: text, control characters dropped, spaces collapsed; "" = anonymous."""
    if nickname is None:
        return ""
    if not isinstance(nickname, str):
        raise ClassError("class_nickname_bad")
    text = " ".join("".join(" " if ch.isspace() else ch for ch in nickname if ch.isspace() or ch.isprintable()).split())
    if len(text) > limit:
        raise ClassError("class_nickname_long", n=limit)
    return text
