/*
 * queue.js — sends finalized votes from IndexedDB to the server until it has them.
 *
 * Rules (the server contract, ISSUE and DOMAIN.md §3):
 *   201 stored / 200 identical replay  → delete locally: the server has it.
 *   409 conflict / 422 invalid (and 400, 413, 415: the content itself is refused)
 *                                      → move to the `rejected` store; never retried, never deleted.
 *   401                                → device revoked or unknown: stop sending, keep every vote.
 *   network error, timeout, 5xx, other → stop this sweep and retry with exponential backoff
 *                                        (base × 2^n, capped at ~60 s, "equal jitter" so a room of
 *                                        tablets coming back online does not hammer the server).
 * Votes are sent oldest first, one at a time, each with the body frozen when it was finalized, so
 * a retry is byte-for-byte the same request and the server's client_id idempotency makes
 * duplicates impossible. A vote cast for another unit/counter than the current pairing (the tablet
 * was re-paired elsewhere) is held back, never sent under the wrong counter and never deleted.
 * A citizen's callback number travels in the body only while the vote waits: a vote still
 * unsent CALLBACK_MAX_AGE_MS after it was cast is sent without it (the vote counts; the number
 * does not stay on a tablet for longer than a week).
 */

import * as api from './api.js';
import * as store from './store.js';
import { timing } from './config.js';

const REJECT = new Set([400, 409, 413, 415, 422]);
/** How long a callback number may wait on the tablet for the network: 7 days. */
export const CALLBACK_MAX_AGE_MS = 7 * 24 * 3600 * 1000;

let hooks = {
  device: () => null, // → {token, unit, counter} or null when unpaired/revoked
  changed: () => {}, // local counts changed
  reachable: () => {}, // (bool) did the server answer at all
  revoked: () => {}, // (body, token) 401 from the votes endpoint
};
let failures = 0;
let timer = 0;
let inFlight = null;
let again = false;

export function init(h) {
  hooks = { ...hooks, ...h };
}

/** True when the vote was cast at the counter this tablet is paired with now. */
export function belongsTo(rec, dev) {
  return !!dev && (rec.unit || null) === (dev.unit ? dev.unit.code : null)
    && (rec.counter || null) === (dev.counter ? dev.counter.code : null);
}

/**
 * Start a sweep now. While a backoff delay is running this is a no-op unless force is set
 * (the 'online' event, a re-pairing, the test hook). Resolves when the sweep has ended.
 */
export function kick({ force = false } = {}) {
  if (inFlight) {
    again = true;
    return inFlight;
  }
  if (timer && !force) return Promise.resolve();
  if (force) failures = 0;
  clearTimeout(timer);
  timer = 0;
  inFlight = run().finally(() => { inFlight = null; });
  return inFlight;
}

async function run() {
  let outcome;
  do {
    again = false;
    outcome = await withLock(sweep);
  } while (again && outcome === 'done');
  if (outcome === 'retry') {
    failures += 1;
    const delay = Math.min(timing.retryCap, timing.retryBase * 2 ** (failures - 1));
    schedule(delay / 2 + Math.random() * (delay / 2));
  } else {
    failures = 0;
    if (outcome === 'busy') schedule(timing.poll); // another tab is sending; look again later
  }
}

function schedule(ms) {
  clearTimeout(timer);
  timer = setTimeout(() => { timer = 0; kick(); }, ms);
}

/** One sender per origin, even with the kiosk open in two tabs (Web Locks, where available). */
function withLock(fn) {
  if (!navigator.locks || !navigator.locks.request) return fn();
  return navigator.locks.request('kiosk-send', { ifAvailable: true }, (lock) => (lock ? fn() : 'busy'));
}

async function sweep() {
  const dev = hooks.device();
  if (!dev || !dev.token) return 'idle';
  const queued = await store.listVotes('queued');
  for (let rec of queued) {
    if (rec.body.callback && Date.now() - rec.created_ms > CALLBACK_MAX_AGE_MS) {
      rec = (await store.dropCallback(rec.client_id)) || rec;
    }
    if (!belongsTo(rec, dev)) continue;
    let res;
    try {
      res = await api.sendVote(dev.token, rec.body);
    } catch {
      hooks.reachable(false);
      await store.noteAttempt(rec.client_id, 'network');
      return 'retry';
    }
    hooks.reachable(true);
    if (res.status === 201 || res.status === 200) {
      await store.markSent(rec.client_id);
    } else if (REJECT.has(res.status)) {
      await store.markRejected(rec.client_id, res.status, res.body);
    } else if (res.status === 401) {
      hooks.revoked(res.body, dev.token);
      return 'revoked';
    } else {
      await store.noteAttempt(rec.client_id, res.status);
      return 'retry';
    }
    hooks.changed();
  }
  return 'done';
}
