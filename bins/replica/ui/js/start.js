// The start page: a URL with the clone options, or a prompt; then the recent projects.

import { html, useEffect, useState } from '../vendor/preact-htm.js';
import { getJson, percent, request, useSubmit } from './api.js';
import { forget, startStream } from './events.js';

function CloneForm() {
  const [url, setUrl] = useState('');
  const [style, setStyle] = useState('faithful');
  const [generator, setGenerator] = useState('compile');
  const [lang, setLang] = useState('ts');
  const [pages, setPages] = useState(1);
  const [refine, setRefine] = useState(false);
  const [busy, error, submit] = useSubmit(async () => {
    const body = { url: url.trim(), style, generator, lang, refine };
    if (pages > 1) body.pages = pages;
    location.hash = `#/p/${await startStream('/clone/stream', body)}`;
  });
  return html`<form class="start-form" onSubmit=${submit} aria-describedby="clone-error">
    <label class="field-label" for="clone-url">Page to clone</label>
    <div class="url-row">
      <input id="clone-url" name="url" type="url" required placeholder="https://example.com/"
        autocomplete="url" spellcheck="false" value=${url} onInput=${(e) => setUrl(e.target.value)}/>
      <button class="primary" type="submit" disabled=${busy}>${busy ? 'Starting…' : 'Clone'}</button>
    </div>
    <fieldset class="options">
      <legend class="visually-hidden">Clone options</legend>
      <label>Style
        <select name="style" value=${style} onChange=${(e) => setStyle(e.target.value)}>
          <option value="faithful">Faithful</option>
          <option value="tailwind">Tailwind</option>
        </select>
      </label>
      <label>Generator
        <select name="generator" value=${generator} onChange=${(e) => setGenerator(e.target.value)}>
          <option value="compile">Compiler (offline)</option>
          <option value="llm">Language model</option>
        </select>
      </label>
      <label>Language
        <select name="lang" value=${lang} onChange=${(e) => setLang(e.target.value)}>
          <option value="ts">TypeScript</option>
          <option value="js">JavaScript</option>
        </select>
      </label>
      <label>Pages
        <input name="pages" type="number" min="1" max="50" value=${pages}
          onInput=${(e) => setPages(Math.max(1, Number(e.target.value) || 1))}/>
      </label>
      <label class="check">
        <input name="refine" type="checkbox" checked=${refine} onChange=${(e) => setRefine(e.target.checked)}/>
        Refine until it matches
      </label>
    </fieldset>
    <p id="clone-error" class="form-error" role="alert">${error}</p>
  </form>`;
}

function PromptForm() {
  const [prompt, setPrompt] = useState('');
  const [lang, setLang] = useState('ts');
  const [busy, error, submit] = useSubmit(
    async () => {
      location.hash = `#/p/${await startStream('/api/projects', { prompt: prompt.trim(), lang })}`;
    },
    (e) => (e.status === 404 ? 'This server cannot build projects from a prompt yet.' : e.message),
  );
  return html`<form class="start-form" onSubmit=${submit} aria-describedby="prompt-error">
    <label class="field-label" for="prompt">Describe the app</label>
    <textarea id="prompt" name="prompt" rows="3" required
      placeholder="A landing page for a bakery in Lisbon, with opening hours and a map"
      value=${prompt} onInput=${(e) => setPrompt(e.target.value)}
      onKeyDown=${(e) => {
        if (e.key === 'Enter' && (e.metaKey || e.ctrlKey)) submit(e);
      }}></textarea>
    <div class="form-actions">
      <span class="hint">A language model builds it from the Next.js template (Ctrl+Enter).</span>
      <label>Language
        <select name="prompt-lang" value=${lang} onChange=${(e) => setLang(e.target.value)}>
          <option value="ts">TypeScript</option>
          <option value="js">JavaScript</option>
        </select>
      </label>
      <button class="primary" type="submit" disabled=${busy}>${busy ? 'Starting…' : 'Build'}</button>
    </div>
    <p id="prompt-error" class="form-error" role="alert">${error}</p>
  </form>`;
}

