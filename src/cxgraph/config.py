"""Settings of the server and the CLI, read from arguments and ``CXGRAPH_*`` variables.

This is the only module that reads the environment. ``Settings`` is a frozen, typed value
built once and passed to ``create_app``; routes get it as a dependency
(:data:`cxgraph.api.state.SettingsDep`). Nothing is read at import time. Modes are the
core's enums (:mod:`cxgraph.profiles`); a string given for one is converted, or refused
with an InputError naming the setting.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from cxgraph.errors import InputError
from cxgraph.profiles import ReasoningProfile, WriteValidation
from cxgraph.store import Credentials, RemoteLocation, is_store_url


@dataclass(frozen=True)
class Settings:
    """Everything a cxgraph server needs to know; defaults are safe for loopback use."""

    data: tuple[Path, ...] = ()
    store_path: Path | RemoteLocation | None = None
    """The store: a directory (persistent embedded store), a remote SPARQL 1.1 store, or
    None (in memory)."""
    profile: ReasoningProfile = ReasoningProfile.RULES
    host: str = "127.0.0.1"
    port: int = 8000
    write_token: str | None = None
    query_timeout: float = 30.0
    max_workers: int = field(default_factory=lambda: os.cpu_count() or 2)
    queue_size: int = 16
    row_limit: int = 10_000
    max_response_bytes: int = 64 * 1024 * 1024
    worker_memory_limit: int = 2 * 1024**3
    """Address space a query worker may add to what it had when forked, in bytes
    (0: no cap); a query needing more gets 503 resource_limit."""
    write_validation: WriteValidation = WriteValidation.OFF
    """What a write that breaks the SHACL shapes gets: "refuse" (409, store unchanged),
    "report" (accepted, the report in the response) or "off"."""
    max_query_bytes: int = 64 * 1024
    max_update_bytes: int = 32 * 1024
    max_upload_bytes: int = 50 * 1024 * 1024
    shutdown_grace: float = 10.0
    """Seconds a stopping server (SIGTERM, SIGINT) lets requests in flight finish."""
    max_export_quads: int = 1_000_000
    """Quads (or triples) a Graph Store GET sends at most; a larger graph gets 413."""
    attach: bool = False
    """Serve a remote store another cxgraph process writes (its writing instance): no
    loading or reasoning at start, writes refused (see docs/deployment.md)."""
    graphiql: bool = True
    introspection: bool = True
    base_url: str | None = None

    def __post_init__(self) -> None:
        """Modes given as their names become the core's enums (InputError otherwise)."""
        try:
            profile = ReasoningProfile(self.profile)
        except ValueError:
            names = ", ".join(p.value for p in ReasoningProfile)
            raise InputError(f"profile={self.profile!r} is not one of {names}") from None
        object.__setattr__(self, "profile", profile)
        object.__setattr__(self, "write_validation", WriteValidation.parse(self.write_validation))
        if isinstance(self.store_path, str):  # a directory or a store URL, as --store takes
            object.__setattr__(self, "store_path", store_location(self.store_path, env={}))
        if self.attach and not isinstance(self.store_path, RemoteLocation):
            raise InputError("attach serves a remote store: give its URL with --store")
        if self.attach and self.data:
            raise InputError("attach loads nothing: leave out --data")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Defaults, then ``CXGRAPH_<FIELD>`` variables (the store: ``CXGRAPH_STORE``, as
        for every command, or ``CXGRAPH_STORE_PATH``, with a remote store's credentials
        and timeout from the same ``env``), then explicit overrides."""
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(f"CXGRAPH_{f.name.upper()}")
            if f.name == "store_path":
                raw = env.get("CXGRAPH_STORE") or raw
            if raw is not None:
                values[f.name] = _convert(f.name, raw, env)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return replace(cls(), **values)  # type: ignore[arg-type]


def _convert(name: str, raw: str, env: Mapping[str, str]) -> object:
    kind = type(getattr(Settings(), name))
    try:
        if name == "data":
            return tuple(Path(p) for p in raw.split(os.pathsep) if p)
        if name == "store_path":
            return store_location(raw, env=env)
        if name in ("profile", "write_validation"):
            return raw
        if name in ("write_token", "base_url"):
            return raw or None
        if kind is bool:
            return raw.lower() in ("1", "true", "yes", "on")
        if kind is int:
            return int(raw)
        if kind is float:
            return float(raw)
    except ValueError:
        raise InputError(f"CXGRAPH_{name.upper()}={raw!r} is not a valid {name}") from None
    return raw


def store_location(
    store: str | None, auth_file: Path | None = None, env: Mapping[str, str] | None = None
) -> Path | RemoteLocation | None:
    """What ``--store`` names (default: ``CXGRAPH_STORE``): a store directory, or the URL
    of a remote SPARQL 1.1 store. A remote store's credentials come from ``auth_file``
    (default: ``CXGRAPH_STORE_AUTH_FILE``), else from ``CXGRAPH_STORE_USER`` and
    ``CXGRAPH_STORE_PASSWORD`` or ``CXGRAPH_STORE_TOKEN``; ``CXGRAPH_STORE_TIMEOUT`` is
    the seconds one request may take (default 300)."""
    env = os.environ if env is None else env
    store = store or env.get("CXGRAPH_STORE") or None
    if store is None:
        return None
    if not is_store_url(store):
        return Path(store)
    named_file = env.get("CXGRAPH_STORE_AUTH_FILE")
    auth_file = auth_file or (Path(named_file) if named_file else None)
    if auth_file is not None:
        credentials = Credentials.from_file(auth_file)
    else:
        credentials = Credentials.from_mapping(
            {k: env.get(f"CXGRAPH_STORE_{k.upper()}", "") for k in ("user", "password", "token")}
        )
    raw = env.get("CXGRAPH_STORE_TIMEOUT", "300")
    try:
        timeout = float(raw)
    except ValueError:
        raise InputError(f"CXGRAPH_STORE_TIMEOUT={raw!r} is not a number of seconds") from None
    return RemoteLocation.parse(store, credentials, timeout)
