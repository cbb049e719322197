// The live timeline of a clone: each stage with its state, what it found and its time;
// sections filling in; warnings; an error in plain words with the stage that failed.

import { html, useEffect, useState } from '../vendor/preact-htm.js';
import { duration, percent } from './api.js';
import { expectedStages, recordTimes, timeline } from './events.js';

const ICONS = {
  pending: html`<svg viewBox="0 0 24 24" aria-hidden="true"><circle cx="12" cy="12" r="4"/></svg>`,
  running: html`<span class="spinner" aria-hidden="true"></span>`,
  done: html`<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M5 12.5l4.5 4.5L19 7.5"/></svg>`,
  warned: html`<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M12 4l9 16H3zM12 10v4M12 17v.5"/></svg>`,
  failed: html`<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M6 6l12 12M18 6L6 18"/></svg>`,
  skipped: html`<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M7 12h10"/></svg>`,
};

const STATE_WORDS = {
  pending: 'waiting',
  running: 'running',
  done: 'done',
  warned: 'done with problems',
  failed: 'failed',
  skipped: 'skipped',
};

/** Re-renders every second while `active`, for elapsed times. */
function useClock(active) {
  const [, setNow] = useState(0);
  useEffect(() => {
    if (!active) return undefined;
    const timer = setInterval(() => setNow(performance.now()), 1000);
    return () => clearInterval(timer);
  }, [active]);
}

function Sections({ stage }) {
  const planned = stage.planned || [];
  const done = stage.sections || {};
  const names = planned.length ? planned.map((s) => s.name) : Object.keys(done);
  if (!names.length) return null;
  const finished = names.filter((name) => done[name]).length;
  return html`<div class="sections">
    <div class="sections-count">${finished} / ${names.length} sections</div>
    <ul class="chips" aria-label="Sections">
      ${names.map((name) => {
        const state = done[name];
        const cls = !state ? 'chip' : state.ok ? 'chip chip-ok' : 'chip chip-failed';
        const word = !state ? 'waiting' : state.ok ? 'written' : 'fell back to the compiler';
        return html`<li class=${cls} title=${state && state.error ? state.error : word}>
          ${name}<span class="visually-hidden">: ${word}</span>
        </li>`;
      })}
    </ul>
  </div>`;
}

function toolSummary(tool) {
  const input = tool.input || {};
  return input.path || input.pattern || input.package || input.device || '';
}

export function ToolRows({ tools }) {
  if (!tools.length) return null;
  return html`<ul class="tool-rows">
    ${tools.map((tool) => {
      const state = !tool.result ? 'running' : tool.result.ok ? 'ok' : 'failed';
      return html`<li class=${`tool-row tool-${state}`} data-tool=${tool.tool}>
        <span class="tool-state" aria-label=${state}>${state === 'running' ? html`<span class="spinner"></span>` : state === 'ok' ? '✓' : '✕'}</span>
        <code class="tool-name">${tool.tool}</code>
        <span class="tool-arg">${toolSummary(tool)}</span>
        ${tool.result && html`<span class="tool-result">${tool.result.summary}</span>`}
      </li>`;
    })}
  </ul>`;
}

function Stage({ stage, time }) {
  return html`<li class=${`stage stage-${stage.state}`} data-stage=${stage.key} data-state=${stage.state}>
    <span class="stage-icon">${ICONS[stage.state] || ICONS.pending}</span>
    <div class="stage-body">
      <div class="stage-head">
        <span class="stage-label">${stage.label}</span>
        <span class="visually-hidden">: ${STATE_WORDS[stage.state]}</span>
        <span class="stage-time">${time}</span>
      </div>
      ${stage.state === 'running' && stage.message && html`<div class="stage-message">${stage.message}</div>`}
      ${stage.notes.map((note) => html`<div class="stage-note">
        ${stage.swatch && note.includes(stage.swatch) && html`<span class="swatch" style=${{ background: stage.swatch }}></span>`}
        ${note}
      </div>`)}
      ${stage.key === 'generate' && html`<${Sections} stage=${stage}/>`}
      ${stage.iterations.length > 0 &&
      html`<ol class="iterations">
        ${stage.iterations.map((it) => html`<li>Iteration ${it.n}: desktop ${percent(it.similarity.desktop)}, mobile ${percent(it.similarity.mobile)}</li>`)}
      </ol>`}
      ${stage.text && html`<p class="agent-text">${stage.text}</p>`}
      <${ToolRows} tools=${stage.tools}/>
      ${stage.report && html`<details class="report"><summary>Report</summary><pre>${stage.report}</pre></details>`}
    </div>
  </li>`;
}

