"""``wandb.Run``: W&B's run surface over a :class:`heron.Run`.

Logging follows W&B's step rules: without ``step`` each ``log`` is its own step unless
``commit=False`` keeps the step open for more values; with ``step`` the values join that step
until a later one is logged (or ``commit=True``); a step lower than the current one is dropped
with a warning, as W&B does. In ``mode="disabled"`` there is no heron run: config and summary
live in memory and everything else does nothing, as W&B's disabled runs behave.
"""

from __future__ import annotations

import operator
import os
import shutil
import tempfile
import warnings
import weakref
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any

from heron.errors import UsageError
from heron.sdk.config import Config as _HeronConfig
from heron.sdk.config import Summary as _HeronSummary
from heron.sdk.metric_rules import MetricDefinition
from heron.sdk.values import as_scalar, flatten
from heron.store import runs as run_store
from heron.store.jsonvalues import dumps
from heron.wandb import active, torch_watch
from heron.wandb import artifacts as wandb_artifacts
from heron.wandb.artifacts import Artifact
from heron.wandb.data_types import Unsupported
from heron.wandb.errors import (
    UnsupportedWarning,
    ignored_arguments,
    unsupported,
)
from heron.wandb.run_config import Config, Summary

if TYPE_CHECKING:
    from heron.sdk.run import Run as HeronRun


def _unsupported_lists_as_markers(data: Any) -> Any:
    """``data`` with each list holding media heron does not store (``[wandb.Audio(...)]``)
    replaced by its first item, which logs a marker; ``data`` itself if there is none."""
    if not isinstance(data, Mapping):
        return data
    changed: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, list | tuple) and any(isinstance(v, Unsupported) for v in value):
            changed[key] = next(v for v in value if isinstance(v, Unsupported))
        elif isinstance(value, Mapping):
            inner = _unsupported_lists_as_markers(value)
            if inner is not value:
                changed[key] = inner
    return {**data, **changed} if changed else data


def _noop_persist(_: dict[str, Any]) -> None:
    """Disabled runs keep their config in memory only."""


class DisabledArtifact:
    """What a disabled run's ``log_artifact`` returns: every attribute and call is itself."""

    def __getattr__(self, _: str) -> DisabledArtifact:
        return self

    def __call__(self, *args: Any, **kwargs: Any) -> DisabledArtifact:
        return self


