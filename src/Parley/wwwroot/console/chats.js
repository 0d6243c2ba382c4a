// The Chats page's few behaviours Blazor cannot express on its own: dragging the divider (pointer capture), keys
// whose default must be stopped only sometimes (Enter in the message box, arrows on the divider), keeping a chat
// scrolled to its newest message, native modal dialogs, and the operator's time zone. Blazor renders everything;
// this module never changes what Blazor rendered, it only reports back (page.SetListWidth) and scrolls.

/** Wires the page once; returns the browser's time zone so the server can write times as the operator reads them. */
export function init(root, page) {
  const divider = root.querySelector('.chats-divider');
  const bounds = () => [Number(divider.getAttribute('aria-valuemin')), Number(divider.getAttribute('aria-valuemax'))];
  const clamp = value => Math.min(bounds()[1], Math.max(bounds()[0], Math.round(value)));

  divider.addEventListener('pointerdown', down => {
    if (down.button !== 0) return;
    down.preventDefault();
    divider.setPointerCapture(down.pointerId);
    const box = root.getBoundingClientRect();
    let percent = Number(divider.getAttribute('aria-valuenow'));
    const move = event => {
      percent = clamp(((event.clientX - box.left) / box.width) * 100);
      // Follows the pointer at once; the page renders the same value when told below.
      root.style.setProperty('--chats-list', `${percent}%`);
    };
    const up = () => {
      divider.removeEventListener('pointermove', move);
      divider.removeEventListener('pointerup', up);
      divider.removeEventListener('pointercancel', up);
      page.invokeMethodAsync('SetListWidth', percent);
    };
    divider.addEventListener('pointermove', move);
    divider.addEventListener('pointerup', up);
    divider.addEventListener('pointercancel', up);
  });

  const steps = { ArrowLeft: -2, ArrowDown: -2, ArrowRight: 2, ArrowUp: 2, PageDown: -10, PageUp: 10 };
  // Keys pressed faster than the page renders build on the width last asked for, not on the one still shown.
  let requested = null;
  new MutationObserver(() => {
    if (Number(divider.getAttribute('aria-valuenow')) === requested) requested = null;
  }).observe(divider, { attributes: true, attributeFilter: ['aria-valuenow'] });
  divider.addEventListener('keydown', event => {
    const now = requested ?? Number(divider.getAttribute('aria-valuenow'));
    const [min, max] = bounds();
    const next = event.key === 'Home' ? min : event.key === 'End' ? max : event.key in steps ? now + steps[event.key] : null;
    if (next === null) return;
    event.preventDefault();
    requested = clamp(next);
    page.invokeMethodAsync('SetListWidth', requested);
  });

  // Enter sends, Shift+Enter makes a new line; a composing input method keeps its Enter.
  root.addEventListener('keydown', event => {
    const box = event.target;
    if (event.key !== 'Enter' || event.shiftKey || event.isComposing || !box.matches('textarea[data-enter-sends]')) return;
    event.preventDefault();
    box.form.requestSubmit();
  });

  // A chat follows its newest message while the operator is at the bottom; scrolling up to read stops that.
  const pinned = new WeakMap();
  const atBottom = log => log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  root.addEventListener('scroll', event => {
    if (event.target.classList?.contains('chat-log')) pinned.set(event.target, atBottom(event.target));
  }, true);
  new MutationObserver(() => {
    for (const log of root.querySelectorAll('.chat-log')) {
      if (pinned.get(log) !== false) log.scrollTop = log.scrollHeight;
    }
  }).observe(root, { childList: true, subtree: true, characterData: true });

  root.addEventListener('click', event => {
    const button = event.target.closest?.('.chat-speak');
    if (button) readAloud(button);
  });

  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

// ---- Reading a reply aloud: the gateway's voice through the console's route, or (when the gateway has no speech
// model) the browser's. Only the button's pressed state and label change while it reads.
const audio = new Audio();
let reading = null;

function stopReading() {
  if (!reading) return;
  const { button, label } = reading;
  reading = null;
  button.setAttribute('aria-pressed', 'false');
  button.setAttribute('aria-label', label);
  button.title = label;
  audio.pause();
  if (audio.src) URL.revokeObjectURL(audio.src);
  audio.removeAttribute('src');
  window.speechSynthesis?.cancel();
}

async function readAloud(button) {
  const again = reading?.button === button;
  stopReading();
  if (again) return;
  const mine = reading = { button, label: button.getAttribute('aria-label') };
  button.setAttribute('aria-pressed', 'true');
  button.setAttribute('aria-label', button.dataset.stop);
  button.title = button.dataset.stop;
  const done = () => { if (reading === mine) stopReading(); };
  try {
    const response = await fetch(button.dataset.speech, { method: 'POST', credentials: 'same-origin' });
    if (reading !== mine) return;
    if (response.ok) {
      audio.onended = done;
      audio.src = URL.createObjectURL(await response.blob());
      if (reading === mine) await audio.play();
      return;
    }
    const problem = await response.json().catch(() => null);
    if (problem?.code !== 'speech_not_configured' || !window.speechSynthesis) throw new Error(problem?.message ?? String(response.status));
    const text = button.closest('.chat-message')?.querySelector('.chat-bubble')?.textContent.trim() ?? '';
    const utterance = new SpeechSynthesisUtterance(text);
    utterance.onend = utterance.onerror = done;
    speechSynthesis.speak(utterance);
  } catch (error) {
    done();
    button.title = error.message;
  }
}

export function showModal(dialog) {
  if (!dialog.open) dialog.showModal();
}

export function close(dialog) {
  if (dialog.open) dialog.close();
}

/** Brings the first search match of a chat into view. */
export function revealMatch(log) {
  log.querySelector('mark')?.scrollIntoView({ block: 'center' });
}
