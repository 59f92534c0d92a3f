"""Class mode: the Class tab, what students send from four tabs, and the projector view."""
