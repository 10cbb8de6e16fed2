// said(): a server refusal in the page's language, from its words ({key, params}, where a
// parameter may itself be words). Fed the German table the server serves (page words and
// refusals, the engine's included), so the test checks the real translations.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { said, setStrings } from "../../static/js/lib/i18n.js";

const read = (name) => JSON.parse(readFileSync(new URL(`../../app/server/strings/${name}`, import.meta.url), "utf8"));
setStrings({ ...read("de.json"), ...read("de.refusals.json") });

test("a refusal's words are said by key, with the parameters as given", () => {
  const body = { detail: "nothing to undo", words: { key: "refusal.undo.nothing", params: {} } };
  assert.equal(said(body), "es gibt nichts rückgängig zu machen");
  const csv = { words: { key: "refusal.csv.long_row", params: { row: "3", count: "4", columns: "3" } } };
  assert.equal(said(csv), "Zeile 3 hat 4 Werte, die Kopfzeile nennt aber 3 Spalten");
});

test("a parameter that is itself words is said first (a divergence names why)", () => {
  const msg = {
    type: "error", message: "training diverged at step 2: the batch cost is nan. …",
    words: { key: "refusal.diverged", params: {
      step: "2", rate: "4", why: { key: "refusal.why.batch_cost", params: { cost: "nan" } } } },
  };
  assert.equal(said(msg), "das Training ist bei Schritt 2 divergiert: die Kosten des Stapels sind nan. "
    + "Senke die Lernrate (jetzt 4) oder die Schrittweite, dann mach es rückgängig oder setze zurück");
});

test("without words, the English the server sent; without either, nothing", () => {
  assert.equal(said({ detail: "the file holds no tensors" }), "the file holds no tensors");
  assert.equal(said({ type: "error", message: "no race to stop" }), "no race to stop");
  assert.equal(said({ detail: [{ msg: "x" }] }), "");
  assert.equal(said(null), "");
});
