/* Parley chat button: <script src=".../embed.js" data-talk-url="..." async>, or data-client-id + data-session-url
 * (the site's backend gets { clientId }, answers { talkUrl } or { data: { talkUrl } }). Options: data-position="left",
 * data-color, data-label. API: ParleyEmbed.open/close/toggle(). The talk page may postMessage("parley:close"). */
(() => {
  'use strict';
  if (window.ParleyEmbed) return;
  const script = document.currentScript;
  const d = (script && script.dataset) || {};
  if (!d.talkUrl && !(d.clientId && d.sessionUrl)) {
    console.error('Parley embed: add data-talk-url, or data-client-id and data-session-url.');
    return;
  }

  const side = d.position === 'left' ? 'left' : 'right';
  const color = d.color && CSS.supports('color', d.color) ? d.color : '#2563eb';
  const key = 'parley-embed:' + d.clientId;
  const x = '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2.5" aria-hidden="true"><path d="M6 6l12 12M18 6 6 18"/></svg>';
  let isOpen = false, iframe = null, pending = null;

  // The host page's CSS reaches this one element and what it inherits: reset it inline, where !important wins.
  const host = document.createElement('parley-embed');
  host.style.cssText = `all:initial!important;display:block!important;position:fixed!important;
    z-index:2147483647!important;bottom:0!important;${side}:0!important;width:0!important;height:0!important`;
  const shadow = host.attachShadow({ mode: 'open' });
  shadow.innerHTML = `<style>
*{box-sizing:border-box}
.root{font:15px/1.4 system-ui,sans-serif;color:#1f2937}
button{all:unset;display:flex;align-items:center;justify-content:center;cursor:pointer}
button:focus-visible{outline:3px solid var(--c);outline-offset:2px}
.launcher{position:fixed;bottom:20px;${side}:20px;width:56px;height:56px;border-radius:50%;
  background:var(--c);color:#fff;box-shadow:0 4px 14px #0004}
svg{width:28px;height:28px}
.open .chat,.x{display:none}.open .x{display:block}
.panel{position:fixed;bottom:88px;${side}:20px;width:min(400px,100vw - 40px);height:min(640px,100vh - 108px);
  display:flex;flex-direction:column;background:#fff;border-radius:12px;overflow:hidden;box-shadow:0 8px 32px #0005}
.panel[hidden]{display:none}
.bar{display:flex;justify-content:flex-end;border-bottom:1px solid #e5e7eb}
.close{width:44px;height:44px;color:#4b5563}.close svg{width:20px}
.body{flex:1;display:flex}
iframe{flex:1;border:0}
p{margin:auto;padding:16px;text-align:center}
@media (prefers-reduced-motion:no-preference){.panel{animation:in .15s ease-out}}
@keyframes in{from{opacity:0;transform:translateY(8px)}}
@media (max-width:480px){.panel{inset:0;width:100%;height:100%;border-radius:0}.open .launcher{display:none}}
</style>
<div class="root">
<div class="panel" id="panel" role="dialog" aria-label="Chat" hidden>
<div class="bar"><button class="close" type="button" aria-label="Close chat">${x}</button></div>
<div class="body"></div></div>
<button class="launcher" type="button" aria-controls="panel" aria-expanded="false">
<svg class="chat" viewBox="0 0 24 24" fill="currentColor" aria-hidden="true"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"/></svg>
${x.replace('<svg', '<svg class="x"')}</button></div>`;
  const [root, panel, body, launcher, closeButton] =
    ['.root', '.panel', '.body', '.launcher', '.close'].map((selector) => shadow.querySelector(selector));
  root.style.setProperty('--c', color);
  launcher.setAttribute('aria-label', d.label || 'Open chat');

  const note = (text) => {
    const p = document.createElement('p');
    p.textContent = text;
    body.replaceChildren(p);
  };

  async function talkUrl() {
    let url = d.talkUrl;
    // Storage may be off (privacy settings): then each page load asks for a session.
    try { url ||= sessionStorage.getItem(key); } catch { /* no storage */ }
    if (!url) {
      const response = await fetch(d.sessionUrl, {
        method: 'POST',
        credentials: 'include',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ clientId: d.clientId }),
      });
      if (!response.ok) throw new Error(`Parley embed: ${d.sessionUrl} answered ${response.status}.`);
      const json = await response.json();
      url = json.talkUrl || (json.data && json.data.talkUrl);
      try { sessionStorage.setItem(key, url); } catch { /* not kept */ }
    }
    // Only a web address may become the iframe's src: never javascript: or data:.
    const address = new URL(url, script.src);
    if (!/^https?:$/.test(address.protocol)) throw new Error('Parley embed: no http(s) talk URL.');
    return address.href;
  }

  // The iframe (and the session) come on the first open, then stay for the page's life.
  function load() {
    if (iframe || pending) return;
    note('Loading…');
    pending = talkUrl()
      .then((url) => {
        iframe = document.createElement('iframe');
        iframe.title = 'Chat';
        iframe.allow = 'clipboard-write; microphone';
        iframe.src = url;
        body.replaceChildren(iframe);
      })
      .catch((error) => {
        console.error(error);
        note('The chat is unavailable right now. Please try again later.');
      })
      .finally(() => { pending = null; });
  }

  function setOpen(value) {
    if (value === isOpen) return;
    isOpen = value;
    // Focus goes back only if it was in the chat: an API close must not steal it from the host page.
    const focusWasInside = document.activeElement === host;
    panel.hidden = !value;
    root.classList.toggle('open', value);
    launcher.setAttribute('aria-expanded', value);
    if (value) {
      load();
      closeButton.focus();
    } else if (focusWasInside) {
      launcher.focus();
    }
  }

  const open = () => setOpen(true), close = () => setOpen(false), toggle = () => setOpen(!isOpen);
  launcher.addEventListener('click', toggle);
  closeButton.addEventListener('click', close);
  shadow.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && isOpen) {
      event.stopPropagation();
      close();
    }
  });
  // Keys typed in the talk page never reach this document, so the page asks to be closed instead.
  window.addEventListener('message', (event) => {
    if (iframe && event.source === iframe.contentWindow && event.data === 'parley:close') close();
  });

  window.ParleyEmbed = { open, close, toggle };
  if (document.body) document.body.append(host);
  else document.addEventListener('DOMContentLoaded', () => document.body.append(host));
})();
