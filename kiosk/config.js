/*
 * config.js — timings, URLs and storage keys for the kiosk client.
 *
 * Why a module of its own: browser tests shorten the timings through the page's query string
 * (?lock=1500&idle=2000&thanks=500&retry=1000&cap=60000&lang=en), and every other module reads
 * the values from here instead of parsing the URL again. API URLs are resolved against this
 * file's own URL, so the client keeps working whether it is opened as /kiosk/, /kiosk/index.html
 * or behind a path prefix: only relative URLs are used.
 */

const params = new URLSearchParams(location.search);

/** Read a whole number of milliseconds from the query string, bounded to a sane range. */
function ms(name, fallback, min, max) {
  const raw = params.get(name);
  if (raw === null || !/^\d+$/.test(raw)) return fallback;
  return Math.min(max, Math.max(min, Number(raw)));
}

export const timing = Object.freeze({
  /** Input lock after a tap, so a double tap is a single vote. */
  lock: ms('lock', 1500, 0, 10000),
  /**
   * Idle time (no touch, no key) after which the tablet returns to its first screen in the
   * default language, whatever screen it is on; a vote waiting on the "why?" screen is finalized
   * without reasons. null = the server's value (SURVEY_KIOSK_IDLE_SECONDS, sent with the
   * questionnaire; see idleMs() in app.js); ?idle=<ms> overrides it.
   */
  idle: params.has('idle') ? ms('idle', 30000, 500, 3600000) : null,
  /** How long the thank-you screen stays before the faces come back. */
  thanks: ms('thanks', 3000, 200, 60000),
  /** First retry delay of the send queue; doubles on each failure. */
  retryBase: ms('retry', 2000, 100, 60000),
  /** Upper bound of the retry delay (before jitter). */
  retryCap: ms('cap', 60000, 1000, 600000),
  /** Safety-net sweep of the queue, independent of online/offline events. */
  poll: ms('poll', 30000, 1000, 600000),
  /** How often the device registration is re-checked (names, revocation). */
  deviceCheck: ms('device', 300000, 5000, 3600000),
  /** Network timeout of one request; cheap tablets on captive Wi-Fi can hang forever. */
  fetchTimeout: ms('timeout', 15000, 1000, 120000),
});

/** Language shown to each new citizen; ?lang=en makes English the default. */
export const defaultLang = params.get('lang') === 'en' ? 'en' : 'vi';

const base = new URL('./', import.meta.url);
export const urls = Object.freeze({
  pair: new URL('api/pair', base).href,
  device: new URL('api/device', base).href,
  votes: new URL('../api/v1/votes', base).href,
  sw: new URL('sw.js', base).href,
  scope: base.href,
});

/** Idle time when neither the query string nor the server (yet) says: 30 s. */
export const defaultIdleMs = 30000;

/** Questionnaire a vote names until the server has told us (pairing, GET /kiosk/api/device). */
export const defaultQuestionnaire = Object.freeze({ code: 'KIOSK-3L', version: 1 });

// The reasons, face labels and the comment's maximum length are not configured here: the server
// sends them with the questionnaire (kiosk-3l.yaml), and app.js caches them for offline use.

/** localStorage keys; the token is the only secret and never leaves this origin. */
export const keys = Object.freeze({
  token: 'kiosk.token',
  unit: 'kiosk.unit',
  counter: 'kiosk.counter',
  questionnaire: 'kiosk.questionnaire',
  revoked: 'kiosk.revoked',
  settings: 'kiosk.settings',
});
