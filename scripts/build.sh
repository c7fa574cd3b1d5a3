#!/usr/bin/env bash
# Builds the npm package into pkg/ (release, wasm-opt with Cargo.toml's passes) and prints its size:
# wasm + JS glue, each minified the way peers are measured, gzipped -9.
# How the wasm is built (std rebuilt with immediate-abort panics, short names): scripts/wasm-build.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"

# The tools scripts/setup.sh installs; without them wasm-pack would try to download binaryen.
missing=()
for tool in wasm-pack wasm-bindgen wasm-opt esbuild; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "build.sh: missing ${missing[*]}: run 'bash scripts/setup.sh' first (it installs them from crates.io and npm)" >&2
  exit 1
fi

kind="$(bash scripts/wasm-build.sh . pkg)"
# The npm package around the module: an entry that initialises itself, and 'spellwire/init'.
node scripts/package.mjs pkg
# How pkg/ was built, for the benchmark report (kept out of pkg/, which is the npm package).
mkdir -p target
echo "$kind" | tee target/pkg-build.txt >&2
node scripts/size.mjs
