#!/usr/bin/env bash
# Build step of the camera check (/scan): install the npm packages exactly as package-lock.json
# pins them (`npm ci`), then copy the files the page serves from our own origin into
# legalize/web/static/vendor/ (not committed): the barcode-detector polyfill as one IIFE script
# and the zxing-wasm reader it loads (the page points the polyfill's locateFile at our copy,
# so nothing is fetched from a CDN). Without npm the page still uses a browser's own
# BarcodeDetector and the paste box; the browser tests skip (fail in CI).
set -euo pipefail
cd "$(dirname "$0")/.."
out=legalize/web/static/vendor
if ! command -v npm >/dev/null; then
  echo "warning: npm not installed: /scan gets no QR decoder polyfill" >&2
  exit 0
fi
npm ci --no-audit --no-fund --silent
mkdir -p "$out"
cp node_modules/barcode-detector/dist/iife/ponyfill.js "$out/barcode-detector.js"
cp node_modules/zxing-wasm/dist/reader/zxing_reader.wasm "$out/zxing_reader.wasm"
cp node_modules/barcode-detector/LICENSE "$out/barcode-detector.LICENSE"
cp node_modules/zxing-wasm/LICENSE "$out/zxing-wasm.LICENSE"
touch "$out/.built"
