#!/usr/bin/env bash
# Drift check: regenerates both SDKs' event types from core/schemas into a
# temporary directory and fails when they differ from the committed files.
# Also checks that the SDK versions follow the hub's (Cargo.toml).
# Needs `npm ci` in sdk/typescript (for json-schema-to-typescript).
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0

(cd typescript && node scripts/generate.mjs "$tmp/events.ts")
python3 python/scripts/generate.py "$tmp/events.py"
for pair in "typescript/src/events.ts:$tmp/events.ts" "python/src/switchboard_webhooks/events.py:$tmp/events.py"; do
  committed=${pair%%:*} fresh=${pair#*:}
  if ! diff -u "$committed" "$fresh"; then
    echo "sdk/$committed is out of date with core/schemas: regenerate it (npm run generate / python3 scripts/generate.py)" >&2
    status=1
  fi
done

hub=$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' ../Cargo.toml)
ts=$(node -p 'require("./typescript/package.json").version')
py=$(sed -n 's/^version = "\(.*\)"/\1/p' python/pyproject.toml)
pyinit=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' python/src/switchboard_webhooks/__init__.py)
for v in "$ts" "$py" "$pyinit"; do
  if [ "$v" != "$hub" ]; then
    echo "SDK version $v differs from the hub's $hub (Cargo.toml): update package.json, pyproject.toml and __init__.py" >&2
    status=1
  fi
done
[ "$status" = 0 ] && echo "sdk: generated types and versions are up to date"
exit $status
