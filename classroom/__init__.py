"""Class mode's storage (SQLite): see store.py."""
