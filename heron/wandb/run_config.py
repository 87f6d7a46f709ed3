"""``wandb.config`` and ``wandb.summary``: W&B's dict-and-attribute surface over heron's own
:class:`heron.sdk.config.Config` and :class:`~heron.sdk.config.Summary`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from heron.sdk.config import Config as _HeronConfig
from heron.sdk.config import Summary as _HeronSummary
from heron.sdk.config import config_mapping


class Config:
    """``wandb.config`` / ``run.config``: attribute and item access, ``update``,
    ``setdefaults``, ``as_dict``. Every change is stored with the run at once."""

    def __init__(self, config: _HeronConfig) -> None:
        object.__setattr__(self, "_config", config)

    _config: _HeronConfig

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return self._config[name]
        except KeyError:
            raise AttributeError(f"config has no key {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        self._config[name] = value

    def __getitem__(self, key: str) -> Any:
        return self._config[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._config[key] = value

    def __delitem__(self, key: str) -> None:
        del self._config[key]

    def __contains__(self, key: object) -> bool:
        return key in self._config

    def __iter__(self) -> Iterator[str]:
        return iter(self._config)

    def __len__(self) -> int:
        return len(self._config)

    def keys(self) -> Any:
        """The keys, as ``dict.keys``."""
        return self._config.as_dict().keys()

    def values(self) -> Any:
        """The values, as ``dict.values``."""
        return self._config.as_dict().values()

    def items(self) -> Any:
        """The items, as ``dict.items``."""
        return self._config.as_dict().items()

    def get(self, key: str, default: Any = None) -> Any:
        """The value of ``key``, or ``default``."""
        return self._config.get(key, default)

    def update(self, d: Any = None, allow_val_change: bool | None = None, **kwargs: Any) -> None:
        """Set several keys: a dict, an argparse Namespace or absl flags (and keywords).

        heron lets every value change, so ``allow_val_change`` needs no effect."""
        del allow_val_change
        values = dict(config_mapping(d)) if d is not None else {}
        values.update(kwargs)
        if values:
            self._config.update(values)

    def setdefaults(self, d: Any) -> None:
        """Set the keys of ``d`` that are not set yet."""
        self._config.setdefaults(d)

    def as_dict(self) -> dict[str, Any]:
        """A plain-dict copy."""
        return self._config.as_dict()

    def persist(self) -> None:
        """Nothing to do: heron stores every change at once."""

    def __repr__(self) -> str:
        return repr(self._config.as_dict())


class Summary:
    """``wandb.summary`` / ``run.summary``: the last value of each metric unless set here."""

    def __init__(self, summary: _HeronSummary) -> None:
        object.__setattr__(self, "_summary", summary)

    _summary: _HeronSummary

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return self._summary[name]
        except KeyError:
            raise AttributeError(f"summary has no key {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        self._summary[name] = value

    def __getitem__(self, key: str) -> Any:
        return self._summary[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._summary[key] = value

    def __delitem__(self, key: str) -> None:
        del self._summary[key]

    def __contains__(self, key: object) -> bool:
        return key in self._summary

    def __iter__(self) -> Iterator[str]:
        return iter(self._summary)

    def __len__(self) -> int:
        return len(self._summary)

    def keys(self) -> Any:
        """The keys, as ``dict.keys``."""
        return dict(self._summary).keys()

    def items(self) -> Any:
        """The items, as ``dict.items``."""
        return dict(self._summary).items()

    def get(self, key: str, default: Any = None) -> Any:
        """The value of ``key``, or ``default``."""
        return self._summary.get(key, default)

    def update(self, d: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        """Set several keys at once (they then win over logged values)."""
        for key, value in {**(d or {}), **kwargs}.items():
            self._summary[key] = value

    def __repr__(self) -> str:
        return repr(dict(self._summary))
