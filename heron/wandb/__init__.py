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
:class:`UnsupportedError`. ``Artifact``, ``Api``, ``plot``, ``keras``, ``integration``,
``watch`` and ``apis`` load on first use, so this import stays light.
"""

from __future__ import annotations

import importlib
import os
import secrets
import sys
import types
from collections.abc import Mapping, Sequence
from typing import Any

from heron.errors import HeronError, UsageError
from heron.wandb import env
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
from heron.wandb.errors import (
    UnsupportedError,
    UnsupportedWarning,
    ignored_arguments,
    say_once,
    unsupported,
    warn_once,
)
from heron.wandb.run import Config, Run, Summary

__version__ = "0.31.0"
"""The W&B version whose surface this module follows."""

Error = HeronError
"""``wandb.Error``: every error heron raises on purpose."""


class _PreInit:
    """``wandb.config`` / ``wandb.summary`` before ``wandb.init``: any use says to call init."""

    def __init__(self, name: str) -> None:
        object.__setattr__(self, "_name", name)

    def _fail(self, what: str) -> UsageError:
        name = object.__getattribute__(self, "_name")
        return UsageError(f"call wandb.init() before {name}{what}")

    def __getattr__(self, key: str) -> Any:
        if key.startswith("__"):
            raise AttributeError(key)
        raise self._fail(f".{key}")

    def __setattr__(self, key: str, value: Any) -> None:
        raise self._fail(f".{key}")

    def __getitem__(self, key: str) -> Any:
        raise self._fail(f"[{key!r}]")

    def __setitem__(self, key: str, value: Any) -> None:
        raise self._fail(f"[{key!r}]")


run: Run | None = None
"""The active run, set by :func:`init` and cleared by :func:`finish`."""
config: Config | Any = _PreInit("wandb.config")
"""The active run's config (``wandb.config.lr``)."""
summary: Summary | Any = _PreInit("wandb.summary")
"""The active run's summary."""

_runs: list[Run] = []


class Settings:
    """``wandb.Settings(...)``: heron reads ``mode``, ``project``, ``silent`` and ``run_name``;
    other settings are accepted and named in a warning when given to ``init``."""

    _USED = ("mode", "project", "silent", "run_name", "run_id", "run_group", "run_job_type")
    _HARMLESS = ("start_method", "console", "quiet", "show_info", "show_warnings", "_disable_stats")

    def __init__(self, **kwargs: Any) -> None:
        self._values = dict(kwargs)
        for key, value in kwargs.items():
            setattr(self, key, value)

    def get(self, key: str, default: Any = None) -> Any:
        """A setting given to the constructor, or ``default``."""
        return self._values.get(key, default)

    def ignored(self) -> list[str]:
        """The settings heron does nothing with."""
        return [k for k in self._values if k not in self._USED and k not in self._HARMLESS]

    def __repr__(self) -> str:
        return f"Settings({self._values!r})"


def login(
    key: str | None = None,
    relogin: bool | None = None,
    host: str | None = None,
    force: bool | None = None,
    timeout: int | None = None,
    verify: bool = True,
    **kwargs: Any,
) -> bool:
    """Nothing to log in to: heron stores runs locally. Says so once; returns True."""
    say_once("login", "runs are stored locally by heron; there is nothing to log in to")
    return True


def _in_notebook() -> bool:
    shell = sys.modules.get("IPython")
    get_ipython = getattr(shell, "get_ipython", None)
    return bool(
        get_ipython is not None and get_ipython() is not None and "ipykernel" in sys.modules
    )


