"""The HTTP API and the web UI: ``create_app`` builds the FastAPI application `heron ui` serves."""

from __future__ import annotations

from heron.server.app import create_app

__all__ = ["create_app"]
