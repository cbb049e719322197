// The agent conversation of the open project (DESIGN.md §9) over the WebSocket /ws/chat:
// streamed text, tool calls as compact rows, files changed, undo and restore a checkpoint.

import { html, useEffect, useRef, useState } from '../vendor/preact-htm.js';
import { ApiError, getJson, request, socketUrl } from './api.js';
import { ToolRows } from './timeline.js';

/** The turns of a conversation from its events: [{user, text, tools, files, complete, error}]. */
function reduceTurns(turns, event) {
  const next = turns.slice();
  let turn = next[next.length - 1];
  if (!turn || turn.complete || turn.error) {
    turn = { user: null, text: '', tools: [], files: [], complete: null, error: null, checkpoint: null };
    next.push(turn);
  } else {
    turn = { ...turn, tools: turn.tools.slice(), files: turn.files.slice() };
    next[next.length - 1] = turn;
  }
  switch (event.type) {
    case 'user':
      turn.user = event.text;
      break;
    case 'stream':
      turn.text += event.text;
      break;
    case 'tool_start':
      turn.tools.push({ id: event.id, tool: event.tool, input: event.input, result: null });
      break;
    case 'tool_result': {
      const index = turn.tools.findLastIndex((t) => (event.id ? t.id === event.id : t.tool === event.tool && !t.result));
      if (index >= 0) turn.tools[index] = { ...turn.tools[index], result: event };
      else turn.tools.push({ id: event.id, tool: event.tool, input: null, result: event });
      break;
    }
    case 'file_updated':
      if (!turn.files.includes(event.path)) turn.files.push(event.path);
      break;
    case 'checkpoint':
      turn.checkpoint = event;
      break;
    case 'complete':
      turn.complete = event;
      if (event.text && !turn.text) turn.text = event.text;
      break;
    case 'error':
      turn.error = event.message;
      break;
    default:
  }
  return next;
}

/** Earlier turns from `GET /api/sessions/{id}` (events when it has them, else messages). */
function historyTurns(history) {
  let turns = [];
  const events = history.events || history.turns?.flatMap((t) => t.events || []) || [];
  if (events.length) {
    for (const event of events) turns = reduceTurns(turns, event);
    return turns.map((t) => (t.complete || t.error ? t : { ...t, complete: { files_changed: t.files } }));
  }
  for (const message of history.messages || []) {
    const text = typeof message.content === 'string' ? message.content : message.text || '';
    if (message.role === 'user') turns = reduceTurns(turns, { type: 'user', text });
    else if (message.role === 'assistant') {
      turns = reduceTurns(turns, { type: 'stream', text });
      turns = reduceTurns(turns, { type: 'complete', files_changed: [] });
    }
  }
  return turns;
}

function Turn({ turn, last, onUndo, busy }) {
  return html`<li class="turn">
    ${turn.user && html`<div class="bubble user"><span class="visually-hidden">You: </span>${turn.user}</div>`}
    <div class="bubble agent">
      <${ToolRows} tools=${turn.tools}/>
      ${turn.text && html`<p class="agent-text">${turn.text}</p>`}
      ${!turn.complete && !turn.error && html`<span class="typing" aria-label="The agent is working"><span></span><span></span><span></span></span>`}
      ${turn.files.length > 0 && html`<div class="files-changed">
        <span class="muted">Files changed:</span>
        ${turn.files.map((f) => html`<code class="file-chip">${f}</code>`)}
      </div>`}
      ${turn.complete && html`<div class="turn-end">
        ${turn.complete.validation && html`<span>${turn.complete.validation.errors} errors, ${turn.complete.validation.warnings} warnings</span>`}
        ${turn.complete.compiled === true && html`<span>compiles</span>`}
        ${turn.complete.compiled === false && html`<span class="bad">does not compile</span>`}
        ${turn.complete.stopped && html`<span>stopped</span>`}
        ${last && turn.files.length > 0 && html`<button class="small" type="button" onClick=${onUndo} disabled=${busy}>Undo this turn</button>`}
      </div>`}
      ${turn.error && html`<p class="form-error" role="alert">${turn.error}</p>`}
    </div>
  </li>`;
}

function Checkpoints({ id, onRestored, version }) {
  const [list, setList] = useState(null);
  const [open, setOpen] = useState(false);
  useEffect(() => {
    if (open) getJson(`/api/projects/${id}/checkpoints`).then((v) => setList(v.checkpoints || v), () => setList([]));
  }, [open, version]);
  const restore = async (cp) => {
    await request(`/api/projects/${id}/checkpoints/${cp}/restore`, { method: 'POST' });
    onRestored();
  };
  return html`<details class="checkpoints" onToggle=${(e) => setOpen(e.target.open)}>
    <summary>Checkpoints</summary>
    ${!list ? html`<p class="muted">Loading…</p>` : !list.length ? html`<p class="muted">None yet: one is taken before every turn.</p>`
      : html`<ul>${list.slice().reverse().map((cp) => html`<li class=${cp.undone ? 'undone' : ''}>
          <span>#${cp.id} ${cp.message ? `before “${cp.message}”` : cp.kind === 'restore' ? 'before a restore' : ''}</span>
          <span class="muted">${(cp.files_changed || []).length} files</span>
          <button class="small" type="button" onClick=${() => restore(cp.id)}>Restore</button>
        </li>`)}</ul>`}
  </details>`;
}

