"""References: file:// and s3:// (a real SeaweedFS) objects are tracked, not copied."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

import heron
from heron.errors import ArtifactError, IntegrityError, NotFoundError


def _blob_count(store_dir: Path) -> int:
    from sqlalchemy import func, select

    from heron.store import schema
    from heron.store.store import Store

    store = Store.open(store_dir, create=False)
    try:
        with store.engine.connect() as connection:
            return int(
                connection.execute(select(func.count()).select_from(schema.blobs)).scalar_one()
            )
    finally:
        store.close()


def test_file_references_are_hashed_not_copied(store_dir: Path, tmp_path: Path) -> None:
    shared = tmp_path / "nfs" / "dataset"
    (shared / "a").mkdir(parents=True)
    (shared / "a" / "1.txt").write_text("one")
    (shared / "2.txt").write_text("two")
    with heron.init(project="p") as run:
        art = heron.Artifact("shared", type="dataset")
        entries = art.add_reference(shared.as_uri(), name="data")
        single = art.add_reference((shared / "2.txt").as_uri())
        assert [e.path for e in entries] == ["data/2.txt", "data/a/1.txt"]
        assert single[0].path == "2.txt"
        run.log_artifact(art)
    assert _blob_count(store_dir) == 0  # nothing was copied into the store
    logged = heron.Api().artifact("shared:v0")
    entry = logged.manifest["data/a/1.txt"]
    assert entry.kind == "reference" and entry.ref_uri == (shared / "a" / "1.txt").as_uri()
    assert entry.sha256 is not None and entry.size == 3
    root = logged.download(tmp_path / "out")
    assert (root / "data/a/1.txt").read_text() == "one" and logged.verify(root).ok

    (shared / "a" / "1.txt").write_text("ONE")
    with pytest.raises(IntegrityError, match="changed since the artifact was logged"):
        logged.download(tmp_path / "again")
    with heron.init(project="p") as run:
        changed = heron.Artifact("shared", type="dataset")
        changed.add_reference(shared.as_uri(), name="data")
        changed.add_reference((shared / "2.txt").as_uri())
        run.log_artifact(changed)
    assert changed.version == "v1" and changed.digest != logged.digest
    with pytest.raises(NotFoundError, match="names nothing"):
        heron.Artifact("x", type="t").add_reference((tmp_path / "missing").as_uri())
    with pytest.raises(ArtifactError, match="file:// and s3://"):
        heron.Artifact("x", type="t").add_reference("ftp://host/file")
    with pytest.raises(ArtifactError, match="max_objects"):
        heron.Artifact("x", type="t").add_reference(shared.as_uri(), max_objects=1)


@pytest.fixture
def s3(s3_settings: dict[str, str]) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=s3_settings["endpoint"],
        aws_access_key_id=s3_settings["key"],
        aws_secret_access_key=s3_settings["secret"],
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}),
    )


def test_s3_references_on_a_real_bucket(
    store_dir: Path,
    tmp_path: Path,
    s3: Any,
    s3_settings: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bucket = s3_settings["bucket"]
    prefix = f"refs-{uuid.uuid4().hex[:8]}"
    objects = {
        f"{prefix}/train/a.txt": b"alpha",
        f"{prefix}/train/b.txt": b"beta",
        f"{prefix}/val/c.txt": b"gamma",
    }
    for key, body in objects.items():
        s3.put_object(Bucket=bucket, Key=key, Body=body)
    settings = {
        "endpoint": s3_settings["endpoint"],
        "key": s3_settings["key"],
        "secret": s3_settings["secret"],
    }

    with heron.init(project="p") as run:
        art = heron.Artifact("remote", type="dataset", settings={"s3": settings})
        entries = art.add_reference(f"s3://{bucket}/{prefix}/")
        art.add_reference(f"s3://{bucket}/{prefix}/val/c.txt", name="single/c.txt")
        run.log_artifact(art)
    assert [e.path for e in entries] == ["train/a.txt", "train/b.txt", "val/c.txt"]
    assert (
        all(e.ref_etag for e in entries)
        and entries[0].ref_uri == f"s3://{bucket}/{prefix}/train/a.txt"
    )
    assert _blob_count(store_dir) == 0

    # Read back elsewhere: settings come from the environment.
    monkeypatch.setenv("HERON_S3_ENDPOINT", settings["endpoint"])
    monkeypatch.setenv("HERON_S3_KEY", settings["key"])
    monkeypatch.setenv("HERON_S3_SECRET", settings["secret"])
    logged = heron.Api().artifact("remote:latest")
    assert logged.manifest["train/b.txt"].size == 4
    root = logged.download(tmp_path / "out")
    assert (root / "train/a.txt").read_bytes() == b"alpha"
    assert (root / "single/c.txt").read_bytes() == b"gamma"
    assert logged.verify(root).ok
    (root / "train/a.txt").write_bytes(b"ALPHA")
    assert logged.verify(root).changed == ["train/a.txt"]  # checked against the ETag (an md5)
    logged.download(root, overwrite=True)
    assert (root / "train/a.txt").read_bytes() == b"alpha"

    s3.put_object(Bucket=bucket, Key=f"{prefix}/train/a.txt", Body=b"changed upstream")
    with pytest.raises(IntegrityError, match="changed since the artifact was logged"):
        logged.download(tmp_path / "again")
    with heron.init(project="p") as run:
        again = heron.Artifact("remote", type="dataset")
        again.add_reference(f"s3://{bucket}/{prefix}/")
        again.add_reference(f"s3://{bucket}/{prefix}/val/c.txt", name="single/c.txt")
        run.log_artifact(again)
    assert again.version == "v1"
    s3.delete_object(Bucket=bucket, Key=f"{prefix}/val/c.txt")
    with pytest.raises(NotFoundError, match="is gone"):
        heron.Api().artifact("remote:v1").get_path("val/c.txt", root=tmp_path / "gone")
    with pytest.raises(NotFoundError, match="names nothing"):
        heron.Artifact("x", type="t").add_reference(f"s3://{bucket}/{prefix}-nothing-here/")
