// The interface's words. The server renders the page in one language and puts that language's
// strings table into it (<script id="dialboard-strings">, from app/server/strings/*.json); every
// word a view shows comes from here by key, so no view hard-codes one. Values may hold <b> and
// <i>; `{name}` placeholders are filled from params. Node tests call setStrings with a table.

import { fmtCount } from "./format.js";

let table = null;

/** Feed the table (tests); the page reads its own on first use. */
export function setStrings(strings) { table = strings; }

function strings() {
  if (!table && typeof document !== "undefined") {
    const el = document.getElementById("dialboard-strings");
    table = el ? JSON.parse(el.textContent) : {};
  }
  return table || {};
}

/** The page's language code ("en", "de", or "pseudo"), as the server rendered it. */
export function lang() {
  return (typeof document !== "undefined" && document.documentElement.dataset.lang) || "en";
}

/** The string for `key` with `{name}` placeholders filled from params. A missing key is an
 * error (browser tests fail on console errors) and shows the key itself. */
export function t(key, params = {}) {
  const s = strings()[key];
  if (s === undefined) {
    console.error(`no string "${key}" in the strings table`);
    return key;
  }
  return s.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

/** A server refusal in the page's language: `body.words` ({key, params}, where a parameter
 * may itself be words) said by key; without words, its English `detail` or `message`; else "".
 * The one reader of a refusal's words (REST bodies, websocket errors, frame metadata). */
export function said(body) {
  const words = body?.words;
  if (words && typeof words.key === "string") return say(words);
  if (typeof body?.detail === "string") return body.detail;
  return typeof body?.message === "string" ? body.message : "";
}

function say({ key, params = {} }) {
  const filled = {};
  for (const [name, v] of Object.entries(params)) filled[name] = v && typeof v === "object" ? say(v) : v;
  return t(key, filled);
}

/** Plurals: `key.one` when n is 1, else `key.other`; both get {n}, a number written as the
 * page writes counts (fmtCount). English and German need no more. */
export function tn(key, n, params = {}) {
  return t(`${key}.${n === 1 ? "one" : "other"}`, { n: typeof n === "number" ? fmtCount(n) : n, ...params });
}
