/*
 * app.js — the kiosk's screens as one state machine, and the life of one vote.
 *
 * Everything the screens depend on lives in the single `state` object below. Input, timers,
 * the network and the service worker only ever call dispatch(event); dispatch looks the event
 * up in MACHINE under the current screen, then under '*' (events every screen treats alike),
 * runs that handler and, if it names another screen, runs the old screen's EXIT and the new
 * one's ENTER action (the timers that belong to a screen). An event the current screen does not
 * list is ignored: a face tapped while the thank-you screen is up does nothing. Then
 * render(state) writes the state to the page; nothing else touches the screens.
 *
 *   screen    event               next screen
 *   loading   START               pair | vote | revoked   (from localStorage alone, offline too)
 *   pair      PAIR_SUBMIT {code}  pair     (busy; the server's answer comes back as …)
 *             PAIR_FAILED         pair     (message under the field)
 *             PAIRED {body}       home
 *   vote      FACE {level}        vote     (input locked; the vote is written to IndexedDB,
 *                                           then VOTE_STORED)
 *             REVOKED             revoked
 *             UPDATE_READY        —        (reloads now, unless input is locked: then as '*')
 *   reason    TOGGLE_REASON, COMMENT, LANG                                    reason
 *             SEND | SKIP         callback (reasons and comment written to the waiting vote,
 *                                           or none after SKIP; input locked briefly)
 *             IDLE                reason   (finalizing without reasons; then FINALIZED)
 *             FINALIZED {how}     home (after IDLE)
 *   callback  PHONE {text}, CONSENT {checked}, LANG                          callback
 *             CALLBACK_SEND       callback (a bad number or no consent: the message, nothing
 *                                           sent; else finalizing with the request; FINALIZED)
 *             CALLBACK_SKIP       callback (finalizing without a request; then FINALIZED)
 *             IDLE                callback (finalizing without a request; then FINALIZED)
 *             FINALIZED {how}     thanks after CALLBACK_SEND/SKIP, home after IDLE; leaving the
 *                                 screen (EXIT) forgets the typed number and the consent
 *   thanks    THANKS_DONE         home     (ENTER arms the timer, EXIT clears it)
 *   revoked   REVOKED             revoked  (new message)
 *             REACTIVATED         home
 *             REPAIR              pair
 *   pair      IDLE                pair     (only the language returns to the default)
 *   '*'       VOTE_STORED {id, followup}   reason when the vote waits for its follow-up, else
 *                                 thanks (the tap was written down; now the screen may change)
 *             IDLE                home     (nobody touched the tablet for idleMs(): back to the
 *                                           first screen in the default language)
 *             LANG                same screen, other language
 *             REVOKED             same screen (the citizen may finish; home then lands on revoked)
 *             REACTIVATED, DEVICE {body} (names, questionnaire and its vocabulary refreshed),
 *             COUNTS {counts}, REACHABLE {value}, ONLINE, OFFLINE, UPDATE_READY (reload at home)
 *
 *   home = pair without a pairing, revoked when revoked, else vote; each citizen starts in the
 *   default language, and a waiting new app version is loaded at that moment.
 *
 *   Idle: one timer for every screen. Any touch, key or typing anywhere re-arms it (as do a
 *   screen change and the language switch); when it runs out the machine gets IDLE. The time is
 *   the server's SURVEY_KIOSK_IDLE_SECONDS (30 s unless configured), sent with the pairing and
 *   device answers and cached like the questionnaire, so a tablet left in English on the reason
 *   screen by one citizen greets the next in Vietnamese with the faces.
 *
 * Being offline is not a screen: it is `reachable` and navigator.onLine, shown by the status mark
 * in every screen, with the counts of votes kept on the tablet. Votes wait in IndexedDB.
 *
 * A tap on a face writes the vote to IndexedDB first (client_id, overall level, answer time);
 * only then does the screen change. "Chưa hài lòng" keeps the vote as `pending_followup` while
 * the reason screen is open; "Gửi", "Bỏ qua" or the idle timeout finalize it (with or without
 * reasons) and hand it to the send queue. After the reasons, the callback screen offers "Tôi muốn
 * được liên hệ lại": a phone number checked here with the server's rule (phone.js) and a consent
 * box. The number goes into the vote's body as `callback` and lives only as long as the vote
 * waits to be sent (queue.js drops it after a week; store.js never keeps it with a rejected
 * vote); walking away (IDLE) or "Bỏ qua" forgets it at once. A vote is therefore sent exactly once, with its final
 * content, and counts even if the citizen walks away. After every vote the input is locked
 * briefly (a double tap is one vote), the thank-you screen is the same for every level, and the
 * next citizen starts again in the default language with nothing left from the previous choice.
 *
 * Vocabulary: the reasons, face labels and the comment limit are the server's (the questionnaire
 * in the pairing and device answers, cached in localStorage for offline use); the client keeps no
 * copy. Until a tablet has them (paired with an older client and offline since), "Chưa hài lòng"
 * is finalized at once without the follow-up screen rather than guessing what the server accepts.
 *
 * Test hooks exist only when the server marks the page with <html data-test-hooks> (it does so
 * only under TESTING): window.kioskState() → Promise<{queued, rejected, pendingFollowup, online,
 * screen}>, window.kioskFlush() (send now, ignoring backoff). <body data-screen>, data-level on
 * faces and data-reason on reason toggles are part of the page. Timings come from the query
 * string (see config.js).
 */

