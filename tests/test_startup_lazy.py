"""Building the app must not import torch (about 1.5 s): demos load it lazily via ui.torch_ready(),
and app.launch imports it in a background thread after the server has started."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# A fresh interpreter (pytest has long since imported torch). If torch is imported, the import hook
# prints the code that did it, so the failure names the module to fix.
CODE = """
import sys, traceback

class Watch:
    def find_spec(self, name, path=None, target=None):
        if name == "torch":
            stack = [f for f in traceback.format_stack()[:-1] if "<frozen" not in f]
            print("torch imported by:\\n" + "".join(stack), file=sys.stderr)
        return None

sys.meta_path.insert(0, Watch())
import app
app.build_app()
assert "torch" not in sys.modules
"""


def test_building_the_app_does_not_import_torch():
    result = subprocess.run([sys.executable, "-c", CODE], cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr[-4000:]
    assert "torch imported by" not in result.stderr


def test_a_page_open_draws_no_tab_before_it_is_shown():
    """Page load runs only the app's own events (language, presenter, a link's tab and class); each
    lecture tab draws when first shown, through its language box (ui.on_inputs, not
    gr.on(None, ...), whose page-load trigger made every page open draw every tab)."""
    import app
    import demos

    demo = app.build_app()
    on_load = [fn for fn in demo.fns.values() if any(event == "load" for _, event in fn.targets)]
    assert len(on_load) == 2 and all(fn.fn is None for fn in on_load)  # browser-side: language, presenter mode
    # the server's part of a page open: a link's tab and settings, each tab's through its own hidden box
    openers = [fn for fn in demo.fns.values() if fn.name == "open_link"]
    assert len(openers) == len(demos.LECTURES) and all(
        [event for _, event in fn.targets] == ["change"] for fn in openers
    )


def test_no_server_event_has_many_outputs():
    """The page keeps a loading status for every output of every server event it has run and visits
    each of them on every later event (a search of the whole layout each): a page-load event with the
    199 shareable controls as outputs made every later L2 slider step cost the browser about 0.15 s more."""
    import app

    demo = app.build_app()
    widest = max((fn for fn in demo.fns.values() if fn.fn is not None), key=lambda fn: len(fn.outputs))
    assert len(widest.outputs) <= 30, (widest.name, len(widest.outputs))
