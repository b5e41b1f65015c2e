// `latentkit export RUN --format onnx --out DIR`: the run's encoder and decoder as ONNX models, with a description.
import { Command, Option } from 'commander';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeDirAtomic } from '../io/atomic.js';
import { loadRun } from '../io/run-dir.js';
import { exportOnnx } from '../io/onnx-export.js';
import { UserError } from '../errors.js';
import { action, printResult, useBackend, withCommon, type CommonFlags } from './common.js';

interface ExportFlags extends CommonFlags {
  format: 'onnx';
  out: string;
  force?: boolean;
}

const DESCRIPTION = 'latentkit-onnx.json';

/** An existing --out is replaced only when it is an earlier export and --force is given. */
function checkExportTarget(dir: string, force: boolean): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) throw new UserError(`${dir}: exists and is a file; choose another --out`);
  const entries = readdirSync(dir);
  if (entries.length === 0) return;
  if (!entries.includes(DESCRIPTION)) throw new UserError(`${dir}: exists and is not a latentkit export (no ${DESCRIPTION}); choose another --out`);
  if (!force) throw new UserError(`${dir}: holds an export already; pass --force to replace it`);
}

async function exportRun(run: string, flags: ExportFlags): Promise<void> {
  checkExportTarget(flags.out, Boolean(flags.force));
  await useBackend(flags);
  const { model, manifest } = await loadRun(run);
  const exported = exportOnnx(model, manifest);
  await writeDirAtomic(flags.out, async (tmp) => {
    await writeFile(join(tmp, 'encoder.onnx'), exported.encoder);
    await writeFile(join(tmp, 'decoder.onnx'), exported.decoder);
    await writeFile(join(tmp, DESCRIPTION), JSON.stringify(exported.description, null, 2));
  });
  printResult(flags, { out: flags.out, ...exported.description },
    `exported ${run} (${manifest.config.kind}) to ${flags.out}/: encoder.onnx (${Object.keys(exported.description.encoder.outputs).join(', ')}), ` +
    `decoder.onnx (${Object.keys(exported.description.decoder.outputs).join(', ')}), ${DESCRIPTION}`);
}

export function exportCommand(): Command {
  return withCommon(new Command('export'))
    .description('export a run for other runtimes: its encoder and decoder as ONNX models (opset 17), in the data\'s own units')
    .argument('<run>', 'a run folder (or a .zip of one)')
    .addOption(new Option('--format <format>', 'what to write').choices(['onnx']).default('onnx'))
    .requiredOption('--out <dir>', 'folder to write encoder.onnx, decoder.onnx and latentkit-onnx.json into')
    .option('--force', 'replace an earlier export at --out')
    .action(action(exportRun));
}
