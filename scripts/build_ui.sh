#!/usr/bin/env bash
# Build the web UI into heron/server/_static (which the wheel ships). Installs the npm packages
# pinned in ui/package-lock.json first. Skips both steps when nothing changed since the last run.
# Usage: scripts/build_ui.sh [--force]
set -euo pipefail
cd "$(dirname "$0")/../ui"
out=../heron/server/_static/index.html
force=${1:-}

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "ui: installing npm packages (npm ci)" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi

if [ "$force" != "--force" ] && [ -f "$out" ] && \
   [ -z "$(find src index.html package-lock.json vite.config.ts tsconfig.json -newer "$out" -print -quit)" ]; then
  echo "ui: build is up to date" >&2
  exit 0
fi

echo "ui: building into heron/server/_static" >&2
npx tsc --noEmit -p .
# Build beside the served directory and swap it in, so a running `heron ui` never serves a
# half-written bundle.
next=.build-next
rm -rf "$next"
npx vite build --logLevel warn --outDir "$next" --emptyOutDir
rm -rf ../heron/server/_static
mv "$next" ../heron/server/_static
touch "$out"
