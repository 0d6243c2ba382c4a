// Parley talk page: files with a message. Loaded by talk.js only when the assistant takes files.
'use strict';
// Files are picked with the paperclip, pasted or dropped; each shows in the tray above the input (a preview for
// images) with a button to remove it before sending, and goes up as a form whose progress shows on the message.
window.ParleyAttachments = ({ form, input, t, limits, showNotice, clearNotices, kilobytes, element }) => {
  const types = limits.allowedAttachmentTypes?.length
    ? limits.allowedAttachmentTypes
    : ['image/png', 'image/jpeg', 'image/webp', 'image/gif', 'application/pdf', 'text/plain', 'text/markdown', 'text/csv', 'application/json'];
  let pending = [];

  const picker = element('input');
  picker.type = 'file';
  picker.multiple = true;
  picker.hidden = true;
  picker.accept = [...types, '.md', '.csv', '.json', '.txt'].join(',');
  const button = element('button', 'parley-attach');
  button.type = 'button';
  button.setAttribute('aria-label', t.Attach);
  button.title = t.Attach;
  button.innerHTML = '<svg aria-hidden="true" viewBox="0 0 24 24" width="20" height="20"><path d="M16.5 6v11.5a4 4 0 0 1-8 0V5a2.5 2.5 0 0 1 5 0v10.5a1 1 0 0 1-2 0V6H10v9.5a2.5 2.5 0 0 0 5 0V5a4 4 0 0 0-8 0v12.5a5.5 5.5 0 0 0 11 0V6h-1.5z"/></svg>';
  const tray = element('ul', 'parley-tray');
  tray.setAttribute('aria-label', t.AttachedFiles);
  tray.hidden = true;
  form.prepend(picker, button);
  form.before(tray);

  function showTray() {
    for (const image of tray.querySelectorAll('img')) URL.revokeObjectURL(image.src);
    tray.replaceChildren(...pending.map((file) => {
      const chip = element('li', 'parley-chip');
      if (file.type.startsWith('image/')) {
        const preview = element('img');
        preview.src = URL.createObjectURL(file);
        preview.alt = '';
        chip.append(preview);
      }
      chip.append(element('span', 'parley-file-name', file.name), element('span', 'parley-file-size', kilobytes(file.size)));
      const remove = element('button', 'parley-chip-remove', '×');
      remove.type = 'button';
      remove.setAttribute('aria-label', t.RemoveFile.replace('{0}', file.name));
      remove.addEventListener('click', () => {
        pending = pending.filter((f) => f !== file);
        showTray();
        input.focus();
      });
      chip.append(remove);
      return chip;
    }));
    tray.hidden = pending.length === 0;
  }

  // The server checks every rule again; these checks only spare the user an upload that cannot succeed.
  function add(files) {
    clearNotices();
    for (const file of files) {
      if (pending.length >= limits.maxAttachmentsPerMessage) {
        showNotice(t.ErrorTooManyFiles.replace('{0}', limits.maxAttachmentsPerMessage));
        break;
      }
      if (file.size > limits.maxAttachmentBytes) {
        showNotice(t.ErrorFileTooLarge.replace('{0}', file.name).replace('{1}', kilobytes(limits.maxAttachmentBytes)));
        continue;
      }
      if (pending.reduce((sum, f) => sum + f.size, file.size) > limits.maxAttachmentBytesPerMessage) {
        showNotice(t.ErrorFilesTooLarge.replace('{0}', kilobytes(limits.maxAttachmentBytesPerMessage)));
        continue;
      }
      pending.push(file);
    }
    showTray();
  }

  button.addEventListener('click', () => picker.click());
  picker.addEventListener('change', () => {
    add([...picker.files]);
    picker.value = '';
  });
  input.addEventListener('paste', (event) => {
    const files = [...(event.clipboardData?.files ?? [])];
    if (files.length) {
      event.preventDefault();
      add(files);
    }
  });
  document.addEventListener('dragover', (event) => event.preventDefault());
  document.addEventListener('drop', (event) => {
    event.preventDefault();
    add([...(event.dataTransfer?.files ?? [])]);
  });

  /**
   * Sends the message as a form with XMLHttpRequest, the one browser API that reports upload progress, and hands its
   * event stream back as a fetch Response, so the reply is read the same way as any other.
   */
  function upload(url, body, files, item) {
    const data = new FormData();
    data.append('content', body.content);
    if (body.proof) data.append('proof', JSON.stringify(body.proof));
    for (const file of files) data.append('files', file, file.name);
    const progress = element('progress', 'parley-upload');
    progress.max = 100;
    progress.value = 0;
    progress.setAttribute('aria-label', t.Uploading);
    item.append(progress);

    return new Promise((resolve, reject) => {
      const request = new XMLHttpRequest();
      let controller;
      let sent = 0;
      const encoder = new TextEncoder();
      const stream = new ReadableStream({ start: (c) => { controller = c; } });
      const flush = () => {
        const text = request.responseText;
        if (text.length > sent) controller.enqueue(encoder.encode(text.slice(sent)));
        sent = text.length;
      };
      request.upload.addEventListener('progress', (event) => {
        if (event.lengthComputable) progress.value = Math.round((event.loaded / event.total) * 100);
      });
      request.upload.addEventListener('load', () => progress.remove());
      request.addEventListener('readystatechange', () => {
        if (request.readyState !== XMLHttpRequest.HEADERS_RECEIVED) return;
        progress.remove();
        const headers = new Headers({ 'Content-Type': request.getResponseHeader('Content-Type') ?? '' });
        resolve(new Response(stream, { status: request.status, headers }));
      });
      request.addEventListener('progress', flush);
      request.addEventListener('load', () => {
        flush();
        controller.close();
      });
      request.addEventListener('error', () => {
        progress.remove();
        controller.error(new Error('network'));
        reject(new Error('network'));
      });
      request.open('POST', url);
      request.setRequestHeader('Accept', 'text/event-stream');
      request.send(data);
    });
  }

  return {
    pending: () => pending.slice(),
    clear: () => {
      pending = [];
      showTray();
    },
    upload,
  };
};
