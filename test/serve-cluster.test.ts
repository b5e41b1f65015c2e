// latentkit serve in a cluster: liveness and readiness, Prometheus metrics that count what was answered, and a
// graceful drain — SIGTERM during a stream of requests answers every request the server accepted, then exits 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createModel, defaultConfig } from '../src/models/registry.js';
import { runFromFiles, runToFiles } from '../src/io/run-files.js';
import { saveRun } from '../src/io/run-dir.js';
import { createServer } from '../src/serve/app.js';
import { cliProcess, tempDir } from './helpers.js';

const D = 6;
const row = [0.1, 0.5, 0.9, 0.3, 0.7, 0.2];

test('healthz, readyz (503 once draining) and metrics that count requests, examples and errors', async () => {
  const model = createModel(defaultConfig('ae', [D], { latentDim: 2, hiddenUnits: [4] }));
  const { files } = await runToFiles(model, { data: { source: 'toy', shape: [D] }, history: [], backend: 'test' });
  const { app, drain } = await createServer({ run: await runFromFiles(files), logLevel: 'silent' });
  assert.deepEqual((await app.inject({ url: '/healthz' })).json(), { status: 'ok' });
  assert.equal((await app.inject({ url: '/readyz' })).statusCode, 200);
  for (const n of [1, 3, 2]) {
    const res = await app.inject({ method: 'POST', url: '/v1/score', payload: { inputs: Array(n).fill(row) } });
    assert.equal(res.statusCode, 200);
  }
  assert.equal((await app.inject({ method: 'POST', url: '/v1/score', payload: { inputs: [[1]] } })).statusCode, 400);
  const metrics = (await app.inject({ url: '/metrics' })).body;
  assert.match(metrics, /latentkit_requests_total\{route="\/v1\/score",status="200"\} 3\b/);
  assert.match(metrics, /latentkit_requests_total\{route="\/v1\/score",status="400"\} 1\b/);
  assert.match(metrics, /latentkit_examples_total\{route="\/v1\/score"\} 6\b/);
  assert.match(metrics, /latentkit_errors_total\{route="\/v1\/score"\} 1\b/);
  assert.match(metrics, /latentkit_request_duration_seconds_count\{route="\/v1\/score"\} 4\b/);
  assert.match(metrics, /latentkit_model_info\{kind="ae",latent_dim="2",features="6",source="toy"\} 1/);
  assert.match(metrics, /process_cpu_seconds_total/);
  drain();
  const ready = await app.inject({ url: '/readyz' });
  assert.equal(ready.statusCode, 503);
  assert.deepEqual(ready.json(), { status: 'draining' });
  assert.equal((await app.inject({ url: '/healthz' })).statusCode, 200, 'still alive while draining');
  await app.close();
});

test('a client that stalls in the middle of its body is closed after the request timeout; others are answered meanwhile', async () => {
  const model = createModel(defaultConfig('ae', [D], { latentDim: 2, hiddenUnits: [4] }));
  const { files } = await runToFiles(model, { data: { source: 'toy', shape: [D] }, history: [], backend: 'test' });
  const { app } = await createServer({ run: await runFromFiles(files), requestTimeout: 1000 });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = new URL(url);
  const started = performance.now();
  const closed = new Promise<number>((resolve) => {
    const socket = connect(Number(port), '127.0.0.1', () => {
      socket.write('POST /v1/score HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"inputs": [[0.1');
    });
    socket.on('data', () => undefined);
    socket.on('close', () => resolve(performance.now() - started));
  });
  assert.equal(await post(url, JSON.stringify({ inputs: [row] })), 200);
  const ms = await closed;
  assert.ok(ms >= 900 && ms < 5000, `closed after ${ms.toFixed(0)} ms`);
  await app.close();
});

/** One POST on a connection of its own: its status, or the connection error's code. */
function post(url: string, body: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request(`${url}/v1/score`, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', connection: 'close' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
      res.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    req.setTimeout(10_000, () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.end(body);
  });
}

test('SIGTERM during a stream of requests: readiness turns 503, every request sent until then is answered, exit 0', async () => {
  const run = join(tempDir(), 'run');
  await saveRun(run, createModel(defaultConfig('ae', [D], { latentDim: 2, hiddenUnits: [4] })), { data: { source: 'toy', shape: [D] }, history: [], backend: 'test' });
  const server = cliProcess('serve', run, '--port', '0', '--json', '--log-level', 'silent', '--drain-delay', '1');
  const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    server.stdout!.on('data', (chunk) => {
      out += chunk;
      if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]).url);
    });
    server.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
  });
  const body = JSON.stringify({ inputs: Array(32).fill(row) });
  const outcomes: (number | string)[] = [];
  // A load balancer's view: probe /readyz, stop routing to the server once it says 503.
  let routing = true;
  const probe = async () => {
    while (routing) {
      const status = await fetch(`${url}/readyz`).then((r) => r.status, () => 0);
      if (status !== 200) routing = false;
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const worker = async () => {
    while (routing && outcomes.length < 5000) {
      outcomes.push(await post(url, body));
      if (outcomes.length === 60) server.kill('SIGTERM');
    }
  };
  await Promise.all([probe(), ...Array.from({ length: 8 }, worker)]);
  const code = await exited;
  assert.deepEqual(outcomes.filter((o) => o !== 200), [], 'every request sent while the server was ready or draining was answered');
  assert.ok(outcomes.length > 60, `${outcomes.length} requests`);
  assert.equal(code, 0);
  assert.equal(await post(url, body), 'ECONNREFUSED', 'closed after the drain');
});
