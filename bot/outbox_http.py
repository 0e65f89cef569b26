"""The outbox's own HTTP connection to the Bot API: aiohttp, a small pool, no rate limiter.

Why not the Application's HTTPXRequest: profiling the outbox at full speed showed 90% of its
CPU in httpx/httpcore's connection-pool bookkeeping (a scan of every pooled connection per
request and an import attempt per request while detecting the async library), capping the
raw rate near 430 sends a second. aiohttp (already a dependency, for the sandbox) does the
same work for a fraction of the CPU. Direct replies keep PTB's own request and
AIORateLimiter; the outbox paces itself (bot/outbox.py), so it talks through a plain
``telegram.Bot`` on this request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

if TYPE_CHECKING:
    import aiohttp


_JSON = {"Content-Type": "application/json"}


class AiohttpRequest(BaseRequest):
    """A BaseRequest over one aiohttp session with at most ``pool`` connections."""

    def __init__(self, *, pool: int = 32, read_timeout: float = 20.0) -> None:
        self._pool = pool
        self._read_timeout = read_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        """How long to wait for Telegram's answer."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the session (idempotent)."""
        if self._session is None or self._session.closed:
            # Imported here, with the session: half a second of a bot's start-up otherwise,
            # before it can poll (benchmarks/bench_outbox.py).
            import aiohttp

            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool),
                timeout=aiohttp.ClientTimeout(total=None, sock_read=self._read_timeout),
            )

    async def shutdown(self) -> None:
        """Close the session."""
        if self._session is not None:
            await self._session.close()
            self._session = None

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
        """One HTTP call; Telegram's status and body, or TimedOut / NetworkError."""
        await self.initialize()
        assert self._session is not None
        import aiohttp  # loaded by initialize: a lookup in sys.modules

        data: aiohttp.FormData | bytes | None = None
        headers = None
        if request_data is not None and request_data.contains_files:
            data = _form(request_data)  # a photo: multipart, as Telegram wants files
        elif request_data is not None:
            # A JSON body (the Bot API takes one): one json.dumps in C, where a form was
            # URL-encoded character by character in Python, a tenth of a send's CPU.
            data = request_data.json_payload
            headers = _JSON
        try:
            async with self._session.request(method, url, data=data, headers=headers) as response:
                return response.status, await response.read()
        except TimeoutError as error:
            raise TimedOut("timed out talking to the Bot API") from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp: {error!r}") from error


def _form(request_data: RequestData) -> aiohttp.FormData:
    import aiohttp

    form = aiohttp.FormData()
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in request_data.multipart_data.items():
        body = content if isinstance(content, bytes) else content.read()
        form.add_field(name, body, filename=filename, content_type=mimetype)
    return form
