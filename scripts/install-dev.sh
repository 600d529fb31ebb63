#!/usr/bin/env bash
# Install cxgraph with its dev extras and everything the tests need: Debian's Chromium
# for the browser tests and the front-end packages from npm (served locally by the app).
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium >/dev/null
  else
    sudo apt-get update -qq && sudo apt-get install -y -qq --no-install-recommends chromium >/dev/null
  fi
fi
bash scripts/install-ui.sh
python -m pip install --quiet -e ".[dev]"
