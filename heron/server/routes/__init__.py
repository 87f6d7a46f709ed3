"""One route module per resource; each exposes ``router``."""
