// The project's files: a tree, a highlighted editor (a textarea over a highlighted copy of its
// text), save through the file API (the preview hot-reloads), the validator's findings on
// their lines. highlight.js loads the first time this view opens.

import { html, useEffect, useMemo, useRef, useState } from '../vendor/preact-htm.js';
import { formatBytes, getJson, request } from './api.js';

const LINE_HEIGHT = 20;
const PADDING = 12;
const MAX_EDITABLE = 1024 * 1024;
const TEXT = /\.(jsx?|tsx?|mjs|cjs|css|json|html?|svg|md|txt|xml|ya?ml|mdx)$|^[^.]*$|\.(gitignore|env\.example)$/i;
const IMAGE = /\.(png|jpe?g|gif|webp|avif|ico|svg)$/i;

let highlighter = null;

function loadHighlighter() {
  highlighter ||= Promise.all([
    import('../vendor/highlight/core.js'),
    import('../vendor/highlight/javascript.js'),
    import('../vendor/highlight/typescript.js'),
    import('../vendor/highlight/xml.js'),
    import('../vendor/highlight/css.js'),
    import('../vendor/highlight/json.js'),
  ]).then(([core, javascript, typescript, xml, css, json]) => {
    const hljs = core.default;
    hljs.registerLanguage('javascript', javascript.default);
    hljs.registerLanguage('typescript', typescript.default);
    hljs.registerLanguage('xml', xml.default);
    hljs.registerLanguage('css', css.default);
    hljs.registerLanguage('json', json.default);
    return hljs;
  });
  return highlighter;
}

function languageOf(path) {
  const extension = (path.match(/\.([a-z0-9]+)$/i) || [])[1]?.toLowerCase();
  return (
    { js: 'javascript', jsx: 'javascript', mjs: 'javascript', cjs: 'javascript', ts: 'typescript',
      tsx: 'typescript', css: 'css', json: 'json', html: 'xml', htm: 'xml', svg: 'xml', xml: 'xml' }[extension] || null
  );
}

function escapeHtml(text) {
  return text.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]);
}

/** The files as nested folders: { folders: {name: node}, files: [{path, name, size}] }. */
function tree(files) {
  const root = { folders: {}, files: [] };
  for (const file of files) {
    const parts = file.path.split('/');
    let node = root;
    parts.slice(0, -1).forEach((part) => {
      node.folders[part] ||= { folders: {}, files: [] };
      node = node.folders[part];
    });
    node.files.push({ ...file, name: parts[parts.length - 1] });
  }
  return root;
}

function Folder({ name, node, depth, prefix, selected, onOpen, problems }) {
  const [open, setOpen] = useState(depth === 0 || ['app', 'components', 'src'].includes(name));
  const path = prefix ? `${prefix}/${name}` : name;
  return html`<li class="tree-folder">
    <button type="button" class="tree-item" aria-expanded=${open ? 'true' : 'false'}
      style=${{ paddingLeft: `${depth * 12 + 8}px` }} onClick=${() => setOpen(!open)}>
      <span class="caret" aria-hidden="true">${open ? '▾' : '▸'}</span>${name}
    </button>
    ${open && html`<${Entries} node=${node} depth=${depth + 1} prefix=${path} selected=${selected}
      onOpen=${onOpen} problems=${problems}/>`}
  </li>`;
}

function Entries({ node, depth, prefix, selected, onOpen, problems }) {
  return html`<ul role="group">
    ${Object.keys(node.folders).sort().map((name) => html`<${Folder} key=${name} name=${name}
      node=${node.folders[name]} depth=${depth} prefix=${prefix} selected=${selected}
      onOpen=${onOpen} problems=${problems}/>`)}
    ${node.files.sort((a, b) => a.name.localeCompare(b.name)).map((file) => {
      const count = problems[file.path];
      return html`<li key=${file.path}>
        <button type="button" class="tree-item file" data-path=${file.path}
          aria-current=${selected === file.path ? 'true' : 'false'}
          style=${{ paddingLeft: `${depth * 12 + 20}px` }} onClick=${() => onOpen(file.path)}>
          ${file.name}
          ${count && html`<span class=${`problem-count ${count.errors ? 'error' : 'warning'}`}
            title=${`${count.errors} errors, ${count.warnings} warnings`}>${count.errors || count.warnings}</span>`}
        </button>
      </li>`;
    })}
  </ul>`;
}

