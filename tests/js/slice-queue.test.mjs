import { test } from "node:test";
import assert from "node:assert/strict";
import { latestOnly } from "../../static/js/session.js";

/** A hand-driven clock and server: requests wait until the test answers them. */
function harness(minGap = 250) {
  let t = 0;
  const timers = [], asked = [], got = [];
  const q = latestOnly(
    (wish) => new Promise((resolve) => asked.push({ wish, resolve })),
    (answer, wish) => got.push({ answer, key: wish.key }),
    { minGap, now: () => t, later: (fn, ms) => { timers.push({ at: t + ms, fn }); return timers.length; } });
  const tick = async (ms) => {
    t += ms;
    for (const x of timers.splice(0)) { if (x.at <= t) x.fn(); else timers.push(x); }
    await flush();
  };
  return { q, asked, got, tick };
}
const flush = () => new Promise((r) => setImmediate(r));
const wish = (dial, version) => ({ subject: dial, key: `${dial}|${version}` });

test("one request in flight; only the newest wish waits, and it goes when the first answers", async () => {
  const h = harness();
  h.q.want(wish("a", 1));
  await flush();
  h.q.want(wish("a", 2));
  h.q.want(wish("a", 3));
  h.q.want(wish("a", 4));
  await flush();
  assert.equal(h.asked.length, 1);
  h.asked[0].resolve("v1");
  await h.tick(300);
  assert.deepEqual(h.got.map((g) => g.key), ["a|1"]);
  assert.equal(h.asked.length, 2);
  assert.equal(h.asked[1].wish.key, "a|4");
});

test("at most one request per gap, however many frames come", async () => {
  const h = harness(250);
  h.q.want(wish("a", 1));
  await flush();
  h.asked[0].resolve("v1");
  await flush();
  for (let v = 2; v < 20; v++) { h.q.want(wish("a", v)); await h.tick(10); }
  assert.equal(h.asked.length, 1, "180 ms after the first: the next waits for its gap");
  for (let v = 20; v < 40; v++) { h.q.want(wish("a", v)); await h.tick(10); }
  assert.equal(h.asked.length, 2, "one more at 250 ms, and none while it is out");
  assert.equal(h.asked[1].wish.key, "a|26", "the newest wish at that moment");
});

test("an answer about a dial no longer wished for is dropped; the same state is not asked twice", async () => {
  const h = harness(0);
  h.q.want(wish("a", 1));
  await flush();
  h.q.want(wish("b", 1));
  h.asked[0].resolve("about a");
  await flush();
  assert.deepEqual(h.got, []);
  assert.equal(h.asked.at(-1).wish.key, "b|1");
  h.asked.at(-1).resolve("about b");
  await flush();
  assert.deepEqual(h.got.map((g) => g.answer), ["about b"]);
  h.q.want(wish("b", 1));
  await flush();
  assert.equal(h.asked.length, 2);
  h.q.again();
  await flush();
  assert.equal(h.asked.length, 3, "again() asks the same state anew");
});

test("a failing request is an answer in words, and the queue goes on", async () => {
  const got = [];
  const q = latestOnly(() => Promise.reject(new Error("boom")), (a) => got.push(a), { minGap: 0 });
  q.want(wish("a", 1));
  await flush(); await flush();
  assert.deepEqual(got, [{ error: "boom" }]);
  assert.equal(q.busy, false);
});
