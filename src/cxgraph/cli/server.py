"""``cxgraph serve``: the HTTP API and dashboard over the model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cxgraph import __version__
from cxgraph.cli.shared import (
    DataOption,
    ProfileOption,
    StoreOption,
    app,
    err,
    fail,
    session,
    store_location_of,
)
from cxgraph.errors import CxGraphError
from cxgraph.pipeline import build_knowledge_graph
from cxgraph.profiles import ReasoningProfile


@app.command()
def serve(
    data: DataOption = None,
    store: StoreOption = None,
    host: Annotated[str, typer.Option("--host", help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", "-p")] = 8000,
    profile: ProfileOption = ReasoningProfile.RULES,
    token_file: Annotated[
        Path | None,
        typer.Option(
            "--token-file",
            help="File holding the write token (or set "
            "CXGRAPH_WRITE_TOKEN). Without a token, writes are off.",
        ),
    ] = None,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="Public base URL entity IRIs resolve under.")
    ] = None,
    production: Annotated[
        bool, typer.Option("--production", help="No GraphiQL and no GraphQL introspection.")
    ] = False,
    attach: Annotated[
        bool,
        typer.Option(
            "--attach",
            help="Serve a remote --store that another cxgraph instance writes: no loading or "
            "reasoning at start, writes refused (a read replica behind a proxy).",
        ),
    ] = False,
) -> None:
    """Serve SPARQL 1.1, GraphQL, linked data and the dashboard over HTTP."""
    from cxgraph.api.app import serve as run_server
    from cxgraph.config import Settings

    try:
        token = token_file.read_text().strip() if token_file else None
        overrides: dict[str, object] = {
            "data": tuple(data) if data else None,
            "store_path": store_location_of(store),
            "host": host,
            "port": port,
            "profile": profile,
            "write_token": token,
            "base_url": base_url,
            "attach": attach or None,
        }
        if production:
            overrides.update(graphiql=False, introspection=False)
        settings = Settings.from_env(None, **overrides)
        for path in settings.data:
            if not path.is_file():
                raise CxGraphError(f"{path}: no such file")
        if session.strict:  # check the model before serving it (warnings: exit 2)
            build_knowledge_graph(list(settings.data) or None, profile=profile, strict=True)
    except (CxGraphError, OSError) as error:
        raise fail(CxGraphError(str(error))) from None
    err.print(f"cxgraph {__version__} serving on http://{host}:{port}/", highlight=False)
    run_server(settings)