function Gutter({ lines, marks, gutterRef }) {
  const numbers = [];
  for (let line = 1; line <= lines; line += 1) {
    const mark = marks[line];
    numbers.push(html`<div class=${mark ? `ln ln-${mark}` : 'ln'}>${line}</div>`);
  }
  return html`<div class="gutter" ref=${gutterRef} aria-hidden="true">${numbers}</div>`;
}

function Editor({ path, text, setText, problems, readOnly, textareaRef }) {
  const [hljs, setHljs] = useState(null);
  const preRef = useRef();
  const gutterRef = useRef();
  useEffect(() => {
    loadHighlighter().then(setHljs, () => setHljs(false));
  }, []);
  const language = languageOf(path);
  const highlighted = useMemo(() => {
    if (hljs && language) return hljs.highlight(text, { language, ignoreIllegals: true }).value;
    return escapeHtml(text);
  }, [hljs, language, text]);
  const marks = {};
  for (const problem of problems) {
    if (problem.line && marks[problem.line] !== 'error') marks[problem.line] = problem.severity;
  }
  const lines = text.split('\n').length;
  const scrolled = (event) => {
    const { scrollTop, scrollLeft } = event.target;
    if (preRef.current) {
      preRef.current.scrollTop = scrollTop;
      preRef.current.scrollLeft = scrollLeft;
    }
    if (gutterRef.current) gutterRef.current.scrollTop = scrollTop;
  };
  const keydown = (event) => {
    // Tab indents; Escape then Tab leaves the editor (the textarea keeps the usual focus order).
    if (event.key === 'Escape') {
      event.target.dataset.tabOut = 'true';
      return;
    }
    if (event.key === 'Tab' && !event.shiftKey && event.target.dataset.tabOut !== 'true' && !readOnly) {
      event.preventDefault();
      const area = event.target;
      const { selectionStart: start, selectionEnd: end } = area;
      area.setRangeText('  ', start, end, 'end');
      setText(area.value);
    }
    delete event.target.dataset.tabOut;
  };
  return html`<div class="editor">
    <${Gutter} lines=${lines} marks=${marks} gutterRef=${gutterRef}/>
    <div class="code-area">
      <pre class="code-layer hljs" ref=${preRef} aria-hidden="true">
        ${Object.entries(marks).map(([line, severity]) => html`<div class=${`line-mark ${severity}`}
          style=${{ top: `${(Number(line) - 1) * LINE_HEIGHT + PADDING}px` }}></div>`)}
        <code dangerouslySetInnerHTML=${{ __html: `${highlighted}\n` }}></code>
      </pre>
      <textarea class="code-input" ref=${textareaRef} value=${text} readOnly=${readOnly}
        spellcheck="false" autocapitalize="off" autocomplete="off" wrap="off"
        aria-label=${`Contents of ${path}`} aria-describedby="editor-status"
        onInput=${(e) => setText(e.target.value)} onScroll=${scrolled} onKeyDown=${keydown}></textarea>
    </div>
  </div>`;
}

function Problems({ problems, onGo }) {
  if (!problems.length) return null;
  return html`<ul class="problem-list" aria-label="Problems in this file">
    ${problems.map((p) => html`<li class=${`problem ${p.severity}`}>
      <button type="button" onClick=${() => onGo(p.line || 1)} data-line=${p.line}>
        <span class="problem-where">${p.line ? `${p.line}:${p.column || 1}` : 'file'}</span>
        <span class="problem-message">${p.message}</span>
        <span class="problem-check">${p.check}</span>
      </button>
    </li>`)}
  </ul>`;
}

function useValidation(id, version) {
  const [report, setReport] = useState(null);
  useEffect(() => {
    getJson(`/api/clones/${id}/validation`).then(setReport, () => setReport(null));
  }, [id, version]);
  return report;
}

function problemsOf(report) {
  const byFile = {};
  const all = [];
  if (!report) return { byFile, all };
  for (const [list, severity] of [[report.errors, 'error'], [report.warnings, 'warning']]) {
    for (const d of list || []) {
      all.push({ ...d, severity });
      byFile[d.file] ||= { errors: 0, warnings: 0 };
      byFile[d.file][severity === 'error' ? 'errors' : 'warnings'] += 1;
    }
  }
  return { byFile, all };
}

