"""A lecture hall: several app processes behind HAProxy (`python -m deploy`; see the README)."""
