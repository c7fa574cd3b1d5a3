#!/usr/bin/env bash
# Builds the npm package into pkg/ (release, wasm-opt -Oz) and prints its size:
# wasm + JS glue, each minified the way peers are measured, gzipped -9.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"

wasm-pack build --target web --release --out-name spellwire >&2
node scripts/size.mjs
