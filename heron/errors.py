"""The one exception tree of heron.

Every error heron raises on purpose derives from :class:`HeronError`, so callers can catch
heron's failures without catching bugs. The server maps each class to one JSON error shape
(``{"error": {"type": ..., "message": ...}}``) and an HTTP status.

::

    HeronError
    ├── UsageError            wrong call: bad argument, bad state (log after finish, ...)
    │   ├── ConfigError       a config value that cannot be stored (names the key)
    │   ├── TableError        a row or column that breaks a table's types (names row and column)
    │   ├── MediaError        an image that cannot be read or has an impossible shape
    │   └── ArtifactError     bad artifact name, conflicting download, changed file, ...
    ├── NotFoundError         unknown project, run, table, step, artifact, alias or version
    ├── QueryError            a filter/expression that does not parse or type-check (.field, .position)
    │   └── QueryLimitError   a query stopped or refused at a resource limit (has .limit)
    ├── StoreError            the store cannot be used as asked
    │   ├── NotAStoreError    the directory holds something that is not a heron store
    │   └── SchemaTooNewError the store was written by a newer heron
    ├── IntegrityError        stored bytes do not match their hash
    ├── AuthenticationError   a team server got no key, or a wrong, revoked or expired one
    ├── PermissionDeniedError the signed-in user's role in a project does not allow the request
    └── ImportSourceError     a run directory to import is missing, truncated or corrupt (names the file)
"""

from __future__ import annotations


class HeronError(Exception):
    """Base class of every error heron raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(HeronError):
    """The caller asked for something heron cannot do in this state or with these arguments."""


class ConfigError(UsageError):
    """A config value cannot be stored; the message names the key."""


class TableError(UsageError):
    """A row or column breaks a table's shape or types; the message names row and column."""


class MediaError(UsageError):
    """An image (or other medium) cannot be read, or has an impossible shape or type."""


class ArtifactError(UsageError):
    """An artifact operation cannot be done: bad name, conflicting files, changed content."""


class RunExistsError(UsageError):
    """A run with this id already exists (another process created it first)."""


class NotFoundError(HeronError):
    """A project, run, table, step, artifact, alias or version does not exist."""


class QueryError(HeronError):
    """An expression or query is invalid, and where.

    ``field`` is the part of the query document at fault, as a path into the document
    (``filter``, ``columns[2].expr``, ``sort[0].column``, ``group.by``); ``position`` is the
    character offset of the mistake in that part's expression text. Either is None when unknown
    (a query stopped at a limit blames no part).
    """

    def __init__(
        self, message: str, position: int | None = None, *, field: str | None = None
    ) -> None:
        super().__init__(message)
        self.position = position
        self.field = field

    def within(self, field: str) -> QueryError:
        """This error, blaming ``field`` unless a more precise part is already named; the
        query layer calls it as it reads or compiles each part of a query."""
        if self.field is None:
            self.field = field
        return self


class QueryLimitError(QueryError):
    """A query was stopped or refused at a resource limit: ``limit`` names which one.

    ``limit`` is ``"time"``, ``"memory"``, ``"join"``, ``"size"`` or ``"busy"``; the message says
    what was hit and which setting raises it.
    """

    def __init__(self, message: str, limit: str) -> None:
        super().__init__(message)
        self.limit = limit

    def within(self, field: str) -> QueryError:
        """Only a part too large to run (``limit == "size"``) is to blame; time, memory, a
        join's size and a busy server are nobody's part."""
        return super().within(field) if self.limit == "size" else self


class StoreError(HeronError):
    """The store cannot be opened or used as asked."""


class NotAStoreError(StoreError):
    """The directory exists and holds files, but it is not a heron store."""


class SchemaTooNewError(StoreError):
    """The store was written by a newer version of heron than this one."""


class IntegrityError(HeronError):
    """Stored bytes do not match the hash they are stored under."""


class AuthenticationError(HeronError):
    """A team server could not tell who is asking: no key, or a wrong, revoked or expired one."""


class PermissionDeniedError(HeronError):
    """The signed-in user may see the project but their role does not allow this request;
    the message names the project, the role held and the role needed."""


class ImportSourceError(HeronError):
    """A run directory given to ``heron import`` cannot be read; the message names the file."""


__all__ = [
    "ArtifactError",
    "AuthenticationError",
    "ConfigError",
    "HeronError",
    "ImportSourceError",
    "IntegrityError",
    "MediaError",
    "NotAStoreError",
    "NotFoundError",
    "PermissionDeniedError",
    "QueryError",
    "QueryLimitError",
    "RunExistsError",
    "SchemaTooNewError",
    "StoreError",
    "TableError",
    "UsageError",
]
