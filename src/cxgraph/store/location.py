"""Where a remote SPARQL 1.1 store is and how to reach it: its endpoints (by convention
from the store URL, or given in its fragment), its dialect, credentials and timeout.

Credentials come from the environment or a file, read by :mod:`cxgraph.config` or given
by the caller; never from the command line or the URL.
"""

from __future__ import annotations

import base64
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from cxgraph.errors import InputError


class Dialect(Enum):
    """Which server, for what it does beyond SPARQL 1.1 (or differently)."""

    OXIGRAPH = "oxigraph"
    """Oxigraph server: ``/query``, ``/update``, ``/store`` (N-Quads POST), tracks empty
    graphs, ``union-default-graph`` parameter."""
    VIRTUOSO = "virtuoso"
    """Virtuoso: ``/sparql`` for queries and updates; the default graph is the union."""
    GENERIC = "generic"
    """Any SPARQL 1.1 store: one endpoint, ``INSERT DATA`` for loading, ``FROM`` for the
    union."""


@dataclass(frozen=True)
class Credentials:
    """Basic (user and password) or bearer (token) authentication; never printed."""

    user: str | None = None
    password: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)

    @classmethod
    def from_mapping(cls, values: Mapping[str, str]) -> Credentials:
        """From ``user``/``password``/``token`` keys (empty values count as missing)."""
        user, password, token = (values.get(k) or None for k in ("user", "password", "token"))
        if token and (user or password):
            raise InputError("store credentials: give a token or a user and password, not both")
        if (user is None) != (password is None):
            raise InputError("store credentials: a user needs a password and vice versa")
        return cls(user, password, token)

    @classmethod
    def from_file(cls, path: Path) -> Credentials:
        """From a file of ``user=``, ``password=`` and ``token=`` lines (``#`` comments)."""
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as err:
            raise InputError(
                f"cannot read the store credentials: {err.strerror}", file=path
            ) from None
        values: dict[str, str] = {}
        for line in text.splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            key, sep, value = line.partition("=")
            if not sep or key.strip() not in ("user", "password", "token"):
                raise InputError("expected user=, password= or token= lines", file=path)
            values[key.strip()] = value.strip()
        return cls.from_mapping(values)

    def header(self) -> str | None:
        """The ``Authorization`` header value, if any."""
        if self.token:
            return f"Bearer {self.token}"
        if self.user is not None and self.password is not None:
            pair = f"{self.user}:{self.password}".encode()
            return "Basic " + base64.b64encode(pair).decode("ascii")
        return None


@dataclass(frozen=True)
class RemoteLocation:
    """Where a remote store's endpoints are, and how to reach them."""

    url: str
    query: str
    update: str
    graph_store: str | None
    dialect: Dialect
    credentials: Credentials = Credentials()
    timeout: float = 300.0

    @classmethod
    def parse(
        cls, url: str, credentials: Credentials | None = None, timeout: float = 300.0
    ) -> RemoteLocation:
        """Endpoints by convention from a store URL, or given in its fragment.

        - ``http://host:7878`` (no path): Oxigraph server, ``/query``, ``/update``, ``/store``.
        - ``http://host:8890/sparql``: Virtuoso, ``/sparql`` for both (loading by
          ``INSERT DATA``).
        - any other path: a generic SPARQL 1.1 endpoint used for queries and updates.
        - a fragment overrides: ``URL#dialect=generic&query=/q&update=/u&store=/gsp``
          (relative references resolve against the URL; ``store=`` is an Oxigraph-style
          N-Quads endpoint, left out for ``INSERT DATA``)."""
        if not is_store_url(url):
            raise InputError(f"{url}: a store URL starts with http:// or https://")
        base, _, fragment = url.partition("#")
        parts = urllib.parse.urlsplit(base)
        if not parts.hostname:
            raise InputError(f"{url}: no host in the store URL")
        if parts.username or parts.password:
            raise InputError(
                "store credentials go in CXGRAPH_STORE_USER/CXGRAPH_STORE_PASSWORD, "
                "CXGRAPH_STORE_TOKEN or --store-auth-file, not in the URL"
            )
        given = dict(urllib.parse.parse_qsl(fragment))
        unknown = set(given) - {"dialect", "query", "update", "store"}
        if unknown:
            raise InputError(f"{url}: unknown store URL setting(s) {', '.join(sorted(unknown))}")
        path = parts.path.rstrip("/")
        root = base.rstrip("/")
        if "dialect" in given:
            try:
                dialect = Dialect(given["dialect"])
            except ValueError:
                names = ", ".join(d.value for d in Dialect)
                raise InputError(f"{url}: dialect must be one of {names}") from None
        elif not path:
            dialect = Dialect.OXIGRAPH
        elif path.endswith("/sparql"):
            dialect = Dialect.VIRTUOSO
        else:
            dialect = Dialect.GENERIC
        if dialect is Dialect.OXIGRAPH and not path:
            query, update, store = f"{root}/query", f"{root}/update", f"{root}/store"
        else:
            query, update, store = base, base, None
        query = urllib.parse.urljoin(base, given.get("query", query))
        update = urllib.parse.urljoin(base, given.get("update", update))
        store = urllib.parse.urljoin(base, given["store"]) if "store" in given else store
        return cls(base, query, update, store, dialect, credentials or Credentials(), timeout)

    def __str__(self) -> str:
        return self.url


def is_store_url(text: str) -> bool:
    """Whether a ``--store`` value names a remote store rather than a directory."""
    return text.startswith(("http://", "https://"))
