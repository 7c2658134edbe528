// The widget's words: the language chosen, the catalogues complete, the fallbacks.
import assert from "node:assert/strict";
import {readFileSync, readdirSync} from "node:fs";
import {test} from "node:test";

import {LOCALES, locale, pickLocale, t, useLocale} from "../../../supportchat/static/widget/strings.js";

const WIDGET = "../../../supportchat/static/widget/";

test("the first language the widget speaks wins; regions and case do not matter", () => {
  assert.equal(pickLocale("de-AT"), "de");
  assert.equal(pickLocale(null, "PT_br"), "pt");
  assert.equal(pickLocale("ja", undefined, "fr-CA", "de"), "fr");
  assert.equal(pickLocale("ja", "zh-TW", ""), null);
});

test("English is built in, with the values put in their places", () => {
  assert.equal(locale(), "en");
  assert.equal(t("typing", {name: "Ana"}), "Ana is typing…");
  assert.equal(t("openNew", {title: "Help", n: 3}), "Open chat: Help (3 new)");
  assert.equal(t("no-such-key"), "no-such-key");
});

/** The keys of the English words, read from the source of strings.js. */
function englishKeys() {
  const source = readFileSync(new URL(`${WIDGET}strings.js`, import.meta.url), "utf8");
  const start = source.indexOf("const EN = {");
  const block = source.slice(start, source.indexOf("\n};", start));
  return Array.from(block.matchAll(/^ {2}(\w+):/gm), (match) => match[1]);
}

test("every language has every English word, with the same placeholders", async () => {
  const keys = englishKeys();
  assert.ok(keys.length > 30, keys);
  for (const key of keys) assert.notEqual(t(key), key);
  const files = readdirSync(new URL(`${WIDGET}locales/`, import.meta.url));
  assert.deepEqual(files.map((name) => name.replace(".js", "")).sort(),
    LOCALES.filter((code) => code !== "en").sort());
  for (const file of files) {
    const words = (await import(`${WIDGET}locales/${file}`)).default;
    assert.deepEqual(Object.keys(words).sort(), [...keys].sort(), file);
    for (const key of keys) {
      const placeholders = (text) => (text.match(/\{\w+\}/g) || []).sort();
      assert.deepEqual(placeholders(words[key]), placeholders(t(key)), `${file} ${key}`);
    }
  }
});

test("a chosen language is spoken, and of two quick changes the later one wins", async () => {
  assert.equal(await useLocale("de"), true);
  assert.equal(t("typing", {name: "Ana"}), "Ana schreibt…");
  const [slow, fast] = await Promise.all([useLocale("fr"), useLocale("es")]);
  assert.deepEqual([slow, fast], [false, true]);
  assert.equal(locale(), "es");
  assert.equal(t("send"), "Enviar");
  await useLocale("en");
  assert.equal(t("send"), "Send");
});
