"""Gradio's scripts and styles, compressed once for every visitor instead of once per visitor.

A page open fetches about 110 files from /assets/ (3.8 MB on the wire). Gradio reads each
file and brotli-compresses it again for every visitor: about half of the server's CPU for
a page open (py-spy; benchmarks/page_open.py measures it). Their names carry a content
hash, so a path's content never changes while the server runs: this middleware keeps the
compressed bytes in memory (a few MB) after the first request.

It sits inside Gradio's own middlewares (app.launch passes it as a FastAPI middleware);
Gradio's Brotli middleware passes on a response that already has a Content-Encoding.
"""

from __future__ import annotations

import brotli
from starlette.datastructures import Headers, MutableHeaders

COMPRESSIBLE = (".js", ".mjs", ".css", ".json", ".svg", ".html", ".map", ".txt")


class AssetCache:
    """ASGI middleware: GET /assets/<file> for a browser that accepts brotli, from memory."""

    def __init__(self, app, quality: int = 5):
        self.app = app
        self.quality = quality  # compressed once, so a little denser than Gradio's 4
        self.cache: dict[str, tuple[int, list, bytes]] = {}  # path -> (status, headers, brotli body)

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "")
        if scope["type"] != "http" or scope["method"] != "GET" or not path.startswith("/assets/"):
            return await self.app(scope, receive, send)
        request = Headers(scope=scope)
        if "br" not in request.get("accept-encoding", "") or "range" in request or not path.endswith(COMPRESSIBLE):
            return await self.app(scope, receive, send)
        hit = self.cache.get(path)
        if hit is None:
            start, body = await self._fetch(scope, receive)
            if start["status"] != 200 or "content-encoding" in Headers(raw=start["headers"]):
                await send(start)  # not cached: errors, conditional answers, anything already encoded
                await send({"type": "http.response.body", "body": body})
                return
            compressed = brotli.compress(body, quality=self.quality)
            headers = MutableHeaders(raw=list(start["headers"]))
            headers["content-encoding"] = "br"
            headers["content-length"] = str(len(compressed))
            headers.add_vary_header("Accept-Encoding")
            hit = self.cache[path] = (200, headers.raw, compressed)
        status, headers, body = hit
        await send({"type": "http.response.start", "status": status, "headers": list(headers)})
        await send({"type": "http.response.body", "body": body})

    async def _fetch(self, scope, receive) -> tuple[dict, bytes]:
        """Gradio's own response for this request: its start message and whole body."""
        start: dict = {}
        chunks: list[bytes] = []

        async def capture(message):
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        return start, b"".join(chunks)
