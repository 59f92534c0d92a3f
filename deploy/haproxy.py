"""The HAProxy configuration of a lecture hall: N app processes behind one port.

Why HAProxy (Debian's `haproxy` package, 2.6 here) and not nginx: the open-source
build has what a hall needs built in, with no module to compile:
- sticky sessions by a cookie the balancer inserts (`cookie ... insert`): a Gradio
  session's state lives in one process, and a class behind one school NAT address
  would all hash to one process under client-IP stickiness;
- active health checks, so a dead process leaves the rotation in about a second
  (open-source nginx only notices failures on live requests);
- a shared cache (`process-vary` keyed by Accept-Encoding), so Gradio's scripts and
  styles are compressed once by a worker and then served from memory;
- event streams pass through unbuffered (HAProxy does not buffer responses).
"""

from __future__ import annotations

from dataclasses import dataclass

COOKIE = "lecture_hall"  # the balancer's cookie: which process holds this browser's session
# Gradio's files: the same bytes in every process (hashed names under /assets), so cacheable
STATIC_PATHS = ("/assets/", "/static/", "/svelte/")
HEALTH_PATH = "/robots.txt"  # the cheapest route Gradio serves: no page, no config, no queue
CACHE_MB = 64  # Gradio's scripts, styles and fonts, in every encoding a browser asks for: ~15 MB
CACHE_SECONDS = 3600


@dataclass(frozen=True)
class Hall:
    port: int  # where students connect
    workers: tuple[int, ...]  # the app processes' internal ports on 127.0.0.1
    host: str = "0.0.0.0"
    check_ms: int = 1000  # health check interval; a dead process (connection refused) is out after 2


def server_name(i: int) -> str:
    return f"w{i + 1}"


# The parts that do not depend on the hall: logging, timeouts and the cache of Gradio's files.
SHARED = f"""\
global
    maxconn 4096
    log stdout format raw local0 info

defaults
    mode http
    log global
    # one line per request: client, server, status, time to the first byte, bytes, cookie sent, request line
    log-format "%ci %s %ST %Tr %B %[capture.req.hdr(0)] %{{+Q}}r"
    option dontlognull
    timeout connect 5s
    timeout client 5m   # an event stream: a live training run sends a frame at least every few seconds
    timeout server 5m
    timeout http-request 30s
    timeout http-keep-alive 30s
    timeout queue 60s
    # a process busy with 50 page opens answers its health check late, not never: only a refused
    # connection (a dead process, at once) or 15 s of silence (a hung one) counts as a failure
    timeout check 15s

cache gradio_files
    total-max-size {CACHE_MB}
    max-object-size {4 * 1024 * 1024}
    max-age {CACHE_SECONDS}
    process-vary on
"""


def config(hall: Hall) -> str:
    """haproxy.cfg text for the hall; HAProxy logs each request to stdout."""
    static = " ".join(STATIC_PATHS)
    servers = "\n".join(
        f"    server {server_name(i)} 127.0.0.1:{port} cookie {server_name(i)} check inter {hall.check_ms} fall 2 rise 1"
        for i, port in enumerate(hall.workers)
    )
    return (
        SHARED
        + f"""
frontend hall
    bind {hall.host}:{hall.port}
    http-request capture req.cook({COOKIE}) len 8
    default_backend app

backend app
    balance leastconn
    # sticky by a cookie HAProxy inserts on the first answer; a dead process's students are sent elsewhere
    cookie {COOKIE} insert indirect nocache httponly attr "SameSite=Lax"
    option redispatch
    retries 2
    option httpchk GET {HEALTH_PATH}
    http-check expect status 200
    # Gradio compresses only paths with a file extension: the 1.7 MB page ("/") and /config would go out
    # as they are. HAProxy compresses them (its fast SLZ gzip); event streams (text/event-stream) pass as
    # they come. Two filters are declared explicitly; HAProxy wants the cache's first.
    filter cache gradio_files
    filter compression
    compression algo gzip
    compression type text/html application/json
    # Gradio's files: served from the cache once a worker has compressed them (it answers "max-age=0,
    # must-revalidate", which would keep them out of any cache; the names are content hashes)
    acl gradio_file path_beg {static}
    http-request set-var(txn.gradio_file) bool(1) if gradio_file
    http-request cache-use gradio_files if gradio_file
    http-response set-header Cache-Control "public, max-age={CACHE_SECONDS}" if {{ var(txn.gradio_file) -m bool }} {{ status 200 }}
    http-response cache-store gradio_files if {{ var(txn.gradio_file) -m bool }}
{servers}
"""
    )
