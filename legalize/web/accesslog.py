"""Access logs without personal data: no query string (staff searches hold names) and no
seal (``<check-URL path>/<seal>`` — what a phone opens from the QR — holds the holder's name,
birth date, NIC and check code). A logged request reads ``GET /V/… HTTP/1.1``.

Two users: the development server (werkzeug's request log, :class:`AccessLogRedaction`)
and gunicorn (``--logger-class legalize.web.accesslog.GunicornLogger``: every atom of the
access-log format is redacted, the request line, the path, the query, the referer and the
environment alike).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from gunicorn import glogging

from legalize.config import Config, ConfigError
from legalize.web.seal_link import prefix_of

_QUERY = re.compile(r"\?[^ \"]*")


class PathRedactor:
    """Replaces the query string and the seal of any URL path in a text."""

    def __init__(self, check_url: str) -> None:
        prefix = prefix_of(check_url)
        variants = "|".join(re.escape(v) for v in sorted({prefix, prefix.lower()}))
        # At the site root the seal is the whole path: only a long single segment is one.
        segment = r"[^ /?\"]+" if prefix else r"[A-Za-z0-9]{20,}"
        start = r"(?:(?<=[ \"])|^)"  # a path alone, or in a request line
        self._seal = re.compile(rf"{start}({variants})/{segment}(?=[ ?\"]|$)")
        # in a full URL (the Referer of a page opened from the QR)
        self._host_seal = re.compile(rf"(://[^/ \"]*)({variants})/{segment}(?=[ ?\"]|$)")

    def __call__(self, text: str) -> str:
        text = _QUERY.sub("?…", text)
        text = self._host_seal.sub(r"\1\2/…", text)
        return self._seal.sub(r"\1/…", text)


class AccessLogRedaction(logging.Filter):
    """For werkzeug's request log (``legalize dev run``)."""

    def __init__(self, check_url: str) -> None:
        super().__init__()
        self.redact = PathRedactor(check_url)

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(self.redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.msg, str) and not record.args:
            record.msg = self.redact(record.msg)
        return True


class GunicornLogger(glogging.Logger):  # type: ignore[misc]
    """gunicorn's logger with every access-log atom redacted; the seal prefix comes from
    ``LEGALIZE_CHECK_URL`` as the app reads it."""

    def __init__(self, cfg: Any) -> None:
        super().__init__(cfg)
        try:
            check_url = Config.from_env().check_url
        except ConfigError:  # the app refuses to start with the same message
            check_url = Config.check_url
        self.redact = PathRedactor(check_url)

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        for key in ("q", "{query_string}e"):  # the query alone, without its "?"
            if atoms.get(key):
                atoms[key] = "…"
        return {k: self.redact(v) if isinstance(v, str) else v for k, v in atoms.items()}
