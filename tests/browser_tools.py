"""Small helpers the browser tests share (the app_page fixture is in conftest.py)."""

from __future__ import annotations

from playwright.sync_api import Page

from demos.i18n import t


def open_tab(page: Page, module, lang="en"):
    page.get_by_role("tab", name=t(module.LECTURE.section, lang), exact=True).click()
    page.get_by_role("tab", name=t(module.LECTURE.tab, lang), exact=True).click()


def set_number(page: Page, elem_id: str, value) -> None:
    box = page.locator(f"#{elem_id} input[type=number]")
    box.fill(str(value))
    box.press("Enter")


def record_text(page: Page, selector: str) -> None:
    """Log every text the element shows, in the page itself: polling from the
    test would miss frames while the page is busy redrawing plots."""
    page.evaluate(
        """(sel) => { const el = document.querySelector(sel); window._texts = [];
        new MutationObserver(() => window._texts.push(el.innerText))
          .observe(el, {subtree: true, childList: true, characterData: true}); }""",
        selector,
    )


def recorded(page: Page) -> list[str]:
    return page.evaluate("window._texts")


def click_when_text(page: Page, selector: str, pattern: str, button: str, times: int = 1) -> None:
    """Click ``button`` from inside the page the moment ``selector``'s text has matched the regex
    ``pattern`` ``times`` times (say, the sixth frame of a training run): a Stop test then does not
    lose seconds to a busy test runner."""
    page.evaluate(
        """([sel, pat, btn, times]) => { const el = document.querySelector(sel); const re = new RegExp(pat);
        let seen = 0, last = null;
        const obs = new MutationObserver(() => { const text = el.innerText;
          if (text === last || !re.test(text)) return;
          last = text;
          if (++seen >= times) { obs.disconnect(); document.querySelector(btn).click(); } });
        obs.observe(el, {subtree: true, childList: true, characterData: true}); }""",
        [selector, pattern, button, times],
    )
