// A closed-loop HTTP load generator in its own process and runtime, with no dependencies: the "outside" suite of
// bench/Parley.Bench runs it against Parley and against the test upstream. It reads one job as JSON (the first
// argument, or stdin) and prints the results as JSON:
//
//   { "url": "http://127.0.0.1:5000",         the address, or the base of "path" or "paths"
//     "path": "/v1/chat/completions",          or "paths": [...], a pool: a worker takes an idle one for each
//                                             request and gives it back when the answer has ended (one session each)
//     "method": "POST", "headers": {...}, "body": "...",
//     "concurrency": 64,                       workers; each sends its next request when the previous one ended
//     "requests": 20000,                       measured requests in all, or "seconds": measured time
//     "ramp": 640,                             ms: worker i starts at ramp * i / concurrency; only requests that start
//                                             after the ramp are measured (steady streams, not bursts in lockstep)
//     "warmupRequests": 500,                   sent first at the same concurrency, not measured
//     "firstByte": true,                       time the first body byte (first token) too; the default
//     "timeoutSeconds": 60, "maxSeconds": 180 }
//
// Latencies are in milliseconds; p50 and p99 by nearest rank, as the .NET bench computes them.
import http from 'node:http';

const job = JSON.parse(process.argv[2] ?? await readStdin());
const concurrency = job.concurrency ?? 1;
const agent = new http.Agent({ keepAlive: true, noDelay: true, maxSockets: concurrency, maxFreeSockets: concurrency });
const base = new URL(job.url);
const body = job.body === undefined ? null : Buffer.from(job.body);
const headers = { ...job.headers, ...(body ? { 'content-type': 'application/json', 'content-length': body.length } : {}) };
const idle = job.paths ? [...job.paths] : null;
const deadline = performance.now() + (job.maxSeconds ?? 180) * 1000;

if (job.warmupRequests) await run({ requests: job.warmupRequests, ramp: 0 });
const cpu = process.cpuUsage();
const results = await run({ requests: job.requests, seconds: job.seconds, ramp: job.ramp ?? 0 });
const used = process.cpuUsage(cpu);
const ok = results.samples.filter(s => s.ok);
console.log(JSON.stringify({
  requests: results.samples.length,
  errors: results.samples.length - ok.length,
  firstError: results.samples.find(s => !s.ok)?.error ?? null,
  seconds: results.seconds,
  requestsPerSecond: results.samples.length / results.seconds,
  firstByte: job.firstByte === false ? null : percentiles(ok.map(s => s.firstByte)),
  total: percentiles(ok.map(s => s.total)),
  // This process's own CPU time per measured request (user + system), to tell the client's cost from the server's.
  clientCpuMicrosecondsPerRequest: (used.user + used.system) / Math.max(1, results.samples.length),
}));
agent.destroy();

/** Runs the workers until `requests` were measured or `seconds` passed after the ramp. */
async function run({ requests, seconds, ramp }) {
  const samples = [];
  const start = performance.now();
  const end = () => seconds ? start + ramp + seconds * 1000 : Infinity;
  let started = 0;
  await Promise.all(Array.from({ length: concurrency }, async (_, worker) => {
    if (ramp > 0) await sleep(ramp * worker / concurrency);
    while (performance.now() < Math.min(end(), deadline)) {
      const measured = performance.now() - start >= ramp;
      if (measured && requests && started >= requests) break;
      if (measured) started++;
      const sample = await send();
      if (measured) samples.push(sample);
    }
  }));
  return { samples, seconds: (performance.now() - start - ramp) / 1000 };
}

/** One request, read to its end: the time to its first body byte and in total. */
async function send() {
  const path = idle ? idle.shift() : job.path ?? '';
  if (path === undefined) throw new Error('Every path of the pool is busy: give more paths than workers.');
  const t0 = process.hrtime.bigint();
  const ms = () => Number(process.hrtime.bigint() - t0) / 1e6;
  try {
    return await new Promise(resolve => {
      let firstByte = -1;
      const request = http.request(new URL(path, base), { method: job.method ?? 'POST', headers, agent }, response => {
        if (job.firstByte === false) response.resume();
        else response.on('data', () => { if (firstByte < 0) firstByte = ms(); });
        response.on('end', () => {
          const ok = response.statusCode >= 200 && response.statusCode < 300;
          resolve({ ok, firstByte, total: ms(), error: ok ? null : `HTTP ${response.statusCode}` });
        });
        response.on('error', e => resolve({ ok: false, error: e.message }));
      });
      request.setTimeout((job.timeoutSeconds ?? 60) * 1000, () => request.destroy(new Error('timed out')));
      request.on('error', e => resolve({ ok: false, error: e.message }));
      request.end(body ?? undefined);
    });
  } finally {
    if (idle) idle.push(path);
  }
}

function percentiles(values) {
  if (values.length === 0) return { p50: null, p99: null };
  const sorted = Float64Array.from(values).sort();
  const at = p => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p / 100 * sorted.length) - 1))];
  return { p50: at(50), p99: at(99) };
}

function sleep(ms) {
  return new Promise(resolve => setTimeout(resolve, ms));
}

async function readStdin() {
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  return text;
}
