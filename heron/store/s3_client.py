"""Talking to an S3-compatible object store: where (``s3://bucket/prefix``), and retrying.

heron uses boto3 (the ``s3`` extra): the reference client of the S3 API, kept up to date by its
vendor, with multipart transfers built in. Its own retries are turned off and replaced by one
loop here, so every operation gets the same bounded backoff and, when the store stays away, one
clear :class:`~heron.errors.StoreError` naming what could not be written or read.
Credentials come from where boto3 looks for them (``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY``,
its config files); the endpoint from ``s3_endpoint`` or ``$HERON_S3_ENDPOINT``.
"""

from __future__ import annotations

import logging
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from heron.errors import ConfigError, NotFoundError, StoreError

T = TypeVar("T")
logger = logging.getLogger("heron.store")

# Error codes that mean "this object is not there", not "the store is unwell".
_ABSENT = {"NoSuchKey", "404", "NotFound"}
# Error codes worth retrying besides connection failures (throttling and server-side trouble).
_TRANSIENT = {"500", "502", "503", "504", "SlowDown", "InternalError", "ServiceUnavailable"}


@dataclass(frozen=True)
class S3Location:
    """A bucket and a key prefix (no leading or trailing slash; may be empty)."""

    bucket: str
    prefix: str

    def key(self, relative: str) -> str:
        """The object key of ``relative`` below the prefix."""
        return f"{self.prefix}/{relative}" if self.prefix else relative

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"


def parse_s3_url(url: str) -> S3Location:
    """``s3://bucket[/prefix]`` as a location; ConfigError naming the URL otherwise."""
    if not url.startswith("s3://"):
        raise ConfigError(f"blobs URL {url!r} is not of the form s3://bucket/prefix")
    bucket, _, prefix = url.removeprefix("s3://").partition("/")
    if not bucket:
        raise ConfigError(f"blobs URL {url!r} names no bucket (s3://bucket/prefix)")
    return S3Location(bucket, prefix.strip("/"))


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry an operation the object store did not answer."""

    attempts: int = 6
    first_wait: float = 0.2
    max_wait: float = 5.0

    @classmethod
    def from_env(cls) -> RetryPolicy:
        """The default policy, with ``$HERON_S3_RETRIES`` attempts when set."""
        raw = os.environ.get("HERON_S3_RETRIES")
        if not raw:
            return cls()
        try:
            attempts = int(raw)
        except ValueError:
            raise ConfigError(f"HERON_S3_RETRIES={raw!r} is not a whole number") from None
        return cls(attempts=max(1, attempts))


def make_client(endpoint: str | None) -> Any:
    """A boto3 S3 client for ``endpoint`` (path-style addressing, boto's own retries off)."""
    try:
        import boto3
        from botocore.config import Config
    except ImportError:
        raise ConfigError(
            "storing blobs in an object store needs boto3: pip install 'heron[s3]'"
        ) from None
    config = Config(
        s3={"addressing_style": "path"},
        retries={"max_attempts": 1, "mode": "standard"},
        connect_timeout=5,
        read_timeout=60,
        max_pool_connections=32,
    )
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint or None,
        config=config,
        region_name=os.environ.get("AWS_REGION")
        or os.environ.get("AWS_DEFAULT_REGION")
        or "us-east-1",
    )


def error_code(error: BaseException) -> str:
    """The S3 error code of a botocore ClientError ('' for anything else)."""
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


def is_absent(error: BaseException) -> bool:
    """Whether ``error`` says the object does not exist."""
    return error_code(error) in _ABSENT


def _is_transient(error: BaseException) -> bool:
    from botocore.exceptions import BotoCoreError, ClientError

    if isinstance(error, ClientError):
        return error_code(error) in _TRANSIENT
    # Connection refused or reset, timeouts, a response cut short: the store went away.
    return isinstance(error, BotoCoreError | OSError)


def with_retries(what: str, operation: Callable[[], T], policy: RetryPolicy) -> T:
    """Run ``operation``, retrying transient failures with jittered exponential backoff.

    ``what`` names the blob or table part for the error raised when every attempt failed
    (StoreError) or the store refused the request outright (StoreError with its code); an
    absent object raises NotFoundError.
    """
    from botocore.exceptions import ClientError

    wait = policy.first_wait
    for attempt in range(1, policy.attempts + 1):
        try:
            return operation()
        except Exception as error:
            if isinstance(error, ClientError) and is_absent(error):
                raise NotFoundError(f"{what}: not in the object store") from None
            if not _is_transient(error):
                code = error_code(error) or type(error).__name__
                raise StoreError(f"{what}: the object store refused it ({code}: {error})") from None
            if attempt == policy.attempts:
                raise StoreError(
                    f"{what}: the object store did not answer after {policy.attempts} attempts "
                    f"({type(error).__name__}: {error}); nothing was recorded, try again when "
                    "it is back"
                ) from None
            logger.warning("%s: attempt %d failed (%s); retrying", what, attempt, error)
            time.sleep(wait * (0.5 + random.random() / 2))
            wait = min(wait * 2, policy.max_wait)
    raise AssertionError("unreachable")  # pragma: no cover
