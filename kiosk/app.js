/*
 * app.js — the kiosk's screens and the life of one vote.
 *
 * A tap on a face writes the vote to IndexedDB first (client_id, overall level, answer time);
 * only then does the screen change. "Chưa hài lòng" keeps the vote as `pending_followup` while
 * the reason screen is open; "Gửi", "Bỏ qua" or the idle timeout finalize it (with or without
 * reasons) and hand it to the send queue. A vote is therefore sent exactly once, with its final
 * content, and counts even if the citizen walks away. After every vote the input is locked
 * briefly (a double tap is one vote), the thank-you screen is the same for every level, and the
 * next citizen starts again in the default language with nothing left from the previous choice.
 *
 * Test hooks: window.kioskState() → Promise<{queued, rejected, pendingFollowup, online, screen}>,
 * window.kioskFlush() (send now, ignoring backoff), <body data-screen>, data-level on faces and
 * data-reason on reason toggles. Timings come from the query string (see config.js).
 */

import { COMMENT_MAX, REASONS, defaultLang, defaultQuestionnaire, keys, timing, urls } from './config.js';
import * as i18n from './i18n.js';
import * as store from './store.js';
import * as api from './api.js';
import * as queue from './queue.js';

const $ = (id) => document.getElementById(id);
const t = i18n.t;

let screen = 'loading';
let lockedUntil = 0;
let followup = null; // {id, timer} while the reason screen belongs to a vote
let thanksTimer = 0;
let reachable = null; // did the last request get an HTTP answer; null = not known since 'online'
let revokedMessage = '';
let pairMessage = null; // () => string, re-rendered when the language changes
let updateReady = false;
let lastCounts = { queued: 0, rejected: 0, pendingFollowup: 0, held: 0 };
const staleTimers = new Set();
const finalizing = new Set(); // follow-ups being finalized by a button or the idle timer

/* ---------- device identity, kept in localStorage ---------- */

function readJSON(key) {
  try {
    return JSON.parse(localStorage.getItem(key));
  } catch {
    return null;
  }
}

function writeJSON(key, value) {
  try {
    localStorage.setItem(key, JSON.stringify(value ?? null));
  } catch (err) {
    console.warn('kiosk: cannot write localStorage', err);
  }
}

/** The pairing stored on this tablet, or null. */
function device() {
  let token = null;
  try {
    token = localStorage.getItem(keys.token);
  } catch { /* storage disabled */ }
  if (!token) return null;
  return {
    token,
    unit: readJSON(keys.unit),
    counter: readJSON(keys.counter),
    revoked: localStorage.getItem(keys.revoked) === '1',
  };
}

/** The pairing the queue may send with: present and not revoked. */
function activeDevice() {
  const dev = device();
  return dev && !dev.revoked ? dev : null;
}

function saveDevice(body) {
  localStorage.setItem(keys.token, body.token);
  writeJSON(keys.unit, body.unit);
  writeJSON(keys.counter, body.counter);
  localStorage.removeItem(keys.revoked);
}

/* ---------- small helpers ---------- */

