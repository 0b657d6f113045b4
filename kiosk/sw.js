/*
 * sw.js — service worker of the kiosk (scope /kiosk/): makes the app shell load with no network.
 *
 * - install:  precache the shell into a versioned cache, bypassing the HTTP cache, so a tablet
 *             never mixes files from two releases; any missing file fails the install (retried
 *             by the browser) rather than leaving a half shell. VERSION is filled in by the
 *             server (survey_app/web/kiosk.py, shell_version): a short SHA-256 of the shell's
 *             files computed when the app starts, so any change to a shell file changes the
 *             cache name. Never edit it by hand.
 * - activate: delete every older kiosk-shell-* cache, then take control of open pages
 *             (app.js reloads at the next idle moment).
 * - fetch:    cache-first for the shell; navigations inside the scope (/kiosk/, /kiosk/?idle=…)
 *             get the cached index.html. API calls (/api/ anywhere, including /kiosk/api/ and
 *             /api/v1/votes) are never answered or cached here: they go straight to the network,
 *             and offline votes wait in IndexedDB instead.
 */

const VERSION = '__SHELL_VERSION__'; // replaced by the server when it serves this file
const CACHE = `kiosk-shell-${VERSION}`;
const SHELL = [
  './', // the page itself (index.html), under the URL the server guarantees
  'kiosk.css',
  'app.js',
  'config.js',
  'i18n.js',
  'store.js',
  'api.js',
  'queue.js',
  'phone.js',
  'manifest.webmanifest',
  'icon.svg',
  'icon-maskable.svg',
];
const scope = new URL(self.registration.scope);
const shellUrls = new Set(SHELL.map((p) => new URL(p, scope).href));
const indexUrl = scope.href;

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await Promise.all([...shellUrls].map(async (href) => {
      let res = await fetch(new Request(href, { cache: 'reload', credentials: 'omit' }));
      if (!res.ok) throw new Error(`kiosk shell: ${href} answered ${res.status}`);
      // A redirected response may not answer a navigation; store a plain copy instead.
      if (res.redirected) res = new Response(await res.blob(), { status: res.status, headers: res.headers });
      await cache.put(href, res);
    }));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names.filter((n) => n.startsWith('kiosk-shell-') && n !== CACHE).map((n) => caches.delete(n)));
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== scope.origin || url.pathname.includes('/api/')) return; // network only
  if (!url.href.startsWith(scope.href)) return;

  if (req.mode === 'navigate') {
    event.respondWith(fromCache(indexUrl, req));
    return;
  }
  const bare = url.origin + url.pathname;
  if (shellUrls.has(bare)) event.respondWith(fromCache(bare, req));
});

/** Cache first; on a miss fetch from the network and keep a good copy for next time. */
async function fromCache(key, req) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(key, { ignoreSearch: true });
  if (hit) return hit;
  const res = await fetch(req);
  if (res.ok && res.type === 'basic' && req.mode !== 'navigate') cache.put(key, res.clone());
  return res;
}
