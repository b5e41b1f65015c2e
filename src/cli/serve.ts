// `latentkit serve RUN`: the JSON API and the studio page for one run, on loopback unless --host says otherwise.
import { Command, Option } from 'commander';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readDetector } from '../io/detector-file.js';
import { loadRun } from '../io/run-dir.js';
import { readableDir } from '../io/atomic.js';
import { createServer } from '../serve/app.js';
import { check } from '../errors.js';
import { action, loadFlaggedData, nonNegativeNumber, positiveInt, printResult, recordedDataFlags, useBackend, withCommon, type CommonFlags } from './common.js';

interface ServeFlags extends CommonFlags {
  host: string;
  port: number;
  detector?: string;
  maxBatch: number;
  bodyLimit: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  drainDelay: number;
  drainTimeout: number;
}

async function serve(runPath: string, flags: ServeFlags): Promise<void> {
  await useBackend(flags);
  const run = await loadRun(runPath);
  const saved = !runPath.endsWith('.zip') ? join(readableDir(runPath), 'detector.json') : undefined;
  const detectorFile = flags.detector ?? (saved && existsSync(saved) ? saved : undefined);
  const detector = detectorFile ? await readDetector(detectorFile) : undefined;
  const training = run.manifest.training;
  const data = training && !training.data.window
    ? async () => (await loadFlaggedData(recordedDataFlags(training), run.manifest.scaling, true)).test
    : undefined;
  const { app, drain } = await createServer({ run, detector, maxBatch: flags.maxBatch, bodyLimit: flags.bodyLimit, data, logLevel: flags.logLevel });
  const address = await app.listen({ host: flags.host, port: flags.port });
  // Graceful drain on SIGTERM: /readyz turns 503 at once and the server goes on answering for --drain-delay seconds,
  // while load balancers take it out of rotation; then it stops accepting, answers what is in flight and exits 0 — or 1
  // if that takes longer than --drain-timeout. Ctrl-C (SIGINT) skips the delay.
  const stop = (signal: string) => {
    drain();
    const delay = signal === 'SIGTERM' ? flags.drainDelay : 0;
    app.log.info({ signal, delaySeconds: delay }, 'draining');
    setTimeout(() => {
      process.stderr.write(`latentkit: requests still in flight ${flags.drainTimeout} s after closing; exiting\n`);
      process.exit(1);
    }, (delay + flags.drainTimeout) * 1000).unref();
    setTimeout(() => void app.close().then(() => process.exit(0)), delay * 1000);
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  printResult(flags, { url: address, run: runPath, detector: detectorFile ?? null },
    `serving ${runPath} (${run.manifest.config.kind}) at ${address}\n  studio: ${address}/?run=/run/\n  API:    ${address}/v1/model\n` +
    `  health: ${address}/healthz, ${address}/readyz; metrics: ${address}/metrics` +
    `${detectorFile ? `\n  detector: ${detectorFile}` : ''}\n(Ctrl-C stops)`);
}

export function serveCommand() {
  return withCommon(new Command('serve'))
    .description('serve a run: the JSON API (/v1/model, encode, decode, reconstruct, score, sample) and the studio page')
    .argument('<run>', 'a run folder (or a .zip of one)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <n>', 'port (0: any free port)', (v) => {
      const n = Number(v);
      check(Number.isInteger(n) && n >= 0 && n < 65536, `--port: expected 0..65535, got '${v}'`);
      return n;
    }, 8080)
    .option('--detector <file>', 'a detector saved by detect --save-detector (default: detector.json in the run, if any)')
    .option('--max-batch <n>', 'the most examples one request may carry', positiveInt('--max-batch'), 1024)
    .option('--body-limit <bytes>', 'the largest request body', positiveInt('--body-limit'), 16 * 2 ** 20)
    .addOption(new Option('--log-level <level>', 'structured JSON request logs (pino) on stderr at this level').choices(['debug', 'info', 'warn', 'error', 'silent']).default('info'))
    .option('--drain-delay <seconds>', 'on SIGTERM, seconds to go on answering with /readyz at 503 before closing', nonNegativeNumber('--drain-delay'), 5)
    .option('--drain-timeout <seconds>', 'after closing, how long requests in flight may take before the server exits anyway', positiveInt('--drain-timeout'), 10)
    .action(action(serve));
}
