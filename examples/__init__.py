"""Runnable examples of heron workflows; each subpackage is a `python -m examples.<name>` program."""
