"""Shareable links: a URL that opens a chosen tab with chosen settings, so a
teacher can put a link or QR code on a slide.

    /?tab=gradient_descent&gd_lr=0.25&lang=zh&presenter=1

A setting's name in the URL is its label's translation key (else its elem_id or plain label),
so a tab declares nothing: every slider, number, radio, dropdown, checkbox and textbox inside a
lecture tab is shareable. Where two controls of a tab share a label, the second gets its own name
with ``url_name``; a duplicate raises. URL names are public (printed on slides as QR codes) and
pinned by tests/data/url_names.json.
"""

from __future__ import annotations

import io
import json
import math

import gradio as gr

from demos.i18n import register, t

register(
    {
        "link_button": ("复制本页链接", "Copy link to this view"),
        "link_label": (
            "分享链接（含当前设置；已复制到剪贴板）",
            "Share link (with the current settings; copied to the clipboard)",
        ),
        "link_bad": (
            "链接里的设置 {name}={value} 无效，已忽略。",
            "The link's setting {name}={value} is not valid and was ignored.",
        ),
        "link_unknown_tab": ("链接里的页面 “{tab}” 不存在。", "The link's tab “{tab}” does not exist."),
        "presenter": ("投影模式", "Presenter mode"),
    }
)

SHAREABLE = (gr.Slider, gr.Number, gr.Radio, gr.Dropdown, gr.Checkbox, gr.CheckboxGroup, gr.Textbox)
MAX_TEXT = 500  # characters of a shared textbox value
RESERVED = {
    "tab",
    "lang",
    "presenter",
    "__theme",
    "class",
    "key",
}  # URL parameters with their own meaning (class: a class link)
TRUE, FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


def not_shared(component):
    """Leave ``component`` out of links: it shows state that a link does not carry (a trained or
    hand-edited model's parameters), so setting it alone would show a view that is not there."""
    component.link_shared = False
    return component


def url_name(component, name: str):
    """Give ``component`` its own URL name (for a second control with the same label); returns it."""
    component.url_name = name  # not a Gradio property: it never reaches the page's config
    return component


def label_key(component) -> str | None:
    """The URL name of a control: the one given by url_name, else its label's translation key,
    else its elem_id, else a plain label that is a valid name (such as "w")."""
    key = getattr(component, "url_name", None) or getattr(component.label, "key", None) or component.elem_id
    if key is None and isinstance(component.label, str) and component.label.isidentifier():
        key = component.label
    return key


def controls(block) -> dict[str, gr.components.Component]:
    """{URL name: component} of the shareable inputs inside a layout block, in page order.
    Raises ValueError when two controls would share a name (give the second its own with url_name)."""
    found: dict[str, gr.components.Component] = {}

    def walk(b) -> None:
        shareable = isinstance(b, SHAREABLE) and b.interactive is not False and getattr(b, "link_shared", True)
        if shareable and (key := label_key(b)):
            if key in found:
                raise ValueError(
                    f"two controls share the URL name {key!r} (elem_ids {found[key].elem_id}, {b.elem_id})"
                )
            found[key] = b
        for child in getattr(b, "children", []) or []:
            walk(child)

    walk(block)
    return found


def choice_values(choices) -> list[str]:
    """The values of a choice list (plain values or (label, value) pairs), as URL text."""
    return [str(c[1] if isinstance(c, (tuple, list)) else c) for c in choices or []]


