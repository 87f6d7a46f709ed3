"""A run: one execution of a script that logs metrics, tables and artifacts to a store.

``run.log`` only validates and buffers: a background writer thread flushes completed steps to
the store about once a second (and heartbeats), so logging a dict of scalars costs
microseconds. A step stays open until a later step is logged, so several ``log`` calls with the
same ``step=`` merge into one row. Values that are not scalars (tables, histograms, images)
implement ``log_to(run, key, step)`` (:class:`heron.sdk.interfaces.Loggable`) and may return a
Future when their encoding runs in the run's thread pool; ``finish`` waits for all of them.

Every key, step and value is checked by ``log`` on the caller's thread (see
:mod:`heron.sdk.values`), so what reaches the writer (:mod:`heron.sdk.writer`) is storable; an
item the store still refuses is dropped alone and listed in :attr:`Run.failures`.
"""

from __future__ import annotations

import os
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING, Any

from heron._types import MAX_STEP, RunState
from heron.errors import HeronError, StoreError, UsageError
from heron.sdk import active
from heron.sdk.api import Api
from heron.sdk.config import Config, Summary
from heron.sdk.interfaces import Loggable, ObjectResult
from heron.sdk.media import figure_image
from heron.sdk.metric_rules import MetricDefinition, MetricRules, parse_summary
from heron.sdk.run_files import RunFiles, SavePolicy
from heron.sdk.table import as_table
from heron.sdk.values import as_scalar, check_step, flatten, short_repr, to_storable
from heron.sdk.writer import (
    FLUSH_ROWS,
    DroppedValue,
    RunWriter,
    describe_error,
    is_transient,
    logger,
)
from heron.store import local_store as run_store
from heron.store.jsonvalues import dumps
from heron.store.run_record import RUN_LEVEL_STEP

if TYPE_CHECKING:
    from collections.abc import Iterable
    from types import TracebackType

    from heron.sdk.artifact import Artifact
    from heron.store.store import Store