import {
  defaultIdleMs, defaultLang, defaultQuestionnaire, keys, timing, urls,
} from './config.js';
import * as i18n from './i18n.js';
import * as store from './store.js';
import * as api from './api.js';
import * as queue from './queue.js';
import { callbackPhone } from './phone.js';

const $ = (id) => document.getElementById(id);
const t = i18n.t;

/* ---------- the state ---------- */

const state = {
  screen: 'loading', // loading | pair | vote | reason | callback | thanks | revoked
  lang: defaultLang,
  device: null, // {token, unit, counter, revoked}: the pairing kept in localStorage
  questionnaire: null, // {code, version, levels, reasons, comment}: as last served, cached
  settings: null, // {idle_seconds}: as last served with the questionnaire, cached
  lockedUntil: 0, // input lock after a tap, so a double tap is one vote
  followup: null, // client_id of the vote the reason screen belongs to
  chosen: new Set(), // reasons toggled on the reason screen
  comment: '', // the comment typed on the reason screen
  extra: {}, // {reasons, comment} sent from the reason screen, for the vote being finished
  phone: '', // the callback number as typed: in memory only, forgotten when the screen is left
  consent: false, // the consent box on the callback screen
  callbackError: null, // i18n key of the message under the number, or null
  pairing: false, // a pairing request is on its way
  pairMessage: null, // {key} | {key, vars, server} | {text}: the message under the code field
  revokedMessage: '', // the server's words when it refused this tablet's token
  reachable: null, // did the last request get an HTTP answer; null = not known since 'online'
  updateReady: false, // a new app version took control; load it at the next idle faces
  counts: { queued: 0, rejected: 0, pendingFollowup: 0, held: 0 },
  timers: { thanks: 0, idle: 0, status: 0 },
  staleTimers: new Set(), // client_ids with a pending finalizeStale() re-check
  finalizing: new Set(), // follow-ups being finalized by a button or the idle timer
};

/* ---------- the machine ---------- */

