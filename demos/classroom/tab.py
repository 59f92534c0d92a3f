"""The Class section: a teacher starts a class and projects what everyone sent; students join
from a link or a code and send from four tabs (demos/classroom/send.py).

Not a lecture (not in demos.LECTURES): app.py builds the join banner under the header, the
section after the course's, then wires the send rows to the page's membership.

Who holds what: a student's membership {code, student, student_token, nickname} and a teacher's
{code, teacher_key} are per-session gr.State (server memory, never in the page's URL). The teacher
key reaches the page only in the teacher link's fragment (#...), which browsers never send: the
page reads it, passes it to the server once, and takes it off the address bar (a projected address
bar would show it). Nicknames are shown as text only: escaped in Markdown, plain in tables.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from pathlib import Path

import gradio as gr
import numpy as np

from demos import links, ui
from demos.classroom import activities as A
from demos.classroom import projector as P
from demos.classroom import service
from demos.i18n import I18N, built_keys, register, t
from demos.vision.digits import MODELS

register(
    {
        "sec_class": ("课堂", "Class"),
        "cls_intro": (
            "教师开一个课堂，学生用链接或课堂代码加入；学生在四个页面（第 2 讲、第 3 讲、手写数字、网络游乐场）按“发送到课堂”，"
            "投影上就能看到全班的结果。只有学生按下发送才会保存；学生可以撤回。",
            "A teacher starts a class; students join by link or class code. On four tabs (lecture 2, lecture 3, draw a "
            "digit, network playground) a student presses “Send to class”, and the projector shows the whole class. "
            "Nothing is kept unless a student sends it, and a student can take it back.",
        ),
        "cls_invite": (
            "你被邀请加入一个课堂：填个昵称（可不填）再加入。",
            "You are invited to a class: add a nickname (or not) and join.",
        ),
        "cls_code": ("课堂代码", "Class code"),
        "cls_nick": ("昵称（可不填：匿名编号）", "Nickname (optional: blank = an anonymous number)"),
        "cls_join": ("加入课堂", "Join class"),
        "cls_joined": (
            "你已作为 {who} 加入课堂 **{code}**。在第 2 讲、第 3 讲、手写数字和网络游乐场页面按“发送到课堂”。",
            "You joined class **{code}** as {who}. Press “Send to class” on lecture 2, lecture 3, draw a digit and "
            "the network playground.",
        ),
        "cls_student_n": ("学生 {n}", "student {n}"),
        "cls_teacher_head": ("### 教师", "### Teacher"),
        "cls_password": ("开课密码（服务器要求时）", "Password to start a class (when the server asks for one)"),
        "cls_start": ("开一个课堂", "Start a class"),
        "cls_card": (
            "## 课堂代码：{code}\n学生链接（扫码或输入代码）：`{student}`\n\n课堂将于 {expires} 过期，届时数据删除。",
            "## Class code: {code}\nStudent link (scan it, or type the code): `{student}`\n\n"
            "The class expires at {expires}, and its data is deleted then.",
        ),
        "cls_key_head": ("🔒 教师链接（不要投影，不要分享）", "🔒 Teacher link (do not project or share it)"),
        "cls_key_link": (
            "这个链接带有教师密钥：打开它就是这个课堂的投影视图，可以显示昵称、删除提交、结束课堂和下载数据。"
            "请保存好，只给自己用：\n\n`{teacher}`",
            "This link carries the teacher key: it opens this class's projector view, which can show nicknames, "
            "remove submissions, close the class and download its data. Keep it for yourself:\n\n`{teacher}`",
        ),
        "cls_names": ("显示昵称", "Show nicknames"),
        "cls_refresh": ("投影视图每 2 秒从数据库更新。", "The projector view updates from the database every 2 s."),
        "cls_subs": ("提交（教师可见）", "Submissions (teacher only)"),
        "cls_sub_id": ("要删除的提交编号", "Submission # to remove"),
        "cls_remove": ("删除这条提交", "Remove this submission"),
        "cls_close": ("结束课堂", "Close the class"),
        "cls_closed_note": (
            "课堂已结束：不再接收加入或发送，仍可查看和下载。",
            "The class is closed: no more joining or sending; it can still be viewed and downloaded.",
        ),
        "cls_export": ("下载全班的手写数字（.npz 和 .csv）", "Download the class's digits (.npz and .csv)"),
        "cls_files": ("下载", "Downloads"),
        "cls_student_head": ("### 学生：用课堂代码加入", "### Student: join with a class code"),
        "cls_mine_head": ("#### 我发送的", "#### What I sent"),
        "cls_mine": ("我的提交", "My submissions"),
        "cls_withdraw": ("撤回所选", "Take back the chosen one"),
        "cls_withdrawn": ("已撤回提交 #{n}。", "Submission #{n} was taken back."),
        "cls_mine_none": ("还没有发送。", "Nothing sent yet."),
        "cls_leader_open": ("打开", "open"),
        "cls_col_id": ("编号", "#"),
        "cls_col_student": ("学生", "student"),
        "cls_col_nick": ("昵称", "nickname"),
        "cls_col_activity": ("活动", "activity"),
        "cls_col_what": ("内容", "what"),
    }
)

built_keys("cls_col_*")  # table_headers
JS_CLASS_LINK = """
() => {
  const code = (new URLSearchParams(window.location.search).get('class') || '').slice(0, 16);
  const hash = window.location.hash.replace(/^#/, '');
  const key = /^[A-Za-z0-9_-]{20,64}$/.test(hash) ? hash : '';
  if (key) history.replaceState(null, '', window.location.pathname + window.location.search);
  return [code, key];
}
"""
MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~<&])")


def as_text(text: str) -> str:
    """``text`` for a Markdown component that shows it literally: every Markdown and HTML
    character escaped (a nickname ``**bold**`` or ``<img ...>`` appears as typed)."""
    return MD_SPECIAL.sub(
        lambda m: "&lt;" if m.group(1) == "<" else ("&amp;" if m.group(1) == "&" else "\\" + m.group(1)), text
    )


def who(member: dict, lang: str) -> str:
    n = t("cls_student_n", lang, n=member["student"])
    return f"{n} ({as_text(member['nickname'])})" if member["nickname"] else n


def base_url(request: gr.Request | None) -> str:
    """The page's address as the browser reached it (through a balancer: its Host and scheme)."""
    if request is None:
        return ""
    host = request.headers.get("x-forwarded-host") or request.headers.get("host") or ""
    scheme = request.headers.get("x-forwarded-proto") or getattr(getattr(request, "url", None), "scheme", "http")
    return f"{scheme}://{host}/" if host else ""


def student_link(base: str, code: str) -> str:
    return f"{base}?class={code}"


def class_card(code: str, expires: float, request: gr.Request | None, lang: str) -> tuple[str, str]:
    """(the class card's text: code, student link, expiry; the student link) as the page reached us."""
    link = student_link(base_url(request), code)
    return t("cls_card", lang, code=code, student=link, expires=expires_text(expires)), link


def expires_text(expires: float) -> str:
    import datetime

    return datetime.datetime.fromtimestamp(expires).strftime("%Y-%m-%d %H:%M")


# ---- events: student -----------------------------------------------------------------------


def on_invite(code):
    """A link with ?class=CODE: the banner shows, with the code filled in."""
    code = (code or "").strip()
    if not code:
        return gr.skip(), gr.skip()
    return gr.Group(visible=True), gr.Textbox(value=code)


def on_lang(teacher, member, lang, request: gr.Request):
    """The language switched: the class card and the joined notes in the new one."""
    card = gr.skip()
    if teacher:
        got = service.rows(teacher["code"], teacher["teacher_key"], lang)
        card, _ = class_card(got["code"], got["expires"], request, lang)
    joined = t("cls_joined", lang, code=member["code"], who=who(member, lang)) if member else gr.skip()
    return card, joined, joined


def on_join(code, nickname, lang):
    got = service.join(code, nickname, lang)
    member = {k: got[k] for k in ("code", "student", "student_token", "nickname")}
    return member, t("cls_joined", lang, code=member["code"], who=who(member, lang))


def mine_choices(member, lang) -> list[tuple[str, int]]:
    if not member:
        return []
    subs = service.mine(member["code"], member["student"], member["student_token"], lang)
    return [
        (f"#{s['submission']} · {t('cls_act_' + s['activity'], lang)} · {describe(s)}", s["submission"]) for s in subs
    ]


def on_mine(member, lang):
    choices = mine_choices(member, lang)
    return gr.Dropdown(choices=choices, value=None), "" if choices else t("cls_mine_none", lang)


def on_withdraw(member, submission, lang):
    if not member:
        raise ui.user_error("class_not_student", lang)
    service.withdraw(member["code"], member["student"], member["student_token"], submission, lang)
    choices = mine_choices(member, lang)
    return gr.Dropdown(choices=choices, value=None), t("cls_withdrawn", lang, n=service.as_id(submission))


def describe(s: dict) -> str:
    """One line about a submission, from its stored payload (numbers and names the app chose)."""
    p, a = s["payload"], s["activity"]
    if a == "linear":
        return f"w={p['w']:.2f}, b={p['b']:.2f}, MSE={p['mse']:.4f}"
    if a == "gradient":
        return f"{p['mode']}, lr={p['lr']:g}, {p['epochs']} epochs, {'diverged' if p['diverged'] else 'converged'}"
    if a == "digit":
        return f"{p['label']} → {p['reads']['best_cnn']}"
    return f"{p['accuracy']:.1f} %, {p['params']} params, {p['settings']['dataset']}"


# ---- events: teacher -----------------------------------------------------------------------


def on_start(password, lang, request: gr.Request):
    got = service.create(password, request, lang)
    card, link = class_card(got["code"], got["expires"], request, lang)
    teacher = {"code": got["code"], "teacher_key": got["teacher_key"]}
    private = t("cls_key_link", lang, teacher=f"{link}#{got['teacher_key']}")
    return teacher, card, gr.HTML(links.qr_svg(link), visible=True), gr.Accordion(visible=True), private


def on_teacher_link(code, key, lang, request: gr.Request):
    """A teacher link: the key from the page's fragment, checked against the class; opens the section."""
    if not (code and key):
        return gr.skip(), gr.skip(), gr.skip(), gr.skip()
    got = service.rows(code, key, lang)
    card, link = class_card(got["code"], got["expires"], request, lang)
    return (
        {"code": got["code"], "teacher_key": key},
        card,
        gr.HTML(links.qr_svg(link), visible=True),
        gr.Tabs(selected="class"),
    )


def teacher_rows(teacher, lang) -> dict:
    return service.rows(teacher["code"], teacher["teacher_key"], lang)


def on_tick(teacher, seen, lang):
    """The projector view, read again from the database; nothing is sent when nothing changed.
    A class that expired (or a database gone bad) is said once, in the counts line, and the
    ticks stop; a busy database just waits for the next tick."""
    if not teacher:
        return [gr.skip()] * (VIEWS + 2)
    try:
        got = teacher_rows(teacher, lang)
    except gr.Error as err:
        busy = err.message == t("db_busy", lang)
        return ["### " + err.message, *[gr.skip()] * (VIEWS - 1), gr.skip(), gr.Timer(active=busy)]
    mark = (len(got["submissions"]), max((s["submission"] for s in got["submissions"]), default=0),
            got["students"], got["show_names"], got["closed"], lang)  # fmt: skip
    if seen == list(mark):
        return [gr.skip()] * (VIEWS + 2)
    return [*views(got, lang), list(mark), gr.skip()]


def views(got: dict, lang: str) -> list:
    per = A.by_activity(got["submissions"])
    counts = "### " + P.counts_text(got["students"], {a: len(v) for a, v in per.items()}, lang)
    if got["closed"]:
        counts += "  \n" + t("cls_closed_note", lang)
    return [
        counts,
        P.linear_figure(per["linear"], lang),
        P.lr_figure(per["gradient"], lang),
        P.digit_gallery(per["digit"], lang),
        P.confusion_figure(per["digit"], lang),
        leaderboard_md(per["playground"], lang),
        gr.Dataframe(value=submissions_table(got, lang), headers=table_headers(lang)),
    ]


def leaderboard_md(entries: list[dict], lang: str) -> str:
    """The playground leaderboard as a Markdown table (numbers and the app's own names only), each
    row with a link that opens that network in the playground."""
    if not entries:
        return ""
    rows, order = P.leaderboard(entries, lang)
    head = [*P.leaderboard_headers(lang), ""]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row, i in zip(rows, order):
        link = A.playground_link(entries[i]["settings"])
        cells = [str(c).replace("|", "/") for c in row]
        lines.append("| " + " | ".join(cells) + f" | [{t('cls_leader_open', lang)} ↗]({link}) |")
    return "\n".join(lines)


def submissions_table(got: dict, lang: str) -> list[list]:
    """The teacher's table: newest first; nicknames only when shown (plain cells: shown as text)."""
    return [
        [s["submission"], s["student"], s["nickname"], t("cls_act_" + s["activity"], lang), describe(s)]
        for s in reversed(got["submissions"])
    ]


def table_headers(lang: str) -> list[str]:
    return [t(f"cls_col_{k}", lang) for k in ("id", "student", "nick", "activity", "what")]


def on_names(teacher, on, lang):
    if teacher:
        service.show_names(teacher["code"], teacher["teacher_key"], on, lang)
    return None  # the next tick redraws


def on_remove(teacher, submission, lang):
    if not teacher:
        raise ui.user_error("class_not_teacher", lang)
    service.remove(teacher["code"], teacher["teacher_key"], submission, lang)
    return None


def on_close(teacher, lang):
    if not teacher:
        raise ui.user_error("class_not_teacher", lang)
    service.close(teacher["code"], teacher["teacher_key"], lang)
    return None


def export(code, key, lang: str | None) -> dict:
    """The class's digits as arrays and its submissions (teacher only)."""
    got = service.rows(code, key, lang)
    digits = [s for s in got["submissions"] if s["activity"] == "digit"]
    return {
        "code": got["code"],
        "digits": {
            "submission": [s["submission"] for s in digits],
            "student": [s["student"] for s in digits],
            "label": [s["payload"]["label"] for s in digits],
            "image": [s["payload"]["image"] for s in digits],
            "reads": {m: [s["payload"]["reads"][m] for s in digits] for m in MODELS},
        },
        "submissions": got["submissions"],
    }


def export_files(data: dict) -> tuple[str, str]:
    """(path of the .npz, path of the .csv) of the class's digits, in a fresh temporary folder."""
    d = data["digits"]
    folder = Path(tempfile.mkdtemp(prefix=f"class-{data['code']}-"))
    images = np.asarray(d["image"], dtype=np.uint8).reshape(-1, 28, 28)
    npz = folder / f"class-{data['code']}-digits.npz"
    np.savez_compressed(
        npz,
        images=images,  # (N, 28, 28) uint8, 255 = ink, as the models read them (MNIST's layout)
        labels=np.asarray(d["label"], dtype=np.int64),
        submission=np.asarray(d["submission"], dtype=np.int64),
        student=np.asarray(d["student"], dtype=np.int64),
        **{f"read_{m}": np.asarray(v, dtype=np.int64) for m, v in d["reads"].items()},
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["submission", "student", "label", *(f"read_{m}" for m in d["reads"]), *(f"p{i}" for i in range(784))]
    )
    for i in range(len(images)):
        reads = [d["reads"][m][i] for m in d["reads"]]
        writer.writerow([d["submission"][i], d["student"][i], d["label"][i], *reads, *images[i].reshape(-1).tolist()])
    path = folder / f"class-{data['code']}-digits.csv"
    path.write_text(out.getvalue())
    return str(npz), str(path)


def on_export(teacher, lang):
    if not teacher:
        raise ui.user_error("class_not_teacher", lang)
    npz, csv_path = export_files(export(teacher["code"], teacher["teacher_key"], lang))
    return gr.File(value=[npz, csv_path], visible=True)


# ---- API -----------------------------------------------------------------------------------


def api_class_create(password: str = "", request: gr.Request = None) -> dict:
    """Start a class: {"code", "teacher_key", "expires"}. Keep the teacher key private."""
    got = service.create(password, request, None)
    return {"code": got["code"], "teacher_key": got["teacher_key"], "expires": got["expires"]}


def api_class_join(code: str, nickname: str = "") -> dict:
    """Join a class: {"student" (your number), "student_token" (keep it: every send needs it)}."""
    got = service.join(code, nickname, None)
    return {"student": got["student"], "student_token": got["student_token"]}


def api_class_submit(code: str, student: int, student_token: str, activity: str, payload: dict) -> dict:
    """Send to the class: activity linear {w, b}, gradient {mode, lr, epochs, w0, seed, batch_size},
    digit {image: 28x28 ints 0-255, label}, playground {settings, accuracy}. Returns {"submission"}."""
    activity, stored = A.check(activity, payload, None)
    return service.submit(code, service.as_student(student), student_token, activity, stored, None)


def api_class_withdraw(code: str, student: int, student_token: str, submission: int) -> dict:
    """Take back one of your submissions."""
    return service.withdraw(code, service.as_student(student), student_token, submission, None)


def api_class_summary(code: str) -> dict:
    """A class's public summary: counts and what was sent, with no one's identity."""
    return service.summary(code, None)


def api_class_remove(code: str, teacher_key: str, submission: int) -> dict:
    """Teacher: remove any submission."""
    return service.remove(code, teacher_key, submission, None)


def api_class_close(code: str, teacher_key: str) -> dict:
    """Teacher: close the class (no more joining or sending)."""
    return service.close(code, teacher_key, None)


def api_class_export(code: str, teacher_key: str) -> dict:
    """Teacher: the class's digits (images 28x28, labels, the models' reads) and every submission."""
    return export(code, teacher_key, None)


# ---- layout and wiring ---------------------------------------------------------------------


def banner(lang):
    """Under the header: the join row a class link shows. Returns (membership, the banner's parts)."""
    member = gr.State(None)
    with gr.Group(visible=False, elem_id="cls-banner") as group:
        invite = gr.Markdown(I18N("cls_invite"), elem_id="cls-invite")
        with gr.Row():
            code = gr.Textbox(label=I18N("cls_code"), max_length=16, elem_id="cls-code", scale=1)
            nick = gr.Textbox(label=I18N("cls_nick"), max_length=64, elem_id="cls-nick", scale=2)
            join = gr.Button(I18N("cls_join"), variant="primary", elem_id="cls-join", scale=1)
        joined = gr.Markdown(elem_id="cls-joined")
    return member, {"group": group, "invite": invite, "code": code, "nick": nick, "join": join, "joined": joined}


QUIET = {"show_progress": "hidden", "api_visibility": "private", "concurrency_limit": None}
STUDENT = {"show_progress": "hidden", "api_visibility": "private"} | service.DIRECT  # one POST each
VIEWS = 7  # the projector view's outputs, in views() order


def build_section(member, parts: dict, lang, section: gr.Tab, sections: gr.Tabs):
    """The Class section's content, the banner's events and the class API. Returns ``open_links``,
    for app.py to call with its page-load step that sets the language (a class link's texts need it)."""
    gr.Markdown(I18N("cls_intro"))
    teacher = gr.State(None)  # per teacher session: {code, teacher_key}
    with gr.Row():
        with gr.Column(scale=2, min_width=300):
            joined = _student_column(member, parts, section, lang)
        with gr.Column(scale=3, min_width=300):
            card, qr = _teacher_column(teacher, lang)
    _projector(teacher, lang)
    lang.change(on_lang, [teacher, member, lang], [card, parts["joined"], joined], **QUIET)
    # a class link: ?class=CODE shows the banner; a teacher link's #key opens the projector view
    link_code = gr.Textbox("", visible="hidden", elem_id="cls-link-code")
    link_key = gr.Textbox("", visible="hidden", elem_id="cls-link-key")
    link_code.change(on_invite, link_code, [parts["group"], parts["code"]], **QUIET)
    link_key.change(on_teacher_link, [link_code, link_key, lang], [teacher, card, qr, sections], **QUIET)

    def open_links(language_set):
        """Read the link once the page's language is set (all in the browser: no event without a class link)."""
        language_set.then(None, None, [link_code, link_key], js=JS_CLASS_LINK, queue=False)

    for fn, name in ((api_class_create, "class_create"), (api_class_join, "class_join"),
                     (api_class_submit, "class_submit"), (api_class_withdraw, "class_withdraw"),
                     (api_class_summary, "class_summary"), (api_class_remove, "class_remove"),
                     (api_class_close, "class_close"), (api_class_export, "class_export")):  # fmt: skip
        queued = name not in service.DIRECT_APIS
        gr.api(fn, api_name=name, concurrency_limit=None, queue=queued)
    return open_links


def _student_column(member, parts: dict, section: gr.Tab, lang) -> gr.Markdown:
    """Join with a typed code (the banner joins from a link), and what I sent, to take back."""
    gr.Markdown(I18N("cls_student_head"))
    code = gr.Textbox(label=I18N("cls_code"), max_length=16, elem_id="cls-code-typed")
    nick = gr.Textbox(label=I18N("cls_nick"), max_length=64, elem_id="cls-nick-typed")
    join = gr.Button(I18N("cls_join"), elem_id="cls-join-typed")
    joined = gr.Markdown(elem_id="cls-joined-typed")
    gr.Markdown(I18N("cls_mine_head"))
    mine = gr.Dropdown([], label=I18N("cls_mine"), elem_id="cls-mine", interactive=True)
    mine_note = gr.Markdown(elem_id="cls-mine-note")
    withdraw = gr.Button(I18N("cls_withdraw"), elem_id="cls-withdraw", size="sm")
    withdrawn = gr.Markdown(elem_id="cls-withdrawn")
    for code_box, nick_box, button, note in ((parts["code"], parts["nick"], parts["join"], parts["joined"]),
                                             (code, nick, join, joined)):  # fmt: skip
        button.click(on_join, [code_box, nick_box, lang], [member, note], **QUIET)  # queued: see service.DIRECT
    for trigger in (member.change, section.select):  # what I sent, as it is now
        trigger(service.direct(on_mine, 1), [member, lang], [mine, mine_note], **STUDENT)
    withdraw.click(service.direct(on_withdraw, 1), [member, mine, lang], [mine, withdrawn], **STUDENT)
    return joined


def _teacher_column(teacher, lang) -> tuple[gr.Markdown, gr.HTML]:
    """Start a class: its card (code, student link, QR) and, in a closed panel, the teacher link."""
    gr.Markdown(I18N("cls_teacher_head"))
    password = gr.Textbox(
        label=I18N("cls_password"), type="password", max_length=200, elem_id="cls-password",
        visible=bool(service.store().limits.password),
    )  # fmt: skip
    start = gr.Button(I18N("cls_start"), variant="primary", elem_id="cls-start")
    card = gr.Markdown(elem_id="cls-card")
    qr = gr.HTML(visible=False, elem_id="cls-qr")
    with gr.Accordion(I18N("cls_key_head"), open=False, visible=False, elem_id="cls-key") as key_box:
        key_link = gr.Markdown(elem_id="cls-key-link")
    start.click(on_start, [password, lang], [teacher, card, qr, key_box, key_link], **QUIET)
    return card, qr


def _projector(teacher, lang) -> None:
    """The projector view, read from the database every 2 s, and the teacher's tools."""
    seen = gr.State(None)  # what the view last showed (on_tick's mark)
    with gr.Group(visible=False, elem_id="cls-projector") as projector:
        counts = gr.Markdown(elem_id="cls-counts")
        with gr.Row():
            lin_plot = gr.Plot(show_label=False, elem_id="cls-linear")
            lr_plot = gr.Plot(show_label=False, elem_id="cls-lr")
        with gr.Row():
            gallery = gr.Plot(show_label=False, elem_id="cls-gallery")
            confusion = gr.Plot(show_label=False, elem_id="cls-confusion")
        leaders = gr.Markdown(elem_id="cls-leaders")
        gr.Markdown(I18N("cls_refresh"))
        with gr.Accordion(I18N("cls_subs"), open=False, elem_id="cls-teacher-tools"):
            names = gr.Checkbox(False, label=I18N("cls_names"), elem_id="cls-names")
            table = gr.Dataframe(
                headers=table_headers("en"), datatype=["number", "number", "str", "str", "str"],
                interactive=False, max_height=400, elem_id="cls-subs",
            )  # fmt: skip
            with gr.Row():
                sub_id = gr.Number(None, precision=0, label=I18N("cls_sub_id"), elem_id="cls-sub-id")
                remove = gr.Button(I18N("cls_remove"), variant="stop", elem_id="cls-remove")
                close = gr.Button(I18N("cls_close"), variant="stop", elem_id="cls-close")
            export_btn = gr.Button(I18N("cls_export"), elem_id="cls-export")
            files = gr.File(label=I18N("cls_files"), visible=False, file_count="multiple", elem_id="cls-files")
    timer = gr.Timer(2.0, active=False)
    view = [counts, lin_plot, lr_plot, gallery, confusion, leaders, table]
    teacher.change(
        lambda tch: (gr.Group(visible=bool(tch)), gr.Timer(active=bool(tch)), None),
        teacher, [projector, timer, seen], **QUIET,
    )  # fmt: skip
    timer.tick(on_tick, [teacher, seen, lang], [*view, seen, timer], **QUIET)
    names.change(on_names, [teacher, names, lang], seen, **QUIET)  # each clears `seen`: the next tick redraws
    remove.click(on_remove, [teacher, sub_id, lang], seen, **QUIET)
    close.click(on_close, [teacher, lang], seen, **QUIET)
    export_btn.click(on_export, [teacher, lang], files, **QUIET)
