"""Settings of one app process for serving a lecture hall: what Gradio and Python do for every
event, session or allocation that this app does not need. One interpreter runs every student's
events, so each millisecond it spends here is a millisecond every other student waits.
Measured in benchmarks/README.md (class mode).

    configure()  once, before the app is built (app.py does it on import)
    settle()     once the app is built and torch imported (app.launch does it)
"""

from __future__ import annotations

import gc
import importlib.util
import os
import sys

# Collect the young generation after 10,000 new container objects instead of 700: the objects of
# an event in flight (requests, figures, JSON) mostly die before that, so far fewer of them are
# promoted to the older generations, whose collections stop every thread for hundreds of ms. Not
# 100,000: each young collection then walked up to 100,000 objects,
# 60-120 ms with every thread stopped, every 10 s of a class; at 10,000 they
# take 10-25 ms, and older collections stay as rare (benchmarks/README.md, class mode).
YOUNG_THRESHOLD = 10_000
OLDER_THRESHOLDS = (50, 100)  # collections of the generation below before an older one


class _WithoutDeepLinks:
    """What Gradio's SessionState reads of the Blocks, with no block to copy for a deep link."""

    def __init__(self, blocks):
        self.default_config = blocks.default_config
        self.blocks = {}


def configure() -> None:
    """Before the app is built (idempotent).

    1. Gradio's queue rebuilds a pandas summary of its last 10,000 events after every event, for
       a monitoring dashboard this app never enables: 4-13 ms of the interpreter per event, more
       as events pile up. Once in a billion events instead (read when the queue is made).
    2. Gradio's SessionState copies the config of every block (1,208 here) when a session makes
       its first event, for gr.DeepLinkButton, which this app does not use: 77 ms of the
       interpreter per student and 5,300 objects that every full collection walks, for as long
       as the session lives. Gradio adds a block's config on its own when one is set later.
    3. The garbage collector's young generation (YOUNG_THRESHOLD).
    4. Gradio runs every event inside a switch of matplotlib's backend, which imports matplotlib
       twice; where it is not installed (this app does not use it), each failed import searches
       sys.path again: 78 us of the event loop per event. None in sys.modules fails it at once.
    """
    os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", str(10**9))
    from gradio import state_holder

    init = state_holder.SessionState.__init__
    if not getattr(init, "without_deep_links", False):

        def session_state_init(self, blocks):
            init(self, _WithoutDeepLinks(blocks))

        session_state_init.without_deep_links = True
        state_holder.SessionState.__init__ = session_state_init
    gc.set_threshold(YOUNG_THRESHOLD, *OLDER_THRESHOLDS)
    if "matplotlib" not in sys.modules and importlib.util.find_spec("matplotlib") is None:
        sys.modules["matplotlib"] = None


def settle() -> None:
    """Once the app is built and torch imported: collect once, then freeze what is left (modules,
    the app's blocks, torch: about 400,000 objects that live as long as the process), so that no
    later collection walks them again. A full collection took 220 ms with them."""
    gc.collect()
    gc.freeze()