const MACHINE = {
  loading: {
    START: () => homeScreen(),
  },
  pair: {
    PAIR_SUBMIT: ({ code }) => {
      if (state.pairing) return undefined;
      if (!code) {
        state.pairMessage = { key: 'pair.empty' };
        $('pair-code').focus();
        return undefined;
      }
      state.pairing = true;
      pairDevice(code);
      return undefined;
    },
    PAIR_FAILED: ({ message }) => {
      state.pairing = false;
      state.pairMessage = message;
      return undefined;
    },
    PAIRED: ({ body }) => {
      state.pairing = false;
      state.pairMessage = null;
      state.revokedMessage = '';
      state.device = { token: body.token, unit: body.unit, counter: body.counter, revoked: false };
      if (validQuestionnaire(body.questionnaire)) state.questionnaire = body.questionnaire;
      if (validSettings(body.settings)) state.settings = body.settings;
      return home();
    },
    IDLE: () => {
      state.lang = defaultLang; // an officer may be typing a code: the screen stays
      return undefined;
    },
  },
  vote: {
    FACE: ({ level }) => {
      if (locked()) return undefined;
      lock();
      if (activeDevice()) castVote(level);
      return undefined;
    },
    REVOKED: (event) => (markRevoked(event) ? 'revoked' : undefined),
    UPDATE_READY: () => {
      if (locked()) state.updateReady = true; // reload at the next return to the faces
      else location.reload();
      return undefined;
    },
  },
  reason: {
    TOGGLE_REASON: ({ reason }) => {
      if (locked()) return undefined;
      if (state.chosen.has(reason)) state.chosen.delete(reason);
      else state.chosen.add(reason);
      return undefined;
    },
    COMMENT: ({ text }) => {
      state.comment = text;
      return undefined;
    },
    LANG: () => {
      switchLang();
      return undefined;
    },
    SEND: () => (locked() ? undefined : toCallback(chosenAnswers())),
    SKIP: () => (locked() ? undefined : toCallback({})),
    IDLE: () => endFollowup('idle'),
    FINALIZED: ({ how }) => (how === 'idle' ? home() : 'thanks'),
  },
  callback: {
    PHONE: ({ text }) => {
      state.phone = text;
      if (state.callbackError === 'callback.badPhone') state.callbackError = null;
      return undefined;
    },
    CONSENT: ({ checked }) => {
      state.consent = checked;
      if (checked && state.callbackError === 'callback.noConsent') state.callbackError = null;
      return undefined;
    },
    LANG: () => {
      switchLang();
      return undefined;
    },
    CALLBACK_SEND: () => {
      if (locked()) return undefined;
      const phone = callbackPhone(state.phone);
      if (!phone) {
        state.callbackError = 'callback.badPhone';
        $('callback-phone').focus();
        return undefined;
      }
      if (!state.consent) {
        state.callbackError = 'callback.noConsent';
        $('callback-consent').focus();
        return undefined;
      }
      return endFollowup('callback', { phone, consent: true });
    },
    CALLBACK_SKIP: () => (locked() ? undefined : endFollowup('skip')),
    IDLE: () => endFollowup('idle'),
    FINALIZED: ({ how }) => (how === 'idle' ? home() : 'thanks'),
  },
  thanks: {
    THANKS_DONE: () => home(),
  },
  revoked: {
    REVOKED: (event) => (markRevoked(event) ? 'revoked' : undefined),
    REACTIVATED: () => {
      reactivate();
      return home();
    },
    REPAIR: () => 'pair',
  },
  '*': {
    VOTE_STORED: ({ id, followup }) => {
      if (!followup) return 'thanks';
      state.followup = id;
      state.chosen = new Set();
      state.comment = '';
      state.extra = {};
      return 'reason';
    },
    LANG: () => {
      switchLang();
      return undefined;
    },
    IDLE: () => home(),
    REVOKED: (event) => {
      markRevoked(event);
      return undefined;
    },
    REACTIVATED: () => {
      reactivate();
      return undefined;
    },
    DEVICE: ({ body }) => {
      applyDevice(body);
      return undefined;
    },
    COUNTS: ({ counts }) => {
      state.counts = counts;
      return undefined;
    },
    REACHABLE: ({ value }) => {
      state.reachable = value;
      return undefined;
    },
    ONLINE: () => {
      state.reachable = null;
      checkDevice();
      queue.kick({ force: true });
      return undefined;
    },
    OFFLINE: () => undefined,
    UPDATE_READY: () => {
      state.updateReady = true;
      return undefined;
    },
  },
};

