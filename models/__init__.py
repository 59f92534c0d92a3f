"""Trained MNIST models for the course demos: definitions (mnist.py), data (data.py),
reproducible training (``python -m models.train NAME``) and cached loading from
weights/NAME.safetensors (load.py)."""
