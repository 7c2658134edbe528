// Server error bodies become errors a customer can act on; some are worth retrying.
import assert from "node:assert/strict";
import {test} from "node:test";

import {ChatError, asChatError, errorFromBody} from "../../../supportchat/static/widget/errors.js";

test("an error body keeps its code, message and details; Retry-After fills retryAfterMs", () => {
  const error = errorFromBody({code: "rate_limited", message: "Slow down.", details: {limit: 5}}, "3");
  assert.ok(error instanceof ChatError);
  assert.deepEqual([error.code, error.message, error.details, error.retryable],
    ["rate_limited", "Slow down.", {limit: 5, retryAfterMs: 3000}, true]);
  const given = errorFromBody({code: "rate_limited", message: "x", details: {retryAfterMs: 10}}, "3");
  assert.equal(given.details.retryAfterMs, 10); // the body's own figure wins
});

test("refusals are not retried; network trouble is", () => {
  assert.equal(new ChatError("invalid", "Too long.").retryable, false);
  assert.equal(new ChatError("ticket_closed", "Closed.").retryable, false);
  for (const code of ["network", "timeout", "offline", "unavailable", "internal"]) {
    assert.equal(new ChatError(code, "x").retryable, true, code);
  }
});

test("an unreadable body or a foreign error still reads as a sentence", () => {
  assert.equal(errorFromBody(undefined).code, "internal");
  assert.match(errorFromBody({}).message, /could not read/);
  const wrapped = asChatError(new TypeError("boom"));
  assert.deepEqual([wrapped.code, wrapped.message], ["internal", "boom"]);
  assert.match(asChatError(42).message, /Something went wrong/);
});
