"""Each test of heron.wandb starts as a fresh process would: no warning or note said yet.

heron.wandb warns once per process about a W&B feature it does not honour; without this reset a
test expecting that warning would depend on which tests ran before it in the same worker.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from heron.wandb import errors


@pytest.fixture(autouse=True)
def _fresh_warnings() -> Iterator[None]:
    with errors._lock:
        errors._warned.clear()
        errors._said.clear()
    yield
