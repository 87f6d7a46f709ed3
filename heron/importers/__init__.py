"""Bringing runs recorded by other tools into a heron store (``heron import ...``)."""
