# The two commands of the README: `make run` and `make test`. Both work on a fresh machine:
# they install the system packages (when run as root with apt-get) and the venv.
VENV ?= .venv
PY := $(VENV)/bin/python
# tesseract-ocr-eng/-sin/-tam: the models verifier/image/ocr.py loads (the tesserocr wheel bundles the
# library; without a wheel for the platform pip builds it against libtesseract-dev libleptonica-dev pkg-config)
SYSTEM_PACKAGES := softhsm2 openssl poppler-utils qpdf fonts-noto-core fonts-ocr-b libzbar0 tesseract-ocr tesseract-ocr-eng tesseract-ocr-sin tesseract-ocr-tam libnss3-tools chromium chromium-driver
PYTEST_ARGS ?=

.PHONY: run test lint sysdeps venv bench clean

run: venv
	$(VENV)/bin/legalize dev run

test: venv
	$(VENV)/bin/pytest -n 2 -q $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check legalize verifier tests bench
	$(VENV)/bin/ruff format --check legalize verifier tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

sysdeps:
	@bash scripts/sysdeps.sh $(SYSTEM_PACKAGES)

venv: sysdeps $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[dev]'
	touch $@

bench: venv
	$(PY) bench/seal.py
	$(PY) bench/portrait.py
	$(PY) bench/render.py
	$(PY) bench/fields.py

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache
