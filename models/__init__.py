"""Trained models for the course demos: definitions (mnist.py, names.py, poems.py), data (data.py),
reproducible training (``python -m models.train NAME``) and cached loading from
weights/NAME.safetensors through one loader (load.py)."""
