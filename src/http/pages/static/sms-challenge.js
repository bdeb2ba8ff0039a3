// The altcha widget's external build brings no workers of its own (a strict CSP refuses blob: workers): it solves
// the proof of work in the PBKDF2 worker served beside it, from our own origin.
(() => {
  const base = new URL('altcha/', document.currentScript.src);
  globalThis.$altcha?.algorithms.set('PBKDF2/SHA-256', () => new Worker(new URL('pbkdf2.js', base)));
})();
