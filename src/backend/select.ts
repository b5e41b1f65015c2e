// Chooses and initialises the compute backend: the only module that knows which backends exist.
import * as tf from './tfjs.js';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { UserError } from '../errors.js';
import type { AdamArgs } from '../train/adam.js';

export type BackendName = 'native' | 'webgpu' | 'webgl' | 'wasm' | 'cpu';
export type BackendPreference = BackendName | 'auto';
export const BACKEND_PREFERENCES: readonly BackendPreference[] = ['auto', 'native', 'webgpu', 'webgl', 'wasm', 'cpu'];

export interface BackendInfo {
  /** The backend now active. */
  name: BackendName;
  /** Why a faster backend was not used, when one was not. */
  fallbackReason?: string;
}

/**
 * A faster backend an entry point offers, tried before wasm in the order offered: the Node entry offers the native
 * backend (with its in-place Adam), the browser entry WebGPU and WebGL.
 */
export interface BackendOffer {
  name: 'native' | 'webgpu' | 'webgl';
  register(): Promise<{ registered: true } | { registered: false; reason: string }>;
  createAdam?(args: AdamArgs): tf.Optimizer;
}
const offers: BackendOffer[] = [];

/** Lets an entry point offer a backend (the only way one beyond wasm and cpu becomes available). */
export function offerBackend(offer: BackendOffer): void {
  if (!offers.some((o) => o.name === offer.name)) offers.push(offer);
}

/** Adam for the active backend: one native call per variable on the native backend, tfjs's optimizer elsewhere. */
export function createAdam(args: AdamArgs): tf.Optimizer {
  const offer = offers.find((o) => o.name === tf.getBackend());
  if (offer?.createAdam) return offer.createAdam(args);
  return tf.train.adam(args.learningRate, args.beta1, args.beta2, args.epsilon);
}

async function activate(name: BackendName): Promise<void> {
  const ok = await tf.setBackend(name);
  if (!ok) throw new UserError(`backend '${name}' failed to initialise`);
  await tf.ready();
  // tfjs-backend-cpu suggests tfjs-node on first use; latentkit has its own native backend instead.
  const backend = tf.findBackend(name) as unknown as { firstUse?: boolean } | null;
  if (backend && 'firstUse' in backend) backend.firstUse = false;
}

let active: BackendInfo | undefined;

/** An environment variable on Node; nothing in a browser. */
function env(name: string): string | undefined {
  return typeof process === 'undefined' ? undefined : process.env[name];
}

/**
 * Activates a backend. `auto` (the default) takes the first offered backend that works (native on Node; WebGPU, then
 * WebGL in a browser), else wasm. LATENTKIT_BACKEND overrides the default; LATENTKIT_REQUIRE_NATIVE=1 makes a missing
 * native backend an error.
 */
export async function selectBackend(preference?: BackendPreference): Promise<BackendInfo> {
  const wanted = preference ?? parsePreference(env('LATENTKIT_BACKEND') ?? 'auto');
  if (active && (wanted === 'auto' || wanted === active.name) && tf.getBackend() === active.name) return active;
  const reasons: string[] = [];
  const candidates = wanted === 'auto' ? offers : offers.filter((o) => o.name === wanted);
  if (wanted !== 'auto' && wanted !== 'wasm' && wanted !== 'cpu' && candidates.length === 0) {
    throw new UserError(`backend '${wanted}' is not available in this runtime`);
  }
  for (const offer of candidates) {
    const result = await offer.register();
    const started = result.registered && (await activate(offer.name).then(() => true, () => false));
    if (started) {
      active = { name: offer.name, ...(reasons.length > 0 && { fallbackReason: reasons.join('; ') }) };
      return active;
    }
    const reason = result.registered ? 'failed to initialise' : result.reason;
    if (offer.name === 'native' && (wanted === 'native' || env('LATENTKIT_REQUIRE_NATIVE') === '1')) {
      throw new UserError(`native backend unavailable: ${reason}`);
    }
    if (wanted !== 'auto') throw new UserError(`${offer.name} backend unavailable: ${reason}`);
    reasons.push(offers.length > 1 ? `${offer.name}: ${reason}` : reason);
  }
  if (wanted === 'auto' && env('LATENTKIT_REQUIRE_NATIVE') === '1' && !offers.some((o) => o.name === 'native')) {
    throw new UserError('native backend unavailable: not available in this runtime');
  }
  const name: BackendName = wanted === 'cpu' ? 'cpu' : 'wasm';
  await activate(name);
  active = { name, ...(reasons.length > 0 && { fallbackReason: reasons.join('; ') }) };
  return active;
}

export function parsePreference(value: string): BackendPreference {
  if ((BACKEND_PREFERENCES as readonly string[]).includes(value)) return value as BackendPreference;
  throw new UserError(`unknown backend '${value}': expected one of ${BACKEND_PREFERENCES.join(', ')}`);
}

/** The backend now active (after selectBackend). */
export function activeBackend(): BackendName {
  return tf.getBackend() as BackendName;
}

/** Layer classes whose training needs kernels that tfjs-wasm lacks (it has no Conv2DBackpropFilter). */
const WASM_UNTRAINABLE = /Conv/;

/**
 * Moves training of convolutional networks from wasm, which cannot compute their gradients, to the pure-JS cpu
 * backend, once, with one warning that names the faster fix. Other backends train every layer.
 */
export async function ensureTrainable(layerClassNames: string[]): Promise<void> {
  if (tf.getBackend() !== 'wasm' || !layerClassNames.some((name) => WASM_UNTRAINABLE.test(name))) return;
  console.warn('latentkit: warning: the wasm backend cannot train convolutions; training on the slower cpu backend ' +
    '(build the native backend for speed: apt-get install g++ make python3, then npm rebuild latentkit)');
  await activate('cpu');
  active = { name: 'cpu', fallbackReason: active?.fallbackReason };
}
