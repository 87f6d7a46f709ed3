"""The public surface of ``import heron.wandb as wandb``: pinned, documented, and light."""

from __future__ import annotations

import importlib
import subprocess
import sys
import types

import heron.wandb as wandb

EXPECTED = [
    "Api",
    "Artifact",
    "Audio",
    "Classes",
    "Config",
    "Error",
    "Graph",
    "Histogram",
    "Html",
    "Image",
    "JoinedTable",
    "Molecule",
    "Object3D",
    "Run",
    "Settings",
    "Summary",
    "Table",
    "UnsupportedError",
    "UnsupportedWarning",
    "Video",
    "__version__",
    "agent",
    "alert",
    "apis",
    "config",
    "controller",
    "define_metric",
    "finish",
    "init",
    "integration",
    "keras",
    "launch",
    "log",
    "log_artifact",
    "login",
    "mark_preempting",
    "plot",
    "run",
    "save",
    "setup",
    "summary",
    "sweep",
    "teardown",
    "termerror",
    "termlog",
    "termwarn",
    "unwatch",
    "use_artifact",
    "watch",
]


def test_exports_are_pinned() -> None:
    assert sorted(wandb.__all__) == sorted(EXPECTED)
    for name in wandb.__all__:  # Api, Artifact, apis, integration, keras, plot load on first use
        assert hasattr(wandb, name), name


def test_every_public_callable_is_documented() -> None:
    for name in wandb.__all__:
        value = getattr(wandb, name)
        if callable(value):
            assert value.__doc__, f"heron.wandb.{name} has no docstring"


def test_wandb_names_stay_wandbs_when_every_submodule_is_imported() -> None:
    # A submodule named like one of W&B's module-level names would replace it on import.
    import pkgutil

    for module in pkgutil.iter_modules(wandb.__path__, "heron.wandb."):
        if module.name not in ("heron.wandb.keras", "heron.wandb.integration"):  # need Keras
            importlib.import_module(module.name)
    assert callable(wandb.watch) and wandb.watch.__module__ == "heron.wandb"
    assert callable(wandb.log) and not isinstance(wandb.config, types.ModuleType)


def test_wandb_signatures_keep_wandbs_argument_names() -> None:
    import inspect

    def names(function: object) -> list[str]:
        return list(inspect.signature(function).parameters)  # type: ignore[arg-type]

    assert names(wandb.log)[:3] == ["data", "step", "commit"]
    assert names(wandb.init)[:8] == [
        "entity",
        "project",
        "dir",
        "id",
        "name",
        "notes",
        "tags",
        "config",
    ]
    assert names(wandb.Run.use_artifact)[1:3] == ["artifact_or_name", "type"]
    assert names(wandb.Run.log_artifact)[1:3] == ["artifact_or_path", "name"]
    assert names(wandb.Table.__init__)[1:5] == ["columns", "data", "rows", "dataframe"]
    assert names(type(wandb.Image).__call__)[1:3] == ["data_or_path", "mode"]


def test_import_heron_wandb_stays_light() -> None:
    heavy = ["numpy", "pandas", "pyarrow", "duckdb", "PIL", "torch", "fastapi", "polars", "keras"]
    heavy.append("sqlalchemy")  # the store loads with the first run, artifact or media object
    code = (
        "import sys, heron.wandb\n"
        f"heavy = {heavy!r}\n"
        "print(','.join(sorted({m.split('.')[0] for m in sys.modules} & set(heavy))))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "", f"import heron.wandb loaded: {done.stdout.strip()}"


def test_lazy_names_resolve_in_a_fresh_process() -> None:
    # Runs, media and artifacts load when first read; each is the class the submodule defines
    # and dir(wandb) lists them before they load.
    code = (
        "import heron.wandb as wandb\n"
        "listed = set(dir(wandb))\n"
        "from heron.wandb.data_types import Image\n"
        "from heron.wandb.session import init\n"
        "print(sorted(set(wandb.__all__) - listed), wandb.Image is Image, wandb.init is init)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["[]", "True", "True"], done.stdout
