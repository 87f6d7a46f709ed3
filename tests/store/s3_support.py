"""Helpers for tests of S3-backed stores: a fresh prefix in the shared SeaweedFS, its objects,
and a private SeaweedFS (own ports and directory) that a test may stop and start again."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Prefixes handed out by use_s3 in the running test; removed after it (remove_test_objects).
_used: list[tuple[dict[str, str], str]] = []


def s3_client(settings: dict[str, str], endpoint: str | None = None) -> Any:
    """A boto3 client for the test S3 server."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=endpoint or settings["endpoint"],
        aws_access_key_id=settings["key"],
        aws_secret_access_key=settings["secret"],
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}),
    )


def use_s3(monkeypatch: pytest.MonkeyPatch, settings: dict[str, str]) -> str:
    """Credentials in the environment (as boto reads them) and a fresh ``s3://`` URL."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", settings["key"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", settings["secret"])
    for name in ("HERON_BLOBS_URL", "HERON_S3_ENDPOINT", "HERON_CACHE_MB", "HERON_S3_RETRIES"):
        monkeypatch.delenv(name, raising=False)
    url = f"s3://{settings['bucket']}/test-{uuid.uuid4().hex[:12]}"
    _used.append((settings, url))
    return url


@pytest.fixture(autouse=True)
def remove_test_objects() -> Iterator[None]:
    """Delete every object a test stored below its prefixes in the shared S3 server (import
    this fixture into a test module to use it)."""
    yield
    while _used:
        settings, url = _used.pop()
        bucket, _, prefix = url.removeprefix("s3://").partition("/")
        client = s3_client(settings)
        for page in client.get_paginator("list_objects_v2").paginate(
            Bucket=bucket, Prefix=f"{prefix}/"
        ):
            objects = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if objects:
                client.delete_objects(Bucket=bucket, Delete={"Objects": objects, "Quiet": True})


def keys(settings: dict[str, str], url: str, under: str = "") -> list[str]:
    """Every object key below ``url`` (and ``under`` in it)."""
    bucket, _, prefix = url.removeprefix("s3://").partition("/")
    client = s3_client(settings)
    found: list[str] = []
    for page in client.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=f"{prefix}/{under}"
    ):
        found.extend(item["Key"] for item in page.get("Contents", []))
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PrivateSeaweed:
    """A SeaweedFS of this test's own (own ports and data directory), stoppable at will."""

    def __init__(self, directory: Path, settings: dict[str, str]) -> None:
        self.directory = directory
        self.settings = settings
        self.ports = {name: _free_port() for name in ("master", "volume", "filer", "s3")}
        self.endpoint = f"http://127.0.0.1:{self.ports['s3']}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start it and wait until it stores and returns an object (its volume is up)."""
        weed = shutil.which("weed") or str(Path(sys.executable).parent / "weed")
        self.directory.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "AWS_ACCESS_KEY_ID": self.settings["key"],
            "AWS_SECRET_ACCESS_KEY": self.settings["secret"],
        }
        d = self.directory
        self.process = subprocess.Popen(
            [
                weed,
                f"-logdir={d}",
                "mini",
                f"-dir={d}",
                "-ip=127.0.0.1",
                "-ip.bind=127.0.0.1",
                f"-master.port={self.ports['master']}",
                f"-volume.port={self.ports['volume']}",
                f"-filer.port={self.ports['filer']}",
                f"-s3.port={self.ports['s3']}",
                "-webdav=false",
                "-admin.ui=false",
                "-s3.port.iceberg=0",
                "-s3.port.lance=0",
                "-master.telemetry=false",
                f"-bucket={self.settings['bucket']}",
                f"-s3.localSocket={d}/s3.sock",
                f"-filer.localSocket={d}/filer.sock",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = s3_client(self.settings, self.endpoint)
        deadline = time.monotonic() + 60
        while True:
            try:
                bucket = self.settings["bucket"]
                client.put_object(Bucket=bucket, Key="ready-probe", Body=b"ready")
                client.get_object(Bucket=bucket, Key="ready-probe")["Body"].read()
                return
            except Exception:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError("the private SeaweedFS did not start") from None
                time.sleep(0.1)  # polling for readiness, not a fixed wait

    def stop(self) -> None:
        """Stop it (SIGKILL: the store goes away at once, as a crashed server would)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)
        self.process = None
