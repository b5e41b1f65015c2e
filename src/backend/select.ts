// Chooses and initialises the compute backend: the only module that knows which backends exist.
import * as tf from './tfjs.js';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { UserError } from '../errors.js';
import type { AdamArgs } from '../train/trainer.js';

export type BackendName = 'native' | 'wasm' | 'cpu';
export type BackendPreference = BackendName | 'auto';
export const BACKEND_PREFERENCES: readonly BackendPreference[] = ['auto', 'native', 'wasm', 'cpu'];

export interface BackendInfo {
  /** The backend now active. */
  name: BackendName;
  /** Why a faster backend was not used, when one was not. */
  fallbackReason?: string;
}

/** What the Node entry point offers: the native backend and its in-place Adam. */
export interface NativeOffer {
  name: 'native';
  register(): { registered: true } | { registered: false; reason: string };
  createAdam(args: AdamArgs): tf.Optimizer;
}
let nativeOffer: NativeOffer | undefined;

/** Lets the Node entry point offer the native backend; the browser build never calls this. */
export function offerNativeBackend(offer: NativeOffer): void {
  nativeOffer = offer;
}

/** Adam for the active backend: one native call per variable on the native backend, tfjs's optimizer elsewhere. */
export function createAdam(args: AdamArgs): tf.Optimizer {
  if (nativeOffer && tf.getBackend() === nativeOffer.name) return nativeOffer.createAdam(args);
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
 * Activates a backend. `auto` (the default) takes native where it is built, else wasm.
 * LATENTKIT_BACKEND overrides the default; LATENTKIT_REQUIRE_NATIVE=1 makes a missing native backend an error.
 */
export async function selectBackend(preference?: BackendPreference): Promise<BackendInfo> {
  const wanted = preference ?? parsePreference(env('LATENTKIT_BACKEND') ?? 'auto');
  if (active && (wanted === 'auto' || wanted === active.name) && tf.getBackend() === active.name) return active;
  let fallbackReason: string | undefined;
  if (wanted === 'native' || wanted === 'auto') {
    const result = nativeOffer ? nativeOffer.register() : { registered: false as const, reason: 'not available in this runtime' };
    if (result.registered) {
      await activate('native');
      active = { name: 'native' };
      return active;
    }
    fallbackReason = result.reason;
    if (wanted === 'native' || env('LATENTKIT_REQUIRE_NATIVE') === '1') {
      throw new UserError(`native backend unavailable: ${result.reason}`);
    }
  }
  const name: BackendName = wanted === 'cpu' ? 'cpu' : 'wasm';
  await activate(name);
  active = { name, fallbackReason };
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
