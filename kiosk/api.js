/*
 * api.js — the three server calls the kiosk makes, and nothing else.
 *
 *   POST /kiosk/api/pair      {code}                 → 201 {token, unit, counter}
 *   GET  /kiosk/api/device    Bearer token           → 200 {unit, counter, questionnaire} | 401
 *   POST /api/v1/votes        Bearer token, vote     → 201 | 200 (replay) | 409 | 422 | 401 | 5xx
 *
 * Every call resolves to {status, body} for any HTTP answer (body = parsed JSON or null) and
 * rejects only when no answer arrived (offline, DNS, timeout): the caller decides what an HTTP
 * status means. Requests are never cached and carry no cookies: the device token is the only
 * credential, so a stale officer session on the tablet cannot leak into a vote.
 */

import { timing, urls } from './config.js';

async function call(url, { method = 'GET', token, json } = {}) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (json !== undefined) headers['Content-Type'] = 'application/json';
  const ctrl = typeof AbortController === 'function' ? new AbortController() : null;
  const timer = ctrl ? setTimeout(() => ctrl.abort(), timing.fetchTimeout) : 0;
  try {
    const res = await fetch(url, {
      method,
      headers,
      body: json === undefined ? undefined : JSON.stringify(json),
      cache: 'no-store',
      credentials: 'omit',
      signal: ctrl ? ctrl.signal : undefined,
    });
    let body = null;
    try {
      body = await res.json();
    } catch {
      body = null; // empty or non-JSON answer (proxy error page): the status still counts
    }
    return { status: res.status, body };
  } finally {
    clearTimeout(timer);
  }
}

export function pair(code) {
  return call(urls.pair, { method: 'POST', json: { code } });
}

export function device(token) {
  return call(urls.device, { token });
}

/** Send one frozen vote body; the caller passes exactly what it stored. */
export function sendVote(token, body) {
  return call(urls.votes, { method: 'POST', token, json: body });
}
