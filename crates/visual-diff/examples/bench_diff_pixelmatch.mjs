// npm pixelmatch 7 on the pairs bench_diff.rs times, for the ratio it prints. bench_diff.rs
// writes this file next to the installed packages and runs it with node; one JSON line out.
//
//   node bench_diff_pixelmatch.mjs compare RUNS A.rgba B.rgba WIDTH HEIGHT INCLUDE_AA
//   node bench_diff_pixelmatch.mjs decode RUNS FILE.png
//
// Raw RGBA in: decoding is timed apart (the `decode` mode, pngjs), as on the Rust side.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import pixelmatch from 'pixelmatch';

const require = createRequire(import.meta.url);
const { PNG } = require('pngjs');
const [mode, runsArg, ...rest] = process.argv.slice(2);
const runs = Math.max(1, Number(runsArg) || 1);

function timed(run) {
  // One untimed run first: V8 compiles the hot loop there. The Rust side gets no warm-up, so
  // this favours pixelmatch.
  let result = run();
  const times = [];
  const cpuBefore = process.cpuUsage();
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    result = run();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  const cpu = process.cpuUsage(cpuBefore);
  times.sort((a, b) => a - b);
  return {
    min_ms: times[0],
    median_ms: times[Math.floor(times.length / 2)],
    cpu_ms: (cpu.user + cpu.system) / 1000 / runs,
    result,
  };
}

if (mode === 'compare') {
  const [aPath, bPath, widthArg, heightArg, includeAA] = rest;
  const a = readFileSync(aPath);
  const b = readFileSync(bPath);
  const [width, height] = [Number(widthArg), Number(heightArg)];
  // Allocated once, outside the timed part (the Rust side allocates its diff image per run).
  const output = new Uint8Array(width * height * 4);
  const options = { threshold: 0.1, includeAA: includeAA === 'true' };
  const measured = timed(() => pixelmatch(a, b, output, width, height, options));
  console.log(JSON.stringify({ ...measured, different_pixels: measured.result }));
} else if (mode === 'decode') {
  const png = readFileSync(rest[0]);
  const measured = timed(() => PNG.sync.read(png).width);
  console.log(JSON.stringify(measured));
} else {
  console.error(`unknown mode ${mode}`);
  process.exit(2);
}
