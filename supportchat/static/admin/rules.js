/** The admin pages' rules that need no page: colour contrast, hours and blocklist parsing,
 * generated passwords (unit-tested in tests/js/unit/admin_rules.test.mjs). */

export const AA = 4.5; // WCAG 2 AA contrast for normal text

/** Relative luminance of "#rrggbb" (WCAG 2). */
export function luminance(hex) {
  const channels = [1, 3, 5].map((at) => parseInt(hex.slice(at, at + 2), 16) / 255);
  const [r, g, b] = channels.map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** The contrast ratio of white text on "#rrggbb". */
export function contrastWithWhite(hex) {
  return 1.05 / (luminance(hex) + 0.05);
}

/** "#abc" → "#aabbcc"; six digits as they are (what <input type=color> takes). */
export function sixDigits(color) {
  return /^#[0-9a-f]{3}$/i.test(color) ? `#${[...color.slice(1)].map((c) => c + c).join("")}` : color;
}

/** "09:00-12:30, 13:30-17:30" → [["09:00", "12:30"], ["13:30", "17:30"]] (the server checks). */
export function intervals(text) {
  return text.split(",").map((part) => part.trim()).filter(Boolean)
    .map((part) => part.split(/\s*[-–]\s*/));
}

/**
 * A blocklist textarea's non-empty lines ("entry # note") as API entries, with their line numbers.
 * @returns {{entries: {network: string, note: (string|null)}[], lines: number[]}}
 */
export function parseLines(value) {
  const numbered = value.split("\n").map((line, index) => [line.trim(), index + 1])
    .filter(([line]) => line);
  const entries = numbered.map(([line]) => {
    const [network, ...note] = String(line).split("#");
    return {network: network.trim(), note: note.join("#").trim() || null};
  });
  return {entries, lines: numbered.map(([, number]) => Number(number))};
}

/** A password from the CSPRNG over an alphabet without look-alikes (20 characters: ~115 bits). */
export function generatePassword(length = 20) {
  const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  const values = crypto.getRandomValues(new Uint32Array(length));
  return Array.from(values, (value) => alphabet[value % alphabet.length]).join("");
}
