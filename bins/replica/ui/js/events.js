// Running clones and projects as event lists (DESIGN.md §4), and the timeline made of them.
//
// A run lives here rather than in a view, so the start page can begin a clone and the project
// page show it, and so a run keeps streaming while the user looks at another tab.

import { ApiError, readEvents, request } from './api.js';

const runs = new Map();

/** Events that arrive this soon after a stream opens are a replay: no per-stage times. */
const REPLAY_WINDOW_MS = 300;

class Run {
  constructor(id) {
    this.id = id;
    this.events = [];
    // performance.now() at arrival; null for replayed events.
    this.times = [];
    this.lastId = null;
    this.state = 'running';
    this.message = null;
    this.subscribers = new Set();
  }

  push(event, id, live = true) {
    if (id !== null && id !== undefined) this.lastId = id;
    this.events.push(event);
    this.times.push(live ? performance.now() : null);
    if (event.type === 'done' || event.type === 'error') this.state = 'ended';
    this.notify();
  }

  end(state, message = null) {
    if (this.state === 'running') {
      this.state = state;
      this.message = message;
    }
    this.notify();
  }

  notify() {
    this.subscribers.forEach((subscriber) => subscriber(this));
  }

  subscribe(subscriber) {
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }
}

export function runOf(id) {
  return runs.get(id);
}

/**
 * POSTs `body` to an SSE route (`/clone/stream`, `/api/projects`) and resolves with the new
 * project's id once the first event names it; the stream goes on in the background.
 */
export function startStream(path, body) {
  return new Promise((resolve, reject) => {
    let run = null;
    const pending = [];
    const onEvent = (event, id) => {
      const named = event.clone_id || event.project_id;
      if (!run && named) {
        run = new Run(named);
        runs.set(named, run);
        pending.forEach(([e, i]) => run.push(e, i));
        resolve(named);
      }
      if (run) run.push(event, id);
      else pending.push([event, id]);
    };
    request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify(body),
    })
      .then((response) => readEvents(response, onEvent))
      .then(() => {
        if (run) run.end('ended', 'The stream ended before the clone finished.');
        else reject(new ApiError(0, 'The server ended the stream before the clone started.'));
      })
      .catch((error) => {
        if (run) run.end('detached', `Connection lost: ${error.message}`);
        else reject(error);
      });
  });
}

/**
 * Follows a clone that runs on the server (`GET /api/clones/{id}/events`): its events from
 * the start, then live ones; a dropped connection resumes from the last id.
 */
export function attach(id) {
  let run = runs.get(id);
  if (run) return run;
  run = new Run(id);
  runs.set(id, run);
  follow(run, 0);
  return run;
}

async function follow(run, attempt) {
  const headers = { accept: 'text/event-stream' };
  if (run.lastId !== null) headers['last-event-id'] = run.lastId;
  let opened = 0;
  try {
    const response = await request(`/api/clones/${run.id}/events`, { headers });
    opened = performance.now();
    await readEvents(
      response,
      (event, id) => run.push(event, id, performance.now() - opened > REPLAY_WINDOW_MS),
      run.lastId,
    );
    run.end('ended');
  } catch (error) {
    if (error instanceof ApiError && error.status >= 400 && error.status < 500) {
      run.end('unavailable', error.message);
      return;
    }
    if (run.state !== 'running' || attempt >= 5) {
      run.end('detached', `Connection lost: ${error.message}`);
      return;
    }
    setTimeout(() => follow(run, opened ? 0 : attempt + 1), 1000 * (attempt + 1));
  }
}

/** Forgets a run (after DELETE), so opening the id again asks the server. */
export function forget(id) {
  runs.delete(id);
}

