/*
 * store.js — the kiosk's durable vote store (IndexedDB), written before anything else happens.
 *
 * Two object stores, both keyed by the vote's client_id:
 *   votes     status 'pending_followup' (face tapped, "why?" screen still open: never sent)
 *             or 'queued' (finalized; the exact JSON body to send is frozen in `body`).
 *             A vote leaves this store only when the server answered 201/200, or into …
 *   rejected  votes the server refused with 409/422. Kept for the officer, never deleted,
 *             never retried — but without the citizen's callback number, which is removed
 *             before the vote moves here.
 * A callback number ("Tôi muốn được liên hệ lại") is written only into a finalized vote's body
 * and leaves with it: deleted when the server has the vote, dropped from a vote moved to
 * `rejected`, and dropped by queue.js from a vote still unsent after a week (dropCallback).
 * Write transactions ask for strict durability, so a vote survives a power cut of a cheap tablet
 * right after the tap. If IndexedDB cannot be opened (broken profile, storage disabled) the store
 * falls back to memory so votes are at least sent while the page stays open.
 */

const DB_NAME = 'kiosk';
const DB_VERSION = 1;
const VOTES = 'votes';
const REJECTED = 'rejected';

let dbPromise = null;
const memory = { [VOTES]: new Map(), [REJECTED]: new Map() };

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function openDb() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve) => {
      if (!('indexedDB' in self)) return resolve(null);
      let req;
      try {
        req = indexedDB.open(DB_NAME, DB_VERSION);
      } catch (err) {
        console.warn('kiosk: IndexedDB unavailable, votes kept in memory', err);
        return resolve(null);
      }
      req.onupgradeneeded = () => {
        const db = req.result;
        if (!db.objectStoreNames.contains(VOTES)) {
          db.createObjectStore(VOTES, { keyPath: 'client_id' }).createIndex('status', 'status');
        }
        if (!db.objectStoreNames.contains(REJECTED)) {
          db.createObjectStore(REJECTED, { keyPath: 'client_id' });
        }
      };
      req.onsuccess = () => {
        const db = req.result;
        // Another tab upgrading the schema must not be blocked by this one.
        db.onversionchange = () => db.close();
        resolve(db);
      };
      req.onerror = () => {
        console.warn('kiosk: IndexedDB open failed, votes kept in memory', req.error);
        resolve(null);
      };
      req.onblocked = () => console.warn('kiosk: IndexedDB upgrade blocked by another tab');
    });
  }
  return dbPromise;
}

/**
 * Run fn(stores) in one transaction and resolve with its result once the transaction has
 * committed (not merely when the request succeeded): "stored" must mean on disk.
 */
async function transact(names, mode, fn) {
  const db = await openDb();
  if (!db) return fn(memoryStores(names));
  return new Promise((resolve, reject) => {
    const tx = db.transaction(names, mode, { durability: mode === 'readwrite' ? 'strict' : 'default' });
    let result;
    tx.oncomplete = () => resolve(result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error('transaction aborted'));
    const stores = {};
    for (const name of names) stores[name] = idbStore(tx.objectStore(name));
    Promise.resolve(fn(stores)).then((value) => { result = value; }, (err) => {
      try { tx.abort(); } catch { /* already finished */ }
      reject(err);
    });
  });
}

/** The four operations this module needs, over IndexedDB … */
function idbStore(os) {
  return {
    get: (key) => request(os.get(key)),
    put: (value) => request(os.put(value)),
    delete: (key) => request(os.delete(key)),
    all: (status) => request(status ? os.index('status').getAll(status) : os.getAll()),
    count: (status) => request(status ? os.index('status').count(status) : os.count()),
  };
}

/** … and over the in-memory fallback (values are copied, as IndexedDB would clone them). */
function memoryStores(names) {
  const stores = {};
  for (const name of names) {
    const map = memory[name];
    const copy = (v) => (v === undefined ? v : JSON.parse(JSON.stringify(v)));
    const pick = (status) => [...map.values()].filter((v) => !status || v.status === status);
    stores[name] = {
      get: async (key) => copy(map.get(key)),
      put: async (value) => { map.set(value.client_id, copy(value)); },
      delete: async (key) => { map.delete(key); },
      all: async (status) => pick(status).map(copy),
      count: async (status) => pick(status).length,
    };
  }
  return stores;
}

