/** A short tone for a reply that arrives while the panel is closed (the `sound` option), made
 * with WebAudio: there is no audio file to download. Loaded the first time it plays. */

/** @type {AudioContext|null} */
let context = null;

/** Two soft notes, a fourth apart, in a third of a second; silent where audio is not allowed. */
export function chime() {
  const Context = window.AudioContext || window.webkitAudioContext;
  if (!Context) return;
  context = context || new Context();
  // Browsers allow sound once the customer has used the page (they have: they wrote first).
  context.resume().catch(() => {});
  const start = context.currentTime;
  const volume = context.createGain();
  volume.gain.setValueAtTime(0.0001, start);
  volume.gain.exponentialRampToValueAtTime(0.15, start + 0.02);
  volume.gain.exponentialRampToValueAtTime(0.0001, start + 0.32);
  volume.connect(context.destination);
  [660, 880].forEach((hertz, index) => {
    const tone = context.createOscillator();
    tone.frequency.value = hertz;
    tone.connect(volume);
    tone.start(start + index * 0.1);
    tone.stop(start + 0.32);
  });
}