/** What a screen starts and stops when it is entered and left. */
const ENTER = {
  thanks: () => {
    clearTimeout(state.timers.thanks);
    state.timers.thanks = setTimeout(() => dispatch({ type: 'THANKS_DONE' }), timing.thanks);
  },
};
const EXIT = {
  thanks: () => clearTimeout(state.timers.thanks),
  callback: forgetCallback, // whatever way the screen is left, the typed number goes with it
};

function dispatch(event) {
  const handler = MACHINE[state.screen]?.[event.type] ?? MACHINE['*'][event.type];
  if (!handler) return; // not an event this screen takes
  const next = handler(event);
  if (next && next !== state.screen) {
    EXIT[state.screen]?.();
    state.screen = next;
    ENTER[next]?.();
    armIdle();
  } else if (event.type === 'LANG') {
    armIdle();
  }
  render(state);
}

/** The screen without a citizen: pair, revoked or the faces. */
function homeScreen() {
  if (!state.device) return 'pair';
  return state.device.revoked ? 'revoked' : 'vote';
}

/** Back to the faces for the next citizen, in the default language; a new version loads now. */
function home() {
  if (state.updateReady) {
    location.reload(); // a new app version is waiting; this is the safe moment
    return undefined;
  }
  state.lang = defaultLang;
  return homeScreen();
}

function switchLang() {
  state.lang = state.lang === 'vi' ? 'en' : 'vi';
}

const locked = () => Date.now() < state.lockedUntil;
const lock = () => { state.lockedUntil = Date.now() + timing.lock; };
const isOnline = () => navigator.onLine !== false && state.reachable !== false;

/* ---------- render: the state onto the page ---------- */

const FOCUS = {
  pair: 'pair-code',
  vote: 'vote-title',
  reason: 'reason-title',
  callback: 'callback-title',
  thanks: 'thanks-text',
  revoked: 'revoked-title',
};

/** Write text only when it changed: live regions must not re-announce on every render. */
function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

/** A label {vi, en} from the server in the current language. */
function label(l, lang) {
  return (l && (l[lang] || l.vi)) || '';
}

function render(s) {
  const langChanged = i18n.lang() !== s.lang;
  if (langChanged) {
    i18n.apply(s.lang);
    $('lang').lang = s.lang === 'vi' ? 'en' : 'vi';
  }
  const screenChanged = document.body.dataset.screen !== s.screen;
  if (screenChanged) {
    document.body.dataset.screen = s.screen;
    for (const el of document.querySelectorAll('.screen')) el.hidden = el.dataset.for !== s.screen;
    // Drop focus from the button just tapped: nothing may hint at the previous choice.
    if (document.activeElement && document.activeElement !== document.body) document.activeElement.blur();
  }

  const dev = s.screen === 'pair' ? null : s.device;
  setText($('unit-name'), dev && dev.unit ? dev.unit.name || '' : '');
  setText($('counter-name'), dev && dev.counter ? dev.counter.name || '' : '');

  setText($('pair-error'), pairText(s.pairMessage, s.lang));
  const button = $('pair-button');
  button.disabled = s.pairing;
  setText(button, t(s.pairing ? 'pair.busy' : 'pair.button'));

  renderVocabulary(s);
  renderCallback(s);

  if (s.screen === 'thanks' && (screenChanged || langChanged)) $('thanks-text').textContent = t('thanks.text');

  setText($('revoked-detail'), s.revokedMessage);
  const kept = s.counts.queued + s.counts.pendingFollowup;
  setText($('revoked-kept'), kept ? t('revoked.kept', { n: kept }) : '');

  renderStatus(s);

  if (screenChanged) {
    const target = $(FOCUS[s.screen]);
    if (target) target.focus({ preventScroll: true });
  }
}

function pairText(msg, lang) {
  if (!msg) return '';
  if (msg.text) return msg.text;
  if (msg.server && lang === 'vi') return msg.server; // the server speaks Vietnamese
  return t(msg.key, msg.vars);
}

