// The server's HTTP API as the views use it: JSON requests, server-sent event streams read
// with fetch (POST bodies and Last-Event-ID need it), and one place that notices a 401.

import { useState } from '../vendor/preact-htm.js';

const listeners = new Set();

/** Calls `listener` whenever the server answers 401 (a login is needed). */
export function onUnauthorized(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** A request to the API; a non-2xx answer becomes an ApiError with the server's message. */
export async function request(path, options = {}) {
  let response;
  try {
    response = await fetch(path, { credentials: 'same-origin', ...options });
  } catch (error) {
    throw new ApiError(0, `The server could not be reached (${error.message}).`);
  }
  if (response.status === 401) {
    listeners.forEach((listener) => listener());
  }
  if (!response.ok) {
    throw new ApiError(response.status, await errorMessage(response));
  }
  return response;
}

async function errorMessage(response) {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text);
    if (body && typeof body.error === 'string') return body.error;
  } catch (_) {
    // Not JSON: the text itself, or the status.
  }
  return text.trim() || `${response.status} ${response.statusText}`;
}

export async function getJson(path, options) {
  const response = await request(path, options);
  return response.json();
}

export function sendJson(method, path, body) {
  return request(path, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/**
 * Reads a text/event-stream response to its end: `onEvent(data, id)` per frame with JSON data.
 * Heartbeat comments are skipped. Resolves with the last event id seen.
 */
export async function readEvents(response, onEvent, lastId = null) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const parsed = parseFrame(frame);
      if (parsed.id !== null) lastId = parsed.id;
      if (parsed.data === null) continue;
      let event;
      try {
        event = JSON.parse(parsed.data);
      } catch (_) {
        continue;
      }
      onEvent(event, lastId);
    }
  }
  return lastId;
}

function parseFrame(frame) {
  let data = null;
  let id = null;
  for (const line of frame.split('\n')) {
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data = data === null ? value : `${data}\n${value}`;
    if (field === 'id') id = value;
  }
  return { data, id };
}

/** The WebSocket URL of a server path on this origin. */
export function socketUrl(path) {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}${path}`;
}

/** Bytes as a short human size. */
export function formatBytes(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** A similarity (0..1) as a percentage with one decimal, or an en dash. */
export function percent(value) {
  return typeof value === 'number' ? `${(value * 100).toFixed(1)} %` : '–';
}

/** Milliseconds as "850 ms" / "2.4 s" / "1 min 05 s". */
export function duration(ms) {
  if (typeof ms !== 'number' || !isFinite(ms)) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`;
}

/**
 * A form's submit handler with its busy flag and error message: `action` runs once at a time;
 * a thrown error becomes the message (`describe` words it), and the form is usable again.
 */
export function useSubmit(action, describe = (error) => error.message) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const submit = async (event) => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (e) {
      setError(describe(e));
      setBusy(false);
    }
  };
  return [busy, error, submit];
}
