#!/usr/bin/env bash
# Copy the pinned front-end libraries of package.json from the npm registry into
# static/vendor/ (dependencies, served) and tests/e2e/vendor/ (devDependencies,
# test tools), with their licences. Run it after changing a version; the
# result is committed so that running the platform needs no build step.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fetch() {  # fetch NAME VERSION -> $work/NAME/package
  local name=$1 version=$2
  mkdir -p "$work/$name"
  (cd "$work/$name" && npm pack --silent "$name@$version" >/dev/null && tar xzf ./*.tgz)
}

version() { node -e "const p = require('./package.json'); console.log({...p.dependencies, ...p.devDependencies}['$1'])"; }

v=$(version htmx.org)
fetch htmx.org "$v"
mkdir -p static/vendor/htmx
cp "$work/htmx.org/package/dist/htmx.min.js" static/vendor/htmx/htmx.min.js
cp "$work/htmx.org/package/LICENSE" static/vendor/htmx/LICENSE
echo "htmx.org@$v" > static/vendor/htmx/VERSION

echo "vendored: htmx.org@$v"

# Test tools: into tests/e2e/vendor/, never into the served static files.
v=$(version axe-core)
fetch axe-core "$v"
mkdir -p tests/e2e/vendor/axe-core
cp "$work/axe-core/package/axe.min.js" tests/e2e/vendor/axe-core/axe.min.js
cp "$work/axe-core/package/LICENSE" tests/e2e/vendor/axe-core/LICENSE
echo "axe-core@$v" > tests/e2e/vendor/axe-core/VERSION
echo "vendored: axe-core@$v"