/** The socket of one session: opens, says `init`, passes events on; reopens after a drop. */
function useSession(id, onEvent) {
  const [state, setState] = useState({ phase: 'connecting', sessionId: null, error: null });
  const socket = useRef(null);
  useEffect(() => {
    let closed = false;
    let sessionId = null;
    const open = async () => {
      if (!sessionId) {
        try {
          const sessions = await getJson(`/api/projects/${id}/sessions`);
          const all = sessions.sessions || sessions;
          if (all.length) sessionId = all[all.length - 1].session_id || all[all.length - 1].id;
          if (sessionId) onEvent({ type: 'history', history: await getJson(`/api/sessions/${sessionId}`) });
        } catch (e) {
          if (e instanceof ApiError && (e.status === 404 || e.status === 405) && /no route/.test(e.message)) {
            setState({ phase: 'unsupported', error: 'This server has no agent: chat is not available.' });
            return;
          }
        }
      }
      const ws = new WebSocket(socketUrl('/ws/chat'));
      socket.current = ws;
      ws.onopen = () => ws.send(JSON.stringify(sessionId ? { type: 'init', session_id: sessionId } : { type: 'init', project_id: id }));
      ws.onmessage = (message) => {
        let event;
        try {
          event = JSON.parse(message.data);
        } catch (_) {
          return;
        }
        if (event.type === 'session') {
          sessionId = event.session_id;
          setState({ phase: 'ready', sessionId, error: null });
          return;
        }
        if (event.type === 'error' && !sessionId) {
          setState({ phase: 'failed', sessionId: null, error: event.message });
          return;
        }
        onEvent(event);
      };
      ws.onclose = () => {
        if (closed) return;
        setState((s) => (s.phase === 'failed' ? s : { ...s, phase: 'connecting' }));
        setTimeout(() => !closed && open(), 2000);
      };
    };
    open();
    return () => {
      closed = true;
      socket.current?.close();
    };
  }, [id]);
  const send = (message) => socket.current?.readyState === 1 && socket.current.send(JSON.stringify(message));
  return [state, send];
}

export function Chat({ id, setFilesVersion }) {
  const [turns, setTurns] = useState([]);
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState(null);
  const [version, setVersion] = useState(0);
  const list = useRef();
  const [session, send] = useSession(id, (event) => {
    if (event.type === 'history') {
      setTurns(historyTurns(event.history));
      return;
    }
    setTurns((current) => reduceTurns(current, event));
    if (event.type === 'file_updated') setFilesVersion((v) => v + 1);
    if (event.type === 'complete' || event.type === 'error') {
      setBusy(false);
      setVersion((v) => v + 1);
    }
  });
  useEffect(() => {
    list.current?.scrollTo({ top: list.current.scrollHeight });
  }, [turns]);
  const submit = (event) => {
    event.preventDefault();
    const message = text.trim();
    if (!message || busy || session.phase !== 'ready') return;
    setTurns((current) => reduceTurns(current, { type: 'user', text: message }));
    send({ type: 'message', session_id: session.sessionId, text: message });
    setText('');
    setBusy(true);
  };
  const undo = async () => {
    try {
      await request(`/api/projects/${id}/undo`, { method: 'POST' });
      setNote('Undone: the files are back as they were before the last turn.');
      setFilesVersion((v) => v + 1);
      setVersion((v) => v + 1);
    } catch (e) {
      setNote(`Undo failed: ${e.message}`);
    }
  };
  if (session.phase === 'unsupported' || session.phase === 'failed') {
    return html`<div class="chat"><p class="notice" role="alert">${session.error}</p></div>`;
  }
  return html`<div class="chat">
    <ol class="turns" ref=${list} aria-live="polite">
      ${!turns.length && html`<li class="muted chat-empty">Ask for a change: “make the hero darker”, “the mobile menu overlaps the logo, fix it”.</li>`}
      ${turns.map((turn, i) => html`<${Turn} turn=${turn} last=${i === turns.length - 1} onUndo=${undo} busy=${busy}/>`)}
    </ol>
    ${note && html`<p class="chat-note" role="status">${note}</p>`}
    <${Checkpoints} id=${id} version=${version} onRestored=${() => {
      setNote('Restored the checkpoint.');
      setFilesVersion((v) => v + 1);
      setVersion((v) => v + 1);
    }}/>
    <form class="chat-form" onSubmit=${submit}>
      <label class="visually-hidden" for="chat-input">Message to the agent</label>
      <textarea id="chat-input" rows="2" value=${text} placeholder=${session.phase === 'ready' ? 'Ask for a change…' : 'Connecting…'}
        onInput=${(e) => setText(e.target.value)}
        onKeyDown=${(e) => {
          if (e.key === 'Enter' && !e.shiftKey) submit(e);
        }}></textarea>
      ${busy
        ? html`<button type="button" onClick=${() => send({ type: 'stop', session_id: session.sessionId })}>Stop</button>`
        : html`<button class="primary" type="submit" disabled=${session.phase !== 'ready' || !text.trim()}>Send</button>`}
    </form>
  </div>`;
}
