"""External references of artifacts (``file://`` and ``s3://``): tracked, not copied.

Adding a reference lists what is there now and records each object's identity: size and sha256
for local files; size, ETag and (in a versioned bucket) the version id for S3 objects. Fetching
a reference later checks that identity, so an object changed since the artifact was logged is
reported instead of silently giving different bytes.

S3 settings come from the artifact (``settings={"s3": {...}}``), else ``$HERON_S3_ENDPOINT`` /
``$AWS_ENDPOINT_URL_S3`` / ``$AWS_ENDPOINT_URL`` for the endpoint and ``$HERON_S3_KEY`` /
``$HERON_S3_SECRET`` or boto3's usual credential chain. Addressing is path-style, which every
S3-compatible server understands (SeaweedFS, MinIO, Ceph) as well as AWS.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from heron.errors import ArtifactError, IntegrityError, NotFoundError, UsageError
from heron.store.filehash import FileChangedError, HashCache, hash_file, hash_files
from heron.store.safefiles import temporary_sibling

DEFAULT_MAX_OBJECTS = 100_000
_COPY_CHUNK = 1 << 20


@dataclass(frozen=True)
class ReferenceObject:
    """One object found under a reference: where it is relative to the root, and its identity."""

    relative: str
    uri: str
    size: int
    sha256: str | None = None
    etag: str | None = None
    version: str | None = None


@dataclass(frozen=True)
class S3Settings:
    """Where an S3-compatible store is and how to sign requests to it."""

    endpoint: str | None = None
    key: str | None = None
    secret: str | None = None
    region: str | None = None

    @classmethod
    def resolve(cls, given: Mapping[str, str] | None = None) -> S3Settings:
        """Settings from ``given`` (keys endpoint, key, secret, region), else the environment."""
        given = dict(given or {})
        unknown = set(given) - {"endpoint", "key", "secret", "region"}
        if unknown:
            raise UsageError(
                f"unknown S3 settings {sorted(unknown)}: use endpoint, key, secret, region"
            )
        env = os.environ
        return cls(
            endpoint=given.get("endpoint")
            or env.get("HERON_S3_ENDPOINT")
            or env.get("AWS_ENDPOINT_URL_S3")
            or env.get("AWS_ENDPOINT_URL"),
            key=given.get("key") or env.get("HERON_S3_KEY"),
            secret=given.get("secret") or env.get("HERON_S3_SECRET"),
            region=given.get("region")
            or env.get("HERON_S3_REGION")
            or env.get("AWS_DEFAULT_REGION"),
        )


def s3_client(settings: S3Settings) -> Any:
    """A boto3 S3 client with path-style addressing for these settings."""
    try:
        import boto3
        from botocore.config import Config
    except ImportError:
        raise UsageError(
            "boto3 is required for s3:// references: pip install 'heron[s3]'"
        ) from None
    config = Config(
        s3={"addressing_style": "path"},
        connect_timeout=10,
        read_timeout=60,
        retries={"max_attempts": 3, "mode": "standard"},
    )
    return boto3.client(
        "s3",
        endpoint_url=settings.endpoint,
        aws_access_key_id=settings.key,
        aws_secret_access_key=settings.secret,
        region_name=settings.region or "us-east-1",
        config=config,
    )


def split_s3_uri(uri: str) -> tuple[str, str]:
    """(bucket, key) of ``s3://bucket/key``."""
    parsed = urlparse(uri)
    if parsed.scheme != "s3" or not parsed.netloc:
        raise ArtifactError(f"{uri!r} is not an s3://bucket/key URI")
    return parsed.netloc, parsed.path.lstrip("/")


def file_uri_path(uri: str) -> Path:
    """The local path of a ``file://`` URI (``file:///abs/path``)."""
    parsed = urlparse(uri)
    if parsed.scheme != "file" or parsed.netloc not in ("", "localhost"):
        raise ArtifactError(f"{uri!r} is not a file:///absolute/path URI")
    return Path(unquote(parsed.path))


def list_reference(
    uri: str,
    *,
    checksum: bool = True,
    max_objects: int | None = None,
    s3: Mapping[str, str] | None = None,
    cache: HashCache | None = None,
) -> list[ReferenceObject]:
    """What ``uri`` names now: one object, or every object under a directory / prefix."""
    limit = DEFAULT_MAX_OBJECTS if max_objects is None else max_objects
    scheme = urlparse(uri).scheme
    if scheme == "file":
        objects = _list_file(uri, checksum=checksum, limit=limit, cache=cache or HashCache(None))
    elif scheme == "s3":
        objects = _list_s3(uri, S3Settings.resolve(s3), limit=limit)
    else:
        raise ArtifactError(f"cannot reference {uri!r}: heron tracks file:// and s3:// references")
    if not objects:
        raise NotFoundError(f"reference {uri!r} names nothing: no file or object is there")
    return objects


def _too_many(uri: str, limit: int) -> ArtifactError:
    return ArtifactError(
        f"{uri!r} holds more than max_objects={limit} objects; pass a larger max_objects"
    )


