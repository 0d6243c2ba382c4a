// Parley talk page. No framework: the page is small, and every kilobyte counts on a phone.
// Custom scripts can listen to document events "parley:message-sent" and "parley:reply-received",
// or use window.Parley (see docs/talk-page.md).
(() => {
  'use strict';

  const config = JSON.parse(document.getElementById('parley-config').textContent);
  const nonce = document.currentScript?.nonce;
  const t = config.strings;
  const api = config.api;
  const lang = document.documentElement.lang || 'en';
  const $ = (selector) => document.querySelector(selector);
  const list = $('.parley-messages');
  const hello = $('.parley-hello');
  const form = $('.parley-composer');
  const input = $('#parley-input');
  const sendButton = $('.parley-send');
  const liveRegion = $('.parley-status');
  const sessionUsage = $('.parley-session-usage');
  const confirmDialog = $('.parley-confirm');
  const continueDialog = $('.parley-continue-dialog');
  const main = $('.parley-main');
  const debug = config.chat.page.debug;
  let totalTokens = config.chat.usage.inputTokens + config.chat.usage.outputTokens;
  // In debug mode the view carries the daily token budgets: the smallest one left is what stops the next message.
  let budgetLeft = (config.chat.budgets ?? []).reduce((least, b) => Math.min(least, b.left), Infinity);
  let busy = false;
  // A chat client may ask for a proof of work before a session's first message; it is solved in the background
  // as soon as the page opens, so it is usually ready when the user sends.
  let needsProof = Boolean(config.chat.page.proofOfWorkBits) && config.chat.messages.length === 0;
  let proof = null;

  const format = (template, ...args) => template.replace(/\{(\d+)\}/g, (_, i) => String(args[Number(i)] ?? ''));
  const emit = (name, detail) => document.dispatchEvent(new CustomEvent(`parley:${name}`, { detail }));
  const element = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  };
  const icon = (path) => `<svg aria-hidden="true" viewBox="0 0 24 24" width="16" height="16"><path d="${path}"/></svg>`;
  const thumbUp = 'M2 21h4V9H2v12zm20-11a2 2 0 0 0-2-2h-6.3l1-4.6v-.3c0-.4-.2-.8-.4-1.1L13.2 1 6.6 7.6c-.4.4-.6.9-.6 1.4v10a2 2 0 0 0 2 2h9c.8 0 1.5-.5 1.8-1.2l3-7.1c.1-.2.2-.5.2-.7v-2z';
  const thumbDown = 'M22 3h-4v12h4V3zM2 14a2 2 0 0 0 2 2h6.3l-1 4.6v.3c0 .4.2.8.4 1.1l1.1 1 6.6-6.6c.4-.4.6-.9.6-1.4V5a2 2 0 0 0-2-2H7c-.8 0-1.5.5-1.8 1.2l-3 7.1c-.1.2-.2.5-.2.7v2z';

  // ---- Markdown: marked parses, DOMPurify sanitizes. Raw HTML in model output is shown as text, never run.
  const escapeHtml = (text) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  marked.use({ gfm: true, breaks: true, renderer: { html: ({ text }) => escapeHtml(text) } });
  DOMPurify.addHook('afterSanitizeAttributes', (node) => {
    if (node.tagName === 'A') {
      node.setAttribute('target', '_blank');
      node.setAttribute('rel', 'noopener noreferrer');
    }
  });
  const sanitizeOptions = {
    FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'iframe', 'object', 'embed'],
    FORBID_ATTR: ['style', 'class', 'id'],
  };

  function renderMarkdown(target, text) {
    target.innerHTML = DOMPurify.sanitize(marked.parse(text), sanitizeOptions);
    for (const pre of target.querySelectorAll('pre')) {
      const copy = element('button', 'parley-copy', t.Copy);
      copy.type = 'button';
      copy.addEventListener('click', async () => {
        await navigator.clipboard.writeText(pre.querySelector('code')?.textContent ?? pre.textContent);
        copy.textContent = t.Copied;
        setTimeout(() => { copy.textContent = t.Copy; }, 1500);
      });
      pre.append(copy);
    }
  }

  // ---- Scrolling: follow the reply while the reader is at the bottom, leave them alone when they scrolled up.
  const nearBottom = () => main.scrollHeight - main.scrollTop - main.clientHeight < 80;
  const scrollToEnd = () => { main.scrollTop = main.scrollHeight; };

  function updateHello() {
    hello.hidden = list.children.length > 0;
  }

  function showSessionUsage() {
    if (!debug) return;
    sessionUsage.hidden = false;
    sessionUsage.textContent = format(t.SessionUsage, totalTokens)
      + (Number.isFinite(budgetLeft) ? ` · ${format(t.BudgetLeft, budgetLeft)}` : '');
  }

  // ---- Messages
  const kilobytes = (size) => `${Math.max(1, Math.round(size / 1024)).toLocaleString(lang)} KB`;

  /** The files of a message under its bubble: images as thumbnails, others as links, each opening the file. */
  function showFiles(item, files) {
    item.querySelector('.parley-files')?.remove();
    if (!files?.length) return;
    const shelf = element('ul', 'parley-files');
    for (const file of files) {
      const link = element('a', 'parley-file');
      link.href = file.url;
      link.target = '_blank';
      link.rel = 'noopener';
      if (file.contentType.startsWith('image/')) {
        const image = element('img');
        image.src = file.url;
        image.alt = file.name;
        link.append(image);
      } else {
        link.append(element('span', 'parley-file-name', file.name), element('span', 'parley-file-size', kilobytes(file.size)));
      }
      const entry = element('li');
      entry.append(link);
      shelf.append(entry);
    }
    item.querySelector('.parley-bubble').after(shelf);
  }

  function showSources(item, sources) {
    item.querySelector('.parley-sources')?.remove();
    if (!sources?.length) return;
    const list = element('ol', 'parley-sources');
    list.setAttribute('aria-label', t.Sources);
    for (const source of sources) {
      const link = element('a', '', source.title);
      link.href = source.url;
      link.target = '_blank';
      link.rel = 'noopener noreferrer';
      const entry = element('li');
      entry.append(link);
      list.append(entry);
    }
    item.querySelector('.parley-message-footer').before(list);
  }

  function addUserMessage(content, files) {
    const item = element('li', 'parley-message parley-message-user');
    item.append(element('div', 'parley-bubble', content));
    if (!content) item.firstChild.hidden = true;
    showFiles(item, files);
    list.append(item);
    updateHello();
    scrollToEnd();
    return item;
  }

  function addAssistantMessage() {
    const item = element('li', 'parley-message parley-message-assistant parley-pending');
    const reasoning = element('details', 'parley-reasoning');
    reasoning.hidden = true;
    reasoning.open = true;
    reasoning.append(element('summary', '', t.Reasoning), element('div', 'parley-reasoning-text'));
    const bubble = element('div', 'parley-bubble parley-markdown');
    bubble.append(element('span', 'parley-typing', t.Thinking));
    item.append(reasoning, bubble, element('div', 'parley-message-footer'));
    list.append(item);
    updateHello();
    scrollToEnd();
    return item;
  }

  /** Fills an assistant item from a stored message or from the state of a stream. */
  function paintAssistant(item, message) {
    const reasoning = item.querySelector('.parley-reasoning');
    if (message.reasoning) {
      reasoning.hidden = false;
      reasoning.querySelector('.parley-reasoning-text').textContent = message.reasoning;
    }
    const bubble = item.querySelector('.parley-bubble');
    if (message.content) renderMarkdown(bubble, message.content);
    else if (message.status) bubble.textContent = '';
    showFiles(item, message.attachments);
    // While a tool runs the reply says what it is doing; once it ends, the pages it used are listed under it.
    let activity = item.querySelector('.parley-tool');
    if (message.tool && !message.status) {
      activity ??= element('p', 'parley-tool');
      activity.textContent = message.tool.summary;
      activity.dataset.status = message.tool.status;
      bubble.before(activity);
    } else activity?.remove();
    showSources(item, message.sources);
    if (!message.status) return;

    item.classList.remove('parley-pending');
    reasoning.open = false;
    if (message.id) item.dataset.id = message.id;
    const footer = item.querySelector('.parley-message-footer');
    footer.replaceChildren();
    if (message.status === 'incomplete') {
      item.classList.add('parley-incomplete');
      footer.append(element('span', 'parley-incomplete-note', message.errorText ?? t.Incomplete));
      // A refused provider key or request fails the same way again: no button that cannot help.
      if (message.retryable !== false) {
        const retry = element('button', 'parley-retry', t.Retry);
        retry.type = 'button';
        retry.addEventListener('click', () => retryLast());
        footer.append(retry);
      }
    }
    if (debug && message.usage) {
      footer.append(element('span', 'parley-usage', format(t.Usage, message.usage.inputTokens, message.usage.outputTokens)));
    }
    if (message.id && message.status === 'complete') footer.append(feedbackControls(message));
    if (message.id && message.status === 'complete') speakerButton(footer, message.id, item.querySelector('.parley-bubble'));
  }

  function feedbackControls(message) {
    const box = element('div', 'parley-feedback');
    const comment = element('form', 'parley-feedback-comment');
    comment.hidden = true;
    const label = element('label', 'parley-visually-hidden', t.FeedbackComment);
    const text = element('textarea');
    text.rows = 2;
    text.maxLength = 2000;
    text.placeholder = t.FeedbackComment;
    label.htmlFor = text.id = `parley-feedback-${message.id}`;
    const submit = element('button', 'parley-button-secondary', t.FeedbackSubmit);
    comment.append(label, text, submit);
    let rating = message.feedback?.rating ?? null;

    const buttons = ['up', 'down'].map((value) => {
      const button = element('button', `parley-feedback-${value}`);
      button.type = 'button';
      button.innerHTML = icon(value === 'up' ? thumbUp : thumbDown);
      button.setAttribute('aria-label', value === 'up' ? t.FeedbackUp : t.FeedbackDown);
      button.title = button.getAttribute('aria-label');
      button.setAttribute('aria-pressed', String(rating === value));
      button.addEventListener('click', async () => {
        rating = value;
        for (const b of buttons) b.setAttribute('aria-pressed', String(b === button));
        await postFeedback(message.id, { rating });
        comment.hidden = false;
        text.focus();
      });
      return button;
    });
    comment.addEventListener('submit', async (event) => {
      event.preventDefault();
      await postFeedback(message.id, { rating, comment: text.value });
      comment.replaceWith(element('span', 'parley-feedback-thanks', t.FeedbackThanks));
    });
    box.append(...buttons, comment);
    return box;
  }

  async function postFeedback(id, body) {
    await fetch(`${api}/messages/${id}/feedback`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
    });
  }

  // ---- Notices: limits and errors, shown in the conversation where the reader is looking.
  function showNotice(text, actions = []) {
    clearNotices();
    const notice = element('li', 'parley-notice');
    notice.setAttribute('role', 'alert');
    notice.append(element('p', '', text));
    for (const [label, action] of actions) {
      const button = element('button', 'parley-button-secondary', label);
      button.type = 'button';
      button.addEventListener('click', action);
      notice.append(button);
    }
    list.append(notice);
    scrollToEnd();
  }

  const clearNotices = () => { for (const n of list.querySelectorAll('.parley-notice')) n.remove(); };

  function describeProblem(problem) {
    const time = (iso) => new Date(iso).toLocaleTimeString(lang, { hour: '2-digit', minute: '2-digit' });
    // The operator's own words for a limit, when they wrote some; the way out (clearing) is still offered.
    if (problem?.operatorMessage) {
      return [problem.operatorMessage, problem.code === 'max_messages_reached' ? [[t.ClearToContinue, askToClear]] : undefined];
    }
    switch (problem?.code) {
      case 'token_budget_spent': return [format(t.ErrorBudget, time(problem.resetsAt))];
      case 'hourly_limit_reached': return [format(t.ErrorHourly, problem.limit, time(problem.resetsAt))];
      case 'max_messages_reached': return [format(t.ErrorMaxMessages, problem.limit), [[t.ClearToContinue, askToClear]]];
      case 'input_too_long': return [format(t.ErrorTooLong, problem.tokens, problem.limit)];
      case 'session_expired': expire(); return [t.ErrorExpired];
      case 'attachment_type_refused': return [format(t.ErrorFileType, problem.name)];
      case 'attachment_too_large': return [problem.name ? format(t.ErrorFileTooLarge, problem.name, kilobytes(problem.limit)) : format(t.ErrorFilesTooLarge, kilobytes(problem.limit))];
      case 'too_many_attachments': return [format(t.ErrorTooManyFiles, problem.limit)];
      case 'images_not_accepted': return [t.ErrorNoImages];
      case 'reply_in_progress': return [t.ErrorBusy];
      default: return [t.ErrorGeneric];
    }
  }

  function expire() {
    input.disabled = true;
    sendButton.disabled = true;
    form.classList.add('parley-disabled');
  }

  // ---- Streams: POST for a new reply, GET /reply to pick one up after a reload or a lost connection.
  async function* readEvents(response) {
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let type = 'message';
        let data = '';
        for (const line of block.split('\n')) {
          if (line.startsWith('event:')) type = line.slice(6).trim();
          else if (line.startsWith('data:')) data += line.slice(5).trim();
        }
        if (data) yield { type, data: JSON.parse(data) };
      }
    }
  }

  /** Shows a reply as it streams. Returns true when it ended (done or error), false when the connection broke. */
  async function follow(response, item) {
    const state = { content: '', reasoning: '' };
    let scheduled = false;
    const repaint = () => {
      scheduled = false;
      const stick = nearBottom();
      paintAssistant(item, state);
      if (stick) scrollToEnd();
    };
    try {
      for await (const event of readEvents(response)) {
        if (event.type === 'delta') state.content += event.data.content;
        else if (event.type === 'reasoning') state.reasoning += event.data.content;
        else if (event.type === 'tool') {
          state.tool = event.data;
          liveRegion.textContent = event.data.summary;
        }
        else if (event.type === 'held') {
          // A person answers this conversation now: their answer comes on the session's event stream.
          item.remove();
          liveRegion.textContent = format(t.SentToPerson, event.data.operatorName);
          return true;
        }
        else if (event.type === 'done' || event.type === 'error') {
          const failed = event.type === 'error';
          Object.assign(state, {
            id: event.data.messageId,
            status: failed ? 'incomplete' : 'complete',
            usage: event.data.usage,
            sources: event.data.sources,
            errorText: failed ? t.ErrorProvider : undefined,
            retryable: failed ? event.data.retryable : undefined,
          });
          paintAssistant(item, state);
          if (event.data.usage) {
            const used = event.data.usage.inputTokens + event.data.usage.outputTokens;
            totalTokens += used;
            budgetLeft = Math.max(0, budgetLeft - used);
            showSessionUsage();
          }
          if (failed) {
            emit('reply-failed', {
              code: event.data.code, message: event.data.message, messageId: event.data.messageId, retryable: event.data.retryable,
            });
          } else {
            liveRegion.textContent = `${t.ReplyReceived} ${state.content.slice(0, 500)}`;
            emit('reply-received', { messageId: event.data.messageId, content: state.content, usage: event.data.usage });
          }
          return true;
        }
        if (!scheduled) {
          scheduled = true;
          requestAnimationFrame(repaint);
        }
      }
    } catch {
      // The connection broke mid-reply; the caller picks the reply up again.
    }
    return false;
  }

  async function stream(request, item) {
    setBusy(true);
    try {
      let response = await request();
      if (!response) return;
      if (response.status === 204) {
        await reload();
        return;
      }
      for (let attempt = 0; ; attempt++) {
        if (await follow(response, item)) return;
        showNotice(t.ErrorNetwork);
        await new Promise((resolve) => setTimeout(resolve, Math.min(500 * 2 ** attempt, 5000)));
        try {
          response = await fetch(`${api}/reply`, { headers: { Accept: 'text/event-stream' } });
        } catch {
          continue;
        }
        clearNotices();
        if (response.status === 204) {
          // The reply ended while we were away: it is stored, so show it from the conversation.
          await reload();
          return;
        }
        if (!response.ok) throw new Error(String(response.status));
      }
    } finally {
      setBusy(false);
    }
  }

  async function reload() {
    const response = await fetch(api);
    if (!response.ok) return;
    const chat = (await response.json()).data;
    list.replaceChildren();
    renderConversation(chat.messages);
  }

  function setBusy(value) {
    busy = value;
    sendButton.disabled = value || input.disabled;
    form.setAttribute('aria-busy', String(value));
  }

  async function readProblem(response) {
    try { return await response.json(); } catch { return null; }
  }

  // ---- Proof of work: a nonce whose SHA-256 of "challenge:nonce" begins with the asked number of zero bits.
  const leadingZeroBits = (bytes) => {
    let zeros = 0;
    for (const byte of bytes) {
      if (byte === 0) { zeros += 8; continue; }
      return zeros + Math.clz32(byte) - 24;
    }
    return zeros;
  };

  async function solveProof() {
    const response = await fetch(`${api}/challenge`, { headers: { Accept: 'application/json' } });
    const { data } = await response.json();
    const encoder = new TextEncoder();
    for (let nonce = 0; ; nonce++) {
      const digest = await crypto.subtle.digest('SHA-256', encoder.encode(`${data.challenge}:${nonce}`));
      if (leadingZeroBits(new Uint8Array(digest)) >= data.bits) return { challenge: data.challenge, nonce: String(nonce) };
    }
  }

  // Files go up as a form through attach.js, which shows their progress on the message; text alone as JSON.
  const postMessage = async (content, files, item) => {
    const body = { content };
    if (needsProof) body.proof = await (proof ??= solveProof());
    if (files.length) return attachments.upload(`${api}/messages`, body, files, item);
    return fetch(`${api}/messages`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream' },
      body: JSON.stringify(body),
    });
  };

  async function send(content) {
    content = content.trim();
    const files = attachments?.pending() ?? [];
    if (busy || (!content && !files.length) || input.disabled) return;
    clearNotices();
    const userItem = addUserMessage(content, files.map((file) => ({
      name: file.name, contentType: file.type, size: file.size, url: URL.createObjectURL(file),
    })));
    emit('message-sent', { content });
    setBusy(true);

    let response;
    try {
      response = await postMessage(content, files, userItem);
      // A challenge left too long unsent expires: solve a fresh one, once.
      if (response.status === 428) {
        proof = null;
        response = await postMessage(content, files, userItem);
      }
    } catch {
      response = null;
    }
    if (response?.ok) {
      needsProof = false;
      attachments?.clear();
    }
    if (!response?.ok) {
      // Nothing the user typed is lost: the refused message goes back into the input, its files stay attached.
      userItem.remove();
      updateHello();
      if (!input.value.trim()) input.value = content;
      autosize();
      const problem = response ? await readProblem(response) : null;
      const [text, actions = []] = response ? describeProblem(problem) : [t.ErrorNetwork];
      showNotice(text, response ? actions : [[t.Retry, () => send(input.value)]]);
      setBusy(false);
      return;
    }
    await stream(async () => response, addAssistantMessage());
  }

  async function retryLast() {
    if (busy) return;
    clearNotices();
    const last = list.querySelector('.parley-message:last-of-type');
    if (last?.classList.contains('parley-message-assistant')) last.remove();
    const item = addAssistantMessage();
    await stream(async () => {
      const response = await fetch(`${api}/retry`, { method: 'POST', headers: { Accept: 'text/event-stream' } });
      if (!response.ok) {
        item.remove();
        const [text, actions] = describeProblem(await readProblem(response));
        showNotice(text, actions);
        return null;
      }
      return response;
    }, item);
  }

  function askToClear() {
    confirmDialog.returnValue = '';
    confirmDialog.showModal();
  }

  confirmDialog.addEventListener('close', async () => {
    if (confirmDialog.returnValue !== 'clear') return;
    const response = await fetch(`${api}/messages`, { method: 'DELETE' });
    if (!response.ok) {
      showNotice(describeProblem(await readProblem(response))[0]);
      return;
    }
    list.replaceChildren();
    updateHello();
    input.focus();
    emit('conversation-cleared', {});
  });

  // ---- A person answering in the assistant's place: their messages and the takeover arrive on the session's
  // event stream, which stays open while the page is; it reconnects by itself after a network fault.
  const personBanner = $('.parley-person');

  function showPerson(name) {
    personBanner.hidden = !name;
    personBanner.textContent = name ? format(t.PersonAnswering, name) : '';
  }

  function addOperatorMessage(id, content, name) {
    if (id && list.querySelector(`[data-id="${CSS.escape(id)}"]`)) return;
    const item = element('li', 'parley-message parley-message-assistant parley-message-operator');
    if (id) item.dataset.id = id;
    item.append(element('div', 'parley-author', name));
    const bubble = element('div', 'parley-bubble parley-markdown');
    renderMarkdown(bubble, content);
    item.append(bubble);
    const stick = nearBottom();
    list.append(item);
    updateHello();
    if (stick) scrollToEnd();
    return item;
  }

  async function watchForPeople() {
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await fetch(`${api}/events`, { headers: { Accept: 'text/event-stream' } });
        if (response.status === 404 || response.status === 410) return;
        if (response.ok) {
          attempt = 0;
          for await (const event of readEvents(response)) {
            if (event.type === 'operator-message') {
              addOperatorMessage(event.data.messageId, event.data.content, event.data.name);
              liveRegion.textContent = `${event.data.name}: ${event.data.content.slice(0, 500)}`;
              emit('operator-message', event.data);
            } else if (event.type === 'taken-over') showPerson(event.data.name);
            else if (event.type === 'handed-back') showPerson(null);
          }
        }
      } catch {
        // The network dropped; try again.
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(1000 * 2 ** attempt, 30000)));
    }
  }

  // ---- Continue on a phone: a one-time link (and its QR code) per chat app the assistant answers on.
  async function offerToContinue() {
    const links = continueDialog.querySelector('.parley-continue-links');
    links.replaceChildren();
    continueDialog.showModal();
    const response = await fetch(`${api}/continue`, { method: 'POST' });
    if (!response.ok) {
      continueDialog.close();
      showNotice(describeProblem(await readProblem(response))[0]);
      return;
    }
    const { data } = await response.json();
    for (const link of data.links) {
      const name = link.type === 'telegram' ? 'Telegram' : 'WhatsApp';
      const item = element('div', 'parley-continue-link');
      const anchor = element('a', null, link.type === 'telegram' ? t.ContinueTelegram : t.ContinueWhatsApp);
      anchor.href = link.url;
      anchor.target = '_blank';
      anchor.rel = 'noopener noreferrer';
      const qr = element('img');
      qr.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(link.qrCodeSvg)}`;
      qr.alt = format(t.QrFor, name);
      item.append(qr, anchor);
      links.append(item);
    }
  }

  // ---- Composer
  function autosize() {
    input.style.height = 'auto';
    input.style.height = `${Math.min(input.scrollHeight, 200)}px`;
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const content = input.value;
    if ((!content.trim() && !attachments?.pending().length) || busy) return;
    input.value = '';
    autosize();
    send(content);
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  input.addEventListener('input', autosize);
  // Inside the embed script's panel, Escape closes the panel: keys pressed in this frame never reach the host page.
  if (window.parent !== window) {
    document.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && !confirmDialog.open && !continueDialog.open) window.parent.postMessage('parley:close', '*');
    });
  }
  $('.parley-clear').addEventListener('click', askToClear);
  $('.parley-continue')?.addEventListener('click', offerToContinue);
  for (const button of document.querySelectorAll('.parley-suggestion')) {
    button.addEventListener('click', () => send(button.dataset.prompt));
  }

  // ---- Voice: replies read aloud and speech typed into the input, by the gateway when it has the models, else by
  // the browser's own speech synthesis and recognition; no button where neither exists.
  const voice = config.chat.voice ?? {};
  const Recognition = window.SpeechRecognition ?? window.webkitSpeechRecognition;
  const canRecord = voice.transcription && navigator.mediaDevices?.getUserMedia && window.MediaRecorder;
  const audio = element('audio', 'parley-audio');
  audio.hidden = true;
  document.body.append(audio);
  let reading = null;
  const speaker = 'M3 9v6h4l5 5V4L7 9H3zm13.5 3A4.5 4.5 0 0 0 14 8v8a4.5 4.5 0 0 0 2.5-4zM14 3.2v2.1a7 7 0 0 1 0 13.4v2.1a9 9 0 0 0 0-17.6z';
  const square = 'M6 6h12v12H6z';
  const micPath = 'M12 14a3 3 0 0 0 3-3V5a3 3 0 0 0-6 0v6a3 3 0 0 0 3 3zm5-3a5 5 0 0 1-10 0H5a7 7 0 0 0 6 6.9V21h2v-3.1a7 7 0 0 0 6-6.9h-2z';
  const toggle = (button, on, labels, path) => {
    button.innerHTML = icon(on ? square : path);
    button.title = labels[on ? 1 : 0];
    button.setAttribute('aria-label', button.title);
    button.setAttribute('aria-pressed', String(on));
  };
  const voiceProblem = (problem) => (problem?.code?.startsWith('provider_') ? t.ErrorVoice : describeProblem(problem)[0]);

  function speakerButton(footer, id, bubble) {
    if (!voice.speech && !window.speechSynthesis) return;
    const button = element('button', 'parley-speak');
    button.type = 'button';
    toggle(button, false, [t.ReadAloud, t.StopReading], speaker);
    button.addEventListener('click', () => readAloud(button, id, bubble.textContent.trim()));
    footer.append(button);
  }

  function stopReading() {
    if (!reading) return;
    toggle(reading.button, false, [t.ReadAloud, t.StopReading], speaker);
    reading = null;
    audio.pause();
    if (audio.src) URL.revokeObjectURL(audio.src);
    audio.removeAttribute('src');
    window.speechSynthesis?.cancel();
  }

  async function readAloud(button, id, text) {
    const again = reading?.button === button;
    stopReading();
    if (again) return;
    const mine = reading = { button };
    toggle(button, true, [t.ReadAloud, t.StopReading], speaker);
    const done = () => { if (reading === mine) stopReading(); };
    try {
      if (!voice.speech) {
        const utterance = new SpeechSynthesisUtterance(text);
        utterance.lang = lang;
        utterance.onend = utterance.onerror = done;
        speechSynthesis.speak(utterance);
        return;
      }
      const response = await fetch(`${api}/speech`, {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ messageId: id }),
      });
      if (!response.ok) throw await readProblem(response);
      if (reading !== mine) return;
      audio.onended = done;
      // Audio the browser can take piece by piece (MP3) plays while it streams in; other formats once complete.
      const type = response.headers.get('Content-Type') ?? 'audio/mpeg';
      if (!window.MediaSource?.isTypeSupported(type)) {
        audio.src = URL.createObjectURL(await response.blob());
        if (reading === mine) await audio.play();
        return;
      }
      const source = new MediaSource();
      audio.src = URL.createObjectURL(source);
      await new Promise((resolve) => source.addEventListener('sourceopen', resolve, { once: true }));
      const buffer = source.addSourceBuffer(type);
      const reader = response.body.getReader();
      audio.play().catch(done);
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
        if (reading !== mine) return reader.cancel();
        buffer.appendBuffer(chunk.value);
        await new Promise((resolve) => buffer.addEventListener('updateend', resolve, { once: true }));
      }
      source.endOfStream();
    } catch (problem) {
      done();
      showNotice(problem instanceof Error ? t.ErrorVoice : voiceProblem(problem));
    }
  }

  function typeIn(text) {
    if (!text) return;
    input.value = input.value.trim() ? `${input.value.trimEnd()} ${text}` : text;
    autosize();
    input.focus();
  }

  if (canRecord || Recognition) {
    const mic = element('button', 'parley-mic');
    mic.type = 'button';
    let stop = null;
    const listening = (on) => toggle(mic, on, [t.VoiceInput, t.StopRecording], micPath);
    listening(false);
    sendButton.before(mic);
    mic.addEventListener('click', async () => {
      if (stop) return stop();
      clearNotices();
      try {
        stop = canRecord ? await record() : listen();
        listening(true);
      } catch {
        stop = null;
        showNotice(t.ErrorMicrophone);
      }
    });
    const ended = () => { stop = null; listening(false); };

    // The gateway's transcription model: a recording, sent when the user stops it; its text lands in the input to check.
    async function record() {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      const recorder = new MediaRecorder(stream);
      const chunks = [];
      recorder.ondataavailable = (event) => chunks.push(event.data);
      recorder.onstop = async () => {
        for (const track of stream.getTracks()) track.stop();
        ended();
        const type = recorder.mimeType || 'audio/webm';
        const body = new FormData();
        body.append('file', new Blob(chunks, { type }), `recording.${type.split(/[/;]/)[1] ?? 'webm'}`);
        mic.disabled = true;
        liveRegion.textContent = t.Transcribing;
        try {
          const response = await fetch(`${api}/transcriptions`, { method: 'POST', body });
          if (!response.ok) throw await readProblem(response);
          typeIn((await response.json()).data.text);
        } catch (problem) {
          showNotice(voiceProblem(problem));
        } finally {
          mic.disabled = false;
        }
      };
      recorder.start();
      return () => recorder.stop();
    }

    // The browser's own recognition, in the page's language.
    function listen() {
      const recognition = new Recognition();
      recognition.lang = lang;
      recognition.onresult = (event) => typeIn(Array.from(event.results, (result) => result[0].transcript).join(' '));
      recognition.onerror = (event) => { if (event.error === 'not-allowed') showNotice(t.ErrorMicrophone); };
      recognition.onend = ended;
      recognition.start();
      return () => recognition.stop();
    }
  }

  // ---- Start: the conversation so far is in the page; a reply still being generated is picked up.
  function renderConversation(messages) {
    for (const message of messages) {
      if (message.role === 'user') addUserMessage(message.content, message.attachments);
      else if (message.author?.kind === 'operator') addOperatorMessage(message.id, message.content, message.author.name);
      else paintAssistant(addAssistantMessage(), message);
    }
    updateHello();
    scrollToEnd();
  }

  renderConversation(config.chat.messages);
  // ---- Files: their code loads only for an assistant that takes them.
  let attachments = null;
  if (config.attachScript) {
    const script = element('script');
    script.nonce = nonce;
    script.src = config.attachScript;
    script.addEventListener('load', () => {
      attachments = window.ParleyAttachments({ form, input, t, limits: config.chat.limits, showNotice, clearNotices, kilobytes, element });
    });
    document.body.append(script);
  }
  if (needsProof && globalThis.crypto?.subtle) proof = solveProof().catch(() => null);
  showSessionUsage();
  showPerson(config.chat.takenOver);
  watchForPeople();
  if (config.chat.replying) {
    stream(() => fetch(`${api}/reply`, { headers: { Accept: 'text/event-stream' } }), addAssistantMessage())
      .catch(() => showNotice(t.ErrorGeneric));
  }

  // The benchmark reads this mark: from here on the input takes a message.
  performance.mark('parley-ready');
  window.Parley = Object.freeze({
    send: (content) => send(content),
    clear: askToClear,
    on: (name, handler) => document.addEventListener(`parley:${name}`, (event) => handler(event.detail)),
  });
})();
