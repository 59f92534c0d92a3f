"""Deep Learning with PyTorch, interactive lectures: the Gradio app.

Run: python app.py  (serves on 127.0.0.1:7860; honours GRADIO_SERVER_NAME
and GRADIO_SERVER_PORT, as Hugging Face Spaces sets them).
"""

from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import json  # noqa: E402
import threading  # noqa: E402

import gradio as gr  # noqa: E402

import demos  # noqa: E402
from demos import links, live  # noqa: E402
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
/* Touch screens: tabs a finger can hit (44 CSS px, WCAG 2.5.5); the tab bars wrap (overflow_behavior) */
@media (pointer: coarse) {
  .tab-wrapper button[role=tab] { min-height: 44px; min-width: 44px; }
}
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
        # Each lecture tab follows the language through its own hidden copy of it,
        # updated only while the tab is on screen: a switch redraws one tab, not all.
        # It starts empty and gets the language when the tab is first shown, which
        # makes the tab's first draw: a page open draws the tab on screen, not all 18.
        # A tab whose build already draws everything in English (Lecture.drawn_at_build) starts at "en".
        tab_langs: dict[str, gr.Textbox] = {}  # lecture key -> the language its content is in, "" until drawn
        with gr.Tabs(elem_classes=["section-tabs"], overflow_behavior="wrap") as outer:
            for section, modules in demos.sections():
                with gr.Tab(I18N(section), id=section) as tabs[section]:
                    with gr.Tabs(overflow_behavior="wrap") as inner[section]:
                        for module in modules:
                            key = module.LECTURE.key
                            label = module.LECTURE.tab
                            with gr.Tab(I18N(label), id=key, elem_id=f"tab-{key}") as tabs[label]:
                                share = share_row()
                                drawn = DEFAULT_LANG if module.LECTURE.drawn_at_build else ""
                                tab_langs[key] = gr.Textbox(drawn, visible="hidden", interactive=False)
                                module.build(tab_langs[key])
                            shared[key] = links.controls(tabs[label])
                            wire_share(key, share, shared[key], lang, presenter)
                            tabs[label].select(None, lang, tab_langs[key], js="(lang) => lang", queue=False)
                section_keys = [m.LECTURE.key for m in modules]
                tabs[section].select(
                    None,
                    [lang, *(tab_langs[k] for k in section_keys)],
                    [tab_langs[k] for k in section_keys],
                    js=js_lang_to_shown_tabs(section_keys, wait=True),
                    queue=False,
                )
        keys = list(tab_langs)
        lang.change(
            None, [lang, *tab_langs.values()], list(tab_langs.values()), js=js_lang_to_shown_tabs(keys), queue=False
        )
        theme_btn.click(None, js=JS_TOGGLE_THEME)
        # The frontend re-translates only the selected tabs' labels when the
        # locale changes at run time; sending every label again, right after the
        # (repeated, idempotent) locale switch, fixes the rest.
        # Every translated tab in the app, lecture tabs' own inner tabs included.
        labelled = [tab for tab in all_tabs(outer) if getattr(tab.label, "key", None)]
        lang.change(None, lang, None, js=JS_CHANGE_LOCALE).then(
            lambda: [gr.Tab(label=I18N(tab.label.key)) for tab in labelled],
            None,
            labelled,
            api_visibility="private",
            queue=False,
        )
        presenter.change(None, presenter, None, js=links.JS_PRESENTER)
        demo.load(None, None, presenter, js=links.JS_DETECT_PRESENTER)
        # On page load: the language, then a link's tab and settings, then the first
        # draw of whatever tab is on screen.
        detected = demo.load(None, None, lang, js=JS_DETECT_LANG)
        opened = wire_open_link(detected, lang, outer, inner, shared, tab_langs)
        opened.then(
            None,
            [lang, *tab_langs.values()],
            list(tab_langs.values()),
            js=js_lang_to_shown_tabs(keys, wait=True),
            queue=False,
        )
    # Cheap, stateless events run unlimited; training events set their own limits.
    demo.queue(default_concurrency_limit=live.per_process(8))  # per event, over all processes
    return demo


def all_tabs(block) -> list[gr.Tab]:
    """Every gr.Tab inside a layout block, in page order."""
    found = [block] if isinstance(block, gr.Tab) else []
    for child in getattr(block, "children", []) or []:
        found += all_tabs(child)
    return found


def js_lang_to_shown_tabs(keys: list[str], wait: bool = False) -> str:
    """JavaScript: (lang, *tab langs) -> tab langs, with lang given to the lecture tabs on
    screen and the others unchanged (so only the shown tabs redraw). With ``wait``, first
    let the browser show a just-selected section."""
    pause = "await new Promise((r) => setTimeout(r, 60));" if wait else ""
    return f"""
async (lang, ...current) => {{
  {pause}
  const keys = {json.dumps(keys)};
  const shown = keys.map((k) => {{ const el = document.getElementById('tab-' + k);
    return !!el && el.offsetParent !== null; }});
  return keys.map((k, i) => (shown[i] ? lang : current[i]));
}}
"""


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


def wire_open_link(detected, lang, outer: gr.Tabs, inner: dict, shared: dict, tab_langs: dict):
    """After the language is detected on page load, ?tab=KEY&name=value... opens that tab
    with those settings. The tab's language is set in the same update as its settings,
    so every redraw they trigger sees both. Returns the event, to chain on."""
    section_of = {m.LECTURE.key: m.LECTURE.section for m in demos.LECTURES}
    sections = list(inner)
    # every control a link may set, after what links derive from them (a convolution tab's grids): the
    # browser fires a change as it sets each value, so a handler must find the derived values already there
    every = [c for controls in shared.values() for c in [*links.derived_targets(controls), *controls.values()]]

    def open_link(lang_now, request: gr.Request):
        params = dict(request.query_params) if request else {}
        lang_now = norm_lang(lang_now)
        tab, values, messages = links.apply(params, shared, lang_now)
        for message in messages:
            gr.Warning(message)
        if tab is None:
            return [gr.skip()] * (1 + len(sections) + len(every) + len(tab_langs))
        section = section_of[tab]
        return [
            gr.Tabs(selected=section),
            *(gr.Tabs(selected=tab) if s == section else gr.skip() for s in sections),
            *(values[c] if c in values else gr.skip() for c in every),
            *(lang_now if k == tab else gr.skip() for k in tab_langs),
        ]

    # queued (not queue=False): warnings reach the page only through the queue
    return detected.then(
        open_link,
        lang,
        [outer, *inner.values(), *every, *tab_langs.values()],
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
