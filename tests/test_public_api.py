"""The public surface of ``import heron``: pinned, and light to import."""

from __future__ import annotations

import subprocess
import sys

import heron

EXPECTED_EXPORTS = [
    "Api",
    "ApiRun",
    "Artifact",
    "Chart",
    "HeronError",
    "Histogram",
    "Image",
    "Run",
    "Table",
    "__version__",
    "finish",
    "init",
    "log",
    "run",
]


def test_exports_are_pinned() -> None:
    assert sorted(heron.__all__) == sorted(EXPECTED_EXPORTS)
    for name in heron.__all__:
        assert hasattr(heron, name), name


def test_every_public_callable_is_documented() -> None:
    for name in heron.__all__:
        value = getattr(heron, name)
        if callable(value):
            assert value.__doc__, f"heron.{name} has no docstring"


# SQLAlchemy too: the store loads only once a run or the read API needs it.
HEAVY = [
    "numpy",
    "pandas",
    "pyarrow",
    "duckdb",
    "PIL",
    "torch",
    "fastapi",
    "polars",
    "uvicorn",
    "sqlalchemy",
]


def test_import_heron_stays_light() -> None:
    code = (
        "import sys, heron\n"
        f"heavy = {HEAVY!r}\n"
        "loaded = sorted({m.split('.')[0] for m in sys.modules} & set(heavy))\n"
        "print(','.join(loaded))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "", f"import heron loaded: {done.stdout.strip()}"


def test_every_public_name_loads_on_first_use_in_a_fresh_process() -> None:
    # The SDK's names load when first read: each must still resolve (``from heron import init``
    # too), be listed by dir(heron) before it is loaded, and bring the store with it.
    code = (
        "import sys, heron\n"
        "listed = set(dir(heron))\n"
        "from heron import init\n"
        "values = {name: getattr(heron, name) for name in heron.__all__}\n"
        "print(sorted(set(heron.__all__) - listed), values['init'] is init,\n"
        "      'sqlalchemy' in sys.modules, type(values['Table']).__name__)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["[]", "True", "True", "type"], done.stdout
