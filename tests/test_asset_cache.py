"""Gradio's scripts and styles are brotli-compressed once and then served from memory."""

from __future__ import annotations

import asyncio
import re

import brotli
import httpx

from asset_cache import AssetCache

BODY = b"console.log('a Gradio bundle');\n" * 200


class Files:
    """A stand-in for Gradio: serves /assets/app.js, counts the requests that reach it."""

    def __init__(self):
        self.calls = 0

    async def __call__(self, scope, receive, send):
        self.calls += 1
        found = scope["path"] == "/assets/app.js"
        body = BODY if found else b"not found"
        headers = [(b"content-type", b"text/javascript"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200 if found else 404, "headers": headers})
        half = len(body) // 2  # in two chunks, as a file response streams
        await send({"type": "http.response.body", "body": body[:half], "more_body": True})
        await send({"type": "http.response.body", "body": body[half:]})


def get(app, path: str, **headers) -> tuple[int, dict, bytes]:
    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
    }
    sent = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request"}

    asyncio.run(app(scope, receive, send))
    start = sent[0]
    return (
        start["status"],
        {k.decode(): v.decode() for k, v in start["headers"]},
        b"".join(m.get("body", b"") for m in sent[1:]),
    )


def test_compressed_once_then_from_memory():
    files = Files()
    app = AssetCache(files)
    for _ in range(3):
        status, headers, body = get(app, "/assets/app.js", **{"accept-encoding": "gzip, deflate, br"})
        assert status == 200 and headers["content-encoding"] == "br" and "Accept-Encoding" in headers["vary"]
        assert brotli.decompress(body) == BODY and int(headers["content-length"]) == len(body) < len(BODY)
    assert files.calls == 1


def test_what_is_not_cached_passes_through():
    files = Files()
    app = AssetCache(files)
    assert get(app, "/assets/app.js", **{"accept-encoding": "gzip"})[2] == BODY  # no brotli: Gradio decides
    assert get(app, "/assets/app.js", **{"accept-encoding": "br", "range": "bytes=0-9"})[0] == 200
    assert get(app, "/assets/missing.js", **{"accept-encoding": "br"})[0] == 404
    assert get(app, "/assets/missing.js", **{"accept-encoding": "br"})[0] == 404  # errors are never cached
    assert get(app, "/config", **{"accept-encoding": "br"})[0] == 404
    assert files.calls == 5 and app.cache == {}


def test_the_app_serves_its_assets_through_the_cache(server_url):
    html = httpx.get(server_url).text
    script = re.search(r'(/assets/[^"\']+\.js)', html).group(1)
    plain = httpx.get(server_url.rstrip("/") + script, headers={"Accept-Encoding": "identity"})
    for _ in range(2):
        br = httpx.get(server_url.rstrip("/") + script, headers={"Accept-Encoding": "gzip, deflate, br"})
        assert br.status_code == 200 and br.headers["content-encoding"] == "br"
        assert br.content == plain.content and len(plain.content) > 1000  # httpx decodes brotli
