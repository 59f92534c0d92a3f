"""Class mode's operations for the tab and the API: the store's rules and the activities' checks,
with every refusal or database trouble as a clear message in the user's language (``lang=None``:
both, for API callers). The one ClassStore of the process is opened on first use."""

from __future__ import annotations

import functools

import gradio as gr

from classroom import store as S
from demos import ui
from demos.classroom import activities as A
from demos.i18n import built_keys, register

register(
    {
        "class_unknown": (
            "没有代码为 “{code}” 的课堂（可能已过期）。",
            "There is no class with the code “{code}” (it may have expired).",
        ),
        "class_closed": ("这个课堂已经结束，不再接收加入或发送。", "This class is closed: no more joining or sending."),
        "class_not_teacher": (
            "教师密钥不对：请用开课时得到的教师链接。",
            "Wrong teacher key: use the teacher link you got when the class started.",
        ),
        "class_not_student": (
            "你不是这个课堂的学生（或学生凭证不对）：请重新加入。",
            "You are not a student of this class (or your student token is wrong): join again.",
        ),
        "class_no_submission": (
            "没有这条提交（可能已被撤回或删除）。",
            "There is no such submission (it may have been taken back or removed).",
        ),
        "class_password": ("开课需要服务器设置的密码。", "Starting a class needs the server's password."),
        "class_rate_create": (
            "每个客户端每小时最多开 {n} 个课堂，请稍后再试。",
            "A client may start at most {n} classes an hour; try again later.",
        ),
        "class_full_server": (
            "服务器上已有 {n} 个进行中的课堂，已达上限。",
            "The server already has {n} open classes, its limit.",
        ),
        "class_full": ("这个课堂已满（最多 {n} 名学生）。", "This class is full ({n} students at most)."),
        "class_rate_send": ("每分钟最多发送 {n} 次，请稍等一会儿。", "At most {n} sends a minute: wait a moment."),
        "class_payload_big": ("发送的内容太大（上限 {n} 字节）。", "What was sent is too large (at most {n} bytes)."),
        "class_nickname_long": ("昵称最多 {n} 个字符。", "A nickname has at most {n} characters."),
        "class_nickname_bad": ("昵称必须是文字。", "A nickname must be text."),
        "db_dir": (
            "课堂数据库的文件夹无法创建或打开（CLASS_DB）。其他页面照常使用。",
            "The class database's folder cannot be made or opened (CLASS_DB). Every other tab works as before.",
        ),
        "db_readonly": (
            "课堂数据库是只读的，无法保存（CLASS_DB）。其他页面照常使用。",
            "The class database is read-only, so nothing can be kept (CLASS_DB). Every other tab works as before.",
        ),
        "db_corrupt": (
            "课堂数据库文件已损坏或不是数据库（CLASS_DB）。其他页面照常使用。",
            "The class database file is damaged or not a database (CLASS_DB). Every other tab works as before.",
        ),
        "db_busy": (
            "课堂数据库正忙，请几秒后再试。",
            "The class database is busy; try again in a few seconds.",
        ),
    }
)


built_keys("class_*", "db_*")  # ClassError.key and StoreError.key


# A student's send, take-back and list of sends are each one short database transaction (1-4 ms of
# work): each is one HTTP POST, not a trip through Gradio's queue (its join, event stream and messages
# cost the server 3-6 ms more: benchmarks/README.md, class mode step 8). Joining in the tab stays
# queued: the page runs a State's change events only after a queued event changed it. The teacher's
# heavier reads and writes stay queued too.
DIRECT = {"queue": False}
DIRECT_APIS = ("class_join", "class_submit", "class_withdraw")


def direct(fn, skipped: int = 0):
    """``fn`` as a direct event's function: a gr.Error it raises becomes its last output's text
    (``⚠ message``, the note beside its button), the ``skipped`` outputs before it left as they are.
    Gradio 6.31's page shows no toast for a gr.Error from an event outside the queue (its client
    leaves out the toast's `visible`)."""

    @functools.wraps(fn)
    def run(*args):
        try:
            return fn(*args)
        except gr.Error as err:
            note = f"⚠ {err.message}"
            return (*[gr.skip()] * skipped, note) if skipped else note

    return run


