#!/usr/bin/env bash
# Install cxgraph with its dev extras and everything the tests need: Debian's Chromium
# for the browser tests, Debian's Graphviz (`dot`) for `cxgraph diagram` and the chain
# picture of the HTML gap report, and the front-end packages from npm (served locally).
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v dot >/dev/null 2>&1 || missing+=(graphviz)
# Virtuoso open source: a real remote SPARQL store for tests/test_remote.py (the Oxigraph
# server comes with the dev extra, from PyPI)
command -v virtuoso-t >/dev/null 2>&1 || missing+=(virtuoso-opensource)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    sudo apt-get update -qq && sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi
bash scripts/install-ui.sh
python -m pip install --quiet -e ".[dev]"
