#!/usr/bin/env bash
# Fetch the front-end libraries (YASGUI, GraphiQL, React, cytoscape) from npm and copy
# their built files into src/cxgraph/web/vendor, from where the app serves them locally.
set -euo pipefail
cd "$(dirname "$0")/../src/cxgraph/web"
npm ci --silent --no-audit --no-fund
mkdir -p vendor
cp node_modules/@zazuko/yasgui/build/yasgui.min.js node_modules/@zazuko/yasgui/build/yasgui.min.css vendor/
cp node_modules/graphiql/graphiql.min.js node_modules/graphiql/graphiql.min.css vendor/
cp node_modules/react/umd/react.production.min.js node_modules/react-dom/umd/react-dom.production.min.js vendor/
cp node_modules/cytoscape/dist/cytoscape.min.js vendor/
