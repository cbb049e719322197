// The agent conversation of the open project (DESIGN.md §9) over the WebSocket /ws/chat:
// streamed text, tool calls as compact rows, files changed, undo and restore a checkpoint.

import { html, useEffect, useRef, useState } from '../vendor/preact-htm.js';
import { ApiError, getJson, request, socketUrl } from './api.js';
import { ToolRows } from './timeline.js';

/**
 * The turns of a conversation from its events: [{user, parts, files, complete, error}], where
 * `parts` keeps the model's text and its tool calls in the order they came.
 */
function reduceTurns(turns, event) {
  const next = turns.slice();
  let turn = next[next.length - 1];
  if (!turn || turn.complete || turn.error) {
    turn = { user: null, parts: [], files: [], complete: null, error: null, checkpoint: null, undone: false };
    next.push(turn);
  } else {
    turn = { ...turn, parts: turn.parts.slice(), files: turn.files.slice() };
    next[next.length - 1] = turn;
  }
  const last = turn.parts[turn.parts.length - 1];
  switch (event.type) {
    case 'user':
      turn.user = event.text;
      break;
    case 'stream':
      if (last && last.kind === 'text') turn.parts[turn.parts.length - 1] = { ...last, text: last.text + event.text };
      else turn.parts.push({ kind: 'text', text: event.text });
      break;
    case 'tool_start': {
      const tool = { id: event.id, tool: event.tool, input: event.input, result: null };
      if (last && last.kind === 'tools') turn.parts[turn.parts.length - 1] = { ...last, tools: [...last.tools, tool] };
      else turn.parts.push({ kind: 'tools', tools: [tool] });
      break;
    }
    case 'tool_result': {
      const at = turn.parts.findLastIndex((p) => p.kind === 'tools' && p.tools.some((t) => t.id === event.id));
      if (at >= 0) {
        const tools = turn.parts[at].tools.map((t) => (t.id === event.id ? { ...t, result: event } : t));
        turn.parts[at] = { ...turn.parts[at], tools };
      } else {
        turn.parts.push({ kind: 'tools', tools: [{ id: event.id, tool: event.tool, input: null, result: event }] });
      }
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
      if (event.text && !turn.parts.some((p) => p.kind === 'text')) turn.parts.push({ kind: 'text', text: event.text });
      for (const path of event.files_changed || []) if (!turn.files.includes(path)) turn.files.push(path);
      break;
    case 'error':
      // A turn's end (a limit, the model failed) or a refused message (busy, no model).
      turn.error = event.message;
      break;
    default:
  }
  return next;
}

/**
 * Earlier turns from `GET /api/sessions/{id}`: `turns` holds each turn's message and answer,
 * `events` every event as `{id, turn, event}` (turns count from 1).
 */
function historyTurns(history, checkpoints = []) {
  const byTurn = new Map();
  for (const logged of history.events || []) {
    if (!logged || !logged.event) continue;
    if (!byTurn.has(logged.turn)) byTurn.set(logged.turn, []);
    byTurn.get(logged.turn).push(logged.event);
  }
  const records = history.turns || [];
  const numbers = [...new Set([...records.map((_, i) => i + 1), ...byTurn.keys()])].sort((a, b) => a - b);
  const turns = [];
  for (const n of numbers) {
    const record = records[n - 1];
    let one = reduceTurns([], { type: 'user', text: record ? record.message : '' });
    for (const event of byTurn.get(n) || []) one = reduceTurns(one, event);
    let turn = one[0];
    if (record && record.answer && !turn.parts.some((p) => p.kind === 'text')) {
      turn = { ...turn, parts: [...turn.parts, { kind: 'text', text: record.answer }] };
    }
    const running = history.running && n === numbers[numbers.length - 1];
    // A turn without its terminal event (the server stopped mid-turn) is over all the same.
    if (!turn.complete && !turn.error && !running) turn = { ...turn, complete: { files_changed: turn.files } };
    const checkpoint = turn.checkpoint && checkpoints.find((cp) => String(cp.id) === String(turn.checkpoint.id));
    turns.push({ ...turn, undone: !!(checkpoint && checkpoint.undone) });
  }
  return turns;
}

function Turn({ turn, last, onUndo, busy }) {
  return html`<li class="turn">
    ${turn.user && html`<div class="bubble user"><span class="visually-hidden">You: </span>${turn.user}</div>`}
    <div class="bubble agent">
      ${turn.parts.map((part) => (part.kind === 'text'
        ? html`<p class="agent-text">${part.text}</p>`
        : html`<${ToolRows} tools=${part.tools}/>`))}
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
        ${turn.undone && html`<span>undone</span>`}
        ${last && turn.files.length > 0 && !turn.undone && html`<button class="small" type="button" onClick=${onUndo} disabled=${busy}>Undo this turn</button>`}
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
    try {
      await request(`/api/projects/${id}/checkpoints/${cp}/restore`, { method: 'POST' });
      onRestored(`Restored checkpoint #${cp}.`);
    } catch (e) {
      onRestored(`Restoring #${cp} failed: ${e.message}`);
    }
  };
  return html`<details class="checkpoints" onToggle=${(e) => setOpen(e.target.open)}>
    <summary>Checkpoints</summary>
    ${!list ? html`<p class="muted">Loading…</p>` : !list.length ? html`<p class="muted">None yet: one is taken before every turn.</p>`
      : html`<ul>${list.slice().reverse().map((cp) => html`<li class=${cp.undone ? 'undone' : ''}>
          <span>#${cp.id} ${cp.message ? `before “${cp.message}”` : cp.kind === 'restore' ? `before going back to #${cp.to}` : ''}</span>
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
          // The newest session goes on (the list is ordered by id, not by time).
          const newest = all.reduce((a, b) => (!a || (b.created_at || '') >= (a.created_at || '') ? b : a), null);
          if (newest) sessionId = newest.session_id;
          if (sessionId) {
            const [history, checkpoints] = await Promise.all([
              getJson(`/api/sessions/${sessionId}`),
              getJson(`/api/projects/${id}/checkpoints`).then((v) => v.checkpoints, () => []),
            ]);
            onEvent({ type: 'history', history, checkpoints });
          }
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

export function Chat({ id, setFilesVersion, setPreviewVersion }) {
  const [turns, setTurns] = useState([]);
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState(null);
  const [version, setVersion] = useState(0);
  const list = useRef();
  const [session, send] = useSession(id, (event) => {
    if (event.type === 'history') {
      setTurns(historyTurns(event.history, event.checkpoints));
      return;
    }
    setTurns((current) => reduceTurns(current, event));
    if (event.type === 'file_updated') setFilesVersion((v) => v + 1);
    if (event.type === 'complete' || event.type === 'error') {
      setBusy(false);
      setVersion((v) => v + 1);
      // A turn may add files or packages or move the project to a new sandbox, which hot
      // reload does not always carry: the preview loads again once the turn is over.
      if ((event.files_changed || []).length) setPreviewVersion((v) => v + 1);
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
      const restored = await (await request(`/api/projects/${id}/undo`, { method: 'POST' })).json();
      const files = restored.files_changed || [];
      setTurns((current) => current.map((t, i) => (i === current.length - 1 ? { ...t, undone: true } : t)));
      setNote(`Undone: ${files.length ? files.join(', ') : 'the files'} ${files.length === 1 ? 'is' : 'are'} back as before the last turn.`);
      setFilesVersion((v) => v + 1);
      setPreviewVersion((v) => v + 1);
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
    <${Checkpoints} id=${id} version=${version} onRestored=${(message) => {
      setNote(message);
      setFilesVersion((v) => v + 1);
      setPreviewVersion((v) => v + 1);
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
