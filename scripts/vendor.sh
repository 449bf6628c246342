#!/usr/bin/env bash
# Copy the pinned front-end libraries of package.json from the npm registry into
# static/vendor/, with their licences. Run it after changing a version; the
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

version() { node -e "console.log(require('./package.json').dependencies['$1'])"; }

v=$(version htmx.org)
fetch htmx.org "$v"
mkdir -p static/vendor/htmx
cp "$work/htmx.org/package/dist/htmx.min.js" static/vendor/htmx/htmx.min.js
cp "$work/htmx.org/package/LICENSE" static/vendor/htmx/LICENSE
echo "htmx.org@$v" > static/vendor/htmx/VERSION

echo "vendored: htmx.org@$v"
