// Replica's console recorder, installed with Page.addScriptToEvaluateOnNewDocument so it runs
// before any script of the page. It keeps what a developer would see in red and yellow in the
// browser's console: console.error and console.warn (arguments substituted as the console
// does), uncaught exceptions and unhandled promise rejections. `console.rs` reads it back.
(() => {
  "use strict";
  const MAX_MESSAGES = 200;
  const MAX_CHARS = 2048;
  const messages = [];
  const record = { messages, dropped: 0 };
  // Not enumerable, so the page's own scripts do not trip over it.
  Object.defineProperty(window, "__replicaConsole", { value: record });

  function push(level, text) {
    if (messages.length >= MAX_MESSAGES) {
      record.dropped += 1;
      return null;
    }
    text = String(text);
    if (text.length > MAX_CHARS) text = text.slice(0, MAX_CHARS - 1) + "\u2026";
    const entry = { level, text };
    messages.push(entry);
    return entry;
  }

  // A short rendering of any value, close to the console's own preview.
  function describe(value, depth) {
    try {
      if (value === null) return "null";
      switch (typeof value) {
        case "undefined":
          return "undefined";
        case "string":
          return depth > 0 ? "'" + value + "'" : value;
        case "number":
        case "boolean":
          return String(value);
        case "bigint":
          return value + "n";
        case "symbol":
          return value.toString();
        case "function":
          return "\u0192 " + (value.name || "anonymous") + "()";
      }
      if (value instanceof Error) return value.stack || String(value);
      if (typeof Node !== "undefined" && value instanceof Node) {
        if (value.nodeType !== Node.ELEMENT_NODE) return value.nodeName;
        let tag = "<" + value.localName;
        if (value.id) tag += ' id="' + value.id + '"';
        const className = value.getAttribute("class");
        if (className) tag += ' class="' + className + '"';
        return tag + ">";
      }
      if (depth >= 2) return Array.isArray(value) ? "Array(" + value.length + ")" : "{\u2026}";
      if (Array.isArray(value)) {
        const items = value.slice(0, 20).map((item) => describe(item, depth + 1));
        if (value.length > 20) items.push("\u2026");
        return "[" + items.join(", ") + "]";
      }
      const keys = Object.keys(value);
      const fields = keys.slice(0, 20).map((key) => key + ": " + describe(value[key], depth + 1));
      if (keys.length > 20) fields.push("\u2026");
      const name = value.constructor && value.constructor !== Object ? value.constructor.name + " " : "";
      return name + "{" + fields.join(", ") + "}";
    } catch (e) {
      return Object.prototype.toString.call(value);
    }
  }

  // The console's format specifiers (WHATWG Console "Formatter", as Chromium applies them):
  // %s %d %i %f %o %O %c take the next argument, %% is a percent sign, specifiers without
  // an argument stay as written; remaining arguments follow, separated by spaces.
  function format(args) {
    let rest = args;
    let head = "";
    if (typeof args[0] === "string") {
      let index = 1;
      head = args[0].replace(/%([sdifoOc%])/g, (whole, kind) => {
        if (kind === "%") return "%";
        if (index >= args.length) return whole;
        const arg = args[index++];
        switch (kind) {
          case "s":
            return typeof arg === "string" ? arg : describe(arg, 0);
          case "d":
          case "i":
            return typeof arg === "symbol" ? "NaN" : String(parseInt(arg, 10));
          case "f":
            return typeof arg === "symbol" ? "NaN" : String(parseFloat(arg));
          case "c":
            return "";
          default:
            return describe(arg, 0);
        }
      });
      rest = args.slice(index);
    } else if (args.length > 0) {
      head = describe(args[0], 0);
      rest = args.slice(1);
    }
    return [head].concat(rest.map((arg) => describe(arg, 0))).join(" ");
  }

  for (const [method, level] of [["error", "error"], ["warn", "warning"]]) {
    const original = console[method];
    if (typeof original !== "function") continue;
    console[method] = function (...args) {
      try {
        push(level, format(args));
      } catch (e) {
        // Recording must never break the page's own logging.
      }
      return original.apply(this, args);
    };
  }

  // Uncaught exceptions, as the console prints them: "Uncaught TypeError: ..." and the stack.
  window.addEventListener("error", (event) => {
    // Failed images and scripts fire "error" on their element; it reaches window only in the
    // capture phase, which this listener does not use.
    if (!(event instanceof ErrorEvent)) return;
    const error = event.error;
    let text;
    if (error instanceof Error && error.stack) {
      text = "Uncaught " + error.stack;
    } else {
      text = event.message || "Uncaught " + describe(error, 0);
      if (event.filename) text += "\n    at " + event.filename + ":" + event.lineno + ":" + event.colno;
    }
    push("exception", text);
  });

  // Unhandled rejections; one handled later is taken back, as the console does.
  const pending = new WeakMap();
  window.addEventListener("unhandledrejection", (event) => {
    const reason = event.reason;
    const text = reason instanceof Error ? reason.stack || String(reason) : describe(reason, 0);
    const entry = push("rejection", "Uncaught (in promise) " + text);
    if (entry && event.promise) pending.set(event.promise, entry);
  });
  window.addEventListener("rejectionhandled", (event) => {
    const entry = event.promise && pending.get(event.promise);
    const index = entry ? messages.indexOf(entry) : -1;
    if (index >= 0) messages.splice(index, 1);
  });
})();
