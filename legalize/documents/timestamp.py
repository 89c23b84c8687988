"""An RFC 3161 time-stamp client with a hard time limit, for PAdES document timestamps.

pyHanko's own HTTP clients work, but the default one opens an aiohttp session per request and
neither checks that the token answers *our* question. This one posts with the standard
library (no event-loop machinery, a socket timeout that bounds the whole exchange), and checks
status, nonce and message imprint before the token goes into a signed document: a TSA that
answers wrongly must lower the level of the document, not plant a token that fails validation.
"""

from __future__ import annotations

import urllib.error
import urllib.request

from asn1crypto import cms, tsp
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError, handle_tsp_response

DEFAULT_TIMEOUT = 3.0
"""Seconds for the whole request; an issuance must not hang on a slow TSA."""

MAX_RESPONSE_BYTES = 64 * 1024
"""A time-stamp response is a few kilobytes; anything far larger is not one."""


class TimestampError(Exception):
    """The TSA could not be reached or gave no usable token."""


class HttpTimeStamper(TimeStamper):
    """Requests RFC 3161 tokens by HTTP POST (``application/timestamp-query``)."""

    def __init__(self, url: str, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        super().__init__(include_nonce=True)  # type: ignore[no-untyped-call]
        if not url.startswith(("http://", "https://")):
            raise TimestampError("TSA URL must be http:// or https://")
        self.url = url
        self.timeout = timeout

    def _post(self, body: bytes) -> bytes:
        request = urllib.request.Request(  # noqa: S310 - scheme checked in __init__
            self.url,
            data=body,
            headers={
                "Content-Type": "application/timestamp-query",
                "Accept": "application/timestamp-reply",
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                if response.status != 200:
                    raise TimestampRequestError(f"TSA answered HTTP {response.status}")
                data: bytes = response.read(MAX_RESPONSE_BYTES + 1)
        except urllib.error.HTTPError as exc:
            exc.close()  # it holds the open response; left to the GC it warns (ResourceWarning)
            raise TimestampRequestError(f"TSA answered HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise TimestampRequestError(f"TSA unreachable ({type(exc).__name__})") from None
        if len(data) > MAX_RESPONSE_BYTES:
            raise TimestampRequestError("TSA response too large")
        return data

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        data = self._post(req.dump())
        try:
            response = tsp.TimeStampResp.load(data)
            response.native  # noqa: B018 - force a full parse now, not later inside pyHanko
        except Exception:
            raise TimestampRequestError("TSA response is not a TimeStampResp") from None
        return response

    async def async_timestamp(self, message_digest: bytes, md_algorithm: str) -> cms.ContentInfo:
        nonce, req = self.request_cms(message_digest, md_algorithm)  # type: ignore[no-untyped-call]
        response = await self.async_request_tsa_response(req)
        token: cms.ContentInfo = handle_tsp_response(response, nonce)
        try:
            imprint = token["content"]["encap_content_info"]["content"].parsed["message_imprint"]
            algorithm = imprint["hash_algorithm"]["algorithm"].native
            hashed = imprint["hashed_message"].native
        except Exception:
            raise TimestampRequestError("time-stamp token is malformed") from None
        if algorithm != md_algorithm or hashed != message_digest:
            raise TimestampRequestError("time-stamp token answers a different digest")
        return token
