import { test } from "node:test";
import assert from "node:assert/strict";
import "./strings.mjs";
import { t } from "../../static/js/lib/i18n.js";
import { followRace, passesText, place, raceScales, raceSentence } from "../../static/js/lib/race.js";
import { fmtCount } from "../../static/js/lib/format.js";

const lane = (learner, from, points, passes = 0) => ({ learner, from, points, passes });

test("a lane's series is its points up to `from`, then the message's", () => {
  let s = followRace({}, { lanes: [lane("evolution", 0, [[0, 0.3, 0], [10, 0.2, 0.1]])] });
  s = followRace(s, { lanes: [lane("evolution", 1, [[10, 0.2, 0.1], [20, 0.1, 0.2]])] });
  assert.deepEqual(s.evolution.map((p) => p[0]), [0, 10, 20]);
  s = followRace(s, { lanes: [lane("evolution", 0, [[0, 0.5, 0]])] });   // a new race
  assert.deepEqual(s.evolution, [[0, 0.5, 0]]);
  assert.deepEqual(followRace(s, null), {});
});

test("the sentence names the leader, everyone behind, and the margin in forward passes", () => {
  const race = {
    standings: [
      { learner: "gradient_descent", cost: 0.05, passes: 1200, diverged: false },
      { learner: "trial_and_error", cost: 0.21, passes: 50000, diverged: false },
    ],
    margin: { cost: 0.21, passes: 40 },
  };
  const title = (n) => n.replaceAll("_", " ");
  const count = (n) => n.toLocaleString("en");
  const text = raceSentence(race, title, t, count, String);
  assert.equal(text, "Gradient descent reached 0.05 after 1,200 forward passes; trial and error is at "
    + "0.21 after 50,000. Gradient descent was already below 0.21 after 40 forward passes.");
  race.standings[1].diverged = true;
  assert.match(raceSentence(race, title, t, count, String), /trial and error diverged after 50,000/);
  assert.equal(raceSentence({ standings: [] }, title, t, count, String), "");
});

test("forward passes run on a log axis from the first point above 0; seconds from 0; the costs clear of the frame", () => {
  const series = { a: [[0, 0.25, 0], [1, 0.2, 0.5], [1000, 0.01, 2]] };
  const passes = raceScales(series, "passes");
  assert.deepEqual(passes.x, [0, 3]);
  assert.ok(passes.logX && passes.logY);
  assert.equal(place(passes, [0, 0.25, 0]), null);   // log of 0: not drawn
  const [xEnd, yLow] = place(passes, [1000, 0.01, 2]);
  assert.equal(xEnd, 1);
  assert.ok(yLow > 0.03 && yLow < 0.05, yLow);   // the lowest cost clear of the frame
  const seconds = raceScales(series, "seconds");
  assert.deepEqual(seconds.x, [0, 2]);
  const [xStart, yHigh] = place(seconds, [0, 0.25, 0]);
  assert.equal(xStart, 0);
  assert.ok(yHigh > 0.95 && yHigh < 0.97, yHigh);   // and the highest
  assert.equal(raceScales({}, "passes"), null);
});

test("forward passes read whole from 100, to a tenth from 10, to a hundredth below", () => {
  const en = new Intl.NumberFormat("en").format;
  assert.equal(passesText(479.62, en), "480");
  assert.equal(passesText(532.67, en), "533");
  assert.equal(passesText(1000, en), "1,000");
  assert.equal(passesText(12.345, en), "12.3");
  assert.equal(passesText(0.8511, en), "0.85");
  // In every language as the costs beside it ("0.015 nach 62.3"); from 10 000 thousands set
  // apart by a narrow space: German's "1.000" read as one beside "0.053".
  assert.equal(passesText(0.5, fmtCount), "0.5");
  assert.equal(passesText(62.34, fmtCount), "62.3");
  assert.equal(passesText(1000, fmtCount), "1000");
  assert.equal(passesText(12400, fmtCount), "12\u202f400");
  assert.equal(passesText(1234567, fmtCount), "1\u202f234\u202f567");
});
