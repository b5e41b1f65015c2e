// `latentkit doctor`: which backend is active, why a faster one is not, which matrix-product path runs on this CPU and
// how fast it is on the shapes latentkit's models use.
import { Command } from 'commander';
import { cpus } from 'node:os';
import { loadAddon, ADDON_PATH } from '../backend/native/addon.js';
import { gemmGflops, nativeGemmGflops } from '../tasks/gemm-speed.js';
import { action, printResult, useBackend, withCommon, type CommonFlags } from './common.js';

/** The products of the default dense VAE (784-400-20) at batch 128: first layer, output layer, and the latent layer. */
const SHAPES: [number, number, number][] = [[128, 784, 400], [128, 400, 784], [128, 20, 400], [512, 784, 400]];

async function doctor(flags: CommonFlags): Promise<void> {
  const backend = await useBackend({ ...flags, json: true });
  const { addon, reason } = loadAddon();
  const info = addon?.info();
  const peak = addon?.kernelPeakGflops();
  // The addon's own products when it is loaded (what training runs), else tf.matMul on the active backend.
  const gflops = Object.fromEntries(SHAPES.map(([m, k, n]) => [`${m}x${k}x${n}`, addon ? nativeGemmGflops(addon, m, k, n) : gemmGflops(m, k, n)]));
  const cpu = `${cpus()[0]?.model ?? 'unknown'}, ${cpus().length} logical cores`;
  const lines = [
    `cpu           ${cpu}`,
    `backend       ${backend.name}${backend.fallbackReason ? ` (native unavailable: ${backend.fallbackReason})` : ''}`,
    `native addon  ${addon ? `${ADDON_PATH} (${info!.threads} threads, GEMMs under ${info!.gemmThreadThreshold.toExponential(0)} multiply-adds on 1 thread)` : `not loaded: ${reason}`}`,
    ...(info ? [
      `sgemm         ${info.blas}${info.isa ? `; ${info.blocking}; LATENTKIT_ISA=avx512|avx2|portable forces a path` : ''}`,
      ...(peak ? [`kernel peak   ${peak.toFixed(1)} GFLOP/s on one core (the micro-kernel with its operands in L1)`] : []),
      `sparse inputs ${info.sparse}`,
    ] : []),
    ...Object.entries(gflops).map(([shape, g]) => `${addon ? 'sgemm ' : 'matMul'} ${shape.padEnd(12)} ${g.toFixed(1)} GFLOP/s`),
  ];
  printResult(flags, { cpu, backend: backend.name, fallbackReason: backend.fallbackReason, addon: info ?? null, addonError: reason ?? null, kernelPeakGflops: peak ?? null, gflops },
    lines.join('\n'));
}

export function doctorCommand(): Command {
  return withCommon(new Command('doctor').description('show the active compute backend, its matrix-product path and speed')).action(action(doctor));
}
