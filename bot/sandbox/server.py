"""The sandbox's local Bot API server: Telegram's HTTP surface over a FakeTelegram.

Every rule (text length, callback data, HTML, flood limits, blocked users, faults) lives
in bot.testing.FakeTelegram; this module only speaks HTTP: it finds the token and method
in the path, reads form, JSON or multipart bodies, and writes Telegram's answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from aiohttp import BodyPartReader, web

from bot.sandbox import control, moving
from bot.sandbox.state import SANDBOX_KEY, Sandbox, json_response
from bot.testing import FakeTimeout
from bot.testing.fake_telegram import NOT_FOUND
from bot.testing.request import UNAUTHORIZED

_LOGGER = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent / "static"
# A timed-out call never gets an answer; the client gives up first (PTB after ~5 s).
# The cap only frees the handler of a client that never gives up.
HANG_AT_MOST = 120.0
_METHOD_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")


async def read_params(
    request: web.Request,
) -> tuple[dict[str, Any], dict[str, tuple[str, bytes, str]]]:
    """Parameters and uploads of a Bot API request: query string, form, JSON or multipart."""
    params: dict[str, Any] = dict(request.query)
    files: dict[str, tuple[str, bytes, str]] = {}
    if request.method != "POST" or not request.can_read_body:
        return params, files
    kind = request.content_type
    if kind == "application/json":
        body = await request.json()
        if not isinstance(body, dict):
            raise ValueError("the JSON body must be an object")
        params.update(body)
    elif kind == "multipart/form-data":
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, BodyPartReader) or part.name is None:
                continue
            if part.filename is not None:
                content = await part.read(decode=False)
                mime = part.headers.get("Content-Type", "application/octet-stream")
                files[part.name] = (part.filename, bytes(content), mime)
            else:
                params[part.name] = await part.text()
    else:
        params.update(await request.post())
    return params, files


async def bot_api(request: web.Request) -> web.StreamResponse:
    """POST/GET /bot<token>/<method>: one Bot API call, answered by the fake."""
    sandbox = request.app[SANDBOX_KEY]
    telegram = sandbox.telegram
    if unquote(request.match_info["token"]) != telegram.token:
        return json_response(UNAUTHORIZED, 401)
    method = request.match_info["method"]
    if not _METHOD_RE.match(method):
        return json_response(dict(NOT_FOUND), 404)
    try:
        params, files = await read_params(request)
    except ValueError:
        return json_response(
            {"ok": False, "error_code": 400, "description": "Bad Request: bad body"}, 400
        )
    try:
        if method.lower() == "getupdates":
            sandbox.first_poll.set()
            status, body = await telegram.get_updates(params)
        else:
            status, body = telegram.call(method, params, files)
            sandbox.changed()
    except FakeTimeout as timeout:
        # An injected timeout: hold the connection without an answer until the client
        # gives up (or the sandbox stops), as a lost packet would.
        if timeout.delivered:
            sandbox.changed()
        _LOGGER.info("injected fault: %s gets no answer", method)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(HANG_AT_MOST):
                await sandbox.closing.wait()
        raise web.HTTPServiceUnavailable() from None
    return json_response(body, status)


async def download(request: web.Request) -> web.StreamResponse:
    """GET /file/bot<token>/<path>: a file the bot asked getFile about."""
    telegram = request.app[SANDBOX_KEY].telegram
    if unquote(request.match_info["token"]) != telegram.token:
        return json_response(UNAUTHORIZED, 401)
    content = telegram.download(request.match_info["path"])
    if content is None:
        return json_response(dict(NOT_FOUND), 404)
    return web.Response(body=content, content_type="application/octet-stream")


async def page(request: web.Request) -> web.StreamResponse:
    """GET /: the chat page."""
    return web.FileResponse(STATIC / "index.html")


async def favicon(request: web.Request) -> web.StreamResponse:
    """GET /favicon.ico: browsers ask for it whatever the page says."""
    return web.FileResponse(STATIC / "favicon.svg", headers={"Content-Type": "image/svg+xml"})


async def _on_shutdown(app: web.Application) -> None:
    app[SANDBOX_KEY].closing.set()


def build_app(sandbox: Sandbox) -> web.Application:
    """The aiohttp application: Bot API, file downloads, control API and the chat page."""
    app = web.Application(client_max_size=60 * 1024 * 1024)  # Telegram accepts 50 MB uploads
    app[SANDBOX_KEY] = sandbox
    app.router.add_route("*", r"/bot{token}/{method}", bot_api)
    app.router.add_get(r"/file/bot{token}/{path:.+}", download)
    control.add_routes(app)
    moving.add_routes(app)
    app.router.add_get("/", page)
    app.router.add_get("/favicon.ico", favicon)
    app.router.add_static("/static/", STATIC)
    app.on_shutdown.append(_on_shutdown)
    return app


async def start_server(sandbox: Sandbox, port: int, host: str = "127.0.0.1") -> web.AppRunner:
    """Serve the sandbox on host:port; returns the runner to clean up."""
    runner = web.AppRunner(
        build_app(sandbox),
        access_log=None,  # every long poll would be a log line
        handler_cancellation=True,  # a client that hangs up ends its long poll at once
        shutdown_timeout=1.0,
    )
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except OSError:
        await runner.cleanup()
        raise
    return runner
