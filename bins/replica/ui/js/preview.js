// The running clone in an iframe, routed through the server's port: desktop or a 375 px phone,
// reload, open in a new tab, download the project.

import { html, useState } from '../vendor/preact-htm.js';

/** The preview URL users can open now, if any: the record's live one, or `deployed`'s. */
export function livePreviewUrl(record, run) {
  // A failed clone's sandbox holds the bare template, not the clone.
  if (record && record.status === 'failed') return null;
  if (record && record.preview_live && record.preview_url) return record.preview_url;
  if (run && run.state === 'running') {
    const deployed = run.events.findLast((e) => e.type === 'deployed');
    if (deployed) return deployed.preview_url;
  }
  return null;
}

export function DeviceToggle({ device, setDevice, label = 'Device' }) {
  return html`<div class="segmented small" role="group" aria-label=${label}>
    ${['desktop', 'mobile'].map(
      (name) => html`<button type="button" data-device=${name}
        aria-pressed=${device === name ? 'true' : 'false'} onClick=${() => setDevice(name)}>
        ${name === 'desktop' ? 'Desktop' : 'Mobile'}
      </button>`,
    )}
  </div>`;
}

function Toolbar({ id, url, device, setDevice, onReload }) {
  return html`<div class="toolbar">
    <${DeviceToggle} device=${device} setDevice=${setDevice} label="Preview size"/>
    <span class="spacer"></span>
    <button class="icon-button" type="button" onClick=${onReload} disabled=${!url}
      aria-label="Reload the preview" title="Reload">
      <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M20 12a8 8 0 1 1-2.3-5.6M20 4v5h-5"/></svg>
    </button>
    ${url
      ? html`<a class="icon-button" href=${url} target="_blank" rel="noopener" aria-label="Open the preview in a new tab" title="Open in a new tab">
          <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M14 4h6v6M20 4l-9 9M18 14v6H4V6h6"/></svg>
        </a>`
      : null}
    <a class="button" href=${`/api/clones/${id}/download`} download aria-label="Download the project as a zip">
      <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M12 4v11M7 10l5 5 5-5M5 20h14"/></svg>
      <span>Download</span>
    </a>
  </div>`;
}

function Empty({ record, run }) {
  let message = 'Loading…';
  if (record) {
    const running = record.running || record.status === 'running' || (run && run.state === 'running');
    if (running) message = 'The preview appears here once the project is deployed.';
    else if (record.status === 'failed') message = 'The clone failed before it had a running preview.';
    else if (record.preview_url) {
      message = 'This preview is no longer running (the server restarted or it was stopped). The files and the download are still here.';
    } else message = 'This project has no running preview.';
  }
  return html`<div class="empty-preview"><p>${message}</p></div>`;
}

export function Preview({ id, record, run, device, setDevice, previewVersion = 0 }) {
  const [generation, setGeneration] = useState(0);
  const url = livePreviewUrl(record, run);
  return html`<div class="preview">
    <${Toolbar} id=${id} url=${url} device=${device} setDevice=${setDevice}
      onReload=${() => setGeneration((n) => n + 1)}/>
    <div class=${`stage-frame device-${device}`}>
      ${url
        ? html`<iframe key=${`${url}#${generation}.${previewVersion}`} class="preview-frame" src=${url}
            title="Preview of the clone" data-device=${device}
            sandbox="allow-scripts allow-same-origin allow-forms allow-popups allow-modals"></iframe>`
        : html`<${Empty} record=${record} run=${run}/>`}
    </div>
  </div>`;
}
