"""``wandb.login``, ``wandb.Settings`` and ``wandb.init``: W&B's arguments and environment
variables, mapped onto :func:`heron.init` (or onto nothing, for ``mode="disabled"``)."""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import heron
from heron.errors import HeronError, UsageError
from heron.sdk.config import config_mapping
from heron.store import runs as run_store
from heron.store.store import Store
from heron.wandb import active, env
from heron.wandb.errors import ignored_arguments, say_once, unsupported, warn_once
from heron.wandb.live_run import Run


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

    previous = active.current()
    if previous is not None:
        if reinit in (True, "finish_previous") or (reinit in (None, "default") and _in_notebook()):
            previous.finish()
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
            project,
            name,
            values,
            job_type,
            group,
            tag_list,
            notes,
            dir,
            id,
            resume,
            entity,
            mode,
            settings,
        )
    active.remember(new)
    return new


def config_mapping_or_empty(config: Any) -> Mapping[str, Any]:
    """``init(config=...)`` as a mapping (a dict, an argparse Namespace, absl flags)."""
    if config is None:
        return {}
    if isinstance(config, str):
        unsupported(
            "init(config='file.yaml')", result_needed=True, hint="load the file and pass a dict"
        )

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
    settings: Any,
) -> Run:
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
        settings=settings,
        resumed=resumed,
    )