def parse(component, raw: str, bounds=None):
    """The value a URL parameter gives ``component``; ValueError if it is not a valid one.
    ``bounds``: where the link's other values set them (see ``limit``), a number's (lo, hi)
    or a choice's list of choices."""
    if isinstance(component, (gr.Slider, gr.Number)):
        x = float(raw)
        if not math.isfinite(x):
            raise ValueError(raw)
        lo = component.minimum if component.minimum is not None else -math.inf
        hi = component.maximum if component.maximum is not None else math.inf
        lo, hi = bounds or (lo, hi)
        if not lo <= x <= hi:
            raise ValueError(raw)
        integral = getattr(component, "precision", None) == 0 or (
            isinstance(component, gr.Slider) and float(component.step).is_integer() and float(lo).is_integer()
        )
        if integral:
            if not x.is_integer():
                raise ValueError(raw)
            return int(x)
        return x
    if isinstance(component, gr.Checkbox):
        if raw.lower() in TRUE:
            return True
        if raw.lower() in FALSE:
            return False
        raise ValueError(raw)
    choices = bounds if bounds is not None else getattr(component, "choices", None)
    if isinstance(component, gr.CheckboxGroup):
        values = [v for v in raw.split(",") if v]
        allowed = choice_values(choices)
        if any(v not in allowed for v in values):
            raise ValueError(raw)
        return [choices[allowed.index(v)][1] if isinstance(choices[0], tuple) else v for v in values]
    if isinstance(component, (gr.Radio, gr.Dropdown)):
        allowed = choice_values(choices)
        if raw not in allowed:
            raise ValueError(raw)
        c = choices[allowed.index(raw)]
        return c[1] if isinstance(c, (tuple, list)) else c
    if len(raw) > MAX_TEXT:
        raise ValueError(raw[:20] + "…")
    return raw


def limit(component, inputs: list, bounds):
    """A link's value for ``component`` must lie in ``bounds(*values of inputs)``, each input's value
    being the link's or else its default: the range those values produce (such as the number of
    window positions for the link's padding; a number's (lo, hi), a choice's list of choices), not
    the range set at build. The link sets it too."""
    component.link_bounds = (list(inputs), bounds)
    return component


def derive(target, inputs: list, fn):
    """A link that sets any of ``inputs`` also sets ``target`` to ``fn(*values of inputs)``, as the
    tab's Apply button does with the edited grids; a failure ignores those values. ``target`` is a
    hidden component, never a gr.State: State outputs of the page-load event made every redraw of
    the linked tab run again and again."""
    for component in inputs:
        component.link_derives = (target, list(inputs), fn)
    return target


def derive_rules(controls: dict) -> dict:
    """{target: (inputs, fn)} of the ``derive`` rules on these controls, in page order."""
    rules = (c.link_derives for c in controls.values() if getattr(c, "link_derives", None))
    return {target: (inputs, fn) for target, inputs, fn in rules}


def derived_targets(controls: dict) -> list:
    """The hidden components that links to these controls may set (see ``derive``), in page order."""
    return list(derive_rules(controls))


def with_bounds(component, value, bounds):
    """What the link sends ``component``: a choice's new choices come with its value; a number goes
    alone (the tab's redraw sets the range it makes; sending the range too made the linked tab's
    redraws run again and again)."""
    if isinstance(component, (gr.Slider, gr.Number)):
        return gr.update(value=value, maximum=max(bounds[1], bounds[0] + 1))
    return gr.update(value=value, choices=bounds)


def dependency_order(components: list) -> list:
    """Components after those their bounds depend on (``limit``), otherwise in page order."""
    done: list = []
    pending = list(components)
    while pending:
        ready = [c for c in pending if all(d in done or d not in pending for d in getattr(c, "link_bounds", [[]])[0])]
        if not ready:
            raise ValueError("link bounds depend on each other in a cycle")
        done += ready
        pending = [c for c in pending if c not in ready]
    return done


