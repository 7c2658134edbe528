// Waiting between attempts: exponential, jittered, bounded.
import assert from "node:assert/strict";
import {test} from "node:test";

import {backoff} from "../../../supportchat/static/widget/backoff.js";

const timing = {backoffBaseMs: 500, backoffMaxMs: 10000};

test("the first retry waits between half the base and the base", () => {
  assert.equal(backoff(timing, 1, () => 0), 250);
  assert.equal(backoff(timing, 1, () => 0.999999), 500);
});

test("each attempt doubles the wait until the maximum", () => {
  const waits = [1, 2, 3, 4, 5, 6, 7].map((attempt) => backoff(timing, attempt, () => 0.999999));
  assert.deepEqual(waits, [500, 1000, 2000, 4000, 8000, 10000, 10000]);
});

test("the jitter spreads browsers over the window, never beyond it", () => {
  for (let i = 0; i < 200; i += 1) {
    const wait = backoff(timing, 3);
    assert.ok(wait >= 1000 && wait <= 2000, String(wait));
  }
});

test("the heartbeat asks every interval and calls a late or failed answer a dead connection", async () => {
  const {heartbeat, sleep} = await import("../../../supportchat/static/widget/backoff.js");
  const answers = [() => Promise.resolve(), () => null, () => new Promise(() => {}),
    () => Promise.reject(new Error("x"))];
  let asked = 0;
  let dead = 0;
  const stop = heartbeat(20, () => (answers[asked++] || (() => Promise.resolve()))(), () => (dead += 1));
  // Until the fifth ask, however slow the machine: by then the silent and the failed one counted.
  for (let waited = 0; asked < 5 && waited < 5000; waited += 10) await sleep(10);
  stop();
  const after = asked;
  await sleep(60);
  assert.ok(asked >= 4 && asked === after, String(asked)); // nothing once stopped
  assert.equal(dead, 2); // the silent one and the failed one; null means nothing to ask
});
