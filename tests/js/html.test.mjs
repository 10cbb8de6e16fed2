// A name a teacher typed (a CSV's class or column) reaches the page as text, never as markup:
// the shared escaping, and the functions that put class names into a view's HTML.
import { test } from "node:test";
import assert from "node:assert/strict";
import "./strings.mjs";
import { escapeHtml } from "../../static/js/lib/html.js";
import { dialLabel, neuronLabel } from "../../static/js/lib/names.js";
import { targetWords } from "../../static/js/views/nudges.js";

const HOSTILE = `<img src=x onerror="alert(1)">&'`;
const ESCAPED = "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;&#39;";

/** What a browser shows for this HTML: entities read back, and whether any tag survived. */
function shown(html) {
  const tags = html.match(/<(?!\/?(b|i|span|small)\b)[a-z][^>]*>/gi) || [];
  const text = html.replace(/<[^>]*>/g, "").replace(/&lt;/g, "<").replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&");
  return { tags, text };
}

test("escaping: every character that could open markup or leave an attribute", () => {
  assert.equal(escapeHtml(HOSTILE), ESCAPED);
  assert.equal(escapeHtml("cat & dog"), "cat &amp; dog");
  assert.equal(escapeHtml(3), "3");
  assert.equal(shown(escapeHtml(HOSTILE)).text, HOSTILE, "reads back as the same text");
});

test("a hostile class name in the nudges' words is text, not an element", () => {
  const html = targetWords([0, 1], ["cat", HOSTILE]);
  assert.ok(html.includes(ESCAPED), html);
  assert.deepEqual(shown(html).tags, []);
  assert.equal(shown(html).text, `class “${HOSTILE}”`);
});

test("neuron and dial labels stay plain text (canvas draws them), so HTML escapes them", () => {
  const sizes = [2, 3, 2], names = ["cat", HOSTILE];
  assert.equal(neuronLabel(2, 1, sizes, names), `out“${HOSTILE}”`);
  const label = dialLabel("layers.1.weight", [1, 0], sizes, names);
  assert.ok(label.includes(HOSTILE));
  assert.deepEqual(shown(escapeHtml(label)).tags, []);
  assert.equal(shown(escapeHtml(label)).text, label);
});