def apply(params: dict[str, str], tab_controls: dict[str, dict], lang: str) -> tuple[str | None, dict, list[str]]:
    """From the URL's query parameters: (the tab key to open or None, {component: update}, messages).

    Values are checked in dependency order, each against the range its predecessors produce, and
    states derived from them are set as if the tab's Apply button was pressed."""
    tab = params.get("tab")
    if not tab:
        return None, {}, []
    if tab not in tab_controls:
        return None, {}, [t("link_unknown_tab", lang, tab=tab[:40])]
    mine = tab_controls[tab]
    order = {name: i for i, name in enumerate(params)}
    messages: list[tuple[int, str]] = []  # in the URL's order

    def bad(name: str, raw) -> None:
        messages.append((order[name], t("link_bad", lang, name=name[:40], value=str(raw)[:40])))

    given: dict = {}
    for name, raw in params.items():
        if name in RESERVED:
            continue
        if name in mine:
            given[mine[name]] = (name, raw)
        else:
            bad(name, raw)
    current = {c: c.value for c in mine.values()}  # the link's values so far, else the defaults
    values: dict = {}
    for component in dependency_order(list(mine.values())):
        if component not in given:
            continue
        name, raw = given[component]
        try:
            bounds = None
            if rule := getattr(component, "link_bounds", None):
                inputs, fn = rule
                bounds = fn(*(current[c] for c in inputs))
            current[component] = values[component] = parse(component, raw, bounds)
        except Exception:  # a bad value, or bounds the other values cannot produce (an error of the tab's)
            bad(name, raw)
            continue
        if bounds is not None:  # new choices come with the value (see with_bounds)
            values[component] = with_bounds(component, current[component], bounds)
    for target, (inputs, fn) in derive_rules(mine).items():
        if not any(c in values for c in inputs):
            continue
        try:
            values[target] = fn(*(current[c] for c in inputs))
        except Exception:  # e.g. a grid that does not parse: its texts are ignored as a whole
            for c in inputs:
                if c in values:
                    bad(given[c][0], given[c][1])
                    del values[c]
    return tab, values, [text for _, text in sorted(messages)]


def js_build_link(tab: str, names: list[str], defaults: list) -> str:
    """JavaScript for the copy-link button: the current URL plus the settings that differ from
    their defaults, copied to the clipboard; inputs are (lang, presenter, *controls)."""
    return f"""
(lang, presenter, ...vals) => {{
  const names = {json.dumps(names)}, defaults = {json.dumps(defaults)};
  const p = new URLSearchParams({{tab: {json.dumps(tab)}, lang: lang}});
  if (presenter) p.set('presenter', '1');
  vals.forEach((v, i) => {{
    if (JSON.stringify(v) === JSON.stringify(defaults[i])) return;
    p.set(names[i], Array.isArray(v) ? v.join(',') : (typeof v === 'boolean' ? (v ? '1' : '0') : String(v)));
  }});
  const url = window.location.origin + window.location.pathname + '?' + p.toString();
  try {{ navigator.clipboard.writeText(url).catch(() => {{}}); }} catch (e) {{}}
  return url;
}}
"""


def jsonable(value):
    """A component's default value as the browser sends it back (for the 'changed?' test)."""
    try:
        json.dumps(value)
        return value
    except TypeError:
        return None


def qr_svg(url: str) -> str:
    """The link as an inline SVG QR code (quiet zone included), for a slide."""
    if not url:
        return ""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(url[:2000], image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode("utf-8").split("?>", 1)[-1]
    return f'<div class="share-qr" style="background:white;width:180px;padding:4px">{svg}</div>'


# Presenter mode: bigger everything (CSS zoom scales plots and text alike), long explanations hidden.
# A drawing pad keeps its own scale (net zoom 1): its canvas library measures the pad when it starts, so
# a zoom it did not start under shifts its drawing square (a script that undid the zoom a moment later
# raced that start: the square slid 0.3 of its half-height down, partly out of the pad).
PRESENTER_ZOOM = 1.3
UNZOOMED = "presenter-unzoomed"  # elem_classes entry of a gr.Sketchpad
CSS = f"""
body.presenter .gradio-container {{ zoom: {PRESENTER_ZOOM}; max-width: none !important; }}
body.presenter .{UNZOOMED} {{ zoom: {1 / PRESENTER_ZOOM:.6f}; }}
body.presenter .lecture-intro {{ display: none !important; }}
.share-qr svg {{ width: 100%; height: auto; display: block; }}
"""

JS_PRESENTER = "(on) => { document.body.classList.toggle('presenter', !!on); }"
JS_DETECT_PRESENTER = """
() => { const v = new URLSearchParams(window.location.search).get('presenter');
  return ['1', 'true', 'yes', 'on'].includes((v || '').toLowerCase()); }
"""
