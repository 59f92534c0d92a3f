"""Deep Learning with PyTorch, interactive lectures: the Gradio app.

Run: python app.py  (serves on 127.0.0.1:7860; honours GRADIO_SERVER_NAME
and GRADIO_SERVER_PORT, as Hugging Face Spaces sets them).
"""

from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import threading  # noqa: E402

import gradio as gr  # noqa: E402

import demos  # noqa: E402
from demos import links  # noqa: E402
from demos.i18n import DEFAULT_LANG, I18N, JS_CHANGE_LOCALE, JS_DETECT_LANG, norm_lang  # noqa: E402
from demos.ui import torch_ready  # noqa: E402

THEME = gr.themes.Default(primary_hue="blue", neutral_hue="slate", text_size=gr.themes.sizes.text_lg)

# Large type and strong contrast for a projector at the back of a hall.
CSS = (
    """
.gradio-container { max-width: 1500px !important; }
#app-title h1 { font-size: 2.1rem; margin: 0; }
.lecture-source p { font-size: 1.25rem; }
.lecture-intro p { font-size: 1.15rem; line-height: 1.6; }
#header-row { align-items: center; }
.section-tabs > .tab-wrapper button, .section-tabs > div > .tab-wrapper button { font-size: 1.15rem; font-weight: 600; }
.share-row { align-items: flex-start; }
"""
    + links.CSS
)

JS_TOGGLE_THEME = "() => { document.body.classList.toggle('dark'); }"


def build_app() -> gr.Blocks:
    with gr.Blocks(title="PyTorch 深度学习实践 · Deep Learning with PyTorch") as demo:
        with gr.Row(elem_id="header-row"):
            with gr.Column(scale=5):
                gr.Markdown("# " + I18N("app_title"), elem_id="app-title")
                gr.Markdown(I18N("app_subtitle"))
            with gr.Column(scale=2, min_width=260):
                lang = gr.Radio(
                    [("中文", "zh"), ("English", "en")],
                    value=DEFAULT_LANG,
                    label=I18N("lang_label"),
                    elem_id="lang-switch",
                )
                with gr.Row():
                    theme_btn = gr.Button(I18N("theme_button"), size="sm", elem_id="theme-toggle")
                    presenter = gr.Checkbox(False, label=I18N("presenter"), elem_id="presenter-toggle")
        # Switch the browser's locale first: handlers of one trigger run in the
        # order they were added, and the tabs' server-side redraws come later.
        lang.change(None, lang, None, js=JS_CHANGE_LOCALE)
        # Two levels: course sections, each holding its lecture tabs, so every
        # lecture stays visible without Gradio's overflow menu.
        tabs: dict[str, gr.Tab] = {}  # translation key -> tab
        inner: dict[str, gr.Tabs] = {}  # section key -> its lecture tabs
        shared: dict[str, dict] = {}  # lecture key -> {URL name: component}
        with gr.Tabs(elem_classes=["section-tabs"]) as outer:
            for section, modules in demos.sections():
                with gr.Tab(I18N(section), id=section) as tabs[section]:
                    with gr.Tabs() as inner[section]:
                        for module in modules:
                            key = module.LECTURE.key
                            with gr.Tab(I18N(module.LECTURE.tab), id=key) as tabs[module.LECTURE.tab]:
                                share = share_row()
                                module.build(lang)
                            shared[key] = links.controls(tabs[module.LECTURE.tab])
                            wire_share(key, share, shared[key], lang, presenter)
        theme_btn.click(None, js=JS_TOGGLE_THEME)
        # The frontend re-translates only the selected tabs' labels when the
        # locale changes at run time; sending every label again, right after the
        # (repeated, idempotent) locale switch, fixes the rest.
        lang.change(None, lang, None, js=JS_CHANGE_LOCALE).then(
            lambda: [gr.Tab(label=I18N(key)) for key in tabs],
            None,
            list(tabs.values()),
            api_visibility="private",
            queue=False,
        )
        demo.load(None, None, lang, js=JS_DETECT_LANG)
        presenter.change(None, presenter, None, js=links.JS_PRESENTER)
        demo.load(None, None, presenter, js=links.JS_DETECT_PRESENTER)
        wire_open_link(demo, outer, inner, shared)
    # Cheap, stateless events run unlimited; training events set their own limits.
    demo.queue(default_concurrency_limit=8)
    return demo


def share_row() -> tuple:
    """A copy-link button; the link and its QR code appear once it is pressed."""
    with gr.Row(elem_classes=["share-row"]):
        button = gr.Button(I18N("link_button"), size="sm", scale=0, min_width=220, elem_classes=["share-button"])
        box = gr.Textbox(
            label=I18N("link_label"), interactive=False, visible=False, scale=4, elem_classes=["share-link"]
        )
        qr = gr.HTML(visible=False, elem_classes=["share-qr-box"])
    return button, box, qr


def wire_share(key: str, share: tuple, controls: dict, lang, presenter) -> None:
    button, box, qr = share
    names, components = list(controls), list(controls.values())
    js = links.js_build_link(key, names, [links.jsonable(c.value) for c in components])
    button.click(None, [lang, presenter, *components], box, js=js, queue=False).then(
        lambda url: (gr.Textbox(value=url, visible=True), gr.HTML(links.qr_svg(url), visible=True)),
        box,
        [box, qr],
        **CHEAP_PRIVATE,
    )


def wire_open_link(demo: gr.Blocks, outer: gr.Tabs, inner: dict, shared: dict) -> None:
    """On page load, ?tab=KEY&name=value... opens that tab with those settings."""
    section_of = {m.LECTURE.key: m.LECTURE.section for m in demos.LECTURES}
    sections = list(inner)
    every = [c for controls in shared.values() for c in controls.values()]

    def open_link(request: gr.Request):
        params = dict(request.query_params) if request else {}
        lang = norm_lang(params.get("lang"))
        tab, values, messages = links.apply(params, shared, lang)
        for message in messages:
            gr.Warning(message)
        if tab is None:
            return [gr.skip()] * (1 + len(sections) + len(every))
        section = section_of[tab]
        return [
            gr.Tabs(selected=section),
            *(gr.Tabs(selected=tab) if s == section else gr.skip() for s in sections),
            *(values[c] if c in values else gr.skip() for c in every),
        ]

    # queued (not queue=False): warnings reach the page only through the queue
    demo.load(
        open_link,
        None,
        [outer, *inner.values(), *every],
        show_progress="hidden",
        api_visibility="private",
        concurrency_limit=None,
    )


CHEAP_PRIVATE = {"show_progress": "hidden", "api_visibility": "private", "queue": False}


def launch(demo: gr.Blocks, **kwargs):
    """Launch with the app's theme, style and translation table.

    torch (about 1.5 s to import) is imported in the background, so the first
    page never waits for it and the first training click rarely does.
    """
    threading.Thread(target=torch_ready, daemon=True).start()
    return demo.launch(theme=THEME, css=CSS, i18n=I18N.table(), **kwargs)


if __name__ == "__main__":
    launch(build_app())
