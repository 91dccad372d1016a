#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 30) each, starting from the
# committed seeds (fixtures, example configs). Built in the dev profile:
# quicker to build, slower per input. Needs cargo-fuzz; on a stable
# toolchain RUSTC_BOOTSTRAP=1 lets it use the nightly-only sanitizer flags.
# A crash stops the run and leaves its input in fuzz/artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-30}"
export RUSTC_BOOTSTRAP=1
for target in ingest_parse config_load template_render; do
  mkdir -p "corpus/$target"
  echo "== $target (${secs}s)"
  cargo fuzz run --dev "$target" "corpus/$target" "seeds/$target" -- \
    -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 -print_final_stats=1
done