class Run:
    """A W&B-style run. Made by ``wandb.init``; also a context manager."""

    def __init__(
        self,
        heron_run: HeronRun | None,
        *,
        project: str,
        name: str,
        run_id: str,
        entity: str | None,
        notes: str | None,
        tags: Sequence[str],
        group: str | None,
        job_type: str | None,
        mode: str,
        config: Mapping[str, Any] | None = None,
        settings: Any = None,
        resumed: bool = False,
    ) -> None:
        self._run = heron_run
        self._resumed = resumed
        self._project = project
        self._name = name
        self._id = run_id
        self._entity = entity
        self._notes = notes or ""
        self._tags = tuple(tags)
        self._group = group
        self._job_type = job_type
        self._mode = mode
        self._settings = settings
        self._open_step: int | None = None  # a W&B step kept open by commit=False or step=
        self._dir: str | None = None
        self._finished = False
        if heron_run is not None:
            self.config = Config(heron_run.config)
            self.summary = Summary(heron_run.summary)
        else:
            self.config = Config(_HeronConfig(config, _noop_persist))
            self._memory_summary = _HeronSummary()
            self.summary = Summary(self._memory_summary)

    # -- identity -------------------------------------------------------------------------------

    @property
    def id(self) -> str:
        """The run id."""
        return self._id

    @property
    def name(self) -> str:
        """The run's display name (settable, as in W&B)."""
        return self._name

    @name.setter
    def name(self, value: str) -> None:
        if not isinstance(value, str) or not value:
            raise UsageError(f"a run name must be a non-empty string, got {value!r}")
        self._name = value
        if self._run is not None:
            self._run.name = value
            run_store.update_run(self._run.store.engine, self._run.id, name=value)

    @property
    def project(self) -> str:
        """The project the run logs to."""
        return self._project

    def project_name(self) -> str:
        """The project the run logs to."""
        return self._project

    @property
    def entity(self) -> str:
        """The entity given to ``init`` (heron has none; it is not stored)."""
        return self._entity or ""

    @property
    def path(self) -> str:
        """``project/id``, which ``heron.Api().run()`` and ``wandb.Api().run()`` accept."""
        return f"{self._project}/{self._id}"

    @property
    def url(self) -> str | None:
        """None: a local run has no URL (``heron ui`` shows it)."""
        return None

    def get_url(self) -> str | None:
        """None: a local run has no URL (``heron ui`` shows it)."""
        return None

    def get_project_url(self) -> str | None:
        """None: a local project has no URL (``heron ui`` shows it)."""
        return None

    @property
    def notes(self) -> str:
        """The run's notes (settable)."""
        return self._notes

    @notes.setter
    def notes(self, value: str) -> None:
        self._notes = str(value)
        self._update(notes=self._notes)

    @property
    def tags(self) -> tuple[str, ...]:
        """The run's tags (settable, e.g. ``run.tags = run.tags + ("best",)``)."""
        return self._tags

    @tags.setter
    def tags(self, value: Sequence[str]) -> None:
        if isinstance(value, str):
            raise UsageError("tags must be a list or tuple of strings, not a single string")
        self._tags = tuple(value)
        self._update(tags=dumps(list(self._tags)))

    @property
    def group(self) -> str:
        """The run's group ("" if none)."""
        return self._group or ""

    @property
    def job_type(self) -> str:
        """The run's job type ("" if none)."""
        return self._job_type or ""

    @property
    def dir(self) -> str:
        """A directory for the run's files: whatever is in it when the run finishes is saved
        with the run (as ``wandb.save`` would)."""
        if self._dir is None:
            self._dir = tempfile.mkdtemp(prefix=f"heron-run-{self._id}-")
            weakref.finalize(self, shutil.rmtree, self._dir, True)
        return self._dir

    @property
    def offline(self) -> bool:
        """True: heron runs are always local."""
        return True

    @property
    def disabled(self) -> bool:
        """True for ``mode="disabled"`` (nothing is stored)."""
        return self._run is None

    @property
    def settings(self) -> Any:
        """The settings given to ``init``."""
        return self._settings

    @property
    def resumed(self) -> bool:
        """Whether the run continues an earlier one (``resume=`` found it)."""
        return self._resumed

    @property
    def sweep_id(self) -> None:
        """None: heron has no sweeps."""
        return None

    @property
    def start_time(self) -> float:
        """When the run started (seconds since the epoch)."""
        if self._run is None:
            return 0.0
        return run_store.get_run(self._run.store.engine, self._run.id).created_at

    @property
    def step(self) -> int:
        """The step the next ``log`` writes to."""
        if self._run is None:
            return 0  # W&B's disabled runs stay at step 0
        if self._open_step is not None:
            return self._open_step
        return self._run.step

    @property
    def heron_run(self) -> HeronRun | None:
        """The underlying :class:`heron.Run` (None when disabled)."""
        return self._run

    def _update(self, **values: Any) -> None:
        if self._run is not None:
            run_store.update_run(self._run.store.engine, self._run.id, **values)

    def __repr__(self) -> str:
        return f"<heron.wandb.Run {self.path} name={self._name!r}>"

    # -- logging --------------------------------------------------------------------------------

    def log(
        self,
        data: dict[str, Any],
        step: int | None = None,
        commit: bool | None = None,
        sync: bool | None = None,
    ) -> None:
        """Log values (W&B's rules for ``step`` and ``commit``; see the module docstring)."""
        run = self._run
        if step is None and commit is None and self._open_step is None and run is not None:
            try:
                run.log(data)  # the common case: one step per call, exactly heron's own
            except UsageError:
                # heron stored nothing of the call: retry once with W&B-only media as markers.
                cleaned = _unsupported_lists_as_markers(data)
                if cleaned is data:
                    raise
                run.log(cleaned)
            return
        data = _unsupported_lists_as_markers(data)
        if sync is not None:
            ignored_arguments("log", ["sync"])
        if run is None:
            self._log_disabled(data)
            return
        current = self.step
        if step is not None:
            if isinstance(step, bool) or not hasattr(step, "__index__"):
                raise UsageError(f"step must be an int, got {step!r}")
            step = operator.index(step)  # numpy and torch integers too, as W&B takes them
            if step < current:
                warnings.warn(
                    f"heron.wandb: tried to log to step {step}, which is below the current step "
                    f"{current}; steps only increase, so these values are dropped (as W&B does)",
                    UnsupportedWarning,
                    stacklevel=2,
                )
                return
            current = step
        run.log(data, step=current)
        # heron keeps a step given explicitly open until a later one is logged, and its next
        # step is then current + 1: committing only means no longer merging into ``current``.
        if commit is True or (step is None and commit is None):
            self._open_step = None
        else:
            self._open_step = current

    def _log_disabled(self, data: Mapping[str, Any]) -> None:
        """A disabled run keeps the summary in memory, as W&B's does; steps stay at 0."""
        scalars = {}
        for key, value in flatten(data).items():
            number = as_scalar(value)
            if number is not None:
                scalars[key] = number
        self._memory_summary.observe(scalars)

    def define_metric(
        self,
        name: str,
        step_metric: str | Any = None,
        step_sync: bool | None = None,
        hidden: bool | None = None,
        summary: str | None = None,
        overwrite: bool | None = None,
        **kwargs: Any,
    ) -> MetricDefinition | None:
        """Say how a metric is summarised (``summary="max"``...) and charted (``step_metric``).

        ``step_sync`` and ``overwrite`` have no effect in heron (a warning says so)."""
        ignored = [n for n, v in (("step_sync", step_sync), ("overwrite", overwrite)) if v]
        ignored_arguments("define_metric", ignored + sorted(kwargs))
        step_name = getattr(step_metric, "name", step_metric)
        if self._run is None:
            return None
        return self._run.define_metric(
            name, step_metric=step_name, summary=summary, hidden=bool(hidden)
        )

    def save(
        self,
        glob_str: str | os.PathLike[str] | None = None,
        base_path: str | os.PathLike[str] | None = None,
        policy: str = "live",
    ) -> bool | list[str]:
        """Keep files with the run (logged as the artifact ``run-<id>-files`` at finish)."""
        if glob_str is None or self._run is None:
            return False
        return self._run.save(glob_str, base_path, policy)  # type: ignore[arg-type]

    def finish(self, exit_code: int | None = None, quiet: bool | None = None) -> None:
        """Finish the run (a non-zero ``exit_code`` marks it failed). Calling it twice is harmless."""
        del quiet
        if self._finished:
            return
        self._finished = True
        if self._run is not None:
            if self._dir is not None and os.listdir(self._dir):
                self._run.save(os.path.join(self._dir, "**", "*"), base_path=self._dir)
            self._run.finish(exit_code=exit_code or 0)
        active.forget(self)

    def __enter__(self) -> Run:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.finish(exit_code=0 if exc_type is None else 1)

    # -- artifacts ------------------------------------------------------------------------------

    def use_artifact(
        self,
        artifact_or_name: str | Artifact,
        type: str | None = None,
        aliases: list[str] | None = None,
        use_as: str | None = None,
    ) -> Artifact | None:
        """The artifact version named (``name:alias``), recorded as an input of this run."""
        if self._run is None:
            return None  # as W&B's disabled runs do
        return wandb_artifacts.use_artifact(
            self._run, artifact_or_name, type=type, aliases=aliases, use_as=use_as
        )

    def log_artifact(
        self,
        artifact_or_path: Artifact | str | os.PathLike[str],
        name: str | None = None,
        type: str | None = None,
        aliases: list[str] | None = None,
        tags: list[str] | None = None,
    ) -> Artifact | DisabledArtifact:
        """Log an artifact (or a path, made into one) as an output of this run."""
        if self._run is None:
            return DisabledArtifact()  # as W&B's disabled runs do: any use of it does nothing
        return wandb_artifacts.log_artifact(
            self._run, artifact_or_path, name=name, type=type, aliases=aliases, tags=tags
        )

    def link_artifact(self, artifact: Any, target_path: str, aliases: Any = None) -> None:
        """Registry links are not supported: warns once and does nothing."""
        unsupported("link_artifact (registry links)", result_needed=False)

    def watch(self, models: Any, *args: Any, **kwargs: Any) -> Any:
        """Log gradient/parameter histograms of a PyTorch model (see ``wandb.watch``)."""
        return torch_watch.watch(models, *args, **kwargs)

    def unwatch(self, models: Any = None) -> None:
        """Stop watching models."""
        torch_watch.unwatch(models)

    def alert(self, title: str, text: str, level: Any = None, wait_duration: Any = None) -> None:
        """Alerts to external services are not supported: warns once and does nothing."""
        unsupported("alerts (run.alert)", result_needed=False)

    def log_code(self, root: str | None = ".", *args: Any, **kwargs: Any) -> None:
        """Code saving is not supported: warns once and does nothing."""
        unsupported("log_code (code saving)", result_needed=False)

    def mark_preempting(self) -> None:
        """Nothing to do: a local run that stops is marked crashed when the store is next opened."""

    def display(self, *args: Any, **kwargs: Any) -> bool:
        """Nothing to display in a notebook: ``heron ui`` shows the run."""
        return False
