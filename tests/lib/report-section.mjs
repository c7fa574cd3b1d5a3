// Several test runs write their figures into one document (docs/RELIABILITY.md): each owns a
// section between `<!-- begin:NAME -->` and `<!-- end:NAME -->` and rewrites only that, so the
// chaos test, the limits run and the soak test never overwrite each other's figures.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/**
 * Replaces section `name` of `file` with `markdown` (appended when the file or the section
 * does not exist yet).
 * @example writeSection('docs/RELIABILITY.md', 'chaos', '## Chaos\n\n| figure | value |\n...');
 * @param {string} file @param {string} name @param {string} markdown
 */
export function writeSection(file, name, markdown) {
  const begin = `<!-- begin:${name} -->`;
  const end = `<!-- end:${name} -->`;
  const block = `${begin}\n${markdown.trim()}\n${end}`;
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Reliability\n';
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  const next = from >= 0 && to > from
    ? text.slice(0, from) + block + text.slice(to + end.length)
    : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, next);
}
