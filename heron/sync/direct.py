"""Sending a large blob straight to the server's object store, part by part, resumably.

A blob of :data:`DIRECT_THRESHOLD` bytes or more (the pusher lowers this to one request's
size, and sends table parts this way too) is announced to the server by hash and size
(``POST /api/sync/direct/{sha256}``); a server keeping its blobs in an S3-compatible object
store answers with presigned URLs, one per part, and each part is PUT to its URL with
``http.client``: the bytes never pass through the server. The upload's id and the parts sent
are kept next to the store's sync state (``sync/<server>.direct.json``) as each part is
acknowledged, so a push cut off mid-blob resumes with the parts the object store does not
hold yet (the server lists them, with fresh URLs). The server then assembles the parts and
checks they hash to the blob's name before storing it.

A server whose blobs live in its own directory answers that direct upload is not available;
:meth:`DirectUploader.send` returns False and the pusher sends the blob through the server in
chunks instead.
"""

from __future__ import annotations

import http.client
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from heron.sync.http import TIMEOUT_SECONDS, ApiClient, ServerRefused, ServerUnavailable
from heron.sync.state import read_document, server_key, write_document

DIRECT_THRESHOLD = 32 * 1024 * 1024
"""Blobs of this many bytes or more go straight to the object store when the server allows."""


class DirectUploader:
    """Direct uploads from the store at ``root`` to the server ``client`` talks to.

    ``on_part(number, size)`` is called after the object store acknowledged each part (for
    progress display).
    """

    def __init__(
        self,
        root: Path,
        client: ApiClient,
        *,
        on_part: Callable[[int, int], object] | None = None,
    ) -> None:
        self.client = client
        self.path = root / "sync" / f"{server_key(client.url)}.direct.json"
        self.on_part = on_part
        self._available: bool | None = None  # None: not asked yet
        self._connection: http.client.HTTPConnection | None = None
        self._origin: tuple[str, str, int | None] | None = None

    # -- state -------------------------------------------------------------------------------

    def pending(self) -> dict[str, dict[str, Any]]:
        """Uploads begun and not completed: digest -> staging, upload id, size, parts sent."""
        return read_document(self.path)

    def _save(self, uploads: dict[str, dict[str, Any]]) -> None:
        write_document(self.path, uploads)

    # -- sending -----------------------------------------------------------------------------

    @property
    def available(self) -> bool | None:
        """Whether the server takes direct uploads (None until a first one was tried)."""
        return self._available

    def send(self, digest: str, source: Path | int, *, threshold: int = DIRECT_THRESHOLD) -> bool:
        """Upload the file ``source`` (a path or an open descriptor, left open; blob
        ``digest``) straight to the object store.

        True once the server holds the blob (including when it had it already); False when
        the file is under ``threshold`` bytes (or empty) or the server takes no direct uploads
        (send it through the server). Raises ServerUnavailable when the server or the object
        store cannot be reached (the parts sent so far stay sent) and ServerRefused when the
        server refuses the blob (422: its bytes do not hash to ``digest``).
        """
        if isinstance(source, Path):
            fd = os.open(source, os.O_RDONLY)
            try:
                return self.send(digest, fd, threshold=threshold)
            finally:
                os.close(fd)
        size = os.fstat(source).st_size
        if size < max(threshold, 1) or self._available is False:
            return False
        uploads = self.pending()
        upload = self._resume(digest, uploads.get(digest))
        if upload is None:
            status, body = self.client.request(
                "POST", f"/api/sync/direct/{digest}", json_body={"size": size}, accept=(404,)
            )
            if status == 404:
                self._available = False
                self._forget(uploads, digest)  # an upload begun before the server changed
                return False
            upload = json.loads(body)
            if not upload["present"]:
                uploads[digest] = {
                    "staging": upload["staging"],
                    "upload_id": upload["upload_id"],
                    "size": size,
                }
        self._available = True
        if upload["present"]:
            self._forget(uploads, digest)
            return True
        entry = uploads[digest]
        entry["done"] = sorted(int(part["number"]) for part in upload["done"])
        self._save(uploads)
        try:
            self._send_parts(source, upload, entry, uploads)
        finally:
            self.close()  # one connection per blob: nothing is left open between pushes
        query = _query(entry)
        try:
            self.client.request(
                "POST", f"/api/sync/direct/{digest}/complete?{query}", json_body={"size": size}
            )
        except ServerRefused:
            self._forget(uploads, digest)  # the server dropped what was uploaded: start over
            raise
        self._forget(uploads, digest)
        return True

    def _resume(self, digest: str, entry: dict[str, Any] | None) -> dict[str, Any] | None:
        """The server's view of an upload begun earlier, or None when it is gone."""
        if entry is None:
            return None
        status, body = self.client.request(
            "GET",
            f"/api/sync/direct/{digest}?{_query(entry)}&size={int(entry['size'])}",
            accept=(404,),
        )
        if status == 404:
            return None  # completed, abandoned or expired: announce it again
        answer: dict[str, Any] = json.loads(body)
        return answer

    def _send_parts(
        self,
        fd: int,
        upload: dict[str, Any],
        entry: dict[str, Any],
        uploads: dict[str, dict[str, Any]],
    ) -> None:
        step = int(upload["part_size"])
        done = set(entry["done"])
        for part in upload["parts"]:
            number = int(part["number"])
            if number in done:
                continue
            data = os.pread(fd, step, (number - 1) * step)
            self._put(str(part["url"]), data)
            done.add(number)
            entry["done"] = sorted(done)
            self._save(uploads)
            if self.on_part is not None:
                self.on_part(number, len(data))

    def _put(self, url: str, data: bytes) -> None:
        """PUT ``data`` to a presigned URL of the object store."""
        parts = urlsplit(url)
        origin = (parts.scheme, parts.hostname or "", parts.port)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        try:
            if self._connection is None or self._origin != origin:
                self.close()
                kind = (
                    http.client.HTTPSConnection
                    if parts.scheme == "https"
                    else http.client.HTTPConnection
                )
                self._connection = kind(origin[1], origin[2], timeout=TIMEOUT_SECONDS)
                self._origin = origin
            self._connection.request("PUT", target, body=data)
            response = self._connection.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException) as error:
            self.close()
            raise ServerUnavailable(
                f"the object store at {parts.hostname}:{parts.port} did not answer ({error})"
            ) from None
        if response.status == 200:
            return
        message = payload[:300].decode("utf-8", errors="replace")
        if response.status >= 500 or response.status in (408, 429):
            raise ServerUnavailable(f"the object store cannot take a part now: {message}")
        hint = ""
        if response.status == 403:
            # URLs are fresh at every push; a refused signature means another name for the host.
            hint = (
                " (if clients reach the object store by another address than the server, "
                "start the server with --s3-public-endpoint)"
            )
        raise ServerRefused(response.status, f"the object store refused a part: {message}{hint}")

    def _forget(self, uploads: dict[str, dict[str, Any]], digest: str) -> None:
        if uploads.pop(digest, None) is not None:
            self._save(uploads)

    def close(self) -> None:
        """Close the connection to the object store."""
        if self._connection is not None:
            self._connection.close()
        self._connection = None
        self._origin = None


def _query(entry: dict[str, Any]) -> str:
    return f"staging={entry['staging']}&upload_id={quote(str(entry['upload_id']), safe='')}"
