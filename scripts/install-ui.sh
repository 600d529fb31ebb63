#!/usr/bin/env bash
# Fetch the front-end libraries (YASGUI, GraphiQL, React, cytoscape, Swagger UI) from npm,
# exactly as src/cxgraph/web/package-lock.json pins them, and copy their built files into
# src/cxgraph/web/vendor, from where the app serves them locally (never from a CDN).
# The one place that knows the vendored files: the wheel build hook (hatch_build.py) runs
# this script too, so `pip install .` carries the same files.
set -euo pipefail
cd "$(dirname "$0")/../src/cxgraph/web"
# --ignore-scripts: no package's install script runs (swagger-ui-dist pulls a telemetry one).
SCARF_ANALYTICS=false npm ci --silent --no-audit --no-fund --ignore-scripts
mkdir -p vendor
cp node_modules/@zazuko/yasgui/build/yasgui.min.js node_modules/@zazuko/yasgui/build/yasgui.min.css vendor/
cp node_modules/graphiql/graphiql.min.js node_modules/graphiql/graphiql.min.css vendor/
cp node_modules/react/umd/react.production.min.js node_modules/react-dom/umd/react-dom.production.min.js vendor/
cp node_modules/cytoscape/dist/cytoscape.min.js vendor/
cp node_modules/swagger-ui-dist/swagger-ui-bundle.js node_modules/swagger-ui-dist/swagger-ui.css vendor/
