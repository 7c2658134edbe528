// SupportChat.setCustomAttributes: attributes add up, and null takes one away.
import assert from "node:assert/strict";
import {test} from "node:test";

import {mergeAttributes} from "../../../supportchat/static/widget/main.js";

test("attributes given later join the earlier ones and replace those of the same name", () => {
  const first = mergeAttributes(null, {plan: "pro", seats: 3});
  assert.deepEqual(mergeAttributes(first, {seats: 5, region: "eu"}), {plan: "pro", seats: 5, region: "eu"});
  assert.deepEqual(first, {plan: "pro", seats: 3}); // not changed in place
});

test("null or undefined removes an attribute", () => {
  assert.deepEqual(mergeAttributes({plan: "pro", seats: 3}, {plan: null, seats: undefined}), {});
});