/** RFC 4122 version-4 id; randomUUID needs a secure context, getRandomValues does not. */
function uuid() {
  const c = self.crypto;
  if (c && typeof c.randomUUID === 'function') {
    try {
      return c.randomUUID();
    } catch { /* insecure context: fall through */ }
  }
  const b = new Uint8Array(16);
  if (c && c.getRandomValues) c.getRandomValues(b);
  else for (let i = 0; i < 16; i += 1) b[i] = Math.floor(Math.random() * 256);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Local time with its UTC offset, e.g. 2026-11-22T09:30:00.123+07:00 (the answer time). */
function isoLocal(d) {
  const p = (n, w = 2) => String(n).padStart(w, '0');
  const off = -d.getTimezoneOffset();
  const a = Math.abs(off);
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:`
    + `${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`
    + `${off >= 0 ? '+' : '-'}${p(Math.floor(a / 60))}:${p(a % 60)}`;
}

const locked = () => Date.now() < lockedUntil;
const lock = () => { lockedUntil = Date.now() + timing.lock; };
const isOnline = () => navigator.onLine !== false && reachable !== false;

function setReachable(value) {
  if (reachable !== value) {
    reachable = value;
    renderStatus();
  }
}

/* ---------- screens ---------- */

const FOCUS = {
  pair: 'pair-code', vote: 'vote-title', reason: 'reason-title', thanks: 'thanks-text', revoked: 'revoked-title',
};

function show(name) {
  screen = name;
  document.body.dataset.screen = name;
  for (const el of document.querySelectorAll('.screen')) el.hidden = el.dataset.for !== name;
  // Drop focus from the button just tapped: nothing may hint at the previous choice.
  if (document.activeElement && document.activeElement !== document.body) document.activeElement.blur();
  renderPlace();
  const target = $(FOCUS[name]);
  if (target) target.focus({ preventScroll: true });
}

function showVote() {
  clearTimeout(thanksTimer);
  if (updateReady) {
    location.reload(); // a new app version is waiting; this is the safe moment
    return;
  }
  if (i18n.lang() !== defaultLang) setLang(defaultLang); // each citizen starts in the default language
  const dev = device();
  if (!dev) show('pair');
  else if (dev.revoked) showRevoked();
  else show('vote');
}

function showThanks() {
  $('thanks-text').textContent = t('thanks.text');
  show('thanks');
  clearTimeout(thanksTimer);
  thanksTimer = setTimeout(showVote, timing.thanks);
}

function showRevoked() {
  renderRevoked();
  show('revoked');
}

function renderPlace() {
  const dev = screen === 'pair' ? null : device();
  $('unit-name').textContent = dev && dev.unit ? dev.unit.name || '' : '';
  $('counter-name').textContent = dev && dev.counter ? dev.counter.name || '' : '';
}

function renderRevoked() {
  $('revoked-detail').textContent = revokedMessage;
  const kept = lastCounts.queued + lastCounts.pendingFollowup;
  $('revoked-kept').textContent = kept ? t('revoked.kept', { n: kept }) : '';
}

function setLang(code) {
  i18n.apply(code);
  $('lang').lang = i18n.lang() === 'vi' ? 'en' : 'vi';
  if (screen === 'thanks') $('thanks-text').textContent = t('thanks.text');
  $('pair-error').textContent = pairMessage ? pairMessage() : '';
  renderRevoked();
  renderStatus();
}

/* ---------- voting ---------- */

async function onFace(ev) {
  const btn = ev.target.closest('[data-level]');
  if (!btn || screen !== 'vote' || locked()) return;
  lock();
  const dev = activeDevice();
  if (!dev) return;
  const level = btn.dataset.level;
  const q = readJSON(keys.questionnaire) || defaultQuestionnaire;
  const id = uuid();
  const record = {
    client_id: id,
    status: level === 'not_satisfied' ? 'pending_followup' : 'queued',
    created_ms: Date.now(),
    unit: dev.unit ? dev.unit.code : null,
    counter: dev.counter ? dev.counter.code : null,
    attempts: 0,
    body: {
      client_id: id,
      questionnaire: q.code,
      version: q.version,
      answers: { overall: level },
      answered_at: isoLocal(new Date()),
    },
  };
  try {
    await store.addVote(record); // durable before anything else happens
  } catch (err) {
    console.error('kiosk: vote not stored, retrying once', err);
    await store.addVote(record).catch((e) => console.error('kiosk: vote lost', e));
  }
  if (record.status === 'pending_followup') {
    startFollowup(id);
  } else {
    showThanks();
    queue.kick();
  }
  scheduleStatus();
}

function resetReasons() {
  for (const b of document.querySelectorAll('[data-reason]')) b.setAttribute('aria-pressed', 'false');
  $('comment').value = '';
}

function startFollowup(id) {
  resetReasons();
  followup = { id, timer: 0 };
  show('reason');
  armIdle();
}

function armIdle() {
  if (!followup) return;
  clearTimeout(followup.timer);
  followup.timer = setTimeout(() => endFollowup('idle'), timing.idle);
}

function chosenReasons() {
  const reasons = REASONS.filter((code) => {
    const b = document.querySelector(`[data-reason="${code}"]`);
    return b && b.getAttribute('aria-pressed') === 'true';
  });
  const comment = $('comment').value.normalize('NFC').trim().slice(0, COMMENT_MAX);
  return { reasons, comment };
}

/** Finalize the open follow-up: 'send' keeps reasons and comment, 'skip' and 'idle' do not. */
async function endFollowup(how) {
  if (!followup) return;
  const { id, timer } = followup;
  clearTimeout(timer);
  finalizing.add(id); // keep finalizeStale() from racing us without the reasons
  followup = null;
  const extra = how === 'send' ? chosenReasons() : {};
  resetReasons();
  lock();
  try {
    await store.finalize(id, extra);
  } catch (err) {
    console.error('kiosk: finalize failed; the periodic sweep will retry', err);
  } finally {
    finalizing.delete(id);
  }
  if (how === 'idle') showVote();
  else showThanks();
  queue.kick();
  scheduleStatus();
}

function onReason(ev) {
  const btn = ev.target.closest('[data-reason]');
  if (!btn || screen !== 'reason' || locked()) return;
  btn.setAttribute('aria-pressed', btn.getAttribute('aria-pressed') === 'true' ? 'false' : 'true');
}

/**
 * Votes left waiting for a follow-up that no screen owns any more (page reloaded, tablet slept):
 * finalize them without reasons once they are older than the idle timeout.
 */
async function finalizeStale() {
  let pending;
  try {
    pending = await store.listVotes('pending_followup');
  } catch {
    return;
  }
  const now = Date.now();
  for (const rec of pending) {
    if ((followup && followup.id === rec.client_id) || finalizing.has(rec.client_id)) continue;
    const age = now - rec.created_ms;
    if (age < 0 || age >= timing.idle) {
      await store.finalize(rec.client_id).catch(() => {});
    } else if (!staleTimers.has(rec.client_id)) {
      staleTimers.add(rec.client_id);
      setTimeout(() => {
        staleTimers.delete(rec.client_id);
        finalizeStale();
      }, timing.idle - age + 50);
    }
  }
  if (pending.length) {
    queue.kick();
    scheduleStatus();
  }
}

/* ---------- pairing and device state ---------- */

function setPairMessage(fn) {
  pairMessage = fn;
  $('pair-error').textContent = fn ? fn() : '';
}

async function onPair(ev) {
  ev.preventDefault();
  const input = $('pair-code');
  const code = input.value.replace(/\s+/g, '').toUpperCase();
  if (!code) {
    setPairMessage(() => t('pair.empty'));
    input.focus();
    return;
  }
  const button = $('pair-button');
  button.disabled = true;
  button.textContent = t('pair.busy');
  let res = null;
  try {
    res = await api.pair(code);
  } catch {
    setPairMessage(() => t('pair.network'));
  } finally {
    button.disabled = false;
    button.textContent = t('pair.button');
  }
  if (!res) return;
  setReachable(true);
  if ((res.status === 201 || res.status === 200) && res.body && res.body.token) {
    try {
      saveDevice(res.body);
    } catch (err) {
      setPairMessage(() => String(err));
      return;
    }
    input.value = '';
    setPairMessage(null);
    revokedMessage = '';
    showVote();
    queue.kick({ force: true });
    checkDevice();
    return;
  }
  const server = res.body && res.body.errors && typeof res.body.errors.code === 'string' ? res.body.errors.code : '';
  const status = res.status;
  setPairMessage(() => {
    if (server && i18n.lang() === 'vi') return server; // the server speaks Vietnamese
    if ([404, 410, 422].includes(status)) return t(`pair.${status}`);
    return t('pair.other', { status });
  });
  input.select();
}

/** Device registration check: refreshes names and questionnaire, and notices revocation. */
async function checkDevice() {
  const dev = device();
  if (!dev) return;
  let res;
  try {
    res = await api.device(dev.token);
  } catch {
    setReachable(false);
    return;
  }
  setReachable(true);
  if (res.status === 200 && res.body) {
    if (device()?.token !== dev.token) return; // re-paired meanwhile
    if (res.body.unit) writeJSON(keys.unit, res.body.unit);
    writeJSON(keys.counter, res.body.counter || null);
    const q = res.body.questionnaire;
    if (q && q.code && Number.isInteger(q.version)) writeJSON(keys.questionnaire, { code: q.code, version: q.version });
    if (dev.revoked) {
      localStorage.removeItem(keys.revoked); // re-activated on the server
      revokedMessage = '';
      if (screen === 'revoked') showVote();
      queue.kick({ force: true });
    }
    renderPlace();
    scheduleStatus();
  } else if (res.status === 401) {
    onRevoked(res.body, dev.token);
  }
}

/** 401 from the server: stop voting and sending, keep every stored vote, offer re-pairing. */
function onRevoked(body, token) {
  const dev = device();
  if (!dev || (token && dev.token !== token)) return;
  localStorage.setItem(keys.revoked, '1');
  revokedMessage = body && typeof body.message === 'string' ? body.message : '';
  // Let a citizen in the middle of a vote finish; showVote() then lands on the revoked screen.
  if (screen === 'vote' || screen === 'revoked') showRevoked();
  scheduleStatus();
}

/* ---------- status mark ---------- */

let statusTimer = 0;

/** Coalesce status refreshes: a queue draining a week of offline votes must stay cheap. */
function scheduleStatus() {
  if (!statusTimer) statusTimer = setTimeout(refreshStatus, 250);
}

async function refreshStatus() {
  statusTimer = 0;
  try {
    const c = await store.counts();
    const dev = activeDevice() || device();
    const held = c.queued ? (await store.listVotes('queued')).filter((r) => !queue.belongsTo(r, dev)).length : 0;
    lastCounts = { ...c, held };
  } catch (err) {
    console.warn('kiosk: cannot count votes', err);
  }
  renderStatus();
  if (screen === 'revoked') renderRevoked();
}

function renderStatus() {
  const el = $('status');
  const online = isOnline();
  const { queued, rejected, pendingFollowup, held } = lastCounts;
  el.dataset.online = String(online);
  $('status-count').textContent = queued ? String(queued) : '';
  $('status-rejected').textContent = rejected ? `!${rejected}` : '';
  const parts = [t(online ? 'status.online' : 'status.offline')];
  parts.push(queued ? t('status.queued', { n: queued }) : t('status.allSent'));
  if (held) parts.push(t('status.held', { n: held }));
  if (pendingFollowup) parts.push(t('status.pending', { n: pendingFollowup }));
  if (rejected) parts.push(t('status.rejected', { n: rejected }));
  const label = parts.join(' · ');
  el.setAttribute('aria-label', label);
  el.title = label;
}

/* ---------- service worker ---------- */

function registerWorker() {
  if (!('serviceWorker' in navigator)) return;
  const hadController = !!navigator.serviceWorker.controller;
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (!hadController) return; // first install, nothing to reload
    if (screen === 'vote' && !locked()) location.reload();
    else updateReady = true; // reload at the next return to the faces
  });
  navigator.serviceWorker.register(urls.sw, { scope: urls.scope }).catch((err) => {
    // Plain http on a LAN address has no service worker: the kiosk still works while online.
    console.warn('kiosk: service worker not registered', err);
  });
}

/* ---------- start ---------- */

function start() {
  i18n.apply(defaultLang);
  $('lang').lang = i18n.lang() === 'vi' ? 'en' : 'vi';

  queue.init({
    device: activeDevice,
    changed: scheduleStatus,
    reachable: setReachable,
    revoked: onRevoked,
  });

  $('lang').addEventListener('click', () => {
    setLang(i18n.lang() === 'vi' ? 'en' : 'vi');
    armIdle();
  });
  $('pair-form').addEventListener('submit', onPair);
  document.querySelector('.faces').addEventListener('click', onFace);
  document.querySelector('.reasons').addEventListener('click', onReason);
  $('send').addEventListener('click', () => { if (!locked()) endFollowup('send'); });
  $('skip').addEventListener('click', () => { if (!locked()) endFollowup('skip'); });
  $('repair').addEventListener('click', () => show('pair'));
  const reasonScreen = $('screen-reason');
  for (const type of ['pointerdown', 'keydown', 'input', 'focusin']) reasonScreen.addEventListener(type, armIdle);
  $('comment').maxLength = COMMENT_MAX;
  document.addEventListener('contextmenu', (e) => {
    if (!e.target.closest('input, textarea')) e.preventDefault(); // long-press menus on a kiosk
  });

  window.addEventListener('online', () => {
    reachable = null;
    renderStatus();
    checkDevice();
    queue.kick({ force: true });
  });
  window.addEventListener('offline', renderStatus);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') {
      finalizeStale();
      queue.kick();
    }
  });
  setInterval(() => {
    finalizeStale();
    queue.kick();
  }, timing.poll);
  setInterval(checkDevice, timing.deviceCheck);

  window.kioskState = async () => {
    const c = await store.counts();
    return {
      queued: c.queued, rejected: c.rejected, pendingFollowup: c.pendingFollowup, online: isOnline(), screen,
    };
  };
  window.kioskFlush = async () => {
    await finalizeStale();
    await queue.kick({ force: true });
    await refreshStatus();
  };

  // The first screen is chosen from localStorage alone, so it appears at once, offline too.
  const dev = device();
  if (!dev) show('pair');
  else if (dev.revoked) showRevoked();
  else show('vote');

  store.requestPersistence();
  finalizeStale().then(() => queue.kick());
  refreshStatus();
  checkDevice();
  registerWorker();
}

start();
