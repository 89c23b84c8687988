"""WSGI entry point of the gunicorn tests: the production factory's app built from the
environment, with the issuer of the tests (the real one when the keys folder exists, else the
unsigned test double) — gunicorn ``--pythonpath <repository> tests.helpers.web_wsgi:app``."""

from __future__ import annotations

from legalize.config import Config
from legalize.web import create_app
from tests.helpers.web_app import make_issuer

config = Config.from_env()
app = create_app(config, services={"issuer": make_issuer(config)})