/** Face labels, reason toggles and the comment field, from the served questionnaire. */
function renderVocabulary(s) {
  const q = s.questionnaire;
  for (const opt of (q && q.levels) || []) {
    const el = document.querySelector(`[data-level="${CSS.escape(opt.value)}"] .label`);
    if (el) setText(el, label(opt.label, s.lang) || el.textContent);
  }

  const list = document.querySelector('.reasons');
  const reasons = (q && q.reasons) || [];
  const built = JSON.stringify(reasons.map((r) => r.value));
  if (list.dataset.built !== built) {
    list.replaceChildren(...reasons.map((r) => {
      const b = document.createElement('button');
      b.className = 'reason';
      b.type = 'button';
      b.dataset.reason = r.value;
      const tick = document.createElement('span');
      tick.className = 'tick';
      tick.setAttribute('aria-hidden', 'true');
      b.append(tick, document.createElement('span'));
      return b;
    }));
    list.dataset.built = built;
  }
  for (const r of reasons) {
    const b = list.querySelector(`[data-reason="${CSS.escape(r.value)}"]`);
    setText(b.lastElementChild, label(r.label, s.lang));
    b.setAttribute('aria-pressed', String(s.chosen.has(r.value)));
  }
  list.hidden = reasons.length === 0;
  $('reason-hint').hidden = reasons.length === 0;

  const max = commentLimit(q);
  const comment = $('comment');
  comment.hidden = !max;
  $('comment-label').hidden = !max;
  if (max) {
    if (comment.maxLength !== max) comment.maxLength = max;
    setText($('comment-label'), t('reason.comment', { n: max }));
  }
  if (comment.value !== s.comment) comment.value = s.comment;
}

/** The callback screen's number, consent box and message: the state is the only copy. */
function renderCallback(s) {
  const phone = $('callback-phone');
  if (phone.value !== s.phone) phone.value = s.phone;
  const consent = $('callback-consent');
  if (consent.checked !== s.consent) consent.checked = s.consent;
  setText($('callback-error'), s.callbackError ? t(s.callbackError) : '');
  phone.setAttribute('aria-invalid', String(s.callbackError === 'callback.badPhone'));
}

function renderStatus(s) {
  const el = $('status');
  const online = isOnline();
  const { queued, rejected, pendingFollowup, held } = s.counts;
  el.dataset.online = String(online);
  setText($('status-count'), queued ? String(queued) : '');
  setText($('status-rejected'), rejected ? `!${rejected}` : '');
  const parts = [t(online ? 'status.online' : 'status.offline')];
  parts.push(queued ? t('status.queued', { n: queued }) : t('status.allSent'));
  if (held) parts.push(t('status.held', { n: held }));
  if (pendingFollowup) parts.push(t('status.pending', { n: pendingFollowup }));
  if (rejected) parts.push(t('status.rejected', { n: rejected }));
  const text = parts.join(' · ');
  el.setAttribute('aria-label', text);
  el.title = text;
}

/* ---------- device identity and vocabulary, kept in localStorage ---------- */

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
function loadDevice() {
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
  return state.device && !state.device.revoked ? state.device : null;
}

function saveDevice(body) {
  localStorage.setItem(keys.token, body.token);
  writeJSON(keys.unit, body.unit);
  writeJSON(keys.counter, body.counter);
  localStorage.removeItem(keys.revoked);
  if (validQuestionnaire(body.questionnaire)) writeJSON(keys.questionnaire, body.questionnaire);
  if (validSettings(body.settings)) writeJSON(keys.settings, body.settings);
}

function validSettings(x) {
  return !!x && Number.isInteger(x.idle_seconds) && x.idle_seconds > 0;
}

function validQuestionnaire(q) {
  return !!q && typeof q.code === 'string' && q.code !== '' && Number.isInteger(q.version);
}

/** The comment's maximum length from the server, or 0 when the form has no comment. */
function commentLimit(q) {
  const max = q && q.comment && q.comment.max_length;
  return Number.isInteger(max) && max > 0 ? max : 0;
}

/** Whether a "Chưa hài lòng" vote gets the follow-up screen: only with a served vocabulary. */
function hasFollowup(q) {
  return !!q && ((Array.isArray(q.reasons) && q.reasons.length > 0) || commentLimit(q) > 0);
}

