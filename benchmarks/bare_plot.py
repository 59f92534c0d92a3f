"""The browser-feel benchmark's floor: a bare Gradio page whose slider redraws one Plotly line.

    python benchmarks/bare_plot.py     # serves on GRADIO_SERVER_PORT, as app.py does

benchmarks/browser_feel.py types a new w into the slider's box, as it does on the L2 tab, and
times the title showing it: the framework's and the browser's own cost of one figure update.
"""

from __future__ import annotations

import gradio as gr
import numpy as np
import plotly.graph_objects as go

XS = np.linspace(0, 4, 50)


def line(w: float) -> go.Figure:
    fig = go.Figure(go.Scatter(x=XS, y=w * XS, mode="lines"))
    return fig.update_layout(title=f"y = {float(w):.2f}·x", yaxis_range=[-3, 19])


with gr.Blocks(title="bare plot") as demo:
    w = gr.Slider(0, 4, value=1.0, step=0.01, label="w", elem_id="bare-w")
    plot = gr.Plot(line(1.0), elem_id="bare-plot")
    w.change(line, w, plot, show_progress="hidden", trigger_mode="always_last")

if __name__ == "__main__":
    demo.launch()
