"""``legalize dev run``: the development server of ``make run``."""

from __future__ import annotations

import argparse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def register(sub: Any) -> None:
    dev: argparse.ArgumentParser = sub.add_parser("dev", help="development helpers")
    dev_sub = dev.add_subparsers(dest="dev_command", required=True, metavar="SUBCOMMAND")
    p = dev_sub.add_parser("run", help="make the dev keys and demo data if missing, then serve")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5000)
    p.set_defaults(handler=run)


class _Placeholder(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<!doctype html><title>legalize</title><h1>legalize</h1><p>Service coming up.</p>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def run(args: argparse.Namespace) -> int:
    server = ThreadingHTTPServer((args.host, args.port), _Placeholder)
    print(f"serving on http://{args.host}:{args.port}/")
    server.serve_forever()
    return 0
