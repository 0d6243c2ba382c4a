/* Parley embed: one tag draws a chat button that opens a Parley talk page in a panel.
 *   <script src="https://parley.example/embed.js" data-talk-url="https://parley.example/chat/wky_..." async></script>
 * or let the site's backend (which holds the admin key) create the session: embed.js POSTs { clientId } to it
 * and reads talkUrl (or data.talkUrl) from the answer, once per tab:
 *   <script src="https://parley.example/embed.js" data-client-id="..." data-session-url="/api/parley-session" async></script>
 * Options: data-position="left", data-color="#0b57d0", data-label="Open chat".
 * API: ParleyEmbed.open(), .close(), .toggle(). The talk page may postMessage("parley:close") to close the panel. */
(() => {
  'use strict';
  if (window.ParleyEmbed) return;
  const script = document.currentScript;
  const d = (script && script.dataset) || {};
  if (!d.talkUrl && !(d.clientId && d.sessionUrl)) {
    console.error('Parley embed: add data-talk-url, or data-client-id and data-session-url, to the script tag.');
    return;
  }

  const side = d.position === 'left' ? 'left' : 'right';
  const color = d.color && CSS.supports('color', d.color) ? d.color : '#2563eb';
  const storageKey = 'parley-embed:' + d.clientId;
  let isOpen = false, iframe = null, pending = null;

  // The host page's CSS reaches this one element and what it inherits: reset it inline, where !important wins.
  const host = document.createElement('parley-embed');
  host.style.cssText = `all:initial!important;display:block!important;position:fixed!important;
    z-index:2147483647!important;bottom:0!important;${side}:0!important;width:0!important;height:0!important`;
  const shadow = host.attachShadow({ mode: 'open' });
  shadow.innerHTML = `<style>
*{box-sizing:border-box}
.root{font:15px/1.4 system-ui,sans-serif;color:#1f2937}
button{all:unset;box-sizing:border-box;display:flex;align-items:center;justify-content:center;cursor:pointer}
button:focus-visible{outline:3px solid var(--c);outline-offset:2px}
.launcher{position:fixed;bottom:20px;${side}:20px;width:56px;height:56px;border-radius:50%;
  background:var(--c);color:#fff;box-shadow:0 4px 14px rgba(0,0,0,.25)}
.launcher svg{width:28px;height:28px}
.open .chat,.x{display:none}.open .x{display:block}
.panel{position:fixed;bottom:88px;${side}:20px;width:min(400px,calc(100vw - 40px));height:min(640px,calc(100vh - 108px));
  display:flex;flex-direction:column;background:#fff;border-radius:12px;overflow:hidden;box-shadow:0 8px 32px rgba(0,0,0,.3)}
.panel[hidden]{display:none}
.bar{flex:none;display:flex;justify-content:flex-end;height:40px;border-bottom:1px solid #e5e7eb}
.close{width:40px;height:40px;color:#4b5563}
.close svg{width:20px;height:20px}
.body{flex:1;display:flex}
iframe{flex:1;width:100%;height:100%;border:0;display:block}
.note{margin:auto;padding:16px;text-align:center}
@media (prefers-reduced-motion:no-preference){.panel{animation:in .15s ease-out}}
@keyframes in{from{opacity:0;transform:translateY(8px)}}
@media (max-width:480px){.panel{inset:0;width:100%;height:100%;border-radius:0}.open .launcher{display:none}}
</style>
<div class="root">
<div class="panel" id="panel" role="dialog" aria-label="Chat" hidden>
<div class="bar"><button class="close" type="button" aria-label="Close chat">
<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" aria-hidden="true"><path d="M6 6l12 12M18 6L6 18"/></svg></button></div>
<div class="body"></div></div>
<button class="launcher" type="button" aria-controls="panel" aria-expanded="false">
<svg class="chat" viewBox="0 0 24 24" fill="currentColor" aria-hidden="true"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"/></svg>
<svg class="x" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2.5" aria-hidden="true"><path d="M6 6l12 12M18 6L6 18"/></svg>
</button></div>`;
  const root = shadow.querySelector('.root');
  const panel = shadow.querySelector('.panel');
  const body = shadow.querySelector('.body');
  const launcher = shadow.querySelector('.launcher');
  const closeButton = shadow.querySelector('.close');
  root.style.setProperty('--c', color);
  launcher.setAttribute('aria-label', d.label || 'Open chat');

  const note = (text) => {
    const p = document.createElement('p');
    p.className = 'note';
    p.textContent = text;
    body.replaceChildren(p);
  };

  // Storage may be off (privacy settings, sandboxed pages): then each page load asks for a session.
  const stored = () => { try { return sessionStorage.getItem(storageKey); } catch { return null; } };
  const store = (url) => { try { sessionStorage.setItem(storageKey, url); } catch { /* not kept */ } };

  async function talkUrl() {
    const raw = d.talkUrl || stored() || await requestSession();
    // Only a web address may become the iframe's src: never javascript: or data:.
    const url = new URL(raw, script.src);
    if (!/^https?:$/.test(url.protocol)) throw new Error('Parley embed: the talk URL must be http(s).');
    return url.href;
  }

  async function requestSession() {
    const response = await fetch(d.sessionUrl, {
      method: 'POST',
      credentials: 'include',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ clientId: d.clientId }),
    });
    if (!response.ok) throw new Error(`Parley embed: ${d.sessionUrl} answered ${response.status}.`);
    const json = await response.json();
    const url = json.talkUrl || (json.data && json.data.talkUrl);
    if (!url) throw new Error(`Parley embed: no talkUrl in the answer of ${d.sessionUrl}.`);
    store(url);
    return url;
  }

  // The iframe (and in session mode the session) is made on the first open, then kept for the page's life.
  function load() {
    if (iframe || pending) return;
    note('Loading…');
    pending = talkUrl()
      .then((url) => {
        iframe = document.createElement('iframe');
        iframe.title = 'Chat';
        iframe.allow = 'clipboard-write';
        iframe.src = url;
        body.replaceChildren(iframe);
      })
      .catch((error) => {
        console.error(error);
        note('The chat is not available right now. Please try again later.');
      })
      .finally(() => { pending = null; });
  }

  function open() {
    if (isOpen) return;
    isOpen = true;
    panel.hidden = false;
    root.classList.add('open');
    launcher.setAttribute('aria-expanded', 'true');
    load();
    closeButton.focus();
  }

  function close() {
    if (!isOpen) return;
    isOpen = false;
    // Give focus back only if it was in the chat: closing through the API must not pull it from the host page.
    const focusWasInside = document.activeElement === host;
    panel.hidden = true;
    root.classList.remove('open');
    launcher.setAttribute('aria-expanded', 'false');
    if (focusWasInside) launcher.focus();
  }

  const toggle = () => (isOpen ? close() : open());
  launcher.addEventListener('click', toggle);
  closeButton.addEventListener('click', close);
  shadow.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && isOpen) {
      event.stopPropagation();
      close();
    }
  });
  // Keys typed inside the talk page never reach this document, so the page asks to be closed instead.
  window.addEventListener('message', (event) => {
    if (iframe && event.source === iframe.contentWindow && event.data === 'parley:close') close();
  });

  window.ParleyEmbed = { open, close, toggle };
  const mount = () => document.body.appendChild(host);
  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount);
})();
