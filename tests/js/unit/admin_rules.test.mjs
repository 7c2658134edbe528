// The admin pages' rules: WCAG contrast, business-hours and blocklist parsing, passwords.
import assert from "node:assert/strict";
import {test} from "node:test";

import {
  AA, contrastWithWhite, generatePassword, intervals, parseLines, sixDigits,
} from "../../../supportchat/static/admin/rules.js";

test("contrast with white text follows WCAG 2's published ratios", () => {
  assert.equal(contrastWithWhite("#ffffff").toFixed(2), "1.00");
  assert.equal(contrastWithWhite("#000000").toFixed(2), "21.00");
  assert.equal(contrastWithWhite("#767676").toFixed(2), "4.54"); // the lightest AA grey
  assert.ok(contrastWithWhite("#777777") < AA);
  assert.ok(contrastWithWhite("#0f766e") >= AA); // the default brand colour passes
  assert.ok(contrastWithWhite("#fde047") < 2); // yellow does not
});

test("three-digit colours become the six digits a colour input takes", () => {
  assert.equal(sixDigits("#0aF"), "#00aaFF");
  assert.equal(sixDigits("#123456"), "#123456");
});

test("business hours are read as intervals, whatever the dash and spacing", () => {
  assert.deepEqual(intervals("09:00-12:30, 13:30 – 17:30"), [["09:00", "12:30"], ["13:30", "17:30"]]);
  assert.deepEqual(intervals("  "), []);
  assert.deepEqual(intervals("9"), [["9"]]); // passed on: the server names what is wrong
});

test("blocklist lines keep their notes and their line numbers", () => {
  assert.deepEqual(parseLines("10.0.0.1\n\n  2001:db8::/32 # office # old \n"), {
    entries: [{network: "10.0.0.1", note: null}, {network: "2001:db8::/32", note: "office # old"}],
    lines: [1, 3],
  });
});

test("generated passwords are long, from the plain alphabet, and differ", () => {
  const first = generatePassword();
  assert.match(first, /^[a-km-zA-HJ-NP-Z2-9]{20}$/);
  assert.notEqual(first, generatePassword());
});