def _list_file(uri: str, *, checksum: bool, limit: int, cache: HashCache) -> list[ReferenceObject]:
    root = file_uri_path(uri)
    if root.is_file():
        found = [("", root)]
    elif root.is_dir():
        found = []
        for directory, _, names in os.walk(root):
            for name in names:
                path = Path(directory) / name
                found.append((path.relative_to(root).as_posix(), path))
                if len(found) > limit:
                    raise _too_many(uri, limit)
    else:
        return []
    digests = {}
    if checksum:
        try:
            digests = hash_files([str(p) for _, p in found], cache)
        except FileChangedError as error:
            raise ArtifactError(f"{error.args[0]} changed while it was being hashed") from None
    objects = []
    for relative, path in sorted(found):
        digest = digests[str(path)][0] if checksum else None
        objects.append(
            ReferenceObject(
                relative=relative, uri=path.as_uri(), size=path.stat().st_size, sha256=digest
            )
        )
    return objects


def _list_s3(uri: str, settings: S3Settings, *, limit: int) -> list[ReferenceObject]:
    from botocore.exceptions import ClientError

    bucket, key = split_s3_uri(uri)
    client = s3_client(settings)
    versioned = _bucket_versioned(client, bucket)
    if key and not key.endswith("/"):
        try:
            head = client.head_object(Bucket=bucket, Key=key)
        except ClientError as error:
            if _status(error) not in (403, 404):
                raise ArtifactError(f"cannot read {uri}: {error}") from None
        else:
            return [
                ReferenceObject(
                    relative="",
                    uri=f"s3://{bucket}/{key}",
                    size=int(head["ContentLength"]),
                    etag=_etag(head.get("ETag")),
                    version=head.get("VersionId") if versioned else None,
                )
            ]
        key += "/"
    objects: list[ReferenceObject] = []
    try:
        if versioned:
            pages = client.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=key)
            items = (v for page in pages for v in page.get("Versions", []) if v.get("IsLatest"))
        else:
            pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=key)
            items = (o for page in pages for o in page.get("Contents", []))
        for item in items:
            object_key = item["Key"]
            if object_key.endswith("/"):  # a "directory" marker, not content
                continue
            objects.append(
                ReferenceObject(
                    relative=object_key[len(key) :],
                    uri=f"s3://{bucket}/{object_key}",
                    size=int(item["Size"]),
                    etag=_etag(item.get("ETag")),
                    version=item.get("VersionId") if versioned else None,
                )
            )
            if len(objects) > limit:
                raise _too_many(uri, limit)
    except ClientError as error:
        raise ArtifactError(f"cannot list {uri}: {error}") from None
    return sorted(objects, key=lambda o: o.relative)


def _bucket_versioned(client: Any, bucket: str) -> bool:
    from botocore.exceptions import ClientError

    try:
        status = client.get_bucket_versioning(Bucket=bucket).get("Status")
        return bool(status == "Enabled")
    except ClientError as error:
        if _status(error) == 404:
            raise NotFoundError(f"there is no S3 bucket {bucket!r} at this endpoint") from None
        return False


def _status(error: Any) -> int:
    return int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))


def _etag(value: str | None) -> str | None:
    return value.strip('"') if value else None


def fetch_reference(
    uri: str,
    destination: Path,
    *,
    size: int,
    sha256: str | None = None,
    etag: str | None = None,
    version: str | None = None,
    s3: Mapping[str, str] | None = None,
) -> None:
    """Copy a referenced object to ``destination`` (atomically), checking it is unchanged."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    temporary = temporary_sibling(destination)  # short: the destination's name may be NAME_MAX
    try:
        scheme = urlparse(uri).scheme
        if scheme == "file":
            source = file_uri_path(uri)
            if not source.is_file():
                raise NotFoundError(f"referenced file {source} is gone")
            shutil.copyfile(source, temporary)
            try:
                actual, fingerprint = hash_file(str(temporary))
            except FileChangedError:  # pragma: no cover - our own temporary file
                raise IntegrityError(f"{temporary} changed while it was written") from None
            if fingerprint.size != size or (sha256 is not None and actual != sha256):
                raise IntegrityError(
                    f"referenced file {source} changed since the artifact was logged "
                    f"(now sha256 {actual[:12]}…, {fingerprint.size} bytes; logged {(sha256 or '?')[:12]}…, {size} bytes)"
                )
        elif scheme == "s3":
            _fetch_s3(
                uri,
                temporary,
                size=size,
                etag=etag,
                version=version,
                settings=S3Settings.resolve(s3),
            )
        else:
            raise ArtifactError(f"cannot fetch {uri!r}: heron tracks file:// and s3:// references")
        os.replace(temporary, destination)
    finally:
        temporary.unlink(missing_ok=True)


def _fetch_s3(
    uri: str,
    temporary: Path,
    *,
    size: int,
    etag: str | None,
    version: str | None,
    settings: S3Settings,
) -> None:
    from botocore.exceptions import ClientError

    bucket, key = split_s3_uri(uri)
    client = s3_client(settings)
    arguments: dict[str, Any] = {"Bucket": bucket, "Key": key}
    if version:
        arguments["VersionId"] = version
    try:
        response = client.get_object(**arguments)
    except ClientError as error:
        if _status(error) == 404:
            raise NotFoundError(f"referenced object {uri} is gone") from None
        raise ArtifactError(f"cannot read {uri}: {error}") from None
    found_etag = _etag(response.get("ETag"))
    if etag is not None and found_etag != etag:
        response["Body"].close()
        raise IntegrityError(
            f"referenced object {uri} changed since the artifact was logged (ETag {found_etag}, logged {etag})"
        )
    written = 0
    with open(temporary, "wb") as target:
        for chunk in response["Body"].iter_chunks(_COPY_CHUNK):
            target.write(chunk)
            written += len(chunk)
    if written != size:
        raise IntegrityError(
            f"referenced object {uri} has {written} bytes; the artifact logged {size}"
        )
