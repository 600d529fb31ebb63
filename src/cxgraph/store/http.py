"""HTTP requests to a remote SPARQL store's endpoints (:mod:`cxgraph.store.remote`).

Every request is a POST with the store's credentials, TLS context and timeout. A 400
answer becomes a ``SyntaxError`` (the store did not accept the text), any other failure a
:class:`cxgraph.errors.StoreError` naming the store. Requests and the seconds spent
waiting are counted for measurements.
"""

from __future__ import annotations

import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence

from cxgraph.errors import StoreError
from cxgraph.store.location import RemoteLocation


class StoreHttp:
    """POSTs to the endpoints of one remote store."""

    def __init__(self, location: RemoteLocation) -> None:
        self.location = location
        self._tls = ssl.create_default_context()
        self.requests = 0
        self.waited = 0.0

    def post(
        self,
        url: str,
        data: bytes,
        content_type: str,
        accept: str | None = None,
    ) -> tuple[str, bytes]:
        """POST ``data``; the answer's media type and body."""
        request = urllib.request.Request(url, data=data, method="POST")
        request.add_header("Content-Type", content_type)
        if accept:
            request.add_header("Accept", accept)
        auth = self.location.credentials.header()
        if auth:
            request.add_header("Authorization", auth)
        self.requests += 1
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(
                request, timeout=self.location.timeout, context=self._tls
            ) as response:
                return response.headers.get_content_type(), response.read()
        except urllib.error.HTTPError as err:
            detail = err.read(2000).decode("utf-8", "replace").strip()
            err.close()
            if err.code == 400:
                raise SyntaxError(detail or "bad request") from None
            raise StoreError(f"{self.location}: HTTP {err.code} {err.reason}: {detail}") from None
        except (urllib.error.URLError, OSError) as err:
            reason = getattr(err, "reason", err)
            raise StoreError(f"{self.location}: cannot reach the store: {reason}") from None
        finally:
            self.waited += time.perf_counter() - started

    def form(
        self, url: str, fields: Sequence[tuple[str, str]], accept: str | None
    ) -> tuple[str, bytes]:
        """POST a form (not a direct application/sparql-query body: Virtuoso hangs on
        those); the answer's media type and body."""
        data = urllib.parse.urlencode(fields).encode()
        return self.post(url, data, "application/x-www-form-urlencoded", accept)


__all__ = ["StoreHttp"]