class Run:
    """A live run. Create it with :func:`heron.init`; use it as a context manager.

    Attributes: ``id``, ``name``, ``project``, ``path`` (``project/id``), ``config``,
    ``summary``, ``state``, ``store`` (the open :class:`~heron.store.store.Store`), ``api`` (a
    :class:`heron.Api` on that store), and ``failures``: what could not be stored, as
    :class:`DroppedValue` items.
    """

    def __init__(
        self,
        *,
        store: Store,
        run_id: str,
        name: str,
        project: str,
        config: Mapping[str, Any] | None,
        summary: Mapping[str, Any] | None,
        start_step: int,
    ) -> None:
        self.store = store
        self.id = run_id
        self.name = name
        self.project = project
        self.config = Config(config, self._persist_config)
        self.summary = Summary(summary)
        self._state: RunState = "running"
        self._lock = threading.Lock()
        self._next_step = start_step
        self._open_step: int | None = None
        self._open_row: dict[str, float] = {}
        self._open_objects: set[str] = set()  # keys of non-scalars logged at the open step
        self._known_keys: set[str] = set()  # log keys already checked (the same every step)
        self._executor: ThreadPoolExecutor | None = None
        self._api: Api | None = None
        # Called after finish() marked the run finished (remote mode waits for its upload).
        self.on_finish: list[Callable[[], None]] = []
        self._writer = RunWriter(
            store, run_id, self.path, self.summary, self._lock, closed_step=start_step - 1
        )

    # -- identity -----------------------------------------------------------------------------

    @property
    def path(self) -> str:
        """``project/run_id``, accepted by ``heron.Api().run(...)`` and ``heron runs show``."""
        return f"{self.project}/{self.id}"

    @property
    def state(self) -> RunState:
        """``running`` until finished; then ``finished`` or ``failed``."""
        return self._state

    @property
    def failures(self) -> list[DroppedValue]:
        """Values the store refused, each dropped alone while the run went on (empty if none)."""
        with self._lock:
            return list(self._writer.failures)

    @property
    def step(self) -> int:
        """The step the next ``log`` without ``step=`` will write."""
        return self._next_step

    def __repr__(self) -> str:
        return f"<heron.Run {self.path} name={self.name!r} state={self._state}>"

    # -- logging ------------------------------------------------------------------------------

    def log(self, data: Mapping[str, Any], *, step: int | None = None) -> None:
        """Log values at a step: numbers become metrics, tables/histograms/images are stored.

        Without ``step`` each call is its own step (0, 1, 2, ...). With ``step`` the values join
        that step's row; steps may skip but never go back. Nested dicts become ``a/b`` keys.
        Keys, steps and values are checked here: a bad one raises
        :class:`~heron.errors.UsageError` naming it, and nothing of the call is logged.
        """
        if self._state != "running":
            raise UsageError(
                f"run {self.path} is {self._state}: log() after finish() is not allowed"
            )
        if not isinstance(data, Mapping):
            raise UsageError(f"log() takes a dict of key -> value, got {type(data).__name__}")
        flat = flatten(data, known=self._known_keys)
        scalars: dict[str, float] = {}
        others: dict[str, Any] = {}
        for key, value in flat.items():
            try:
                number = as_scalar(value)
            except OverflowError:
                raise UsageError(
                    f"log key {key!r}: {short_repr(value)} is too large to log as a number "
                    "(metrics are float64)"
                ) from None
            if number is not None:
                scalars[key] = number
            else:
                others[key] = value
        with self._lock:
            target = self._resolve_step(step)
            if target == self._open_step:
                again = [key for key in others if key in self._open_objects]
                if again:
                    raise UsageError(
                        f"{again[0]!r} was already logged at step {target}: a table, image or "
                        "other non-number value is logged once per key and step"
                    )
            # Validate every non-scalar before storing anything, so a bad value stores nothing.
            prepared = [
                (key, self._prepare_object(key, target, value)) for key, value in others.items()
            ]
            if self._open_step is not None and target != self._open_step:
                self._close_open_step()
            self._open_step = target
            self._open_row.update(scalars)
            for key, result in prepared:
                self._queue_object(key, target, result)
                self._open_objects.add(key)
            if step is None:
                self._close_open_step()
                self._next_step = target + 1
            else:
                self._next_step = max(self._next_step, target + 1)
            backlog = len(self._writer.rows)
        if backlog >= FLUSH_ROWS:
            self._writer.wake()

    def _resolve_step(self, step: int | None) -> int:
        if step is None:
            if self._next_step > MAX_STEP:
                raise UsageError(
                    f"run {self.path} has logged step {MAX_STEP}, the largest there is: "
                    "no later step can be logged"
                )
            return self._next_step
        step = check_step(step)
        floor = self._open_step if self._open_step is not None else self._writer.closed_step + 1
        if step < floor:
            raise UsageError(
                f"step {step} goes backwards: run {self.path} is already at step {floor}; "
                "steps must not decrease"
            )
        return step

    def _close_open_step(self) -> None:
        if self._open_step is None:
            return
        step = self._open_step
        if self._open_row:
            self._writer.rows.extend((step, key, value) for key, value in self._open_row.items())
            self.summary.observe(self._open_row)
        self._writer.closed_step = max(self._writer.closed_step, step)
        self._open_row = {}
        if self._open_objects:
            self._open_objects = set()
        self._open_step = None

    def _prepare_object(
        self, key: str, step: int, value: Any
    ) -> ObjectResult | Future[ObjectResult]:
        loggable: Loggable | None = value if callable(getattr(value, "log_to", None)) else None
        if loggable is None:  # a DataFrame or a list of images is stored as a table
            loggable = as_table(value)
        if loggable is None:  # a matplotlib figure is stored as its picture
            loggable = figure_image(value)
        if loggable is not None:
            return loggable.log_to(self, key, step)
        try:
            return "value", to_storable(value, f"log key {key!r}")
        except HeronError as error:
            if value is None or isinstance(value, str | list | tuple | Mapping):
                raise UsageError(error.message) from None  # a storable kind, with a bad part
            raise UsageError(
                f"cannot log {type(value).__name__} under {key!r}: log numbers, strings, "
                "heron.Table, heron.Image or heron.Histogram"
            ) from None

    def _queue_object(
        self, key: str, step: int, result: ObjectResult | Future[ObjectResult]
    ) -> None:
        if isinstance(result, Future):
            self._writer.futures.append((key, step, result))
        else:
            kind, payload = result
            self._writer.objects.append((step, key, kind, payload))
            if kind == "value":
                self.summary.observe({key: payload})

    @property
    def api(self) -> Api:
        """A :class:`heron.Api` over this run's store (reading never records a use: for an
        input of the run, call :meth:`use_artifact`)."""
        if self._api is None:
            self._api = Api.from_store(self.store)
        return self._api

    @property
    def executor(self) -> ThreadPoolExecutor:
        """The run's thread pool for encoding media off the training loop."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(
                max_workers=2, thread_name_prefix=f"heron-{self.id}"
            )
        return self._executor

    # -- artifacts ----------------------------------------------------------------------------

    def log_artifact(
        self,
        artifact: Artifact,
        aliases: Iterable[str] | None = None,
        *,
        unique_aliases: bool = False,
    ) -> Artifact:
        """Commit ``artifact`` as the next version of its collection in this run's project.

        Only blobs the store lacks are written; identical content returns the existing version.
        ``latest`` moves to a new version; other ``aliases`` move to it from older versions, or
        the call fails if ``unique_aliases`` and an alias is taken. Returns ``artifact``, now logged.
        """
        from heron.sdk.artifact import log_artifact

        self._require_running("log_artifact")
        return log_artifact(self, artifact, aliases, unique_aliases=unique_aliases)

    def use_artifact(self, ref: str | Artifact, *, type: str | None = None) -> Artifact:
        """The version ``ref`` names (``name:alias``, ``name:vN``, ``project/name:alias``; the
        project defaults to this run's), recorded as an input of this run."""
        from heron.sdk.artifact import use_artifact

        self._require_running("use_artifact")
        return use_artifact(self, ref, type=type)

    # -- metric definitions and saved files ---------------------------------------------------

    _rules: MetricRules | None = None
    _files: RunFiles | None = None

    def define_metric(
        self,
        name: str,
        *,
        step_metric: str | None = None,
        summary: str | None = None,
        hidden: bool = False,
    ) -> MetricDefinition:
        """Say how ``name`` (or a glob like ``"val/*"``) is summarised and charted.

        ``summary`` lists the aggregates the run's summary keeps for it, e.g. ``"max"`` or
        ``"min,last"`` (the summary then holds ``{"max": ...}``), ``"none"`` keeps nothing;
        ``step_metric`` is the metric its charts use as x-axis. Stored with the run
        (``heron.Api().run(path).metric_definitions()``).
        """
        self._require_running("define_metric")
        if not isinstance(name, str) or not name:
            raise UsageError(f"define_metric() needs a metric name, got {name!r}")
        if step_metric is not None and (not isinstance(step_metric, str) or not step_metric):
            raise UsageError(f"step_metric must be a metric name, got {step_metric!r}")
        definition = MetricDefinition(name, step_metric, parse_summary(summary), bool(hidden))
        with self._lock:
            if self._rules is None:
                self._rules = MetricRules()
                self.summary.rules = self._rules
            self._rules.define(definition)
        run_store.put_run_object(
            self.store,
            self.id,
            name,
            RUN_LEVEL_STEP,
            "metric",
            definition.to_json(),
        )
        return definition

    def save(
        self,
        glob_str: str | os.PathLike[str],
        base_path: str | os.PathLike[str] | None = None,
        policy: SavePolicy = "live",
    ) -> list[str]:
        """Keep files with the run: those ``glob_str`` matches now, named relative to
        ``base_path``. They are logged as the artifact ``run-<id>-files`` when the run
        finishes (``policy="now"`` copies them at once). Returns their names."""
        self._require_running("save")
        if self._files is None:
            self._files = RunFiles()
        return self._files.save(glob_str, base_path, policy)

    def _require_running(self, what: str) -> None:
        if self._state != "running":
            raise UsageError(
                f"run {self.path} is {self._state}: {what}() after finish() is not allowed"
            )

    # -- writing ------------------------------------------------------------------------------

    def _persist_config(self, config: dict[str, Any]) -> None:
        run_store.update_run(self.store, self.id, config=dumps(config))

    # -- lifecycle ----------------------------------------------------------------------------

    def finish(self, exit_code: int = 0) -> None:
        """Flush everything, wait for pending media, and mark the run finished (or failed).

        A non-zero ``exit_code`` marks the run failed. Values the store refused do not: they
        were dropped one by one while the run went on, and are listed in a warning here and in
        :attr:`failures`. Calling it twice is harmless.
        """
        if self._state != "running":
            return
        saved = self._files.artifact(self.id) if self._files else None
        if saved is not None:
            from heron.sdk.artifact import log_artifact

            log_artifact(self, saved)
        with self._lock:
            self._close_open_step()
            futures = [future for _, _, future in self._writer.futures]
        # Failures are collected with their key by the final flush below.
        wait(futures)
        self._writer.stop()
        if self._executor is not None:
            self._executor.shutdown(wait=True)
        self._writer.drain()
        run_store.release_blobs(self.store)  # the pack file this run appended images to
        state: RunState = "finished" if exit_code == 0 else "failed"
        now = time.time()
        try:
            run_store.update_run(
                self.store,
                self.id,
                state=state,
                exit_code=exit_code,
                finished_at=now,
                heartbeat_at=now,
            )
        except Exception as error:
            if not is_transient(error):
                raise
            # Left "running" here, so finish() (or the exit hook) may try again.
            raise StoreError(
                f"run {self.path} could not be marked {state}: the store cannot be reached "
                f"({describe_error(error)})"
            ) from error
        self._state = state
        active.forget(self)
        for hook in self.on_finish:
            hook()
        failures = self._writer.failures
        if failures:
            listed = "; ".join(str(dropped) for dropped in failures[:20])
            more = len(failures) - 20
            logger.warning(
                "heron: run %s finished without %d value(s) the store refused (run.failures "
                "lists them): %s%s",
                self.path,
                len(failures),
                listed,
                f"; and {more} more" if more > 0 else "",
            )
        if self._writer.error is not None:
            stopped = "".join(traceback.format_exception_only(self._writer.error)).strip()
            raise HeronError(f"run {self.path}: its background writer stopped: {stopped}")

    def __enter__(self) -> Run:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.finish(exit_code=0 if exc_type is None else 1)
