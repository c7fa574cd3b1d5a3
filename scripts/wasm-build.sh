#!/usr/bin/env bash
# Builds one wasm crate for the browser (wasm-pack, --target web, release, wasm-opt with the
# passes its Cargo.toml names, then scripts/minify-names.mjs) and prints on stdout how it was
# built. scripts/build.sh uses it for pkg/, scripts/bench.sh for the size floor (bench/floor),
# so both are built exactly alike.
#
#   bash scripts/wasm-build.sh <crate-dir> <out-dir>     (both relative to the caller's directory)
#
# The release build rebuilds the standard library with panics that abort at once
# (`-Cpanic=immediate-abort`, `-Zbuild-std`): a panic in wasm32 ends the instance either way,
# but std's default panic path keeps the message-formatting machinery (core::fmt, Location,
# payload boxing) in the module, about 3.7 KB of the gzipped wasm; `-Zlocation-detail=none`
# then drops the file paths and line numbers that only a panic message would print (0.4 KB).
# Those flags are unstable, so they are enabled with RUSTC_BOOTSTRAP=1 on the stable toolchain,
# for this one build and its own target directory; they need the rust-src component
# (scripts/setup.sh adds it). If that build fails (a toolchain that changed the flags), the
# plain release build runs instead and says so: the module is the same, only larger.
set -euo pipefail
crate="$(CDPATH='' cd -- "$1" && pwd)"
out="$(mkdir -p -- "$2" && CDPATH='' cd -- "$2" && pwd)"
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"

build() { wasm-pack build --target web --release --out-name spellwire --out-dir "$out" "$crate" "$@" >&2; }
# The flags as cargo's encoded list (0x1f between flags), so a $HOME with spaces stays one flag;
# a caller's own RUSTFLAGS are kept after them. The target dir is absolute: wasm-pack runs cargo
# in the crate's own directory, and every crate built here shares the one rebuilt std.
sep=$'\x1f'
flags="-Zunstable-options${sep}-Cpanic=immediate-abort${sep}-Zlocation-detail=none${sep}--remap-path-prefix=$HOME=~"
for flag in ${RUSTFLAGS:-}; do flags+="$sep$flag"; done
if RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR="$PWD/target/immediate-abort" CARGO_ENCODED_RUSTFLAGS="$flags" \
   build -- -Zbuild-std=std,panic_abort; then
  kind="release, std rebuilt with immediate-abort panics"
else
  echo "[build] WARNING: the immediate-abort build failed; building the plain release (a larger wasm)" >&2
  build
  kind="plain release (the immediate-abort build failed)"
fi
# Short names for the imports and exports the glue and the module share (see the script).
node scripts/minify-names.mjs "$out" >&2
echo "$kind, wasm-opt (Cargo.toml's passes), import/export names minified"
