"""FakeRequest: lets a PTB Bot/Application talk to a FakeTelegram in-process, no network."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote, urlsplit

from telegram.error import TimedOut
from telegram.request import BaseRequest, RequestData

from bot.testing.fake_telegram import NOT_FOUND, FakeTelegram
from bot.testing.faults import FakeTimeout

_FILE_PATH_RE = re.compile(r"/file/bot(?P<token>[^/]+)/(?P<path>.+)$")
_METHOD_PATH_RE = re.compile(r"/bot(?P<token>[^/]+)/(?P<method>[^/]+)$")
UNAUTHORIZED: dict[str, Any] = {"ok": False, "error_code": 401, "description": "Unauthorized"}


def _json(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def _uploads(request_data: RequestData | None) -> dict[str, tuple[str, bytes, str]]:
    """The multipart parts PTB would upload: {part name: (file name, bytes, mime type)}."""
    if request_data is None or not request_data.contains_files:
        return {}
    uploads = {}
    for name, (file_name, content, mime_type) in request_data.multipart_data.items():
        # Since PTB 21.5 content may be an open file handle instead of bytes.
        data = content if isinstance(content, bytes) else content.read()
        uploads[name] = (file_name, data, mime_type)
    return uploads


class FakeRequest(BaseRequest):
    """A BaseRequest whose "server" is a FakeTelegram; use one per Bot request slot."""

    def __init__(self, telegram: FakeTelegram, *, read_timeout: float | None = 5.0) -> None:
        self.telegram = telegram
        self._read_timeout = read_timeout

    @property
    def read_timeout(self) -> float | None:
        """Default read timeout (only reported; the fake answers instantly)."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Nothing to set up: there is no connection pool."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Route a Bot API call or a file download to the fake; return (status, payload)."""
        path = urlsplit(url).path
        download = _FILE_PATH_RE.search(path)
        if download is not None:
            if unquote(download["token"]) != self.telegram.token:
                return 401, _json(UNAUTHORIZED)
            content = self.telegram.download(unquote(download["path"]))
            return (200, content) if content is not None else (404, _json(NOT_FOUND))

        match = _METHOD_PATH_RE.search(path)
        if match is None:
            return 404, _json(NOT_FOUND)
        if unquote(match["token"]) != self.telegram.token:
            return 401, _json(UNAUTHORIZED)
        api_method = match["method"]
        # json_parameters is what goes over the wire: nested objects as JSON text.
        params = dict(request_data.json_parameters) if request_data else {}
        try:
            if api_method.lower() == "getupdates":
                status, body = await self.telegram.get_updates(params)
            else:
                status, body = self.telegram.call(api_method, params, _uploads(request_data))
        except FakeTimeout as exc:
            raise TimedOut(f"Timed out (injected fault: {exc})") from exc
        return status, _json(body)