/** A 200 from the device check: names and questionnaire refreshed, on the page and on disk. */
function applyDevice(body) {
  if (!state.device) return;
  const unit = body.unit || state.device.unit;
  if (body.unit) writeJSON(keys.unit, body.unit);
  writeJSON(keys.counter, body.counter || null);
  state.device = { ...state.device, unit, counter: body.counter || null };
  if (validQuestionnaire(body.questionnaire)) {
    state.questionnaire = body.questionnaire;
    writeJSON(keys.questionnaire, body.questionnaire);
  }
  if (validSettings(body.settings)) {
    state.settings = body.settings;
    writeJSON(keys.settings, body.settings);
  }
}

/** 401 from the server: stop voting and sending, keep every stored vote, offer re-pairing. */
function markRevoked({ body, token }) {
  const dev = state.device;
  if (!dev || (token && dev.token !== token)) return false;
  localStorage.setItem(keys.revoked, '1');
  state.device = { ...dev, revoked: true };
  state.revokedMessage = body && typeof body.message === 'string' ? body.message : '';
  scheduleStatus();
  return true;
}

function reactivate() {
  if (!state.device) return;
  localStorage.removeItem(keys.revoked); // re-activated on the server
  state.device = { ...state.device, revoked: false };
  state.revokedMessage = '';
}

/* ---------- effects: storage and network, each ending in dispatch ---------- */

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

