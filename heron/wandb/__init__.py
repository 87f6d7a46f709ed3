"""W&B's Python surface over heron: ``import heron.wandb as wandb`` is the only line to change.

::

    import heron.wandb as wandb

    wandb.login()                                  # nothing to log in to; returns True
    run = wandb.init(project="nature", config={"lr": 1e-3})
    wandb.config.epochs = 5
    wandb.log({"loss": 0.25})
    wandb.finish()

Everything is stored in a local heron store (``HERON_DIR``, else ``<WANDB_DIR or dir>/heron-data``,
else ``./heron-data``); ``heron ui`` shows it. Features heron lacks warn once and carry on
(:class:`UnsupportedWarning`); a call whose result a script needs raises
:class:`UnsupportedError`. ``Api``, ``plot``, ``keras``, ``integration`` and ``apis`` load on
first use, and no framework (numpy, torch, Keras) is imported before it is needed, so this
import stays light.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import TYPE_CHECKING, Any

from heron.errors import HeronError
from heron.wandb import active, env
from heron.wandb.active import PreInit, log
from heron.wandb.errors import UnsupportedError, UnsupportedWarning, unsupported
from heron.wandb.run_config import Config, Summary

if TYPE_CHECKING:
    # What type checkers and IDEs see; at run time these load through ``__getattr__`` below.
    from heron.sdk.metric_rules import MetricDefinition
    from heron.wandb.apis import Api
    from heron.wandb.artifacts import Artifact
    from heron.wandb.data_types import (
        Audio,
        Classes,
        Graph,
        Histogram,
        Html,
        Image,
        JoinedTable,
        Molecule,
        Object3D,
        Table,
        Video,
    )
    from heron.wandb.live_run import DisabledArtifact, Run
    from heron.wandb.session import Settings, init, login

__version__ = "0.31.0"
"""The W&B version whose surface this module follows."""

Error = HeronError
"""``wandb.Error``: every error heron raises on purpose."""


run: Run | None = None
"""The active run, set by :func:`init` and cleared by :func:`finish`."""
config: Config | Any = PreInit("wandb.config")
"""The active run's config (``wandb.config.lr``)."""
summary: Summary | Any = PreInit("wandb.summary")
"""The active run's summary."""


def finish(exit_code: int | None = None, quiet: bool | None = None) -> None:
    """Finish the active run (nothing to do if there is none)."""
    if run is not None:
        run.finish(exit_code=exit_code, quiet=quiet)


def save(
    glob_str: str | os.PathLike[str] | None = None,
    base_path: str | os.PathLike[str] | None = None,
    policy: str = "live",
) -> bool | list[str]:
    """Keep files with the active run; see :meth:`Run.save`."""
    return active.require("wandb.save()").save(glob_str, base_path, policy)


def define_metric(
    name: str,
    step_metric: Any = None,
    step_sync: bool | None = None,
    hidden: bool | None = None,
    summary: str | None = None,
    overwrite: bool | None = None,
    **kwargs: Any,
) -> MetricDefinition | None:
    """Say how a metric is summarised and charted; see :meth:`Run.define_metric`."""
    return active.require("wandb.define_metric()").define_metric(
        name, step_metric, step_sync, hidden, summary, overwrite, **kwargs
    )


def use_artifact(
    artifact_or_name: str | Artifact, type: str | None = None, **kwargs: Any
) -> Artifact | None:
    """``run.use_artifact`` on the active run."""
    return active.require("wandb.use_artifact()").use_artifact(
        artifact_or_name, type=type, **kwargs
    )


def log_artifact(
    artifact_or_path: Artifact | str | os.PathLike[str], name: str | None = None, **kwargs: Any
) -> Artifact | DisabledArtifact:
    """``run.log_artifact`` on the active run."""
    return active.require("wandb.log_artifact()").log_artifact(
        artifact_or_path, name=name, **kwargs
    )


