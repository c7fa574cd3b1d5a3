/**
 * A tiny element builder, so components read as markup.
 *
 * @example
 * h('li', { class: 'step', dataset: { step: 2 } }, 'Step 2')
 *
 * @param {string} tag
 * @param {Record<string, any>} [attrs] attributes; `dataset` and `on*` functions are special
 * @param {...(Node|string|number|null|undefined|false)} children
 * @returns {HTMLElement}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'dataset') Object.assign(el.dataset, value);
    else if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  el.append(...children.filter((c) => c !== null && c !== undefined && c !== false).map(asNode));
  return el;
}

/** @param {Node|string|number} child */
function asNode(child) {
  return child instanceof Node ? child : document.createTextNode(String(child));
}

