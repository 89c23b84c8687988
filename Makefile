# The two commands of the README: `make run` and `make test`. Both work on a fresh machine:
# they install the system packages (when run as root with apt-get) and the venv.
VENV ?= .venv
PY := $(VENV)/bin/python
# tesseract-ocr-eng/-sin/-tam: the models verifier/image/ocr.py loads (the tesserocr wheel bundles the
# library; without a wheel for the platform pip builds it against libtesseract-dev libleptonica-dev pkg-config)
# Node.js and npm (`make vendor` installs the QR decoder polyfill of /scan from package-lock.json; node runs its
# JS tests): sysdeps.sh installs Debian's nodejs + npm only where no `npm` is on the PATH, because Debian's npm
# conflicts with a Node.js from elsewhere (NodeSource's bundles its own npm: apt then refuses the whole list)
SYSTEM_PACKAGES := softhsm2 openssl poppler-utils qpdf fonts-noto-core fonts-ocr-b libzbar0 tesseract-ocr tesseract-ocr-eng tesseract-ocr-sin tesseract-ocr-tam libnss3-tools chromium chromium-driver
PYTEST_ARGS ?=

.PHONY: run test lint sysdeps venv vendor bench clean translations catalog

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

venv: sysdeps $(VENV)/.installed vendor

# The files /scan serves from our origin (barcode-detector + zxing-wasm), from the npm lockfile.
vendor: legalize/web/static/vendor/.built

legalize/web/static/vendor/.built: package.json package-lock.json scripts/vendor.sh
	bash scripts/vendor.sh

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[dev]'
	touch $@

# Page catalogs: extract the marked strings, merge them into si/ta, compile the .mo files
# (committed; see scripts/translations.sh).
translations: venv
	bash scripts/translations.sh $(VENV)

# The seal profile catalog's compiled form (legalize/data/seal_profiles.json, committed): the
# package reads it instead of the TOML, which costs a verifier's start-up (issue 9).
catalog: venv
	$(VENV)/bin/python -m legalize.seal.catalog

bench: venv
	$(PY) bench/seal.py
	$(PY) bench/portrait.py
	$(PY) bench/render.py
	$(PY) bench/fields.py
	VENV=$(VENV) bash bench/startup.sh

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache node_modules legalize/web/static/vendor
