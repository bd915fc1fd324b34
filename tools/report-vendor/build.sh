#!/bin/sh
# Rebuild src/vaultgraph/report/vendor/graph.min.js (make vendor): the graph renderer the
# HTML report inlines -- sigma (WebGL), graphology and ForceAtlas2 (in a web worker) --
# as one minified script, its licence notices at the top, versions pinned in
# package.json / package-lock.json.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../../src/vaultgraph/report/vendor"
cd "$here"
npm ci --no-audit --no-fund --silent
mkdir -p "$out"
node_modules/.bin/esbuild entry.js --bundle --minify --format=iife --target=es2019 \
  --legal-comments=none --log-level=warning --outfile="$here/graph.tmp.js"
{
  echo "/*! vaultgraph report vendor bundle (tools/report-vendor, make vendor). Licences:"
  for package in sigma graphology graphology-layout-forceatlas2 graphology-utils events; do
    version=$(node -p "require('./node_modules/$package/package.json').version")
    echo
    echo "== $package $version =="
    cat node_modules/$package/LICENSE* | sed 's#\*/#* /#g'
  done
  echo "*/"
  cat "$here/graph.tmp.js"
} > "$out/graph.min.js"
rm "$here/graph.tmp.js"
{
  echo "Licences of the bundled graph renderer (graph.min.js carries them too)."
  for package in sigma graphology graphology-layout-forceatlas2 graphology-utils events; do
    version=$(node -p "require('./node_modules/$package/package.json').version")
    echo
    echo "== $package $version =="
    cat node_modules/$package/LICENSE*
  done
} > "$out/LICENSES.txt"
echo "wrote $out/graph.min.js ($(wc -c < "$out/graph.min.js") bytes)"
