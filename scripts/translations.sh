#!/usr/bin/env bash
# The page catalogs (legalize/translations/<lang>/LC_MESSAGES/messages.po) kept in step with
# the templates: extract every marked string, merge new ones into the Sinhala and Tamil
# catalogs (untranslated: they show in English until someone translates them), and compile the
# .mo files the app reads. The .mo files are committed, so a fresh clone runs without this step;
# tests/test_web_language.py fails when a .mo is older than its .po or a public string has no
# translation. Usage: scripts/translations.sh [VENV]  (make translations)
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${1:-.venv}"
pybabel="$venv/bin/pybabel"
dir=legalize/translations
"$pybabel" extract -F babel.cfg -k lazy_gettext -k P_ --no-location --sort-output \
  --project legalize --copyright-holder "legalize" -o "$dir/messages.pot" .
for lang in si ta; do
  if [ -f "$dir/$lang/LC_MESSAGES/messages.po" ]; then
    "$pybabel" update --no-fuzzy-matching --ignore-obsolete -i "$dir/messages.pot" -d "$dir" -l "$lang"
  else
    "$pybabel" init -i "$dir/messages.pot" -d "$dir" -l "$lang"
  fi
done
"$pybabel" compile --statistics -d "$dir"