function timeAgo(iso) {
  const then = Date.parse(iso);
  if (!then) return '';
  const minutes = Math.round((Date.now() - then) / 60000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  return new Date(then).toLocaleDateString();
}

function title(clone) {
  if (clone.kind === 'prompt' || !clone.url) return clone.prompt || 'Project from a prompt';
  try {
    const url = new URL(clone.url);
    return url.host + (url.pathname === '/' ? '' : url.pathname);
  } catch (_) {
    return clone.url;
  }
}

function Thumbnail({ clone }) {
  const [failed, setFailed] = useState(false);
  if (failed || clone.kind === 'prompt') {
    return html`<div class="thumb thumb-empty" aria-hidden="true">
      <svg viewBox="0 0 24 24"><rect x="3" y="4" width="18" height="16" rx="2"/><path d="M3 9h18M7 6.5h.01M10 6.5h.01"/></svg>
    </div>`;
  }
  return html`<img class="thumb" src=${`/api/clones/${clone.id}/thumbnail`} alt="" loading="lazy"
    width="480" height="270" onError=${() => setFailed(true)}/>`;
}

function RecentCard({ clone, onDelete }) {
  const status = clone.running ? 'running' : clone.status;
  const remove = async () => {
    if (!confirm(`Delete ${title(clone)}? Its files and preview go too.`)) return;
    await request(`/api/clones/${clone.id}`, { method: 'DELETE' }).catch(() => null);
    forget(clone.id);
    onDelete();
  };
  return html`<li class="card" data-id=${clone.id}>
    <a class="card-link" href=${`#/p/${clone.id}`}>
      <${Thumbnail} clone=${clone}/>
      <span class="card-title">${title(clone)}</span>
      <span class="card-time">${timeAgo(clone.created_at)}</span>
    </a>
    <div class="card-meta">
      <span class=${`badge badge-${status}`}>${status}</span>
      ${clone.similarity &&
      html`<span class="card-scores" title="Similarity: desktop / mobile">
        ${percent(clone.similarity.desktop)} · ${percent(clone.similarity.mobile)}
      </span>`}
      <span class="spacer"></span>
      <button class="icon-button small" type="button" onClick=${remove}
        aria-label=${`Delete ${title(clone)}`} title="Delete">
        <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3"/></svg>
      </button>
    </div>
  </li>`;
}

function Recent() {
  const [clones, setClones] = useState(null);
  const [error, setError] = useState(null);
  const load = () =>
    getJson('/api/clones')
      .then((value) => setClones(value.clones))
      .catch((e) => setError(e.message));
  useEffect(() => {
    load();
  }, []);
  if (error) return html`<p class="form-error" role="alert">${error}</p>`;
  if (!clones) return html`<p class="muted">Loading…</p>`;
  if (!clones.length) {
    return html`<p class="muted">Nothing yet: the clones and projects you make appear here.</p>`;
  }
  return html`<ul class="cards">
    ${clones.map((clone) => html`<${RecentCard} key=${clone.id} clone=${clone} onDelete=${load}/>`)}
  </ul>`;
}

export function Start() {
  const [mode, setMode] = useState('url');
  return html`<main class="start" id="main">
    <section class="start-panel" aria-labelledby="start-title">
      <h1 id="start-title">${mode === 'url' ? 'Clone a web page' : 'Build an app from a prompt'}</h1>
      <p class="lede">
        ${mode === 'url'
          ? 'Replica turns a live page into an editable Next.js project, runs it and measures how close it is.'
          : 'Describe what you want; the agent writes a Next.js project and runs it.'}
      </p>
      <div class="segmented" role="group" aria-label="Start from">
        <button type="button" aria-pressed=${mode === 'url' ? 'true' : 'false'}
          onClick=${() => setMode('url')}>From a URL</button>
        <button type="button" aria-pressed=${mode === 'prompt' ? 'true' : 'false'}
          onClick=${() => setMode('prompt')}>From a prompt</button>
      </div>
      ${mode === 'url' ? html`<${CloneForm}/>` : html`<${PromptForm}/>`}
    </section>
    <section class="recent" aria-labelledby="recent-title">
      <h2 id="recent-title">Recent</h2>
      <${Recent}/>
    </section>
  </main>`;
}
