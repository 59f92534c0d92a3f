"""What the training processes' fork server (demos/offload.py) does once, before it forks any run,
so that no run repeats it: import torch with one intra-op thread (as the server runs it,
demos.ui.torch_ready) and every tab, and warm what each would otherwise set up on first use in every
child: torch._dynamo, which an optimizer's first step imports (about 1 s), and Plotly's validators
of each trace type the tabs draw (about 60 ms on a run's first frame). Its objects are then frozen out
of garbage collection: a run's collections neither walk them nor copy their memory pages (a fork
shares them until written)."""

import gc
import pickle

import plotly.graph_objects as go
import torch._dynamo  # noqa: F401

import demos  # noqa: F401 - every tab module, and with them gradio, numpy and plotly
from demos import live, ui

ui.torch_ready()
_traces = [go.Scatter(), go.Heatmap(), go.Bar(), go.Contour(), go.Surface(), go.Scatter3d()]
pickle.dumps(ui.style(go.Figure(_traces), "warm-up", "x", "y"))  # how a frame goes back to the server
live.curves_figure({"warm-up": [1.0, 0.5]}, "warm-up", "x", "y", log_y=True)
del _traces
gc.freeze()
