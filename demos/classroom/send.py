"""The "Send to class" rows of the four tabs that send (L2, L3, draw a digit, playground).

A tab's build() calls ``row(activity, inputs, payload)`` where the button belongs; the row stays
hidden until the student joins a class. app.py builds the Class section after the tabs and calls
``wire(membership, lang)``, which connects every row to the page's one membership (a gr.State:
{code, student, student_token, nickname} or None). A tab never reaches into the Class section:
the rows are collected here, the one place both sides know.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import gradio as gr

from demos import ui
from demos.i18n import I18N, register, t

register(
    {
        "cls_send": ("↑ 发送到课堂", "↑ Send to class"),  # an arrow every font has (no emoji font on many lecture PCs)
        "cls_sent": (
            "已发送到课堂 {code}（提交 #{submission}）。可在“课堂”页撤回。",
            "Sent to class {code} (submission #{submission}). You can take it back on the Class tab.",
        ),
        "cls_meant": ("我写的是", "I meant"),
    }
)


@dataclass
class Row:
    activity: str
    button: gr.Button
    status: gr.Markdown
    group: gr.Group
    inputs: list
    payload: object  # fn(*input values, lang) -> the payload as stored (activities' checks)
    extra: list = field(default_factory=list)


ROWS: list[Row] = []


def row(activity: str, inputs: list, payload, meant: bool = False) -> Row:
    """A hidden "Send to class" row in the tab being built. ``payload(*values, lang)`` makes the
    stored payload from the inputs' values (and, with ``meant``, the digit the student picks)."""
    with gr.Group(visible=False, elem_id=f"cls-send-{activity}") as group:
        with gr.Row():
            extra = []
            if meant:
                from demos import links

                extra.append(
                    links.not_shared(
                        gr.Dropdown(
                            [str(d) for d in range(10)],
                            value=None,
                            label=I18N("cls_meant"),
                            elem_id=f"cls-meant-{activity}",
                            min_width=120,
                        )
                    )
                )
            button = gr.Button(I18N("cls_send"), elem_id=f"cls-send-btn-{activity}", variant="secondary")
        status = gr.Markdown(elem_id=f"cls-sent-{activity}")
    made = Row(activity, button, status, group, list(inputs), payload, extra)
    ROWS.append(made)
    return made


def sender(r: Row):
    from demos.classroom import service

    def send(member, *values):
        *values, lang = values
        if not member:
            raise ui.user_error("class_not_student", lang)
        payload = r.payload(*values, lang)
        got = service.submit(member["code"], member["student"], member["student_token"], r.activity, payload, lang)
        return t("cls_sent", lang, code=member["code"], submission=got["submission"])

    return send


def wire(membership: gr.State, lang) -> None:
    """Connect every row built so far to the page's membership; rows show only for a member."""
    from demos.classroom import service

    rows = list(ROWS)
    for r in rows:
        r.button.click(
            service.direct(sender(r)), [membership, *r.inputs, *r.extra, lang], r.status, show_progress="minimal",
            api_visibility="private", **service.DIRECT,
        )  # fmt: skip
    groups = [r.group for r in rows]
    membership.change(
        lambda m: [gr.Group(visible=bool(m))] * len(groups), membership, groups, show_progress="hidden",
        api_visibility="private", queue=False,
    )  # fmt: skip
    ROWS.clear()  # a second app built in the same process gets its own rows
