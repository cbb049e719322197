// Replica's in-page script. Run with WebDriver "execute async script":
//   arguments[0] = "load" | "settle" | "extract" | "measure", arguments[1] = options, last
//   argument = callback.
// The callback receives a JSON string (or {"error": message}).
//
// load:    wait (briefly, called repeatedly) for the load event.
// settle:  wait for network quiet, scroll through the page to trigger lazy loading, return to the
//          top, wait for fonts, images and finite animations (all bounded by options.settleMs).
// extract: capture what DESIGN.md §3 asks for (DOM tree with computed style minus UA defaults,
//          stylesheets in cascade order, fonts, images, links, buttons, form controls, meta...).
// measure: the document height and page zoom a screenshot needs, without extracting.
(function (mode, options, done) {
  "use strict";
  const SVG_NS = "http://www.w3.org/2000/svg";
  // Elements that never render or that are captured elsewhere (styles go to stylesheets).
  const SKIPPED = new Set(["script", "noscript", "template", "style", "link", "meta", "base", "title"]);
  // Computed longhands that decide how a page looks. Width and height are not among them:
  // getComputedStyle resolves them to the used size (already in each element's box); the
  // declared size (`50%`, `calc(...)`, an attribute's pixels) comes from `declaredSizes`.
  const PROPS = [
    "display", "position", "top", "right", "bottom", "left", "z-index", "float", "clear",
    "box-sizing", "min-width", "max-width", "min-height", "max-height",
    "margin-top", "margin-right", "margin-bottom", "margin-left",
    "padding-top", "padding-right", "padding-bottom", "padding-left",
    "border-top-width", "border-right-width", "border-bottom-width", "border-left-width",
    "border-top-style", "border-right-style", "border-bottom-style", "border-left-style",
    "border-top-color", "border-right-color", "border-bottom-color", "border-left-color",
    "border-top-left-radius", "border-top-right-radius", "border-bottom-right-radius",
    "border-bottom-left-radius",
    "background-color", "background-image", "background-size", "background-position",
    "background-repeat", "background-clip", "background-attachment",
    "color", "font-family", "font-size", "font-weight", "font-style", "font-variant",
    "line-height", "letter-spacing", "word-spacing", "text-align", "text-transform",
    "text-decoration-line", "text-decoration-color", "text-decoration-style", "text-indent",
    "text-shadow", "white-space", "word-break", "overflow-wrap", "text-overflow", "vertical-align",
    "-webkit-text-fill-color", "-webkit-line-clamp",
    "overflow-x", "overflow-y", "opacity", "visibility", "box-shadow", "transform",
    "transform-origin", "filter", "backdrop-filter", "mix-blend-mode", "clip-path", "isolation",
    "transition-property", "transition-duration", "transition-timing-function", "transition-delay",
    "animation-name", "animation-duration", "animation-timing-function", "animation-delay",
    "animation-iteration-count",
    "flex-direction", "flex-wrap", "justify-content", "align-items", "align-content", "align-self",
    "flex-grow", "flex-shrink", "flex-basis", "order", "row-gap", "column-gap",
    "grid-template-columns", "grid-template-rows", "grid-template-areas", "grid-auto-flow",
    "grid-column-start", "grid-column-end", "grid-row-start", "grid-row-end",
    "column-count", "column-width", "column-span", "break-inside",
    "object-fit", "object-position", "list-style-type", "list-style-position",
    "list-style-image", "cursor", "outline-style", "outline-width", "outline-color",
    "aspect-ratio", "table-layout", "border-collapse", "border-spacing",
    "fill", "stroke", "stroke-width",
  ];
  // The page's setTimeout is wrapped to count its pending timers; ours must not be counted.
  const tracker = window.__replicaNetwork;
  const setTimer = (tracker && tracker.setTimeout) || window.setTimeout;
  const sleep = (ms) => new Promise((resolve) => setTimer.call(window, resolve, ms));
  const frame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));
  // Resolves in a task queued from a rAF callback: that task runs after the frame's rendering
  // steps, where IntersectionObserver computes intersections, so observers have seen the frame.
  const frameRendered = () =>
    new Promise((resolve) =>
      requestAnimationFrame(() => {
        const channel = new MessageChannel();
        channel.port1.onmessage = () => resolve();
        channel.port2.postMessage(null);
      }));
  const round = (n) => Math.round(n * 100) / 100;

  function documentHeight() {
    const d = document.documentElement;
    const b = document.body;
    return Math.max(d.scrollHeight, d.offsetHeight, b ? b.scrollHeight : 0, b ? b.offsetHeight : 0);
  }

  function documentWidth() {
    const d = document.documentElement;
    const b = document.body;
    return Math.max(d.scrollWidth, b ? b.scrollWidth : 0, window.innerWidth);
  }

  // ---------------------------------------------------------------------------------- settle
  function pendingWork() {
    const inflight = tracker ? tracker.inflight + tracker.timers.size : 0;
    let images = 0;
    for (const img of document.images) {
      // Lazy images outside the viewport are not requested yet: they are not pending.
      if (!img.complete && !(img.loading === "lazy" && !inView(img))) images += 1;
    }
    return inflight + images;
  }

  function inView(el) {
    const r = el.getBoundingClientRect();
    return r.bottom >= 0 && r.top <= window.innerHeight;
  }

  // Watches for network activity; quiet means no new finished resource and no pending work
  // (in-flight requests, incomplete images, short timers) for a while.
  function quietWatch() {
    let count = performance.getEntriesByType("resource").length;
    let quietSince = performance.now();
    return {
      sample() {
        const now = performance.getEntriesByType("resource").length;
        if (now !== count || pendingWork() > 0) {
          count = now;
          quietSince = performance.now();
        }
        return performance.now() - quietSince;
      },
    };
  }

  // The quiet period may have begun while scrolling: scrolling does not restart it.
  async function networkQuiet(watch, quietMs, deadline) {
    while (performance.now() < deadline) {
      await sleep(25);
      if (watch.sample() >= quietMs) return true;
    }
    return false;
  }

  // `scroll-behavior: smooth` would turn each jump into an animation that lags behind.
  function scrollInstantly(y) {
    window.scrollTo({ top: y, left: 0, behavior: "instant" });
  }

  // Waits at most `opts.waitMs` for the load event; the caller calls again while its load
  // budget lasts, so a cancelled scrape never waits long behind one script.
  async function waitForLoad(opts) {
    if (document.readyState !== "complete") {
      await new Promise((resolve) => {
        window.addEventListener("load", resolve, { once: true });
        setTimer.call(window, resolve, opts.waitMs);
      });
    }
    return { loaded: document.readyState === "complete" };
  }

  async function settle(opts) {
    const report = { scrolled_to: 0, network_quiet: false, animations_finished: 0, animations_paused: 0 };
    const start = performance.now();
    const deadline = start + opts.settleMs;
    // Scroll one screen at a time so IntersectionObserver-based lazy loaders see every element.
    const step = Math.max(200, window.innerHeight);
    const watch = quietWatch();
    let y = 0;
    while (performance.now() < deadline) {
      const limit = Math.min(documentHeight(), opts.maxScroll);
      if (y >= limit) break;
      y = Math.min(y + step, limit);
      scrollInstantly(y);
      // One rendered frame per screen: observers saw this scroll position before the next jump.
      await frameRendered();
      watch.sample();
    }
    report.scrolled_to = y;
    report.scroll_ms = Math.round(performance.now() - start);
    report.network_quiet = await networkQuiet(watch, opts.quietMs, deadline);
    report.quiet_ms = Math.round(performance.now() - start);
    report.pending = pendingWork();
    scrollInstantly(0);
    await frame();
    await frame();
    if (document.fonts) {
      await Promise.race([document.fonts.ready, sleep(Math.max(0, deadline - performance.now()))]);
    }
    // Finite animations and transitions (entrance effects, reveal-on-scroll) jump to their end
    // state: that is how the page looks once settled, and waiting for long or delayed ones
    // would cost seconds. Their end can start new ones (transitionend handlers), hence rounds.
    for (let round = 0; round < 3 && performance.now() < deadline; round++) {
      const finite = document.getAnimations().filter((a) => {
        if (a.playState !== "running" && a.playState !== "pending") return false;
        const timing = a.effect && a.effect.getComputedTiming();
        return timing && Number.isFinite(timing.endTime);
      });
      if (finite.length === 0) break;
      report.animations_finished += finite.length;
      for (const animation of finite) {
        try {
          animation.finish();
        } catch (e) {
          // A zero playback rate cannot finish; it stays where it is.
        }
      }
      await frame();
      await frame();
    }
    // Infinite ones (spinners, marquees) are paused at their first frame: a capture must not
    // depend on the moment it was taken.
    for (const animation of document.getAnimations()) {
      const timing = animation.effect && animation.effect.getComputedTiming();
      if (timing && !Number.isFinite(timing.endTime)) {
        try {
          animation.pause();
          animation.currentTime = 0;
          report.animations_paused += 1;
        } catch (e) {
          // Left running.
        }
      }
    }
    await frame();
    report.animations_ms = Math.round(performance.now() - start);
    const decodes = Array.from(document.images)
      .filter((img) => img.complete && img.naturalWidth > 0)
      .map((img) => img.decode().catch(() => null));
    await Promise.race([Promise.all(decodes), sleep(Math.max(0, deadline - performance.now()))]);
    report.elapsed_ms = Math.round(performance.now() - start);
    return report;
  }

  // --------------------------------------------------------------------------------- extract
  function makeDefaults() {
    const iframe = document.createElement("iframe");
    iframe.setAttribute("aria-hidden", "true");
    iframe.setAttribute("data-replica-probe", "");
    iframe.style.cssText =
      "position:absolute;left:-10000px;top:0;width:400px;height:400px;border:0;visibility:hidden";
    document.documentElement.appendChild(iframe);
    const doc = iframe.contentDocument;
    doc.open();
    // Same compat mode as the page, so quirks-mode defaults match.
    doc.write(document.compatMode === "BackCompat" ? "<html><body></body></html>" : "<!DOCTYPE html><html><body></body></html>");
    doc.close();
    const win = iframe.contentWindow;
    const svgRoot = doc.createElementNS(SVG_NS, "svg");
    doc.body.appendChild(svgRoot);
    const cache = new Map();
    function probe(svg, name) {
      // The <svg> root sits in <body> like any element; its content inside an <svg>.
      const key = (svg && name !== "svg" ? "svg:" : "") + name;
      let values = cache.get(key);
      if (values) return values;
      const element = svg ? doc.createElementNS(SVG_NS, name) : doc.createElement(name);
      (svg && name !== "svg" ? svgRoot : doc.body).appendChild(element);
      values = readStyle(win.getComputedStyle(element));
      element.remove();
      cache.set(key, values);
      return values;
    }
    return {
      json: win.JSON,
      forElement(el) {
        return probe(el.namespaceURI === SVG_NS, el.localName);
      },
      // Every tag met and every tag in DEFAULT_TAGS, as what it computes where an unstyled
      // <div> computes something else.
      recorded() {
        for (const name of DEFAULT_TAGS) probe(name === "svg", name);
        const div = probe(false, "div");
        const base = styleDiff(div, {});
        const tags = {};
        for (const [key, values] of cache) tags[key] = styleDiff(values, div);
        return { base, tags };
      },
      remove() {
        iframe.remove();
      },
    };
  }

  // Tags whose defaults are recorded whether or not the page has them: the ones with a look
  // of their own, so a stage (or an editor adding such an element later) can always ask.
  const DEFAULT_TAGS = [
    "a", "abbr", "address", "article", "aside", "b", "blockquote", "body", "button", "caption",
    "cite", "code", "dd", "del", "details", "dfn", "div", "dl", "dt", "em", "fieldset",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr",
    "html", "i", "img", "input", "ins", "kbd", "label", "legend", "li", "main", "mark", "menu",
    "nav", "ol", "optgroup", "option", "p", "pre", "q", "s", "samp", "section", "select", "small",
    "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "textarea", "tfoot", "th",
    "thead", "tr", "u", "ul", "var", "video", "svg", "canvas", "iframe",
  ];

  function readStyle(computed) {
    const values = {};
    for (const prop of PROPS) values[prop] = computed.getPropertyValue(prop);
    return values;
  }

  function styleDiff(values, defaults) {
    const diff = {};
    for (const prop of PROPS) {
      const value = values[prop];
      if (value !== "" && value !== defaults[prop]) diff[prop] = value;
    }
    return diff;
  }

  function pseudo(el, which, defaults) {
    const computed = getComputedStyle(el, which);
    const content = computed.getPropertyValue("content");
    if (!content || content === "none" || content === "normal") return null;
    const style = styleDiff(readStyle(computed), defaults);
    // No computedStyleMap for pseudo-elements: a box's size is its used size in pixels
    // (`auto` where it is inline and the size does not apply).
    for (const prop of ["width", "height"]) {
      const value = computed.getPropertyValue(prop);
      if (value && value !== "auto") style[prop] = value;
    }
    return { content, style };
  }

  // Tags whose box takes a width and height even when displayed inline.
  const REPLACED = new Set(["img", "video", "canvas", "iframe", "embed", "object", "input", "select", "textarea", "button", "svg", "audio", "progress", "meter"]);

  // The computed (not resolved) width and height where they are not `auto`: `50%`,
  // `fit-content`, `calc(100% - 2rem)` stay what the page declared, lengths come in pixels.
  // Inline boxes and SVG shapes are skipped: the properties do not size them.
  function declaredSizes(el, values, style) {
    if (values.display === "none" || values.display === "contents") return;
    if (values.display === "inline" && !REPLACED.has(el.localName)) return;
    const map = el.computedStyleMap();
    for (const prop of ["width", "height"]) {
      const value = map.get(prop);
      const text = value ? value.toString() : "auto";
      if (text !== "auto") style[prop] = text;
    }
  }

  // An absolute or fixed box's insets as computed, not resolved: `auto` (left out) where the
  // page set none, so a footer with `bottom: 0` is not also given the `top` it happened to
  // get, and percentages stay percentages.
  function declaredInsets(el, values, style) {
    if (values.position !== "absolute" && values.position !== "fixed") return;
    const map = el.computedStyleMap();
    for (const prop of ["top", "right", "bottom", "left"]) {
      const value = map.get(prop);
      const text = value ? value.toString() : "auto";
      if (text === "auto") delete style[prop];
      else style[prop] = text;
    }
  }

  // A transform as its functions (`translate(-50%, 0px) rotate(45deg)`), not the matrix
  // they resolve to: a percentage stays one, and the clone can name the steps.
  function declaredTransform(el, style) {
    if (!style.transform) return;
    const value = el.computedStyleMap().get("transform");
    const text = value ? value.toString() : "";
    if (text) style.transform = text;
  }

  function box(el) {
    const r = el.getBoundingClientRect();
    return { x: round(r.left + window.scrollX), y: round(r.top + window.scrollY), width: round(r.width), height: round(r.height) };
  }

  function text(el) {
    return (el.textContent || "").replace(/\s+/g, " ").trim();
  }

  function urlsIn(cssValue) {
    const urls = [];
    const re = /url\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([^)]*?))\s*\)/g;
    let m;
    while ((m = re.exec(cssValue)) !== null) {
      const u = (m[1] !== undefined ? m[1] : m[2] !== undefined ? m[2] : m[3]).trim();
      if (u) urls.push(u);
    }
    return urls;
  }

  function absolute(url, base) {
    try {
      return new URL(url, base || document.baseURI).href;
    } catch (e) {
      return url;
    }
  }

  function isVisible(rect, values) {
    return rect.width > 0 && rect.height > 0 && values.visibility !== "hidden" && values.display !== "none";
  }

  function extract(opts) {
    const defaults = makeDefaults();
    const out = {
      device: {
        document: { width: documentWidth(), height: documentHeight() },
        // Below 1 for pages without a viewport meta, which a mobile browser lays out at 980 px
        // and zooms out to fit the screen.
        visual: { scale: window.visualViewport ? window.visualViewport.scale : 1 },
        node_count: 0,
        truncated: false,
        too_deep: false,
        images: [],
        background_images: [],
        svgs: [],
        links: [],
        buttons: [],
        form_controls: [],
        fonts_in_use: [],
      },
    };
    const dev = out.device;
    const styleOf = new Map(); // element -> computed values, for the text pass below
    const idOf = new Map();
    let nextId = 0;

    // `depth`: <html> is 0. Below maxDepth an element's element children are kept as their text.
    function capture(el, insideSvg, descend = true, depth = 0) {
      if (nextId >= opts.maxNodes) {
        dev.truncated = true;
        return null;
      }
      const id = nextId++;
      idOf.set(el, id);
      const svg = insideSvg || el.namespaceURI === SVG_NS;
      const values = readStyle(getComputedStyle(el));
      styleOf.set(el, values);
      const own = defaults.forElement(el);
      const node = { id, tag: svg ? el.localName : el.localName.toLowerCase(), box: box(el) };
      const attrs = [];
      for (const a of el.attributes) {
        if (a.name.startsWith("on")) continue;
        attrs.push([a.name, a.value]);
      }
      if (attrs.length) node.attrs = attrs;
      const style = styleDiff(values, own);
      if (!insideSvg) {
        declaredSizes(el, values, style);
        declaredInsets(el, values, style);
        declaredTransform(el, style);
      }
      if (Object.keys(style).length) node.style = style;
      if (!svg) {
        const spanDefaults = defaults.forElement(document.createElement("span"));
        const before = pseudo(el, "::before", spanDefaults);
        if (before) node.before = before;
        const after = pseudo(el, "::after", spanDefaults);
        if (after) node.after = after;
      }
      const state = formState(el);
      if (state) node.state = state;
      collect(el, id, node.box, values);
      if (!descend || el.localName === "iframe" || el.localName === "canvas") return node;
      const children = [];
      for (const child of el.childNodes) {
        if (child.nodeType === Node.TEXT_NODE) {
          if (child.nodeValue) children.push(child.nodeValue);
        } else if (child.nodeType === Node.ELEMENT_NODE) {
          const tag = child.localName;
          if (SKIPPED.has(tag) && child.namespaceURI !== SVG_NS) continue;
          if (child.hasAttribute("data-replica-probe")) continue;
          if (depth + 1 >= opts.maxDepth) {
            dev.too_deep = true;
            if (child.textContent) children.push(child.textContent);
            continue;
          }
          const captured = capture(child, svg, true, depth + 1);
          if (captured === null) break;
          children.push(captured);
        }
      }
      if (children.length) node.children = children;
      return node;
    }

    function formState(el) {
      const tag = el.localName;
      const state = {};
      if (tag === "input") {
        const type = (el.type || "text").toLowerCase();
        if (type === "checkbox" || type === "radio") state.checked = String(el.checked);
        else if (type !== "password" && type !== "file" && type !== "hidden" && el.value !== (el.getAttribute("value") || "")) state.value = el.value;
      } else if (tag === "textarea") {
        if (el.value !== el.defaultValue) state.value = el.value;
      } else if (tag === "select") {
        state.value = el.value;
      } else if (tag === "option") {
        if (el.selected !== el.defaultSelected) state.selected = String(el.selected);
      } else if (tag === "canvas" && el.width > 0 && el.height > 0 && el.width * el.height <= 4000000) {
        try {
          state.canvas = el.toDataURL("image/png");
        } catch (e) {
          // A canvas tainted by cross-origin images cannot be read; it stays empty.
        }
      }
      return Object.keys(state).length ? state : null;
    }

    function collect(el, id, rect, values) {
      const tag = el.localName;
      const visible = isVisible(rect, values);
      if (tag === "img") {
        dev.images.push({
          node: id, src: el.currentSrc || el.src || "", srcset: el.getAttribute("srcset"),
          sizes: el.getAttribute("sizes"), alt: el.getAttribute("alt"),
          natural_width: el.naturalWidth || 0, natural_height: el.naturalHeight || 0, box: rect,
          loaded: el.complete && el.naturalWidth > 0,
        });
      } else if (tag === "image" && el.namespaceURI === SVG_NS) {
        const href = el.href && el.href.baseVal;
        if (href) dev.images.push({ node: id, src: absolute(href), srcset: null, sizes: null, alt: null, natural_width: 0, natural_height: 0, box: rect, loaded: true });
      } else if (tag === "input" && (el.type || "").toLowerCase() === "image" && el.src) {
        dev.images.push({ node: id, src: el.src, srcset: null, sizes: null, alt: el.getAttribute("alt"), natural_width: 0, natural_height: 0, box: rect, loaded: true });
      }
      for (const url of urlsIn(values["background-image"] || "")) {
        dev.background_images.push({ node: id, url: absolute(url), box: rect, pseudo: null });
      }
      for (const which of ["::before", "::after"]) {
        const bg = getComputedStyle(el, which).getPropertyValue("background-image");
        if (bg && bg !== "none") {
          for (const url of urlsIn(bg)) dev.background_images.push({ node: id, url: absolute(url), box: rect, pseudo: which });
        }
      }
      if (tag === "svg" && !(el.parentElement && el.parentElement.closest("svg"))) {
        dev.svgs.push({ node: id, box: rect, markup: el.outerHTML.slice(0, 200000) });
      }
      if (tag === "a" && el.hasAttribute("href")) {
        const img = el.querySelector("img[alt]");
        const label = text(el) || el.getAttribute("aria-label") || el.getAttribute("title") || (img ? img.getAttribute("alt") : "") || "";
        dev.links.push({ node: id, href: el.href, text: label, box: rect, visible });
        if (looksLikeButton(el, values)) {
          dev.buttons.push({ node: id, tag: "a", text: label, href: el.href, box: rect, visible });
        }
      } else if (tag === "button" || el.getAttribute("role") === "button" ||
                 (tag === "input" && ["button", "submit", "reset"].includes((el.type || "").toLowerCase()))) {
        const label = tag === "input" ? el.value : text(el) || el.getAttribute("aria-label") || "";
        dev.buttons.push({ node: id, tag, text: label, href: null, box: rect, visible });
      }
      if ((tag === "input" && (el.type || "").toLowerCase() !== "hidden") || tag === "select" || tag === "textarea") {
        const labelEl = el.labels && el.labels[0];
        const type = tag === "input" ? (el.type || "text").toLowerCase() : tag;
        dev.form_controls.push({
          node: id, tag, kind: type, name: el.getAttribute("name"),
          label: labelEl ? text(labelEl) : el.getAttribute("aria-label"),
          placeholder: el.getAttribute("placeholder"),
          value: type === "password" ? null : (tag === "select" || tag === "textarea" || tag === "input") ? el.value || null : null,
          box: rect,
        });
      }
    }

    function looksLikeButton(el, values) {
      const hint = ((el.getAttribute("class") || "") + " " + (el.getAttribute("role") || "")).toLowerCase();
      if (/\b(btn|button|cta)\b|btn-|button-|-btn|-button/.test(hint)) return true;
      const filled = values["background-color"] !== "rgba(0, 0, 0, 0)" && values["background-color"] !== "transparent";
      const bordered = parseFloat(values["border-top-width"]) > 0 && values["border-top-style"] !== "none";
      const padded = parseFloat(values["padding-left"]) >= 8 && parseFloat(values["padding-top"]) >= 4;
      const boxy = /inline-block|inline-flex|flex|block/.test(values.display);
      return (filled || bordered) && padded && boxy;
    }

    function fontsInUse() {
      const uses = new Map();
      const walker = document.createTreeWalker(document.body || document.documentElement, NodeFilter.SHOW_TEXT);
      let node;
      while ((node = walker.nextNode())) {
        const chars = node.nodeValue.replace(/\s+/g, "").length;
        if (!chars) continue;
        const parent = node.parentElement;
        const values = parent && styleOf.get(parent);
        if (!values || values.display === "none" || values.visibility === "hidden") continue;
        const family = values["font-family"];
        let use = uses.get(family);
        if (!use) uses.set(family, (use = { family, weights: new Set(), characters: 0 }));
        use.weights.add(values["font-weight"]);
        use.characters += chars;
      }
      return Array.from(uses.values())
        .map((u) => ({ family: u.family, weights: Array.from(u.weights).sort((a, b) => Number(a) - Number(b)), characters: u.characters }))
        .sort((a, b) => b.characters - a.characters);
    }

    const root = document.documentElement;
    // Only <body> goes under <html>: the head is summarised in meta, stylesheets and fonts.
    const html = capture(root, false, false);
    html.children = [];
    if (document.body) {
      const body = capture(document.body, false, true, 1);
      if (body) html.children.push(body);
    }
    dev.dom = html;
    dev.node_count = nextId;
    dev.fonts_in_use = fontsInUse();
    dev.browser_defaults = defaults.recorded();
    out.page = page(idOf);
    defaults.remove();
    return defaults.json.stringify(out);
  }

  // Page-level facts: identical on both devices, taken from the desktop load.
  function page() {
    const nav = performance.getEntriesByType("navigation")[0];
    const doctype = document.doctype;
    let doctypeText = null;
    if (doctype) {
      doctypeText = "<!DOCTYPE " + doctype.name +
        (doctype.publicId ? ' PUBLIC "' + doctype.publicId + '"' : "") +
        (doctype.systemId ? (doctype.publicId ? "" : " SYSTEM") + ' "' + doctype.systemId + '"' : "") + ">";
    }
    const meta = { description: null, viewport: null, theme_color: null, icons: [], open_graph: {}, other: [] };
    for (const m of document.querySelectorAll("meta")) {
      const name = (m.getAttribute("name") || "").toLowerCase();
      const property = (m.getAttribute("property") || "").toLowerCase();
      const content = m.getAttribute("content") || "";
      if (name === "description") meta.description = content;
      else if (name === "viewport") meta.viewport = content;
      else if (name === "theme-color") meta.theme_color = content;
      else if (property.startsWith("og:")) meta.open_graph[property.slice(3)] = content;
      else if (name) meta.other.push([name, content]);
      else if (property) meta.other.push([property, content]);
    }
    for (const l of document.querySelectorAll("link[rel]")) {
      const rel = l.getAttribute("rel").toLowerCase();
      if (/\bicon\b|apple-touch-icon|mask-icon/.test(rel) && l.href) {
        meta.icons.push({ rel, href: l.href, sizes: l.getAttribute("sizes"), type: l.getAttribute("type") });
      }
    }
    const htmlAttrs = [];
    for (const a of document.documentElement.attributes) htmlAttrs.push([a.name, a.value]);
    const stylesheets = [];
    const fontFaceRules = [];
    function visitRules(rules, base) {
      for (const rule of rules) {
        if (rule instanceof CSSFontFaceRule) {
          fontFaceRules.push({ style: rule.style, base });
        } else if (rule.cssRules && !(rule instanceof CSSImportRule)) {
          visitRules(rule.cssRules, base);
        }
      }
    }
    // CSSOM writes numbers with six significant digits (line-height: 1.42857143 reads
    // 1.42857, and 14px of that lays out 19.98px high, not 20; a 33.33333333% column loses
    // a fraction too), and the lost fractions add up line after line. A <style> element's
    // own text still has them: a six-digit number that stands for exactly one longer number
    // there gets it back. (Its text itself is not used: browsers drop what they cannot
    // parse, Next.js's CSS build refuses it.)
    function restorePrecision(css, text) {
      const longer = new Map();
      const written = new Set();
      for (const match of text.matchAll(/\d*\.\d+/g)) {
        if (match[0].replace(".", "").replace(/^0+/, "").length <= 6) {
          written.add(String(Number(match[0])));
          continue;
        }
        const short = String(Number(Number(match[0]).toPrecision(6)));
        const seen = longer.get(short);
        longer.set(short, seen === undefined || seen === match[0] ? match[0] : null);
      }
      // A six-digit number the page also wrote as it is stays as it is.
      for (const short of written) longer.delete(short);
      if (longer.size === 0) return css;
      return css.replace(/(^|[^\w.#])(\d*\.\d+)(?![\d.])/g, (all, before, number) => {
        const precise = longer.get(number);
        return precise ? before + precise : all;
      });
    }
    function visitSheet(sheet, origin, media) {
      let rules = null;
      try {
        rules = sheet.cssRules;
      } catch (e) {
        rules = null;
      }
      const base = sheet.href || document.baseURI;
      const entry = {
        origin, href: sheet.href || null, base_url: base,
        media: media || (sheet.media && sheet.media.mediaText) || null,
        disabled: !!sheet.disabled, css: "", error: null, needs_fetch: false,
      };
      if (rules === null) {
        entry.needs_fetch = true;
        stylesheets.push(entry);
        return;
      }
      const parts = [];
      for (const rule of rules) {
        if (rule instanceof CSSImportRule) {
          if (rule.styleSheet) visitSheet(rule.styleSheet, "import", rule.media && rule.media.mediaText);
          else stylesheets.push({ origin: "import", href: absolute(rule.href, base), base_url: absolute(rule.href, base), media: null, disabled: false, css: "", error: "the browser did not load this @import", needs_fetch: false });
          continue;
        }
        parts.push(rule.cssText);
      }
      visitRules(rules, base);
      entry.css = parts.join("\n");
      const owner = sheet.ownerNode;
      if (owner && owner.localName === "style") entry.css = restorePrecision(entry.css, owner.textContent || "");
      stylesheets.push(entry);
    }
    for (const sheet of document.styleSheets) {
      const owner = sheet.ownerNode;
      visitSheet(sheet, owner && owner.localName === "link" ? "link" : "style", null);
    }
    for (const sheet of document.adoptedStyleSheets || []) visitSheet(sheet, "adopted", null);

    const loadedFaces = [];
    if (document.fonts) document.fonts.forEach((f) => loadedFaces.push(f));
    const unquote = (s) => s.replace(/^["']|["']$/g, "");
    const font_faces = fontFaceRules.map(({ style, base }) => {
      const family = unquote(style.getPropertyValue("font-family").trim());
      const weight = style.getPropertyValue("font-weight") || "normal";
      const fstyle = style.getPropertyValue("font-style") || "normal";
      const src = style.getPropertyValue("src");
      const match = loadedFaces.find((f) => unquote(f.family) === family && (f.weight === weight || weight === "") && (f.style === fstyle || fstyle === ""));
      return {
        family, src, urls: urlsIn(src).filter((u) => !u.startsWith("data:")).map((u) => absolute(u, base)),
        weight, style: fstyle, display: style.getPropertyValue("font-display") || null,
        unicode_range: style.getPropertyValue("unicode-range") || null,
        status: match ? match.status : "unloaded",
      };
    });
    const network = [];
    if (nav) network.push({ url: nav.name, type: "document", bytes: nav.transferSize || nav.encodedBodySize || 0, status: nav.responseStatus || 0 });
    // Declared icons are fetched for the browser's UI, when and whether it wants them (full
    // Chromium always, the headless shell now and then): they are in meta.icons, and left out
    // here so the list is the same in every browser and every run.
    const icons = new Set(meta.icons.map((icon) => icon.href));
    for (const e of performance.getEntriesByType("resource")) {
      if (icons.has(e.name) && (e.initiatorType === "link" || e.initiatorType === "other")) continue;
      network.push({ url: e.name, type: resourceKind(e), bytes: e.transferSize || e.encodedBodySize || 0, status: e.responseStatus || 0 });
    }
    return {
      final_url: location.href, base_url: document.baseURI,
      status: nav ? nav.responseStatus || 0 : 0,
      content_type: document.contentType, title: document.title,
      lang: document.documentElement.getAttribute("lang"), doctype: doctypeText,
      compat_mode: document.compatMode, charset: document.characterSet,
      meta, html_attrs: htmlAttrs, stylesheets, font_faces, network,
    };
  }

  function resourceKind(entry) {
    const t = entry.initiatorType;
    const path = entry.name.split("?")[0].toLowerCase();
    if (/\.(woff2?|ttf|otf|eot)$/.test(path)) return "font";
    if (t === "css" && /\.(png|jpe?g|gif|webp|avif|svg)$/.test(path)) return "image";
    if (t === "link" && /\.css$/.test(path)) return "stylesheet";
    if (t === "css" || t === "link") return path.endsWith(".css") ? "stylesheet" : "other";
    if (t === "script") return "script";
    if (t === "img" || t === "image" || t === "input") return "image";
    if (t === "video" || t === "audio" || t === "track") return "media";
    if (t === "fetch" || t === "xmlhttprequest" || t === "beacon") return "fetch";
    return "other";
  }

  function fail(error) {
    done(JSON.stringify({ error: String(error && error.stack ? error.stack : error) }));
  }

  try {
    if (mode === "load") {
      waitForLoad(options).then((report) => done(JSON.stringify(report)), fail);
    } else if (mode === "settle") {
      settle(options).then((report) => done(JSON.stringify(report)), fail);
    } else if (mode === "extract") {
      done(extract(options));
    } else if (mode === "measure") {
      const scale = window.visualViewport ? window.visualViewport.scale : 1;
      done(JSON.stringify({ document_height: documentHeight(), visual_scale: scale }));
    } else {
      fail("unknown mode " + mode);
    }
  } catch (error) {
    fail(error);
  }
})(arguments[0], arguments[1], arguments[arguments.length - 1]);
