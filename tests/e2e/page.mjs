/**
 * Browser and page helpers for the demo tests: one headless Chromium, a fresh context per test,
 * bounded waits, screenshots, and readers for what a person sees.
 */
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from '../chaos/lib.mjs';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const artifacts = path.join(root, 'tests/artifacts');

/** Headless Chromium from Debian (never a downloaded browser). */
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
}

/**
 * Opens the demo in a fresh context (own sessionStorage) and waits until the page ran.
 * @param {import('playwright-core').Browser} browser
 * @param {string} base server URL
 * @param {Record<string, string|number>} [params] page options (?user=, ?token=, ...)
 */
export async function openDemo(browser, base, params = {}) {
  const context = await browser.newContext({ viewport: { width: 1200, height: 820 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const query = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]));
  await page.goto(`${base}/?${query}`, { timeout: 10_000 });
  await until(async () => errors.length > 0 || await page.evaluate(() => 'spellwireDemo' in window), 10_000, 'the page to start');
  if (errors.length) throw new Error(`page error: ${errors.join('; ')}`);
  return page;
}

/**
 * Polls `check` until it returns something truthy; throws after `ms` naming `what`.
 * @template T
 * @param {() => T|Promise<T>} check
 * @param {number} ms
 * @param {string} what
 * @returns {Promise<T>}
 */
export async function until(check, ms, what) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    last = await check();
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** @param {number} ms */
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The badge text a person reads. @param {import('playwright-core').Page} page */
export const badge = (page) => page.locator('#status').innerText();

/**
 * Records every text the badge shows from now on (it may pass through a state quickly).
 * @param {import('playwright-core').Page} page
 * @returns {Promise<() => Promise<string[]>>} reads the texts seen so far
 */
export async function watchBadge(page) {
  await page.evaluate(() => {
    const el = document.getElementById('status');
    const seen = (window.__badgeSeen = [el.innerText]);
    new MutationObserver(() => seen.push(el.innerText)).observe(el, { subtree: true, childList: true, characterData: true });
  });
  return () => page.evaluate(() => window.__badgeSeen.slice());
}

/**
 * Saves tests/artifacts/NAME.png (and `also`, when given, relative to the repo root).
 * @param {import('playwright-core').Page} page @param {string} name @param {string} [also]
 */
export async function screenshot(page, name, also) {
  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
  if (also) await page.screenshot({ path: path.join(root, also) });
}

/** POSTs JSON to the server. @param {string} base @param {string} p @param {any} body */
export async function post(base, p, body) {
  const res = await fetch(base + p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`POST ${p}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

/** GETs JSON from the server. @param {string} base @param {string} p */
export async function get(base, p) {
  const res = await fetch(base + p);
  if (!res.ok) throw new Error(`GET ${p}: HTTP ${res.status}`);
  return res.json();
}

/** A user name no other run uses. @param {string} prefix */
export const uniqueUser = (prefix) => `${prefix}-${process.pid}-${Date.now().toString(36)}`;

/** Throws with `message` unless `ok`. @param {any} ok @param {string} message */
export function check(ok, message) {
  if (!ok) throw new Error(message);
}