/** A tap on a face: durable in IndexedDB first, then VOTE_STORED changes the screen. */
async function castVote(level) {
  const dev = activeDevice();
  const q = state.questionnaire;
  const followup = level === 'not_satisfied' && hasFollowup(q);
  const id = uuid();
  const record = {
    client_id: id,
    status: followup ? 'pending_followup' : 'queued',
    created_ms: Date.now(),
    unit: dev.unit ? dev.unit.code : null,
    counter: dev.counter ? dev.counter.code : null,
    attempts: 0,
    body: {
      client_id: id,
      questionnaire: validQuestionnaire(q) ? q.code : defaultQuestionnaire.code,
      version: validQuestionnaire(q) ? q.version : defaultQuestionnaire.version,
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
  dispatch({ type: 'VOTE_STORED', id, followup });
  if (!followup) queue.kick();
  scheduleStatus();
}

/** The idle time in ms: ?idle= (tests), else the server's idle_seconds, else 30 s. */
function idleMs() {
  if (timing.idle !== null) return timing.idle;
  return validSettings(state.settings) ? state.settings.idle_seconds * 1000 : defaultIdleMs;
}

/** (Re)start the one idle timer; IDLE brings the first screen back in the default language. */
function armIdle() {
  clearTimeout(state.timers.idle);
  if (state.screen === 'loading') return;
  state.timers.idle = setTimeout(() => dispatch({ type: 'IDLE' }), idleMs());
}

/** The reasons and comment chosen, in the questionnaire's order, within the server's limit. */
function chosenAnswers() {
  const q = state.questionnaire;
  const reasons = ((q && q.reasons) || []).map((r) => r.value).filter((v) => state.chosen.has(v));
  const comment = state.comment.normalize('NFC').trim().slice(0, commentLimit(q));
  return { reasons, comment };
}

/**
 * Reasons done ("Gửi" with what was chosen, "Bỏ qua" with nothing): write them to the waiting
 * vote now, so a reload on the callback screen cannot lose them, and offer the callback.
 */
function toCallback(extra) {
  state.extra = extra;
  state.chosen = new Set();
  state.comment = '';
  forgetCallback();
  lock(); // a double tap on "Gửi" must not skip the next screen too
  if (state.followup && (extra.reasons || extra.comment)) {
    store.amend(state.followup, extra).catch((err) => console.error('kiosk: reasons not stored yet', err));
  }
  return 'callback';
}

function forgetCallback() {
  state.phone = '';
  state.consent = false;
  state.callbackError = null;
  const input = $('callback-phone');
  if (input) input.value = ''; // not even the DOM keeps the number
}

/**
 * Finalize the open follow-up with the reasons sent from the reason screen (none after 'idle'
 * there) and, for 'callback', the callback request.
 */
function endFollowup(how, callback = null) {
  const id = state.followup;
  if (!id) return undefined;
  clearTimeout(state.timers.idle);
  state.finalizing.add(id); // keep finalizeStale() from racing us without the reasons
  state.followup = null;
  const extra = callback ? { ...state.extra, callback } : { ...state.extra };
  state.extra = {};
  state.chosen = new Set();
  state.comment = '';
  forgetCallback();
  lock();
  finalizeFollowup(id, extra, how);
  return undefined;
}

async function finalizeFollowup(id, extra, how) {
  try {
    await store.finalize(id, extra);
  } catch (err) {
    console.error('kiosk: finalize failed; the periodic sweep will retry', err);
  } finally {
    state.finalizing.delete(id);
  }
  dispatch({ type: 'FINALIZED', how });
  queue.kick();
  scheduleStatus();
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
    if (state.followup === rec.client_id || state.finalizing.has(rec.client_id)) continue;
    const age = now - rec.created_ms;
    if (age < 0 || age >= idleMs()) {
      await store.finalize(rec.client_id).catch(() => {});
    } else if (!state.staleTimers.has(rec.client_id)) {
      state.staleTimers.add(rec.client_id);
      setTimeout(() => {
        state.staleTimers.delete(rec.client_id);
        finalizeStale();
      }, idleMs() - age + 50);
    }
  }
  if (pending.length) {
    queue.kick();
    scheduleStatus();
  }
}

async function pairDevice(code) {
  const input = $('pair-code');
  let res = null;
  try {
    res = await api.pair(code);
  } catch {
    dispatch({ type: 'PAIR_FAILED', message: { key: 'pair.network' } });
    return;
  }
  dispatch({ type: 'REACHABLE', value: true });
  if ((res.status === 201 || res.status === 200) && res.body && res.body.token) {
    try {
      saveDevice(res.body);
    } catch (err) {
      dispatch({ type: 'PAIR_FAILED', message: { text: String(err) } });
      return;
    }
    input.value = '';
    dispatch({ type: 'PAIRED', body: res.body });
    queue.kick({ force: true });
    checkDevice();
    return;
  }
  const server = res.body && res.body.errors && typeof res.body.errors.code === 'string' ? res.body.errors.code : '';
  const { status } = res;
  const key = [404, 410, 422].includes(status) ? `pair.${status}` : 'pair.other';
  dispatch({ type: 'PAIR_FAILED', message: { key, vars: { status }, server } });
  input.select();
}

/** Device registration check: refreshes names and questionnaire, and notices revocation. */
async function checkDevice() {
  const dev = state.device;
  if (!dev) return;
  let res;
  try {
    res = await api.device(dev.token);
  } catch {
    dispatch({ type: 'REACHABLE', value: false });
    return;
  }
  dispatch({ type: 'REACHABLE', value: true });
  if (res.status === 200 && res.body) {
    if (!state.device || state.device.token !== dev.token) return; // re-paired meanwhile
    dispatch({ type: 'DEVICE', body: res.body });
    if (dev.revoked) {
      dispatch({ type: 'REACTIVATED' });
      queue.kick({ force: true });
    }
    scheduleStatus();
  } else if (res.status === 401) {
    dispatch({ type: 'REVOKED', body: res.body, token: dev.token });
  }
}

/** Coalesce status refreshes: a queue draining a week of offline votes must stay cheap. */
function scheduleStatus() {
  if (!state.timers.status) state.timers.status = setTimeout(refreshStatus, 250);
}

async function refreshStatus() {
  state.timers.status = 0;
  try {
    const c = await store.counts();
    const dev = state.device;
    const held = c.queued ? (await store.listVotes('queued')).filter((r) => !queue.belongsTo(r, dev)).length : 0;
    dispatch({ type: 'COUNTS', counts: { ...c, held } });
  } catch (err) {
    console.warn('kiosk: cannot count votes', err);
  }
}

function registerWorker() {
  if (!('serviceWorker' in navigator)) return;
  const hadController = !!navigator.serviceWorker.controller;
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (hadController) dispatch({ type: 'UPDATE_READY' }); // first install: nothing to reload
  });
  navigator.serviceWorker.register(urls.sw, { scope: urls.scope }).catch((err) => {
    // Plain http on a LAN address has no service worker: the kiosk still works while online.
    console.warn('kiosk: service worker not registered', err);
  });
}

