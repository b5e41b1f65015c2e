// `latentkit train --recipe`: the recipe's other members, trained before the first and saved inside its run folder
// (ensemble-2/, ensemble-3/, … each a run of its own), and the manifest entry that tells detect to score with them.
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Dataset } from '../data/dataset.js';
import { runToFiles } from '../io/run-files.js';
import type { RunInfo, RunManifest } from '../io/run-dir.js';
import { createModel, type ModelConfig } from '../models/registry.js';
import { fit } from '../train/trainer.js';
import type { DetectionRecipe, RecipeName } from '../tasks/recipes.js';
import { progressCallbacks } from './progress.js';

export type Detection = NonNullable<RunManifest['detection']>;

/** The folder of member k (0-based) inside the first member's run. */
const memberFolder = (k: number) => `ensemble-${k + 1}`;

/**
 * Trains members 2… of a recipe on `train` (the first member trains as the run itself) and returns their runs' files,
 * by path inside the run folder, and the manifest's detection entry.
 */
export async function trainOtherMembers(name: RecipeName, recipe: DetectionRecipe, configs: ModelConfig[], train: Dataset,
  options: { epochs: number; batchSize: number; learningRate: number; json: boolean; info: Omit<RunInfo, 'history'> }): Promise<{ files: Record<string, Uint8Array>; detection: Detection }> {
  const files: Record<string, Uint8Array> = {};
  for (let k = 1; k < configs.length; k++) {
    if (!options.json) process.stderr.write(`latentkit: recipe ${name}: member ${k + 1} of ${configs.length} (${configs[k].kind}, seed ${configs[k].seed})\n`);
    const model = createModel(configs[k]);
    const progress = progressCallbacks(options.epochs, train.size, options.json, false);
    const result = await fit(model, train, {
      epochs: options.epochs, batchSize: options.batchSize, seed: configs[k].seed, adam: { learningRate: options.learningRate }, callbacks: progress,
    }).finally(() => progress.stop());
    const training = options.info.training && { ...options.info.training, seed: configs[k].seed };
    const run = await runToFiles(model, { ...options.info, training, history: result.history });
    for (const [path, content] of Object.entries(run.files)) files[`${memberFolder(k)}/${path}`] = content;
    model.dispose();
  }
  const detection: Detection = { recipe: name, scores: recipe.scores, ensemble: configs.slice(1).map((_, k) => memberFolder(k + 1)) };
  return { files, detection };
}

/** The member runs' files already in a run folder (a resumed recipe run keeps them), by path inside it. */
export async function memberFiles(run: string, detection: Detection): Promise<Record<string, Uint8Array>> {
  const files: Record<string, Uint8Array> = {};
  for (const folder of detection.ensemble) {
    for (const entry of await readdir(join(run, folder), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const path = join(entry.parentPath ?? entry.path, entry.name);
      files[relative(run, path)] = await readFile(path);
    }
  }
  return files;
}