export function Code({ id, record, run, filesVersion, setFilesVersion }) {
  const [files, setFiles] = useState(null);
  const [error, setError] = useState(null);
  const [selected, setSelected] = useState(null);
  const [file, setFile] = useState(null);
  const [saved, setSaved] = useState(0);
  const textareaRef = useRef();
  const report = useValidation(id, `${saved}:${filesVersion}`);
  const { byFile, all } = problemsOf(report);
  useEffect(() => {
    getJson(`/api/clones/${id}/files`)
      .then((value) => {
        setFiles(value.files);
        if (!selected) {
          const first = value.files.find((f) => f.path === 'app/page.tsx' || f.path === 'app/page.jsx');
          if (first) setSelected(first.path);
        }
      })
      .catch((e) => setError(e.message));
  }, [id, filesVersion]);
  useEffect(() => {
    if (!selected) return;
    if (file && file.path === selected && file.text !== file.saved) return;
    const meta = files && files.find((f) => f.path === selected);
    if (!TEXT.test(selected) || IMAGE.test(selected) && !/\.svg$/i.test(selected) || (meta && meta.size > MAX_EDITABLE)) {
      setFile({ path: selected, binary: true, size: meta ? meta.size : 0 });
      return;
    }
    request(`/api/clones/${id}/files/${selected.split('/').map(encodeURIComponent).join('/')}`)
      .then((response) => response.text())
      .then((text) => setFile({ path: selected, text, saved: text, status: null }))
      .catch((e) => setFile({ path: selected, error: e.message }));
  }, [selected, filesVersion]);
  const running = record && (record.running || record.status === 'running');
  const save = async () => {
    if (!file || file.text === undefined || running) return;
    setFile({ ...file, status: 'saving' });
    try {
      const response = await request(`/api/clones/${id}/files/${file.path.split('/').map(encodeURIComponent).join('/')}`, {
        method: 'PUT',
        body: file.text,
      });
      const answer = await response.json();
      const note = answer.preview_updated
        ? 'Saved. The preview reloads with it.'
        : answer.preview_error
          ? `Saved, but the preview could not be updated: ${answer.preview_error}`
          : 'Saved. No preview is running.';
      setFile((current) => ({ ...current, saved: file.text, status: note }));
      setSaved((n) => n + 1);
    } catch (e) {
      setFile((current) => ({ ...current, status: `Not saved: ${e.message}` }));
    }
  };
  const goTo = (line) => {
    const area = textareaRef.current;
    if (!area) return;
    const offset = area.value.split('\n').slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
    area.focus();
    area.setSelectionRange(offset, offset);
    area.scrollTop = Math.max(0, (line - 5) * LINE_HEIGHT);
  };
  if (error) return html`<p class="notice" role="alert">${error}</p>`;
  if (!files) return html`<p class="muted pad">Loading…</p>`;
  const dirty = file && file.text !== undefined && file.text !== file.saved;
  const fileProblems = file ? all.filter((p) => p.file === file.path) : [];
  return html`<div class="code" onKeyDown=${(e) => {
    if ((e.ctrlKey || e.metaKey) && e.key === 's') {
      e.preventDefault();
      save();
    }
  }}>
    <nav class="file-tree" aria-label="Files">
      <${Entries} node=${tree(files)} depth=${0} prefix="" selected=${selected}
        onOpen=${setSelected} problems=${byFile}/>
    </nav>
    <div class="file-view">
      ${!file
        ? html`<p class="muted pad">Choose a file.</p>`
        : html`<div class="file-head">
              <span class="file-path">${file.path}${dirty ? html`<span class="dirty" title="Unsaved changes"> •</span>` : ''}</span>
              <span class="spacer"></span>
              ${file.text !== undefined && html`<button class="primary small" type="button" onClick=${save}
                disabled=${!dirty || running || file.status === 'saving'}
                title=${running ? 'Files can be edited once the clone is done' : 'Save (Ctrl+S)'}>
                ${file.status === 'saving' ? 'Saving…' : 'Save'}</button>`}
            </div>
            <p id="editor-status" class="editor-status" role="status">
              ${running ? 'Read-only while the clone runs.' : file.status || (report ? `${fileProblems.length ? `${fileProblems.length} problems` : 'No problems'} as of the last save.` : '')}
            </p>
            ${file.error && html`<p class="notice" role="alert">${file.error}</p>`}
            ${file.binary && html`<div class="binary">
              <p>${file.path.split('/').pop()} · ${formatBytes(file.size)}</p>
              ${IMAGE.test(file.path) && html`<img src=${`/api/clones/${id}/files/${file.path}`} alt=${file.path}/>`}
            </div>`}
            ${file.text !== undefined && html`<${Editor} path=${file.path} text=${file.text}
              setText=${(text) => setFile((current) => ({ ...current, text, status: null }))}
              problems=${fileProblems} readOnly=${running} textareaRef=${textareaRef}/>`}
            <${Problems} problems=${fileProblems} onGo=${goTo}/>`}
    </div>
  </div>`;
}
