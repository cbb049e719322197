// The page: a header, then the start page (#/) or a project (#/p/ID): progress and chat on
// the left, preview, compare and code on the right; one tab bar for all five on a phone.

import { html, render, useCallback, useEffect, useMemo, useRef, useState } from '../vendor/preact-htm.js';
import { getJson, onUnauthorized, percent } from './api.js';
import { attach, runOf } from './events.js';
import { Start } from './start.js';
import { Timeline } from './timeline.js';
import { Preview } from './preview.js';
import { Compare } from './compare.js';
import { Code } from './code.js';
import { Chat } from './chat.js';
import { Login } from './login.js';

const THEME_KEY = 'replica-theme';

function savedTheme() {
  try {
    return localStorage.getItem(THEME_KEY);
  } catch (_) {
    return null;
  }
}

function applyTheme(theme) {
  const root = document.documentElement;
  if (theme) root.dataset.theme = theme;
  else delete root.dataset.theme;
}

function currentRoute() {
  const match = location.hash.match(/^#\/p\/([0-9a-z-]+)(?:\/([a-z]+))?/);
  return match ? { id: match[1], tab: match[2] || null } : { id: null, tab: null };
}

function useRoute() {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const changed = () => setRoute(currentRoute());
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return route;
}

// Inline, not /ui/icon.svg: the header must not show a broken image when the session expired
// and the login view is up (the server's files need the cookie too).
function Logo() {
  return html`<svg xmlns="http://www.w3.org/2000/svg" class="logo" viewBox="0 0 32 32" aria-hidden="true">
    <rect width="32" height="32" rx="7" fill="#4f46e5"/>
    <rect x="7" y="8" width="11" height="14" rx="2" fill="none" stroke="#fff" stroke-width="2.2"/>
    <rect x="14" y="11" width="11" height="14" rx="2" fill="#4f46e5" stroke="#c7d2fe" stroke-width="2.2"/>
  </svg>`;
}

function ThemeToggle() {
  const [theme, setTheme] = useState(savedTheme);
  const dark = theme ? theme === 'dark' : matchMedia('(prefers-color-scheme: dark)').matches;
  const toggle = () => {
    const next = dark ? 'light' : 'dark';
    try {
      localStorage.setItem(THEME_KEY, next);
    } catch (_) {
      // Private mode: the choice lasts for this page only.
    }
    applyTheme(next);
    setTheme(next);
  };
  return html`<button class="icon-button" type="button" onClick=${toggle}
      aria-label=${dark ? 'Switch to the light theme' : 'Switch to the dark theme'}
      title=${dark ? 'Light theme' : 'Dark theme'}>
    ${dark
      ? html`<svg viewBox="0 0 24 24" aria-hidden="true"><circle cx="12" cy="12" r="4.5"/><path d="M12 2v2.5M12 19.5V22M2 12h2.5M19.5 12H22M4.9 4.9l1.8 1.8M17.3 17.3l1.8 1.8M4.9 19.1l1.8-1.8M17.3 6.7l1.8-1.8"/></svg>`
      : html`<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M20 14.5A8 8 0 0 1 9.5 4a8 8 0 1 0 10.5 10.5z"/></svg>`}
  </button>`;
}

function Header({ record }) {
  return html`<header class="top">
    <a class="brand" href="#/" aria-label="Replica: start page">
      <${Logo}/><span>Replica</span>
    </a>
    ${record &&
    html`<div class="crumb" title=${record.url}>
      <span class="crumb-url">${record.url || record.prompt || record.id}</span>
      <${StatusBadge} record=${record}/>
    </div>`}
    <span class="spacer"></span>
    <${ThemeToggle}/>
  </header>`;
}

export function StatusBadge({ record }) {
  const status = record.running ? 'running' : record.status;
  return html`<span class=${`badge badge-${status}`}>${status}</span>`;
}

/** Tabs with arrow-key movement between them (WAI-ARIA tabs pattern). */
export function Tabs({ label, tabs, selected, onSelect, idPrefix, className = '' }) {
  const refs = useRef([]);
  const keydown = (event, index) => {
    const step = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: 0, ArrowUp: 0 }[event.key];
    let next = null;
    if (step) next = (index + step + tabs.length) % tabs.length;
    if (event.key === 'Home') next = 0;
    if (event.key === 'End') next = tabs.length - 1;
    if (next === null) return;
    event.preventDefault();
    onSelect(tabs[next].key);
    refs.current[next]?.focus();
  };
  return html`<div class=${`tabs ${className}`} role="tablist" aria-label=${label}>
    ${tabs.map(
      (tab, index) => html`<button type="button" role="tab" id=${`${idPrefix}-tab-${tab.key}`}
          ref=${(el) => (refs.current[index] = el)}
          aria-selected=${selected === tab.key ? 'true' : 'false'}
          aria-controls=${`${idPrefix}-panel`}
          tabindex=${selected === tab.key ? 0 : -1}
          data-tab=${tab.key}
          onClick=${() => onSelect(tab.key)} onKeyDown=${(e) => keydown(e, index)}>
        ${tab.label}${tab.count ? html`<span class="count">${tab.count}</span>` : null}
      </button>`,
    )}
  </div>`;
}

const LEFT_TABS = [
  { key: 'progress', label: 'Progress' },
  { key: 'chat', label: 'Chat' },
];
const RIGHT_TABS = [
  { key: 'preview', label: 'Preview' },
  { key: 'compare', label: 'Compare' },
  { key: 'code', label: 'Code' },
];

/** The record of a project, refreshed when its run reaches a milestone. */
function useRecord(id) {
  const [record, setRecord] = useState(null);
  const [error, setError] = useState(null);
  const load = useCallback(() => {
    getJson(`/api/clones/${id}`)
      .then((value) => {
        setRecord(value);
        setError(null);
      })
      .catch((e) => setError(e));
  }, [id]);
  useEffect(() => {
    setRecord(null);
    load();
  }, [id]);
  return [record, error, load];
}

/** The run's events (live, replayed, or none for a clone that finished before). */
function useRun(id, record) {
  const [, setTick] = useState(0);
  const run = useMemo(() => {
    const existing = runOf(id);
    if (existing) return existing;
    if (record && (record.running || record.status === 'running')) return attach(id);
    return null;
  }, [id, record && record.running, record && record.status]);
  useEffect(() => (run ? run.subscribe(() => setTick((n) => n + 1)) : undefined), [run]);
  return run;
}

function Project({ id, tab }) {
  const [record, error, reload] = useRecord(id);
  const run = useRun(id, record);
  const [left, setLeft] = useState('progress');
  // The chat stays mounted once opened: its socket carries the running turn, and closing the
  // socket would stop it.
  const chatOpened = useRef(false);
  if (left === 'chat') chatOpened.current = true;
  const [right, setRight] = useState(tab && RIGHT_TABS.some((t) => t.key === tab) ? tab : 'preview');
  const [focus, setFocus] = useState(tab ? 'right' : 'left');
  const [device, setDevice] = useState('desktop');
  const [filesVersion, setFilesVersion] = useState(0);
  const [previewVersion, setPreviewVersion] = useState(0);
  const lastType = run && run.events.length ? run.events[run.events.length - 1].type : null;
  useEffect(() => {
    // A new page for screen readers and keyboards: start from its content.
    document.getElementById('main')?.focus({ preventScroll: true });
  }, [id]);
  useEffect(() => {
    // Milestones change the record (preview URL, scores, status): read it again.
    if (['deployed', 'done', 'error', 'complete', 'iteration'].includes(lastType)) reload();
    if (['file_updated', 'complete'].includes(lastType)) setFilesVersion((v) => v + 1);
  }, [lastType, run && run.events.length]);
  useEffect(() => {
    if (!run || run.state === 'running') return undefined;
    reload();
    return undefined;
  }, [run && run.state]);

  if (error) {
    return html`<main class="page-message" id="main">
      <h1>${error.status === 404 ? 'No such project' : 'The project could not be loaded'}</h1>
      <p>${error.message}</p>
      <p><a href="#/">Back to the start page</a></p>
    </main>`;
  }
  const selectMobile = (key) => {
    if (LEFT_TABS.some((t) => t.key === key)) {
      setLeft(key);
      setFocus('left');
    } else {
      setRight(key);
      setFocus('right');
    }
  };
  const mobileSelected = focus === 'left' ? left : right;
  const shared = {
    id, record, run, device, setDevice, reload, filesVersion, setFilesVersion, previewVersion, setPreviewVersion,
  };
  return html`<${Header} record=${record}/>
    <${Tabs} className="mobile-tabs" label="Project views" idPrefix="m"
      tabs=${[...LEFT_TABS, ...RIGHT_TABS]} selected=${mobileSelected} onSelect=${selectMobile}/>
    <main class=${`workspace focus-${focus}`} id="main" tabindex="-1">
      <section class="pane pane-left" aria-label="Progress and chat">
        <${Tabs} className="pane-tabs" label="Progress and chat" idPrefix="left" tabs=${LEFT_TABS}
          selected=${left} onSelect=${setLeft}/>
        <div class="pane-body" role="tabpanel" id="left-panel" aria-labelledby=${`left-tab-${left}`}>
          ${left === 'progress' && html`<${Timeline} ...${shared}/>`}
          ${chatOpened.current && html`<div class="chat-holder" hidden=${left !== 'chat'}><${Chat} ...${shared}/></div>`}
        </div>
      </section>
      <section class="pane pane-right" aria-label="Result">
        <div class="pane-head">
          <${Tabs} className="pane-tabs" label="Result" idPrefix="right" tabs=${RIGHT_TABS}
            selected=${right} onSelect=${setRight}/>
          ${record && record.similarity &&
          html`<span class="scores" aria-label="Similarity">
            <span title="Desktop similarity">Desktop ${percent(record.similarity.desktop)}</span>
            <span title="Mobile similarity">Mobile ${percent(record.similarity.mobile)}</span>
          </span>`}
        </div>
        <div class="pane-body" role="tabpanel" id="right-panel" aria-labelledby=${`right-tab-${right}`}>
          ${right === 'preview' && html`<${Preview} ...${shared}/>`}
          ${right === 'compare' && html`<${Compare} ...${shared}/>`}
          ${right === 'code' && html`<${Code} ...${shared}/>`}
        </div>
      </section>
    </main>`;
}

function App() {
  const route = useRoute();
  const [login, setLogin] = useState(false);
  useEffect(() => onUnauthorized(() => setLogin(true)), []);
  useEffect(() => {
    document.title = route.id ? `Replica · ${route.id}` : 'Replica';
  }, [route.id]);
  if (login) {
    return html`<${Header}/><${Login} onDone=${() => {
      setLogin(false);
      // Everything that failed before the login is asked again.
      location.reload();
    }}/>`;
  }
  return route.id
    ? html`<${Project} key=${route.id} id=${route.id} tab=${route.tab}/>`
    : html`<${Header}/><${Start}/>`;
}

applyTheme(savedTheme());
render(html`<${App}/>`, document.getElementById('app'));
// For tests and `cargo xtask bench ui`: the first render is done and handlers are attached.
document.documentElement.dataset.ready = 'true';
performance.mark('replica-interactive');
