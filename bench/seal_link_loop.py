"""Drive the app's WSGI callable with N requests to one QR link, in this process: what
``bench/webcheck.sh`` runs under callgrind (``INSTRUCTIONS=1``) to count the instructions a
``/V/`` request costs — a figure the machine's load and a VM's noisy CPU do not move, where
requests per second moved by ±20 % between back-to-back runs of the same code.

    python bench/seal_link_loop.py /V/<seal> N     (environment as bench/webcheck.sh sets it)
"""

from __future__ import annotations

import io
import sys

from legalize.web import create_app


def main() -> int:
    path, count = sys.argv[1], int(sys.argv[2])
    app = create_app()
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8000",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    statuses: list[str] = []

    def one() -> None:
        request = dict(environ, **{"wsgi.input": io.BytesIO(b"")})
        body = b"".join(app(request, lambda status, headers, exc=None: statuses.append(status)))
        if not statuses[-1].startswith("200") or b'data-verdict="VALID"' not in body:
            raise SystemExit(f"the link did not answer VALID: {statuses[-1]}")

    for _ in range(50):  # warm: the seal reading cached, the statements prepared
        one()
    for _ in range(count):
        one()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