const byCreated = (a, b) => a.created_ms - b.created_ms;

/** Store a new vote. Resolves once committed. */
export function addVote(record) {
  return transact([VOTES], 'readwrite', (s) => s[VOTES].put(record));
}

function withAnswers(body, extra) {
  const answers = { ...body.answers };
  if (extra.reasons && extra.reasons.length) answers.reasons = extra.reasons;
  if (extra.comment) answers.comment = extra.comment;
  return { ...body, answers };
}

/**
 * Write the reasons and comment into a vote still waiting for its follow-up (the callback
 * screen comes next), so a reload meanwhile finalizes it with them. It stays pending.
 */
export function amend(clientId, extra) {
  return transact([VOTES], 'readwrite', async (s) => {
    const rec = await s[VOTES].get(clientId);
    if (!rec || rec.status !== 'pending_followup') return null;
    rec.body = withAnswers(rec.body, extra);
    await s[VOTES].put(rec);
    return rec;
  });
}

/**
 * Finalize a vote still waiting for its follow-up: freeze its body with the given extra answers
 * (and the callback request, if any) and queue it. Returns the queued record, or null if it was
 * finalized already (timer and button racing each other, or two tabs).
 */
export function finalize(clientId, extra = {}) {
  return transact([VOTES], 'readwrite', async (s) => {
    const rec = await s[VOTES].get(clientId);
    if (!rec || rec.status !== 'pending_followup') return null;
    rec.body = withAnswers(rec.body, extra);
    if (extra.callback) rec.body.callback = extra.callback;
    rec.status = 'queued';
    rec.finalized_ms = Date.now();
    await s[VOTES].put(rec);
    return rec;
  });
}

/** Votes with the given status, oldest first. */
export async function listVotes(status) {
  const list = await transact([VOTES], 'readonly', (s) => s[VOTES].all(status));
  return list.sort(byCreated);
}

/** Record a failed attempt (kept for the officer's diagnosis; the body is never touched). */
export function noteAttempt(clientId, lastStatus) {
  return transact([VOTES], 'readwrite', async (s) => {
    const rec = await s[VOTES].get(clientId);
    if (!rec) return;
    rec.attempts = (rec.attempts || 0) + 1;
    rec.last_status = lastStatus;
    rec.last_attempt_ms = Date.now();
    await s[VOTES].put(rec);
  });
}

/** The server has the vote (201 stored, 200 identical replay): forget it locally. */
export function markSent(clientId) {
  return transact([VOTES], 'readwrite', (s) => s[VOTES].delete(clientId));
}

/**
 * The server refused the vote for good (409/422): move it to `rejected`, in one transaction,
 * without the callback number (kept only to be sent; a refused vote is never sent again).
 */
export function markRejected(clientId, httpStatus, response) {
  return transact([VOTES, REJECTED], 'readwrite', async (s) => {
    const rec = await s[VOTES].get(clientId);
    if (!rec) return;
    const { callback, ...body } = rec.body;
    await s[REJECTED].put({
      ...rec,
      body,
      had_callback: !!callback,
      status: 'rejected',
      http_status: httpStatus,
      response,
      rejected_ms: Date.now(),
    });
    await s[VOTES].delete(clientId);
  });
}

/** Forget the callback number of a queued vote (too old to keep); the vote itself stays. */
export function dropCallback(clientId) {
  return transact([VOTES], 'readwrite', async (s) => {
    const rec = await s[VOTES].get(clientId);
    if (!rec || !rec.body.callback) return rec || null;
    rec.body = { ...rec.body };
    delete rec.body.callback;
    rec.callback_dropped_ms = Date.now();
    await s[VOTES].put(rec);
    return rec;
  });
}

/** Counts for the status mark and the test hook. */
export function counts() {
  return transact([VOTES, REJECTED], 'readonly', async (s) => ({
    queued: await s[VOTES].count('queued'),
    pendingFollowup: await s[VOTES].count('pending_followup'),
    rejected: await s[REJECTED].count(),
  }));
}

/** Ask Chrome not to evict our storage under disk pressure (best effort, silent). */
export function requestPersistence() {
  if (navigator.storage && navigator.storage.persist) {
    navigator.storage.persist().catch(() => {});
  }
}
