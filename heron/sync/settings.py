"""Remote mode's settings: the server URL, its API key (saved by ``heron login``), the spool.

Light on purpose: ``heron.init`` reads these on every call to know whether it is in remote mode.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from heron.errors import UsageError
from heron.sync.state import server_key

FINISH_WAIT_SECONDS = 30.0
"""How long ``run.finish()`` waits for the server to take what the run logged (HERON_SYNC_WAIT)."""


@dataclass(frozen=True)
class RemoteSettings:
    """Where remote mode sends runs: the server's URL and the API key to send with them."""

    url: str
    api_key: str | None


def credentials_path() -> Path:
    """``~/.config/heron/credentials`` (under ``$XDG_CONFIG_HOME`` when set)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "heron" / "credentials"


def saved_keys() -> dict[str, str]:
    """Server URL -> API key, as saved by ``heron login`` (empty if none)."""
    try:
        document = json.loads(credentials_path().read_text())
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in document.items()} if isinstance(document, dict) else {}


def save_key(url: str, api_key: str) -> Path:
    """Save ``api_key`` for ``url`` in the credentials file, readable by the user alone."""
    path = credentials_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    keys = saved_keys()
    keys[url.rstrip("/")] = api_key
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(fd, "w") as handle:
        json.dump(keys, handle, indent=2, sort_keys=True)
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)
    return path


def settings_from_env() -> RemoteSettings | None:
    """Remote mode's settings when ``HERON_URL`` is set, else None (local mode)."""
    url = (os.environ.get("HERON_URL") or "").strip().rstrip("/")
    if not url:
        return None
    key = os.environ.get("HERON_API_KEY") or saved_keys().get(url)
    return RemoteSettings(url=url, api_key=key)


def spool_dir(url: str) -> Path:
    """The spool store for ``url``: ``$HERON_DIR`` if set, else ``~/.cache/heron/spool/<server>``."""
    from_env = os.environ.get("HERON_DIR")
    if from_env:
        return Path(from_env).expanduser().resolve()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "heron" / "spool" / server_key(url)


def finish_wait_seconds() -> float:
    """How long ``run.finish()`` waits for the push (``$HERON_SYNC_WAIT``, default 30 s)."""
    value = os.environ.get("HERON_SYNC_WAIT")
    if not value:
        return FINISH_WAIT_SECONDS
    try:
        return max(0.0, float(value))
    except ValueError:
        raise UsageError(f"HERON_SYNC_WAIT must be a number of seconds, got {value!r}") from None