def alert(*args: Any, **kwargs: Any) -> None:
    """Alerts to external services are not supported: warns once and does nothing."""
    unsupported("alerts (wandb.alert)", result_needed=False)


def sweep(*args: Any, **kwargs: Any) -> str:
    """Sweeps are not supported: raises UnsupportedError (a script needs the sweep id)."""
    unsupported("sweeps (wandb.sweep)", result_needed=True, hint="run your own search loop")
    raise AssertionError("unreachable")


def agent(*args: Any, **kwargs: Any) -> None:
    """Sweep agents are not supported: raises UnsupportedError."""
    unsupported("sweep agents (wandb.agent)", result_needed=True)


def controller(*args: Any, **kwargs: Any) -> None:
    """Sweep controllers are not supported: raises UnsupportedError."""
    unsupported("sweep controllers (wandb.controller)", result_needed=True)


def launch(*args: Any, **kwargs: Any) -> None:
    """Launch is not supported: raises UnsupportedError."""
    unsupported("launch (wandb.launch)", result_needed=True)


def setup(*args: Any, **kwargs: Any) -> None:
    """Nothing to set up for local runs."""


def teardown(exit_code: int | None = None) -> None:
    """Finish every open run."""
    while (open_run := active.current()) is not None:
        open_run.finish(exit_code=exit_code)


def mark_preempting() -> None:
    """Nothing to do for local runs."""


def termlog(string: str = "", newline: bool = True, repeat: bool = True) -> None:
    """Print a line to stderr as W&B does (silenced by WANDB_SILENT)."""
    if not env.silent():
        print(f"wandb: {string}", file=sys.stderr, end="\n" if newline else "")


def termwarn(string: str, repeat: bool = True) -> None:
    """Print a warning line to stderr."""
    termlog(f"WARNING {string}")


def termerror(string: str, repeat: bool = True) -> None:
    """Print an error line to stderr."""
    termlog(f"ERROR {string}")


def watch(models: Any, *args: Any, **kwargs: Any) -> Any:
    """Log gradient/parameter histograms of a PyTorch model (see :mod:`heron.wandb.torch_watch`)."""
    from heron.wandb import torch_watch  # loads the SDK's media (and the store) on first use

    return torch_watch.watch(models, *args, **kwargs)


def unwatch(models: Any = None) -> None:
    """Stop watching models."""
    from heron.wandb import torch_watch

    torch_watch.unwatch(models)


_LAZY_MODULES = ("plot", "keras", "integration", "apis")
# Public name -> the module defining it: runs, media and artifacts load the SDK and the store
# (SQLAlchemy), so they wait until a script first reads the name.
_LAZY_NAMES = {
    "Api": "heron.wandb.apis",
    "Artifact": "heron.wandb.artifacts",
    **dict.fromkeys(
        (
            "Audio",
            "Classes",
            "Graph",
            "Histogram",
            "Html",
            "Image",
            "JoinedTable",
            "Molecule",
            "Object3D",
            "Table",
            "Video",
        ),
        "heron.wandb.data_types",
    ),
    "Run": "heron.wandb.live_run",
    "Settings": "heron.wandb.session",
    "init": "heron.wandb.session",
    "login": "heron.wandb.session",
}


def __getattr__(name: str) -> Any:
    """Load a module (``wandb.plot``) or a public name (``wandb.Image``) on first use."""
    if name in _LAZY_MODULES:
        return importlib.import_module(f"heron.wandb.{name}")
    if name in _LAZY_NAMES:
        value = getattr(importlib.import_module(_LAZY_NAMES[name]), name)
        globals()[name] = value  # later reads (``wandb.Image`` every step) are plain lookups
        return value
    raise AttributeError(f"module 'heron.wandb' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The module's names, those that load on first use included."""
    return sorted({*globals(), *_LAZY_MODULES, *_LAZY_NAMES})


__all__ = [
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
