// `latentkit doctor`: which backend is active, why a faster one is not, and how fast its matrix products run.
import { Command } from 'commander';
import { loadAddon, ADDON_PATH } from '../backend/native/addon.js';
import { gemmGflops } from '../tasks/gemm-speed.js';
import { action, printResult, useBackend, withCommon, type CommonFlags } from './common.js';

async function doctor(flags: CommonFlags): Promise<void> {
  const backend = await useBackend({ ...flags, json: true });
  const { addon, reason } = loadAddon();
  const info = addon?.info();
  const gflops = { '128x784x400': gemmGflops(128, 784, 400), '512x512x512': gemmGflops(512, 512, 512, 5) };
  const lines = [
    `backend       ${backend.name}${backend.fallbackReason ? ` (native unavailable: ${backend.fallbackReason})` : ''}`,
    `native addon  ${addon ? `${ADDON_PATH} (${info!.blas}, ${info!.threads} threads, GEMMs under ${info!.gemmThreadThreshold.toExponential(0)} multiply-adds on 1 thread)` : `not loaded: ${reason}`}`,
    ...(info ? [`sparse inputs ${info.sparse === 'on' ? 'on: products whose left operand is at most 25 % nonzero skip the zeros' : info.sparse}`] : []),
    ...Object.entries(gflops).map(([shape, g]) => `matMul ${shape.padEnd(12)} ${g.toFixed(1)} GFLOP/s`),
  ];
  printResult(flags, { backend: backend.name, fallbackReason: backend.fallbackReason, addon: info ?? null, addonError: reason ?? null, gflops }, lines.join('\n'));
}

export function doctorCommand(): Command {
  return withCommon(new Command('doctor').description('show the active compute backend and its matrix-product speed')).action(action(doctor));
}
