// Where the bytes of a wasm module go: each function's body size in the code section, named from
// the module's `name` section, largest first, and the totals grouped by crate and module path.
// pkg/'s own wasm has no names (scripts/build.sh strips them), so this reads a module built the
// same way with names kept (see BENCHMARKS.md's size section, or `--help`).
//
//   node bench/wasm-sizes.mjs <module.wasm> [--top 40] [--depth 2]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

/** A cursor over the module's bytes, reading LEB128 numbers and names. */
function reader(bytes, pos = 0) {
  const r = {
    pos,
    u32() {
      let result = 0; let shift = 0; let b;
      do { b = bytes[r.pos++]; result += (b & 0x7f) * 2 ** shift; shift += 7; } while (b & 0x80);
      return result;
    },
    name() { const n = r.u32(); const s = bytes.subarray(r.pos, r.pos + n).toString('utf8'); r.pos += n; return s; },
  };
  return r;
}

/** { sections: [{ id, name, size }], bodies: [size per defined function], imported, names: Map } */
export function parseModule(bytes) {
  const r = reader(bytes, 8);
  const sections = [];
  const bodies = [];
  const names = new Map();
  let imported = 0;
  while (r.pos < bytes.length) {
    const id = bytes[r.pos++];
    const size = r.u32();
    const start = r.pos;
    const end = start + size;
    let name = ['custom', 'type', 'import', 'function', 'table', 'memory', 'global', 'export', 'start', 'element', 'code', 'data', 'datacount'][id];
    if (id === 0) {
      name = `custom:${r.name()}`;
      if (name === 'custom:name') {
        while (r.pos < end) {
          const sub = bytes[r.pos++];
          const subEnd = r.u32() + r.pos;
          if (sub === 1) {
            const count = r.u32();
            for (let i = 0; i < count; i++) { const idx = r.u32(); names.set(idx, r.name()); }
          }
          r.pos = subEnd;
        }
      }
    } else if (id === 2) {
      const count = r.u32();
      for (let i = 0; i < count; i++) {
        r.name(); r.name();
        const kind = bytes[r.pos++];
        if (kind === 0) { imported++; r.u32(); } else if (kind === 1) { r.pos++; const f = r.u32(); r.u32(); if (f & 1) r.u32(); } else if (kind === 2) { const f = r.u32(); r.u32(); if (f & 1) r.u32(); } else if (kind === 3) { r.pos += 2; } else { r.pos++; }
      }
    } else if (id === 10) {
      const count = r.u32();
      for (let i = 0; i < count; i++) { const size = r.u32(); bodies.push(size); r.pos += size; }
    }
    sections.push({ id, name, size });
    r.pos = end;
  }
  return { sections, bodies, imported, names };
}

/** The crate and module path of a demangled Rust symbol, cut to `depth` segments. */
function group(symbol, depth) {
  const s = symbol.replace(/^<(?:&(?:mut )?)?/, '').replace(/::h[0-9a-f]{16}$/, '');
  const path = s.split(/[<> ]/)[0].split('::').filter(Boolean);
  return path.length > 1 ? path.slice(0, depth).join('::') : '(other: ' + (symbol.startsWith('__wbg') || symbol.startsWith('__wbindgen') ? 'wasm-bindgen' : 'unnamed') + ')';
}


/** [{ name, size }] of every defined function of the module in `bytes`, named from its name section. */
export function functionSizes(bytes) {
  const m = parseModule(bytes);
  return m.bodies.map((size, i) => ({ size, name: m.names.get(m.imported + i) ?? `func[${m.imported + i}]` }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values: opts, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: 'string', default: '40' }, depth: { type: 'string', default: '2' }, json: { type: 'boolean', default: false } },
  });
  if (positionals.length !== 1) {
    console.error('usage: node bench/wasm-sizes.mjs <module.wasm> [--top N] [--depth D] [--json]');
    process.exit(2);
  }
  const bytes = readFileSync(positionals[0]);
  const m = parseModule(bytes);
  const fns = functionSizes(bytes);
  const total = fns.reduce((a, f) => a + f.size, 0);
  const groups = new Map();
  for (const f of fns) { const g = group(f.name, Number(opts.depth)); groups.set(g, (groups.get(g) ?? 0) + f.size); }
  const byGroup = [...groups].sort((a, b) => b[1] - a[1]);
  const top = [...fns].sort((a, b) => b.size - a.size).slice(0, Number(opts.top));
  if (opts.json) {
    console.log(JSON.stringify({ sections: m.sections, codeBytes: total, functions: fns.length, groups: byGroup, top }, null, 2));
  } else {
    const pct = (n) => `${((100 * n) / total).toFixed(1)}%`.padStart(6);
    console.log(`${positionals[0]}: ${bytes.length} B; sections: ${m.sections.map((s) => `${s.name} ${s.size}`).join(', ')}`);
    console.log(`\ncode: ${total} B in ${fns.length} functions; by crate/module (depth ${opts.depth}):`);
    for (const [g, n] of byGroup.slice(0, 40)) console.log(`${String(n).padStart(7)} ${pct(n)}  ${g}`);
    console.log(`\nlargest ${top.length} functions:`);
    for (const f of top) console.log(`${String(f.size).padStart(7)} ${pct(f.size)}  ${f.name.slice(0, 160)}`);
  }
}
