#!/usr/bin/env bash
# Installs what building and testing spellwire needs, skipping what is already there.
# Every step uses a package registry (rustup, crates.io, npm, Debian): nothing downloads a
# binary from elsewhere. Safe to run again. Sourced by test.sh and demo.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Cargo-installed tools live here; make sure later steps (and the caller) see them.
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32 target"
  rustup target add wasm32-unknown-unknown
fi

# rust-src: the release build rebuilds std with immediate-abort panics (scripts/build.sh).
if ! rustup component list --installed | grep -q "^rust-src"; then
  say "adding the rust-src component"
  rustup component add rust-src
fi

# clippy: scripts/test.sh checks the wasm size rules of clippy.toml with it.
if ! rustup component list --installed | grep -q "^clippy"; then
  say "adding the clippy component"
  rustup component add clippy
fi

if ! command -v wasm-pack >/dev/null; then
  say "installing wasm-pack (a few minutes, once)"
  cargo install wasm-pack --locked
fi

# wasm-bindgen-cli must match the wasm-bindgen in Cargo.lock exactly.
want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  say "installing wasm-bindgen-cli $want (a few minutes, once)"
  # --locked can name a dependency version the registry mirror lacks; then resolve afresh.
  cargo install wasm-bindgen-cli --version "=$want" --locked \
    || cargo install wasm-bindgen-cli --version "=$want"
fi

if [ ! -x node_modules/.bin/wasm-opt ] || [ ! -d node_modules/playwright-core ] || [ ! -x node_modules/.bin/esbuild ] \
  || [ ! -x node_modules/.bin/tsc ] || [ ! -d node_modules/vite ] || [ ! -d node_modules/webpack-cli ] \
  || [ ! -d node_modules/react-dom ] || [ ! -d node_modules/@types/react ]; then
  say "installing npm dev tools (binaryen for wasm-opt, playwright-core, esbuild, typescript, vite, webpack, react)"
  npm ci --no-audit --no-fund
fi

need_apt=()
command -v chromium >/dev/null || need_apt+=(chromium)
command -v chromedriver >/dev/null || need_apt+=(chromium-driver)
if [ ${#need_apt[@]} -gt 0 ]; then
  say "installing ${need_apt[*]} from Debian"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
say "toolchain ready"
