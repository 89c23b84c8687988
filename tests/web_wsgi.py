"""WSGI entry point of the gunicorn tests: the production factory's app built from the
environment, with the issuer of the tests (the real one once legalize.documents has it,
else the unsigned test double) — gunicorn ``--pythonpath tests web_wsgi:app``."""

from __future__ import annotations

from web_app import make_issuer

from legalize.config import Config
from legalize.web import create_app

config = Config.from_env()
app = create_app(config, services={"issuer": make_issuer(config)})