def init(
    entity: str | None = None,
    project: str | None = None,
    dir: str | os.PathLike[str] | None = None,
    id: str | None = None,
    name: str | None = None,
    notes: str | None = None,
    tags: Sequence[str] | None = None,
    config: Any = None,
    config_exclude_keys: list[str] | None = None,
    config_include_keys: list[str] | None = None,
    allow_val_change: bool | None = None,
    group: str | None = None,
    job_type: str | None = None,
    mode: str | None = None,
    force: bool | None = None,
    reinit: bool | str | None = None,
    resume: bool | str | None = None,
    resume_from: str | None = None,
    fork_from: str | None = None,
    save_code: bool | None = None,
    tensorboard: bool | None = None,
    sync_tensorboard: bool | None = None,
    monitor_gym: bool | None = None,
    settings: Settings | Mapping[str, Any] | None = None,
    **kwargs: Any,
) -> Run:
    """Start a run, as ``wandb.init`` does; returns it and makes it ``wandb.run``.

    Arguments default to the ``WANDB_*`` environment variables. ``mode="online"`` stores
    locally too (heron has no cloud); ``"disabled"`` stores nothing and every call is a no-op.
    An active run is finished first when ``reinit`` is True or ``"finish_previous"`` (and by
    default in a notebook), returned as it is by default in a script, and kept alongside with
    ``"create_new"``, as W&B does.
    """
    if isinstance(settings, Mapping):
        settings = Settings(**settings)
    if settings is not None:
        ignored_arguments("init(settings=...)", settings.ignored())
        mode = mode or settings.get("mode")
        project = project or settings.get("project")
        name = name or settings.get("run_name")
        id = id or settings.get("run_id")
        group = group or settings.get("run_group")
        job_type = job_type or settings.get("run_job_type")
        if settings.get("silent"):
            os.environ["WANDB_SILENT"] = "true"
    mode = mode or env.mode() or "online"
    if mode == "shared":
        unsupported("mode='shared'", result_needed=False)
        mode = "online"
    if mode not in env.MODES:
        raise UsageError(f"mode must be 'online', 'offline' or 'disabled', got {mode!r}")
    if mode == "online":
        say_once(
            "online", "mode 'online' stores runs in the local heron store (heron has no cloud)"
        )
    if entity is not None:
        ignored_arguments("init", ["entity"])
    ignored = [
        n
        for n, v in (
            ("force", force),
            ("save_code", save_code),
            ("tensorboard", tensorboard),
            ("sync_tensorboard", sync_tensorboard),
            ("monitor_gym", monitor_gym),
        )
        if v
    ]
    ignored_arguments("init", ignored + sorted(kwargs))
    for feature, value in (("resume_from", resume_from), ("fork_from", fork_from)):
        if value is not None:
            unsupported(f"init({feature}=...) (rewinding and forking runs)", result_needed=False)

    previous = _runs[-1] if _runs else None
    if previous is not None:
        if reinit in (True, "finish_previous") or (reinit in (None, "default") and _in_notebook()):
            finish()
        elif reinit != "create_new":
            return previous

    values = dict(config_mapping_or_empty(config))
    if config_include_keys:
        values = {k: v for k, v in values.items() if k in config_include_keys}
    if config_exclude_keys:
        values = {k: v for k, v in values.items() if k not in config_exclude_keys}
    project = project or env.project()
    name = name or env.name()
    notes = notes or env.notes()
    tag_list = list(tags) if tags is not None else (env.tags() or [])
    group = group or env.group()
    job_type = job_type or env.job_type()
    id = id or env.run_id()

    if mode == "disabled":
        run_id = id or secrets.token_hex(4)
        new = Run(
            None,
            project=project or "dummy",
            name=name or f"dummy-{run_id}",
            run_id=run_id,
            entity=entity,
            notes=notes,
            tags=tag_list,
            group=group,
            job_type=job_type,
            mode=mode,
            config=values,
            settings=settings,
        )
    else:
        new = _start(
            project, name, values, job_type, group, tag_list, notes, dir, id, resume, entity, mode
        )
        new._settings = settings
    _remember(new)
    return new


def config_mapping_or_empty(config: Any) -> Mapping[str, Any]:
    """``init(config=...)`` as a mapping (a dict, an argparse Namespace, absl flags)."""
    if config is None:
        return {}
    if isinstance(config, str):
        unsupported(
            "init(config='file.yaml')", result_needed=True, hint="load the file and pass a dict"
        )
    from heron.sdk.config import config_mapping

    return config_mapping(config)


def _store_dir(dir: str | os.PathLike[str] | None) -> str | None:
    if dir is not None:
        return os.path.join(os.fspath(dir), "heron-data")
    if os.environ.get("HERON_DIR"):
        return os.environ["HERON_DIR"]
    wandb_dir = os.environ.get("WANDB_DIR")
    return os.path.join(wandb_dir, "heron-data") if wandb_dir else None


