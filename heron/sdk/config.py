"""``run.config`` and ``run.summary``: dict-like, validated, and persisted with the run."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from typing import Any

from heron.errors import ConfigError
from heron.sdk.metric_rules import MetricRules
from heron.sdk.values import short_repr, text_problem, to_storable


class Config(MutableMapping[str, Any]):
    """A run's hyper-parameters. Every change is validated and written to the store at once.

    Values must be JSON-like (numbers, strings, bools, None, lists, dicts); anything else fails
    with a :class:`~heron.errors.ConfigError` naming the key. Keys are also readable as
    attributes (``run.config.lr``), as W&B users expect.
    """

    def __init__(self, initial: Any, persist: Callable[[dict[str, Any]], None]) -> None:
        object.__setattr__(self, "_data", {})
        object.__setattr__(self, "_persist", persist)
        if initial:
            self._data.update(_checked(config_mapping(initial)))

    _data: dict[str, Any]
    _persist: Callable[[dict[str, Any]], None]

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.update({key: value})

    def __delitem__(self, key: str) -> None:
        del self._data[key]
        self._persist(dict(self._data))

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._data[name]
        except KeyError:
            raise AttributeError(f"config has no key {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    def update(self, *args: Any, **kwargs: Any) -> None:
        """Validate every new value, then store them all in one write.

        Takes what ``dict()`` takes, an ``argparse.Namespace`` or absl ``FLAGS``."""
        if len(args) == 1 and not kwargs and not isinstance(args[0], Mapping | list | tuple):
            args = (config_mapping(args[0]),)
        # A mapping passed as it is (not copied), so one that holds itself is named at its key.
        single = len(args) == 1 and not kwargs and isinstance(args[0], Mapping)
        checked = _checked(args[0] if single else dict(*args, **kwargs))
        self._data.update(checked)
        self._persist(dict(self._data))

    def setdefaults(self, defaults: Any) -> None:
        """Set the keys of ``defaults`` that are not set yet (one write); set keys keep their value."""
        missing = {k: v for k, v in config_mapping(defaults).items() if k not in self._data}
        if missing:
            self.update(missing)

    def as_dict(self) -> dict[str, Any]:
        """A plain-dict copy."""
        return dict(self._data)

    def __repr__(self) -> str:
        return f"Config({self._data!r})"


def config_mapping(values: Any) -> Mapping[str, Any]:
    """``values`` as a mapping: a dict, an ``argparse.Namespace`` or absl ``FLAGS``.

    Anything else fails with a :class:`~heron.errors.ConfigError` saying what was given.
    """
    if isinstance(values, Mapping):
        return values
    flag_values = getattr(values, "flag_values_dict", None)
    if callable(flag_values):  # absl.flags.FLAGS
        return dict(flag_values())
    if type(values).__name__ == "Namespace" and hasattr(values, "__dict__"):
        return dict(vars(values))
    raise ConfigError(
        f"config takes a dict, an argparse Namespace or absl flags, not {type(values).__name__}"
    )


def _checked(values: Mapping[str, Any]) -> dict[str, Any]:
    checked: dict[str, Any] = {}
    for key, value in values.items():
        checked[_checked_key(key, "config")] = to_storable(value, f"config[{key!r}]", inside=values)
    return checked


def _checked_key(key: Any, what: str) -> str:
    if not isinstance(key, str):
        raise ConfigError(f"{what} keys must be strings, got {short_repr(key)}")
    problem = text_problem(key)
    if problem is not None:
        raise ConfigError(f"{what} key {short_repr(key)} {problem}")
    return key


class Summary(MutableMapping[str, Any]):
    """The one value per key a run is remembered by: the last logged value of each metric,
    unless the user set the key explicitly (``run.summary["best_acc"] = 0.8``), which wins.
    ``rules`` (set by ``run.define_metric``) may keep aggregates such as ``{"max": ...}`` instead."""

    rules: MetricRules | None = None

    def __init__(self, initial: Mapping[str, Any] | None = None) -> None:
        self._data: dict[str, Any] = dict(initial or {})
        self._explicit: set[str] = set()
        self._lock = threading.Lock()
        self.dirty = False

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __setitem__(self, key: str, value: Any) -> None:
        stored = to_storable(value, f"summary[{_checked_key(key, 'summary')!r}]")
        with self._lock:
            self._data[key] = stored
            self._explicit.add(key)
            self.dirty = True

    def __delitem__(self, key: str) -> None:
        with self._lock:
            del self._data[key]
            self._explicit.discard(key)
            self.dirty = True

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._data))

    def __len__(self) -> int:
        return len(self._data)

    def observe(self, values: Mapping[str, Any]) -> None:
        """Record logged values; explicitly set keys keep their explicit value."""
        with self._lock:
            if self.rules is not None:
                self.rules.observe(self._data, self._explicit, values)
            else:
                for key, value in values.items():
                    if key not in self._explicit:
                        self._data[key] = value
            self.dirty = True

    def snapshot(self) -> dict[str, Any]:
        """A copy, taken under the lock, for writing to the store."""
        with self._lock:
            self.dirty = False
            return dict(self._data)

    def __repr__(self) -> str:
        return f"Summary({self._data!r})"