// The stages of a clone (DESIGN.md §1) in order: the `step` that starts each one and the
// events that finish it.
const STAGES = [
  { key: 'scrape', label: 'Load the page', ends: ['scrape_done'] },
  { key: 'design', label: 'Design tokens', ends: ['design_extracted'] },
  { key: 'plan', label: 'Plan sections', ends: ['planned'] },
  { key: 'generate', label: 'Generate components', ends: ['generation_complete'] },
  { key: 'assemble', label: 'Assemble the project', ends: [] },
  { key: 'review', label: 'Review', ends: ['review_fixed', 'review_clean'] },
  { key: 'validate', label: 'Validate JSX', ends: ['validation_passed', 'validation_failed'] },
  { key: 'deploy', label: 'Deploy to the sandbox', ends: ['deployed'] },
  { key: 'compile', label: 'Compile', ends: ['compiled'] },
  { key: 'inspect', label: 'Measure similarity', ends: [] },
  { key: 'refine', label: 'Refine', ends: [] },
  { key: 'agent', label: 'Build with the agent', ends: ['complete'] },
];

const ALIASES = { sandbox: 'scrape', assets: 'assemble' };

/** The stage an event belongs to, for events that finish or describe one. */
const EVENT_STAGE = {
  scrape_done: 'scrape',
  design_extracted: 'design',
  planned: 'plan',
  section_done: 'generate',
  section_failed: 'generate',
  generation_complete: 'generate',
  review_fixed: 'review',
  review_clean: 'review',
  validation_passed: 'validate',
  validation_failed: 'validate',
  deployed: 'deploy',
  compile_errors: 'compile',
  compiled: 'compile',
  iteration: 'refine',
  stream: 'agent',
  tool_start: 'agent',
  tool_result: 'agent',
  checkpoint: 'agent',
  complete: 'agent',
};

function newStage(definition) {
  return {
    ...definition,
    state: 'pending',
    started: null,
    finished: null,
    notes: [],
    sections: null,
    iterations: [],
    tools: [],
    text: '',
  };
}

/**
 * The timeline of a run: stages that started (in order) with their state, what they found and
 * their time; the warnings; the error; the `done` event.
 */
export function timeline(events, times = [], expected = []) {
  const stages = new Map();
  const order = [];
  let current = null;
  const result = { stages: order, warnings: [], error: null, done: null, created: null };
  const stageFor = (key) => {
    let stage = stages.get(key);
    if (!stage) {
      const definition = STAGES.find((s) => s.key === key) || { key, label: key, ends: [] };
      stage = newStage(definition);
      stages.set(key, stage);
      order.push(stage);
    }
    return stage;
  };
  expected.forEach((key) => stageFor(key));
  const finish = (stage, at) => {
    if (stage.state === 'running' || stage.state === 'pending') stage.state = 'done';
    if (stage.finished === null) stage.finished = at;
  };
  events.forEach((event, index) => {
    const at = times[index] ?? null;
    if (event.type === 'clone_created') result.created = event;
    if (event.type === 'step') {
      const key = ALIASES[event.step] || event.step;
      const stage = stageFor(key);
      if (current && current !== stage && current.key !== 'scrape') finish(current, at);
      if (current && current.key === 'scrape' && key !== 'scrape') finish(current, at);
      if (stage.state === 'pending') {
        stage.state = 'running';
        stage.started = at;
      }
      stage.message = event.message;
      current = stage;
      return;
    }
    const key = EVENT_STAGE[event.type];
    if (key) {
      const stage = stageFor(key);
      if (stage.state === 'pending') {
        stage.state = 'running';
        stage.started = at;
      }
      describe(stage, event);
      if (stage.ends.includes(event.type)) finish(stage, at);
      return;
    }
    if (event.type === 'warning') result.warnings.push(event.message);
    if (event.type === 'queued') result.queued = event.position;
    if (event.type === 'error') {
      result.error = event;
      const failed = stages.get(ALIASES[event.stage] || event.stage) || current;
      if (failed) failed.state = 'failed';
    }
    if (event.type === 'done') {
      result.done = event;
      order.forEach((stage) => {
        if (stage.state === 'pending') stage.state = 'skipped';
        else finish(stage, at);
      });
    }
  });
  return result;
}