def _start(
    project: str | None,
    name: str | None,
    config: Mapping[str, Any],
    job_type: str | None,
    group: str | None,
    tags: list[str],
    notes: str | None,
    dir: str | os.PathLike[str] | None,
    id: str | None,
    resume: bool | str | None,
    entity: str | None,
    mode: str,
) -> Run:
    import heron

    heron_resume: Any = None
    if resume is not None and resume is not False:
        if id is None:
            warn_once(
                "init:resume-without-id",
                "heron.wandb: init(resume=...) needs id= to find the run to continue; "
                "a new run starts",
            )
        else:
            heron_resume = "allow" if resume in (True, "auto") else resume
    resumed = False
    if heron_resume is not None:
        from heron.store import runs as run_store
        from heron.store.store import Store

        store = Store.open(_store_dir(dir))
        try:
            run_store.get_run(store.engine, id or "")
            resumed = True
        except HeronError:
            resumed = False
    heron_run = heron.init(
        project=project,
        name=name,
        config=config,
        job_type=job_type,
        group=group,
        tags=tags,
        notes=notes,
        dir=_store_dir(dir),
        id=id,
        resume=heron_resume,
    )
    from heron.store import runs as run_store

    record = run_store.get_run(heron_run.store.engine, heron_run.id)
    return Run(
        heron_run,
        project=heron_run.project,
        name=heron_run.name,
        run_id=heron_run.id,
        entity=entity,
        notes=record.notes,
        tags=record.tags,
        group=record.group,
        job_type=record.job_type,
        mode=mode,
        resumed=resumed,
    )


def _remember(new: Run) -> None:
    global run, config, summary
    _runs.append(new)
    run, config, summary = new, new.config, new.summary
    # As in W&B, wandb.log is the active run's own log: no extra call per logged step.
    globals()["log"] = new.log


def _forget(finished: Run) -> None:
    """Called by ``Run.finish``: the previous open run (if any) becomes ``wandb.run`` again."""
    global run, config, summary
    if finished in _runs:
        _runs.remove(finished)
    if _runs:
        run, config, summary = _runs[-1], _runs[-1].config, _runs[-1].summary
        globals()["log"] = _runs[-1].log
    else:
        run, config, summary = None, _PreInit("wandb.config"), _PreInit("wandb.summary")
        globals()["log"] = _log_before_init


def _active(what: str) -> Run:
    if run is None:
        raise UsageError(f"call wandb.init() before wandb.{what}()")
    return run


def log(
    data: dict[str, Any],
    step: int | None = None,
    commit: bool | None = None,
    sync: bool | None = None,
) -> None:
    """Log to the active run (``wandb.log``); see :meth:`Run.log`. While a run is active this
    name is that run's own ``log`` method, as in W&B."""
    if run is None:
        raise UsageError("call wandb.init() before wandb.log()")
    run.log(data, step, commit, sync)


_log_before_init = log


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
    return _active("save").save(glob_str, base_path, policy)


def define_metric(
    name: str,
    step_metric: Any = None,
    step_sync: bool | None = None,
    hidden: bool | None = None,
    summary: str | None = None,
    overwrite: bool | None = None,
    **kwargs: Any,
) -> Any:
    """Say how a metric is summarised and charted; see :meth:`Run.define_metric`."""
    return _active("define_metric").define_metric(
        name, step_metric, step_sync, hidden, summary, overwrite, **kwargs
    )


def use_artifact(artifact_or_name: Any, type: str | None = None, **kwargs: Any) -> Any:
    """``run.use_artifact`` on the active run."""
    return _active("use_artifact").use_artifact(artifact_or_name, type=type, **kwargs)


def log_artifact(artifact_or_path: Any, name: str | None = None, **kwargs: Any) -> Any:
    """``run.log_artifact`` on the active run."""
    return _active("log_artifact").log_artifact(artifact_or_path, name=name, **kwargs)


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
    while _runs:
        _runs[-1].finish(exit_code=exit_code)


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
    """Log gradient/parameter histograms of a PyTorch model (see :mod:`heron.wandb.watch`)."""
    return importlib.import_module("heron.wandb.watch").watch(models, *args, **kwargs)


def unwatch(models: Any = None) -> None:
    """Stop watching models."""
    importlib.import_module("heron.wandb.watch").unwatch(models)


class _Package(types.ModuleType):
    """This package. Importing its ``watch`` submodule would rebind ``wandb.watch`` to the module;
    W&B scripts call ``wandb.watch(model)``, so the name stays the function."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "watch" and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package

_LAZY_MODULES = ("plot", "keras", "integration", "apis", "artifacts")
_LAZY_NAMES = {"Artifact": "heron.wandb.artifacts", "Api": "heron.wandb.apis"}


def __getattr__(name: str) -> Any:
    if name in _LAZY_MODULES:
        return importlib.import_module(f"heron.wandb.{name}")
    if name in _LAZY_NAMES:
        return getattr(importlib.import_module(_LAZY_NAMES[name]), name)
    raise AttributeError(f"module 'heron.wandb' has no attribute {name!r}")


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
