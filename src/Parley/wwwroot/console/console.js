// Parley console: the sign-in of a page left open. A page that works over its live connection (Blazor's circuit)
// sends no requests that would renew the sign-in cookie, so while the operator uses the page (keys, pointer) this
// renews it, at most once a minute. Once the page has gone unused for the idle time, it asks whether the sign-in is
// still there (asking does not renew it; another tab may have) and leaves for the login page when it is not.
(() => {
  'use strict';

  const script = document.currentScript;
  const minute = 60_000;
  const idle = Number(script.dataset.idleMinutes) * minute;
  let usedAt = Date.now();
  let askedAt = Date.now();

  const ask = async (method) => {
    askedAt = Date.now();
    try {
      const answer = await fetch(script.dataset.session, { method, cache: 'no-store', credentials: 'same-origin' });
      if (answer.status === 401) {
        location.assign(`${script.dataset.login}?returnUrl=${encodeURIComponent(location.pathname + location.search)}`);
      }
    } catch {
      // Offline or restarting: the next use or check asks again.
    }
  };

  // Blazor's enhanced navigation keeps this script running from page to page; it acts only while the page is a
  // signed-in one (its layout holds the script's element).
  const signedIn = () => document.querySelector('script[data-session]') !== null;

  const used = () => {
    usedAt = Date.now();
    if (usedAt - askedAt >= minute && signedIn()) ask('POST');
  };
  for (const type of ['keydown', 'pointerdown']) addEventListener(type, used, { capture: true, passive: true });

  setInterval(() => {
    if (Date.now() - usedAt >= idle && Date.now() - askedAt >= minute && signedIn()) ask('GET');
  }, minute);
})();
