"""What the training processes' fork server (demos/offload.py) imports once, before it forks any run:
torch with one intra-op thread (as the server runs it, demos.ui.torch_ready) and every tab, so a run
imports nothing. Its objects are then frozen out of garbage collection: a run's collections neither
walk them nor copy their memory pages (a fork shares them until written)."""

import gc

import demos  # noqa: F401 - every tab module, and with them gradio, numpy and plotly
from demos import ui

ui.torch_ready()
gc.freeze()
