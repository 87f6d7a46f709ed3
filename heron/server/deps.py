"""Request dependencies: the open store the app was created with, and range-checked parameters.

Every integer a route takes is bounded, so a number too large for the database or the query
engine is a 422 naming the parameter rather than an overflow deep inside.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from heron._types import MAX_STEP
from heron.server.models import MAX_OFFSET
from heron.store.store import Store


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


StoreDep = Annotated[Store, Depends(_store)]
"""The app's open store, for route signatures."""

StepQuery = Annotated[
    int | None, Query(ge=0, le=MAX_STEP, description="the step (the latest when omitted)")
]
"""An optional step of a run's logged object."""

SinceStepQuery = Annotated[
    int | None, Query(ge=-1, le=MAX_STEP, description="only steps after this one (-1: all)")
]
"""Where polling a run's history resumes."""

OffsetQuery = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="rows to skip")]
"""The first row of a page."""
