// Options from the script tag's data-* attributes.
import assert from "node:assert/strict";
import {test} from "node:test";

import {DEFAULTS, optionsFromDataset} from "../../../supportchat/static/widget/options.js";

test("data-* values become typed options", () => {
  const options = optionsFromDataset({apiUrl: "https://s.example/api/chat", title: "Help",
    defaultOpen: "", pollIntervalMs: "1500", transportOptions: '{"heartbeatMs": 5000}',
    userIdentifier: '{"email": "a@b.example"}'});
  assert.deepEqual(options, {apiUrl: "https://s.example/api/chat", title: "Help", defaultOpen: true,
    pollIntervalMs: 1500, transportOptions: {heartbeatMs: 5000}, userIdentifier: {email: "a@b.example"}});
  assert.equal(optionsFromDataset({defaultOpen: "false"}).defaultOpen, false);
});

test("unknown names, plugins (code) and broken JSON are left out", (t) => {
  const warnings = [];
  t.mock.method(console, "warn", (message) => warnings.push(message));
  const options = optionsFromDataset({colour: "red", plugins: "[]", transportOptions: "{oops"});
  assert.deepEqual(options, {});
  assert.deepEqual(warnings, ["[SupportChat] data-transportOptions is not JSON; ignored."]);
});

test("the defaults talk to the server the widget came from, over long polling", () => {
  assert.match(DEFAULTS.apiUrl, /\/api\/chat$/);
  assert.equal(DEFAULTS.transport, "polling");
  assert.equal(DEFAULTS.title, "Support");
});

test("the v1.1 options come from data-* too: language, colour scheme, sound, attributes", () => {
  assert.deepEqual(optionsFromDataset({locale: "de", colorScheme: "dark", sound: "",
    customAttributes: '{"plan": "pro"}'}),
  {locale: "de", colorScheme: "dark", sound: true, customAttributes: {plan: "pro"}});
  assert.equal(DEFAULTS.sound, false); // a tone only when the site asks for one
  assert.equal(DEFAULTS.colorScheme, "auto");
});
