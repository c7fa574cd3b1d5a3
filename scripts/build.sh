#!/usr/bin/env bash
# Builds the npm package into pkg/ (release, wasm-opt -Oz) and prints its size:
# wasm + JS glue, each minified the way peers are measured, gzipped -9.
# How the wasm is built (std rebuilt with immediate-abort panics, short names): scripts/wasm-build.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"

kind="$(bash scripts/wasm-build.sh . pkg)"
# How pkg/ was built, for the benchmark report (kept out of pkg/, which is the npm package).
mkdir -p target
echo "$kind" | tee target/pkg-build.txt >&2
node scripts/size.mjs