function describe(stage, event) {
  switch (event.type) {
    case 'scrape_done':
      stage.notes.push(
        `${event.title || 'Untitled page'}: ${event.sections} sections, ${event.images} images, ` +
          `${Math.round(event.page_height)} px tall`,
      );
      break;
    case 'design_extracted':
      stage.notes.push(
        [
          event.primary_color && `primary ${event.primary_color}`,
          event.body_font && `body font ${event.body_font}`,
          event.fallback && 'some values fell back to defaults',
        ]
          .filter(Boolean)
          .join(', ') || 'no distinct colours or fonts',
      );
      stage.swatch = event.primary_color;
      break;
    case 'planned':
      stage.notes.push(`${event.section_count} sections`);
      stage.planned = event.sections;
      break;
    case 'section_done':
    case 'section_failed':
      stage.sections = stage.sections || {};
      if (event.type === 'section_failed') {
        stage.sections[event.section] = { ok: false, error: event.error };
      } else if (!stage.sections[event.section]) {
        stage.sections[event.section] = { ok: event.success };
      }
      stage.remaining = event.remaining ?? stage.remaining;
      break;
    case 'generation_complete':
      stage.notes.push(
        `${event.successful} written` + (event.failed ? `, ${event.failed} fell back` : ''),
      );
      break;
    case 'review_fixed':
      stage.notes.push(`fixed ${event.files_changed.join(', ')}`);
      break;
    case 'review_clean':
      stage.notes.push('nothing to fix');
      break;
    case 'validation_passed':
      stage.notes.push('no errors');
      break;
    case 'validation_failed':
      stage.state = 'warned';
      stage.notes.push(`${event.error_count} errors left`);
      stage.report = event.report;
      break;
    case 'deployed':
      stage.notes.push('the preview is up');
      break;
    case 'compile_errors':
      stage.notes.push(`attempt ${event.attempt}: ${event.error_count} errors`);
      stage.report = event.report;
      break;
    case 'compiled':
      stage.notes.push('compiled without errors');
      break;
    case 'iteration':
      stage.iterations.push(event);
      break;
    default:
      describeAgent(stage, event);
  }
}

function describeAgent(stage, event) {
  switch (event.type) {
    case 'stream':
      stage.text += event.text;
      break;
    case 'tool_start':
      stage.tools.push({ id: event.id, tool: event.tool, input: event.input, result: null });
      break;
    case 'tool_result': {
      const row = stage.tools.findLast((t) => (event.id ? t.id === event.id : t.tool === event.tool));
      if (row) row.result = event;
      else stage.tools.push({ id: event.id, tool: event.tool, input: null, result: event });
      break;
    }
    case 'complete':
      stage.notes.push(
        `${event.files_changed.length} files changed` +
          (event.compiled === false ? ', does not compile' : ''),
      );
      break;
    default:
  }
}

/** The stages a project is expected to go through, shown as waiting until they start. */
export function expectedStages(record) {
  if (!record) return [];
  if (record.kind === 'prompt') return ['agent'];
  const keys = ['scrape', 'design', 'plan', 'generate', 'assemble', 'review', 'validate'];
  const options = record.options || {};
  if (options.preview !== false) keys.push('deploy', 'compile', 'inspect');
  if (options.refine) keys.push('refine');
  return keys;
}

/** Per-stage times from a finished clone's record, in milliseconds (`timings_ms`). */
export function recordTimes(record) {
  const timings = (record && record.timings) || {};
  return {
    scrape: timings.scrape,
    design: timings.design,
    plan: timings.plan,
    generate: timings.generate,
    assemble: timings.assemble,
    validate: timings.validate,
    deploy: timings.deploy,
    compile: timings.compile,
  };
}