function stageTime(stage, now, recorded) {
  if (stage.state === 'pending' || stage.state === 'skipped') return '';
  if (recorded[stage.key] > 0 && stage.state !== 'running') return duration(recorded[stage.key]);
  if (stage.started === null) return '';
  const end = stage.finished ?? (stage.state === 'running' ? now : null);
  return end === null ? '' : duration(end - stage.started);
}

function Summary({ record }) {
  const times = recordTimes(record);
  const rows = Object.entries(times).filter(([, ms]) => typeof ms === 'number' && ms > 0);
  return html`<div class="summary">
    <p>
      ${record.status === 'done' ? 'This clone finished' : `This clone ${record.status === 'running' ? 'is running' : `ended as ${record.status}`}`}
      ${record.timings && record.timings.total ? ` in ${duration(record.timings.total)}` : ''}.
      ${record.similarity && html` Similarity: desktop ${percent(record.similarity.desktop)}, mobile ${percent(record.similarity.mobile)}.`}
    </p>
    ${rows.length > 0 &&
    html`<table class="times"><caption class="visually-hidden">Time per stage</caption>
      <tbody>${rows.map(([stage, ms]) => html`<tr><th scope="row">${stage}</th><td>${duration(ms)}</td></tr>`)}</tbody>
    </table>`}
  </div>`;
}

function Outcome({ view, record }) {
  if (view.error) {
    return html`<div class="outcome outcome-failed" role="alert" data-outcome="error">
      <strong>Failed at ${view.error.stage}.</strong> ${view.error.message}
    </div>`;
  }
  if (!view.done) return null;
  const similarity = view.done.similarity || (record && record.similarity);
  return html`<div class="outcome outcome-done" role="status" data-outcome="done">
    <strong>Done</strong> in ${duration(view.done.time * 1000)} · ${view.done.files} files
    ${similarity && html` · desktop ${percent(similarity.desktop)} · mobile ${percent(similarity.mobile)}`}
    ${!view.done.preview_url && html`<div class="muted">No preview: the files are stored, nothing runs them.</div>`}
  </div>`;
}

export function Timeline({ record, run, reload }) {
  const running = !!run && run.state === 'running';
  useClock(running);
  const unavailable = run && run.state === 'unavailable';
  useEffect(() => {
    // Without an event stream, the record is all there is: read it until the clone ends.
    if (!(unavailable && record && (record.running || record.status === 'running'))) return undefined;
    const timer = setInterval(reload, 3000);
    return () => clearInterval(timer);
  }, [unavailable, record && record.running, record && record.status]);
  if (!run || !run.events.length) {
    if (!record) return html`<p class="muted">Loading…</p>`;
    return html`<div class="timeline">
      ${unavailable && html`<p class="notice">Live progress is not available from this server (${run.message}). This page shows the result when the clone ends.</p>`}
      ${run && run.state === 'detached' && html`<p class="notice">${run.message}</p>`}
      <${Summary} record=${record}/>
      ${record.errors && record.errors.length > 0 &&
      html`<ul class="problems">${record.errors.map((e) => html`<li>${e}</li>`)}</ul>`}
    </div>`;
  }
  const view = timeline(run.events, run.times, expectedStages(record));
  const recorded = record && record.status !== 'running' && !record.running ? recordTimes(record) : {};
  const now = performance.now();
  const latest = view.stages.filter((s) => s.state === 'running').map((s) => s.label).join(', ');
  return html`<div class="timeline">
    <p class="visually-hidden" aria-live="polite">${latest ? `Now: ${latest}` : ''}</p>
    ${view.queued !== undefined && !view.stages.length && html`<p class="notice">Waiting in the queue: position ${view.queued}.</p>`}
    <ol class="stages">
      ${view.stages.map((stage) => html`<${Stage} key=${stage.key} stage=${stage} time=${stageTime(stage, now, recorded)}/>`)}
    </ol>
    ${view.warnings.length > 0 &&
    html`<details class="warnings" open=${view.warnings.length <= 3}>
      <summary>${view.warnings.length} ${view.warnings.length === 1 ? 'warning' : 'warnings'}</summary>
      <ul>${view.warnings.map((w) => html`<li>${w}</li>`)}</ul>
    </details>`}
    <${Outcome} view=${view} record=${record}/>
    ${run.state === 'detached' && html`<p class="notice" role="alert">${run.message}</p>`}
  </div>`;
}
