"""``wandb.config`` and ``wandb.summary``: W&B's dict-and-attribute surface over heron's own
:class:`heron.sdk.config.Config` and :class:`~heron.sdk.config.Summary`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any, ClassVar, Generic, TypeVar

from heron.sdk.config import Config as _HeronConfig
from heron.sdk.config import Summary as _HeronSummary
from heron.sdk.config import config_mapping

M = TypeVar("M", bound=MutableMapping[str, Any])


class _AttributeMapping(Generic[M]):
    """Item and attribute access over one of heron's run mappings (``what`` names it in errors)."""

    _what: ClassVar[str]
    _target: M

    def __init__(self, target: M) -> None:
        object.__setattr__(self, "_target", target)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return self._target[name]
        except KeyError:
            raise AttributeError(f"{self._what} has no key {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        self._target[name] = value

    def __getitem__(self, key: str) -> Any:
        return self._target[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._target[key] = value

    def __delitem__(self, key: str) -> None:
        del self._target[key]

    def __contains__(self, key: object) -> bool:
        return key in self._target

    def __iter__(self) -> Iterator[str]:
        return iter(self._target)

    def __len__(self) -> int:
        return len(self._target)

    def get(self, key: str, default: Any = None) -> Any:
        """The value of ``key``, or ``default``."""
        return self._target.get(key, default)


class Config(_AttributeMapping[_HeronConfig]):
    """``wandb.config`` / ``run.config``: attribute and item access, ``update``,
    ``setdefaults``, ``as_dict``. Every change is stored with the run at once."""

    _what = "config"

    def keys(self) -> Any:
        """The keys, as ``dict.keys``."""
        return self._target.as_dict().keys()

    def values(self) -> Any:
        """The values, as ``dict.values``."""
        return self._target.as_dict().values()

    def items(self) -> Any:
        """The items, as ``dict.items``."""
        return self._target.as_dict().items()

    def update(self, d: Any = None, allow_val_change: bool | None = None, **kwargs: Any) -> None:
        """Set several keys: a dict, an argparse Namespace or absl flags (and keywords).

        heron lets every value change, so ``allow_val_change`` needs no effect."""
        del allow_val_change
        values = dict(config_mapping(d)) if d is not None else {}
        values.update(kwargs)
        if values:
            self._target.update(values)

    def setdefaults(self, d: Any) -> None:
        """Set the keys of ``d`` that are not set yet."""
        self._target.setdefaults(d)

    def as_dict(self) -> dict[str, Any]:
        """A plain-dict copy."""
        return self._target.as_dict()

    def persist(self) -> None:
        """Nothing to do: heron stores every change at once."""

    def __repr__(self) -> str:
        return repr(self._target.as_dict())


class Summary(_AttributeMapping[_HeronSummary]):
    """``wandb.summary`` / ``run.summary``: the last value of each metric unless set here."""

    _what = "summary"

    def keys(self) -> Any:
        """The keys, as ``dict.keys``."""
        return dict(self._target).keys()

    def items(self) -> Any:
        """The items, as ``dict.items``."""
        return dict(self._target).items()

    def update(self, d: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        """Set several keys at once (they then win over logged values)."""
        for key, value in {**(d or {}), **kwargs}.items():
            self._target[key] = value

    def __repr__(self) -> str:
        return repr(dict(self._target))
