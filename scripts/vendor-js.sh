#!/usr/bin/env bash
# Re-fetch the JavaScript the HTML report inlines, from the npm registry, with `npm pack`.
# Writes templates/vendor/<file> and its LICENSE; templates/vendor/VENDORED.md names versions.
# Usage: scripts/vendor-js.sh            (needs npm and access to registry.npmjs.org)
set -euo pipefail
cd "$(dirname "$0")/.."
CHARTJS_VERSION="${CHARTJS_VERSION:-4.6.1}"
dest=templates/vendor
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

( cd "$work" && npm pack --silent "chart.js@${CHARTJS_VERSION}" >/dev/null )
tar -xzf "$work/chart.js-${CHARTJS_VERSION}.tgz" -C "$work"
license="$(node -e 'console.log(require(process.argv[1]).license)' "$work/package/package.json")"
if [ "$license" != "MIT" ]; then
  echo "chart.js ${CHARTJS_VERSION}: licence is ${license}, expected MIT" >&2
  exit 1
fi
# The UMD build is self-contained (it bundles @kurkle/color, also MIT) and already minified.
src="$work/package/dist/chart.umd.min.js"
[ -f "$src" ] || src="$work/package/dist/chart.umd.js"
cp "$src" "$dest/chart.umd.min.js"
cp "$work/package/LICENSE.md" "$dest/chart.js.LICENSE.md"
# The bundled colour helper's own licence, fetched the same way.
color_version="$(grep -o 'kurkle/color v[0-9.]*' "$dest/chart.umd.min.js" | head -1 | sed 's/.* v//')"
( cd "$work" && npm pack --silent "@kurkle/color@${color_version}" >/dev/null )
mkdir -p "$work/color" && tar -xzf "$work/kurkle-color-${color_version}.tgz" -C "$work/color"
cp "$work/color/package/LICENSE.md" "$dest/kurkle-color.LICENSE.md"
sha256sum "$dest/chart.umd.min.js"
echo "vendored chart.js ${CHARTJS_VERSION} into $dest"