/* ---------- start: wire input to dispatch ---------- */

function installTestHooks() {
  if (!document.documentElement.hasAttribute('data-test-hooks')) return; // production: none
  window.kioskState = async () => {
    const c = await store.counts();
    return {
      queued: c.queued, rejected: c.rejected, pendingFollowup: c.pendingFollowup, online: isOnline(), screen: state.screen,
    };
  };
  window.kioskFlush = async () => {
    await finalizeStale();
    await queue.kick({ force: true });
    await refreshStatus();
  };
}

function start() {
  i18n.apply(state.lang);
  $('lang').lang = state.lang === 'vi' ? 'en' : 'vi';
  state.device = loadDevice();
  state.questionnaire = readJSON(keys.questionnaire);
  if (!validQuestionnaire(state.questionnaire)) state.questionnaire = null;
  state.settings = readJSON(keys.settings);
  if (!validSettings(state.settings)) state.settings = null;

  queue.init({
    device: activeDevice,
    changed: scheduleStatus,
    reachable: (value) => { if (state.reachable !== value) dispatch({ type: 'REACHABLE', value }); },
    revoked: (body, token) => dispatch({ type: 'REVOKED', body, token }),
  });

  $('lang').addEventListener('click', () => dispatch({ type: 'LANG' }));
  $('pair-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    dispatch({ type: 'PAIR_SUBMIT', code: $('pair-code').value.replace(/\s+/g, '').toUpperCase() });
  });
  document.querySelector('.faces').addEventListener('click', (ev) => {
    const btn = ev.target.closest('[data-level]');
    if (btn) dispatch({ type: 'FACE', level: btn.dataset.level });
  });
  document.querySelector('.reasons').addEventListener('click', (ev) => {
    const btn = ev.target.closest('[data-reason]');
    if (btn) dispatch({ type: 'TOGGLE_REASON', reason: btn.dataset.reason });
  });
  $('comment').addEventListener('input', (ev) => dispatch({ type: 'COMMENT', text: ev.target.value }));
  $('send').addEventListener('click', () => dispatch({ type: 'SEND' }));
  $('skip').addEventListener('click', () => dispatch({ type: 'SKIP' }));
  $('callback-phone').addEventListener('input', (ev) => dispatch({ type: 'PHONE', text: ev.target.value }));
  $('callback-consent').addEventListener('change', (ev) => dispatch({ type: 'CONSENT', checked: ev.target.checked }));
  $('callback-send').addEventListener('click', () => dispatch({ type: 'CALLBACK_SEND' }));
  $('callback-skip').addEventListener('click', () => dispatch({ type: 'CALLBACK_SKIP' }));
  $('repair').addEventListener('click', () => dispatch({ type: 'REPAIR' }));
  // Any touch, key or typing on any screen: somebody is using the tablet, idle starts again.
  for (const type of ['pointerdown', 'keydown', 'input', 'focusin']) {
    document.addEventListener(type, armIdle, { capture: true, passive: true });
  }
  document.addEventListener('contextmenu', (e) => {
    if (!e.target.closest('input, textarea')) e.preventDefault(); // long-press menus on a kiosk
  });

  window.addEventListener('online', () => dispatch({ type: 'ONLINE' }));
  window.addEventListener('offline', () => dispatch({ type: 'OFFLINE' }));
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
  installTestHooks();

  // The first screen is chosen from localStorage alone, so it appears at once, offline too.
  dispatch({ type: 'START' });

  store.requestPersistence();
  finalizeStale().then(() => queue.kick());
  refreshStatus();
  checkDevice();
  registerWorker();
}

start();
