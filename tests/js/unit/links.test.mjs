// Web addresses in message text become links; nothing else does.
import assert from "node:assert/strict";
import {test} from "node:test";

import {linkParts} from "../../../supportchat/static/shared/helpers.js";

test("an address in a sentence is a link without the sentence's punctuation", () => {
  assert.deepEqual(linkParts("See https://help.example/reset."), ["See ", {link: "https://help.example/reset"}, "."]);
  assert.deepEqual(linkParts("(docs: http://a.example/x?y=1&z=2), then"),
    ["(docs: ", {link: "http://a.example/x?y=1&z=2"}, "), then"]);
  assert.deepEqual(linkParts("“https://a.example/é”"), ["“", {link: "https://a.example/é"}, "”"]);
});

test("a bracket the address opened stays in it", () => {
  assert.deepEqual(linkParts("https://en.wikipedia.org/wiki/Foo_(bar) ok"),
    [{link: "https://en.wikipedia.org/wiki/Foo_(bar)"}, " ok"]);
});

test("several addresses, and text with none, come out whole", () => {
  assert.deepEqual(linkParts("http://a.example http://b.example"),
    [{link: "http://a.example"}, " ", {link: "http://b.example"}]);
  assert.deepEqual(linkParts("no links here"), ["no links here"]);
  assert.deepEqual(linkParts(""), []);
});

test("only http and https with a host are links", () => {
  for (const text of ["javascript:alert(1)", "data:text/html,<b>x</b>", "http:// nothing", "https://.",
    "ftp://files.example/a", "mailto:ana@example.com"]) {
    assert.deepEqual(linkParts(text), [text], text);
  }
  assert.deepEqual(linkParts('x https://a.example/"onmouseover="alert(1)'),
    ["x ", {link: "https://a.example/"}, '"onmouseover="alert(1)']);
});
