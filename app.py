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
from demos import links, live, offload, ui  # noqa: E402
from demos.classroom import send as class_send  # noqa: E402
from demos.classroom import tab as class_tab  # noqa: E402
from demos.i18n import DEFAULT_LANG, I18N, JS_CHANGE_LOCALE, JS_DETECT_LANG, JS_RELABEL, norm_lang  # noqa: E402
from demos.ui import torch_ready  # noqa: E402
from deploy import tuning  # noqa: E402

tuning.configure()  # what Gradio and Python do per event and session that the app does not need

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
        member, class_banner = class_tab.banner(lang)  # shown by a class link (?class=CODE)
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
                                with ui.tab_draw(tab_langs[key]):
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
            with gr.Tab(I18N("sec_class"), id="class", elem_id="tab-class") as class_section:
                open_class_links = class_tab.build_section(member, class_banner, lang, class_section, outer)
        class_send.wire(member, lang)  # the "Send to class" rows of the tabs that send
        keys = list(tab_langs)
        lang.change(
            None, [lang, *tab_langs.values()], list(tab_langs.values()), js=js_lang_to_shown_tabs(keys), queue=False
        )
        theme_btn.click(None, js=JS_TOGGLE_THEME)
        # The frontend re-translates only the selected tabs' labels when the
        # locale changes at run time; sending every label again, right after the
        # (repeated, idempotent) locale switch, fixes the rest.
        # Every translated tab in the app, lecture tabs' own inner tabs included.
        # Only when the page's language is not the browser's, the locale Gradio starts in
        # (JS_RELABEL): this event's 27 outputs slow every later event of the page (see
        # wire_open_link), and a Chinese browser opening the page in Chinese needs none of it.
        labelled = [tab for tab in all_tabs(outer) if getattr(tab.label, "key", None)]
        relabel = gr.Textbox("", visible="hidden", elem_id="relabel")
        lang.change(None, lang, None, js=JS_CHANGE_LOCALE).then(None, lang, relabel, js=JS_RELABEL, queue=False)
        relabel.change(
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
        open_class_links(detected)  # ?class=CODE, a teacher's #key: read once the language is set
        opened = wire_open_link(detected, lang, outer, inner, shared, tab_langs)
        opened.then(
            None,
            [lang, *tab_langs.values()],
            list(tab_langs.values()),
            js=js_lang_to_shown_tabs(keys, wait=True, page_load=True),
            queue=False,
        )
    # Cheap, stateless events run unlimited; training events set their own limits.
    # api_open=False: a queued event is run only through the queue, so its concurrency and time limits
    # hold for API callers too (Gradio opens the direct /run/ routes to every event off Spaces); the
    # few direct events (queue=False) still take a plain POST.
    demo.queue(default_concurrency_limit=live.per_process(8), api_open=False)  # per event, over all processes
    return demo


def all_tabs(block) -> list[gr.Tab]:
    """Every gr.Tab inside a layout block, in page order."""
    found = [block] if isinstance(block, gr.Tab) else []
    for child in getattr(block, "children", []) or []:
        found += all_tabs(child)
    return found


def js_lang_to_shown_tabs(keys: list[str], wait: bool = False, page_load: bool = False) -> str:
    """JavaScript: (lang, *tab langs) -> tab langs, with lang given to the lecture tabs on
    screen and the others unchanged (so only the shown tabs redraw). With ``wait``, first
    let the browser show a just-selected section. With ``page_load``, nothing when the URL
    names a tab: its link event gives that tab the language (the tab on screen is not it yet)."""
    pause = "await new Promise((r) => setTimeout(r, 60));" if wait else ""
    linked = "if (keys.includes(new URLSearchParams(window.location.search).get('tab'))) return current;"
    return f"""
async (lang, ...current) => {{
  {pause}
  const keys = {json.dumps(keys)};
  {linked if page_load else ""}
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
    so every redraw they trigger sees both. Returns the page-load step to chain on.

    Only the named tab's own event runs, with that tab's controls as outputs. The page keeps a
    loading status for every output of every event it has run and visits all of them (each a
    search of the 1,000-component layout) on every later event: one page-load event with all 199
    shareable controls as outputs made each later step of the L2 slider cost the browser about 0.15 s more.
    So the browser picks the tab (js_linked_tab, through one hidden box per tab), and a page
    without a link runs no server event at all."""
    keys = list(tab_langs)
    # rendered but hidden ("hidden", not False: a box that is not rendered fires no change)
    asked = {key: gr.Textbox("", visible="hidden", elem_id=f"link-{key}") for key in keys}
    unknown = gr.Textbox("", visible="hidden", elem_id="link-unknown")  # a tab the app does not have
    picked = detected.then(None, None, [*asked.values(), unknown], js=js_linked_tab(keys), queue=False)
    section_of = {m.LECTURE.key: m.LECTURE.section for m in demos.LECTURES}
    for key in keys:
        controls = shared[key]
        # the hidden values links derive first (a convolution tab's grids): the browser fires a change
        # as it sets each value, so a handler must find the derived values already there
        every = [*links.derived_targets(controls), *controls.values()]
        asked[key].change(
            link_opener(key, section_of[key], every, controls),
            lang,
            [outer, inner[section_of[key]], *every, tab_langs[key]],
            show_progress="hidden",
            api_visibility="private",
            concurrency_limit=None,
        )
    # queued (not queue=False): warnings reach the page only through the queue
    unknown.change(unknown_tab_warner(shared), lang, None, show_progress="hidden", api_visibility="private")
    return picked


def js_linked_tab(keys: list[str]) -> str:
    """JavaScript: () -> one value per hidden box: "open" in the box of the tab the URL names, and
    the name itself in the last box if the app has no such tab; the others keep "" (no change event)."""
    return f"""
() => {{
  const keys = {json.dumps(keys)}, tab = new URLSearchParams(window.location.search).get('tab') || '';
  return [...keys.map((k) => (k === tab ? 'open' : '')), tab && !keys.includes(tab) ? tab : ''];
}}
"""


def link_opener(key: str, section: str, every: list, controls: dict):
    """The event of the tab ``key``: its section and tab selected, the link's settings, its language."""

    def open_link(lang_now, request: gr.Request):
        params = dict(request.query_params) if request else {}
        lang_now = norm_lang(lang_now)
        _, values, messages = links.apply(params, {key: controls}, lang_now)
        for message in messages:
            gr.Warning(message)
        return [gr.Tabs(selected=section), gr.Tabs(selected=key), *(values.get(c, gr.skip()) for c in every), lang_now]

    return open_link


def unknown_tab_warner(shared: dict):
    def warn_unknown_tab(lang_now, request: gr.Request) -> None:
        params = dict(request.query_params) if request else {}
        for message in links.apply(params, shared, norm_lang(lang_now))[2]:
            gr.Warning(message)

    return warn_unknown_tab


CHEAP_PRIVATE = {"show_progress": "hidden", "api_visibility": "private", "queue": False}


def launch(demo: gr.Blocks, **kwargs):
    """Launch with the app's theme, style and translation table.

    torch (about 1.5 s to import) is imported in the background, so the first
    page never waits for it and the first training click rarely does; then the
    process's long-lived objects are frozen out of garbage collection.
    """

    def warm_up():
        torch_ready()
        tuning.settle()
        offload.start()  # the training processes' fork server imports torch and the tabs: a few seconds

    threading.Thread(target=warm_up, daemon=True).start()
    return demo.launch(theme=THEME, css=CSS, i18n=I18N.table(), **kwargs)


if __name__ == "__main__":
    launch(build_app())
