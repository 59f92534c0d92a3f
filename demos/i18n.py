"""The one translation table of the app (简体中文 and English).

Every module registers its strings here with ``register({key: (zh, en)})``.
Components take ``I18N(key)`` (translated in the browser, following the
browser's language or the header switch); server-side text such as plot
titles and error messages takes ``t(key, lang)``.
"""

from __future__ import annotations

import gradio as gr

LANGS = ("zh", "en")
DEFAULT_LANG = "en"

# key -> {"zh": ..., "en": ...}
_TABLE: dict[str, dict[str, str]] = {}
# Keys built at run time (t(f"nm_c_{country}")), as fnmatch patterns. Every other key is written out
# literally where it is used; tests/test_i18n.py finds keys that nothing uses.
BUILT: set[str] = set()


def register(strings: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """Add ``{key: (zh, en)}`` to the table; a key may be registered only once."""
    for key, pair in strings.items():
        if key in _TABLE:
            raise KeyError(f"translation key registered twice: {key!r}")
        zh, en = pair
        if not zh or not en:
            raise ValueError(f"translation key {key!r} lacks a language")
        _TABLE[key] = {"zh": zh, "en": en}
    return strings


def built_keys(*patterns: str) -> None:
    """Declare keys that code builds at run time, such as ``"nm_c_*"`` for ``t(f"nm_c_{country}")``."""
    BUILT.update(patterns)


def norm_lang(lang: str | None) -> str:
    """'zh', 'zh-CN', 'zh-TW' -> 'zh'; anything else -> 'en'."""
    return "zh" if str(lang or "").lower().startswith("zh") else "en"


def t(key: str, lang: str | None = DEFAULT_LANG, **fmt) -> str:
    """The text of ``key`` in ``lang``, formatted with ``fmt``."""
    text = _TABLE[key][norm_lang(lang)]
    return text.format(**fmt) if fmt else text


def both(key: str, **fmt) -> str:
    """English and Chinese together, for API callers whose language is unknown."""
    return f"{t(key, 'en', **fmt)} / {t(key, 'zh', **fmt)}"


def keys() -> list[str]:
    return sorted(_TABLE)


class _LazyI18n:
    """``I18N(key)`` checks the key now and defers to gr.I18n in the browser."""

    def __call__(self, key: str) -> gr.i18n.I18nData:
        if key not in _TABLE:
            raise KeyError(f"unknown translation key: {key!r}")
        return gr.i18n.I18nData(key)

    def table(self) -> gr.I18n:
        return gr.I18n(**{lang: {k: v[lang] for k, v in _TABLE.items()} for lang in LANGS})


I18N = _LazyI18n()


# JavaScript for the header switch: Gradio 6 has no Python API to change the
# locale after load, so call the frontend's own changeLocale (the one its
# Settings panel uses) from the already-loaded core module.
JS_CHANGE_LOCALE = """
async (lang) => {
  try {
    const url = performance.getEntriesByType('resource').map((e) => e.name)
      .find((n) => /\\/assets\\/core-[^/]*\\.js$/.test(n));
    if (url) { (await import(url)).changeLocale(lang); }
  } catch (e) { console.warn('locale switch failed', e); }
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  return lang;
}
"""

# After a language change: "" while the page shows the locale Gradio started in (the browser's
# language), else the new language. A hidden box holds it; its change (a switch at run time) sends
# every tab label again (app.py), which a Chinese browser opening the page in Chinese never needs.
JS_RELABEL = (
    "(lang) => (lang === ((navigator.language || 'en').toLowerCase().startsWith('zh') ? 'zh' : 'en') ? '' : lang)"
)

# The language on page load: ?lang=zh|en wins, then the browser's language.
JS_DETECT_LANG = """
() => {
  const p = new URLSearchParams(window.location.search).get('lang');
  const l = (p || navigator.language || 'en').toLowerCase();
  return l.startsWith('zh') ? 'zh' : 'en';
}
"""
