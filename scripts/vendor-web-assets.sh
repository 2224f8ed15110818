#!/usr/bin/env bash
# Vendors the web app's third-party browser files from the npm registry.
#
# Each package is pinned to a version and to the integrity hash npm publishes
# for its tarball (`npm view <pkg>@<version> dist.integrity`); a tarball whose
# SHA-512 differs is refused. The files the app serves are copied, with the
# package's licence, into crates/web/assets/vendor/<package>/, where they are
# committed and embedded in the binary. Nothing here runs at build or run time:
# run it only to change a version, then commit what it wrote.
#
# Usage: scripts/vendor-web-assets.sh
set -euo pipefail

cd "$(dirname "$0")/.."
DEST=crates/web/assets/vendor
REGISTRY=https://registry.npmjs.org

# package version integrity files...
PACKAGES=(
  "wavesurfer.js 8.0.1 sha512-h0OnRWSVTqIYLSw3/IVrBtsun/xw9L5u4FA3bjfSDTFMX/xswVWS1JwK4fFu3ulmxRUSHg8zQORl6zENG983eg== dist/wavesurfer.esm.js dist/plugins/regions.esm.js dist/plugins/timeline.esm.js LICENSE"
  "htmx.org 2.0.11 sha512-Thx/WtpeOQqSrqBCw/A1cwGJGg4UrVa3+sW0GmrM3p4gJgO89ecH4qtbnyzDDWFvBTqjnIMCgELTNt636dtamA== dist/htmx.min.js LICENSE"
)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for entry in "${PACKAGES[@]}"; do
  read -r name version integrity rest <<<"$entry"
  read -r -a files <<<"$rest"
  tarball="$work/$name-$version.tgz"
  curl -sSf -o "$tarball" "$REGISTRY/$name/-/$name-$version.tgz"
  actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
  if [ "$actual" != "$integrity" ]; then
    echo "refusing $name@$version: integrity is $actual, expected $integrity" >&2
    exit 1
  fi
  rm -rf "${DEST:?}/$name" "$work/package"
  tar -xzf "$tarball" -C "$work"
  mkdir -p "$DEST/$name"
  for file in "${files[@]}"; do
    cp "$work/package/$file" "$DEST/$name/$(basename "$file")"
  done
  printf '%s %s %s\n' "$name" "$version" "$integrity" >"$DEST/$name/VERSION"
  echo "vendored $name@$version ($(ls "$DEST/$name" | tr '\n' ' '))"
done
