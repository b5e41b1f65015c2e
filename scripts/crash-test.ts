// `npm run crash-test [kills] [seed]`: trains with a checkpoint every epoch, kills the process with SIGKILL at random
// moments (inside saves too, since a save happens every epoch), and checks after each kill that the run folder loads
// (the old or the new version) and that --resume continues. Prints counts of what each kill left behind.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../src/errors.js';
import { loadRun } from '../src/io/run-dir.js';
import { Rng } from '../src/train/rng.js';
import '../src/node.js';
import { selectBackend } from '../src/backend/select.js';

const kills = Number(process.argv[2] ?? 50);
const rng = new Rng(Number(process.argv[3] ?? 1));
await selectBackend();

const dir = mkdtempSync(join(tmpdir(), 'latentkit-crash-'));
const csv = join(dir, 'rows.csv');
const lines = [Array.from({ length: 16 }, (_, j) => `f${j}`).join(',')];
for (let i = 0; i < 2000; i++) {
  const a = rng.next();
  lines.push(Array.from({ length: 16 }, (_, j) => (j / 16 < a ? 1 : 0.1 * rng.next()).toFixed(3)).join(','));
}
writeFileSync(csv, lines.join('\n') + '\n');
const run = join(dir, 'run');
const cli = join(import.meta.dirname, '..', 'src', 'cli', 'main.ts');
const epochs = 1000;

const counts = { 'no run yet': 0, 'in-progress run': 0, 'complete run': 0, 'left temp folders': 0, unreadable: 0 };
let started = false;
for (let k = 0; k < kills; k++) {
  const args = started
    ? ['train', '--resume', run, '--json']
    : ['train', '--model', 'ae', '--data', csv, '--epochs', String(epochs), '--batch-size', '16', '--checkpoint-every', '1', '--json', '--out', run];
  const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  // Let it get through start-up (about a second) and into training and saving, then kill it at a random moment.
  await new Promise((resolve) => setTimeout(resolve, 1500 + 2500 * rng.next()));
  child.kill('SIGKILL');
  await new Promise((resolve) => child.on('exit', resolve));
  const leftovers = readdirSync(dir).filter((n) => n.startsWith('.run.') && !n.endsWith('.lock'));
  if (leftovers.length > 0) counts['left temp folders']++;
  try {
    const { model, manifest } = await loadRun(run);
    model.dispose();
    counts[manifest.status === 'complete' ? 'complete run' : 'in-progress run']++;
    started = true;
  } catch (err) {
    if (err instanceof UserError && /not a latentkit run/.test(err.message) && !started) counts['no run yet']++;
    else {
      counts.unreadable++;
      console.log(`kill ${k + 1}: ${(err as Error).message}`);
    }
  }
}
console.log(`${kills} kills of 'latentkit train' (checkpoint every epoch) and '--resume':`);
for (const [what, n] of Object.entries(counts)) console.log(`  ${what.padEnd(18)} ${n}`);
const after = readdirSync(dir).filter((n) => n.startsWith('.run.'));
console.log(`temporary siblings left at the end (cleaned by the next write): ${after.length}`);
process.exit(counts.unreadable > 0 ? 1 : 0);
