// Original, clone and diff side by side per device with the scores; after a refine, each
// iteration with its scores.

import { html, useEffect, useState } from '../vendor/preact-htm.js';
import { getJson, percent } from './api.js';
import { DeviceToggle } from './preview.js';

const COLUMNS = [
  { key: 'base', label: 'Original' },
  { key: 'target', label: 'Clone' },
  { key: 'diff', label: 'Difference' },
];

function Scores({ similarity, device }) {
  if (!similarity) return null;
  return html`<dl class="score-cards">
    ${['desktop', 'mobile'].map(
      (name) => html`<div class=${`score-card ${name === device ? 'current' : ''}`} data-score=${name}>
        <dt>${name === 'desktop' ? 'Desktop' : 'Mobile'}</dt>
        <dd>${percent(similarity[name])}</dd>
      </div>`,
    )}
  </dl>`;
}

function Runs({ captures, selected, onSelect }) {
  const refine = captures.refine;
  if (!refine) return null;
  const runs = [
    ...(captures.inspection ? [{ key: 'inspection', label: 'First build', similarity: captures.similarity }] : []),
    ...refine.iterations.map((it) => ({
      key: `iteration-${it.n}`,
      label: `Iteration ${it.n}${refine.best === it.n ? ' (best)' : ''}`,
      similarity: it.similarity,
    })),
  ];
  return html`<div class="runs">
    <label for="compare-run">Measurement</label>
    <select id="compare-run" value=${selected} onChange=${(e) => onSelect(e.target.value)}>
      ${runs.map((run) => html`<option value=${run.key}>
        ${run.label}${run.similarity ? ` — ${percent(run.similarity.desktop)} / ${percent(run.similarity.mobile)}` : ''}
      </option>`)}
    </select>
    ${refine.stop_reason && html`<span class="muted">Stopped: ${refine.stop_reason}</span>`}
  </div>`;
}

function imagesOf(captures, selected) {
  if (selected.startsWith('iteration-') && captures.refine) {
    const n = Number(selected.slice('iteration-'.length));
    const it = captures.refine.iterations.find((i) => i.n === n);
    if (it) return { images: it, similarity: it.similarity };
  }
  return { images: captures.inspection, similarity: captures.similarity };
}

export function Compare({ id, record, device, setDevice }) {
  const [captures, setCaptures] = useState(null);
  const [error, setError] = useState(null);
  const [selected, setSelected] = useState('inspection');
  const [column, setColumn] = useState('target');
  const stamp = record ? `${record.status}:${JSON.stringify(record.similarity)}` : '';
  useEffect(() => {
    getJson(`/api/clones/${id}/captures`)
      .then((value) => {
        setCaptures(value);
        setError(null);
      })
      .catch((e) => setError(e.message));
  }, [id, stamp]);
  if (error) return html`<p class="notice" role="alert">${error}</p>`;
  if (!captures) return html`<p class="muted pad">Loading…</p>`;
  const { images, similarity } = imagesOf(captures, selected);
  const shots = images && images[device];
  return html`<div class="compare">
    <div class="toolbar">
      <${DeviceToggle} device=${device} setDevice=${setDevice} label="Compare at"/>
      <${Runs} captures=${captures} selected=${selected} onSelect=${setSelected}/>
      <span class="spacer"></span>
      <${Scores} similarity=${similarity} device=${device}/>
    </div>
    ${!shots
      ? html`<div class="empty-preview"><p>
          ${captures.original[device]
            ? 'The clone has not been measured yet: the comparison appears once its preview compiles.'
            : 'Nothing to compare: this project has no original page.'}
        </p></div>`
      : html`<div class="compare-body">
          <div class="segmented small column-picker" role="group" aria-label="Image">
            ${COLUMNS.map((c) => html`<button type="button" aria-pressed=${column === c.key ? 'true' : 'false'}
              onClick=${() => setColumn(c.key)}>${c.label}</button>`)}
          </div>
          <div class=${`compare-grid device-${device} show-${column}`}>
            ${COLUMNS.map((c) => html`<figure class=${`shot shot-${c.key}`}>
              <figcaption>${c.label}</figcaption>
              <img src=${shots[c.key]} alt=${`${c.label}, ${device}`} loading="lazy"/>
            </figure>`)}
          </div>
        </div>`}
  </div>`;
}