@functools.cache
def store() -> S.ClassStore:
    return S.ClassStore()


def call(lang: str | None, fn, *args, **kwargs):
    """``fn(*args)`` on the store, its refusals as gr.Error in ``lang``."""
    try:
        return fn(*args, **kwargs)
    except S.ClassError as err:
        raise ui.user_error(err.key, lang, **err.fmt) from None
    except S.StoreError as err:
        raise ui.user_error(err.key, lang) from None


def client_of(request: gr.Request | None) -> str:
    """Who starts a class, for its rate limit: the first forwarded address (the balancer's
    X-Forwarded-For) or the connection's; stored only as a salted digest."""
    if request is None:
        return "?"
    forwarded = (request.headers.get("x-forwarded-for") or "").split(",")[0].strip()
    host = getattr(getattr(request, "client", None), "host", None)
    return forwarded or str(host or "?")


def create(password: str, request: gr.Request | None, lang: str | None) -> dict:
    return call(lang, store().create, client_of(request), password or "")


def join(code, nickname, lang: str | None) -> dict:
    return call(lang, store().join, code, nickname)


def submit(code, student, token, activity: str, payload: dict, lang: str | None) -> dict:
    return call(lang, store().submit, code, student, token, activity, payload)


def withdraw(code, student, token, submission, lang: str | None) -> dict:
    return call(lang, store().withdraw, code, student, token, as_id(submission))


def mine(code, student, token, lang: str | None) -> list[dict]:
    return call(lang, store().mine, code, student, token)


def rows(code, key, lang: str | None) -> dict:
    return call(lang, store().rows, code, key)


def remove(code, key, submission, lang: str | None) -> dict:
    return call(lang, store().remove, code, key, as_id(submission))


def show_names(code, key, on: bool, lang: str | None) -> dict:
    return call(lang, store().show_names, code, key, bool(on))


def close(code, key, lang: str | None) -> dict:
    return call(lang, store().close, code, key)


def as_id(value) -> int:
    """A submission id as sent (an int, or a whole float or numeral from a form); -1 if none."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return -1
    return int(x) if x.is_integer() else -1


def as_student(value):
    """A student number as sent (JSON may bring 3.0); anything else fails the store's check."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def summary(code, lang: str | None = None) -> dict:
    """The public view of a class, what its projector shows, aggregated and anonymous: counts; the
    (w, b) points; the learning-rate runs; the digits as a confusion matrix (meant x read by each
    model) with accuracies, never the drawings; the playground networks best first. No nicknames,
    student numbers or submission ids."""
    from demos.classroom import projector as P
    from demos.vision.digits import MODELS

    got = rows(code, None, lang)
    per = A.by_activity(got["submissions"])
    confusion = {m: P.confusion(per["digit"], m) for m in MODELS}  # [meant, read]: its trace is what was read right
    _, order = P.leaderboard(per["playground"], "en")
    return {
        "code": got["code"],
        "closed": got["closed"],
        "expires": got["expires"],
        "students": got["students"],
        "counts": {a: len(v) for a, v in per.items()},
        "linear": [{k: p[k] for k in ("w", "b", "mse")} for p in per["linear"]],
        "gradient": [
            {k: p[k] for k in ("mode", "lr", "epochs", "batch_size", "diverged", "bound")} for p in per["gradient"]
        ],
        "digits": {
            "confusion": {m: c.tolist() for m, c in confusion.items()},
            "accuracy": {m: (int(c.trace()) / int(c.sum()) if c.sum() else None) for m, c in confusion.items()},
        },
        "playground": [{k: per["playground"][i][k] for k in ("accuracy", "params", "settings")} for i in order],
    }
