// The browser entry's offers: WebGPU, then WebGL, each tried only where the page's runtime has it.
import '@tensorflow/tfjs-backend-webgpu';
import { offerBackend } from './select.js';

type Nav = { gpu?: { requestAdapter(): Promise<unknown> } };

offerBackend({
  name: 'webgpu',
  register: async () => {
    const gpu = (globalThis.navigator as Nav | undefined)?.gpu;
    if (!gpu) return { registered: false, reason: 'this browser has no WebGPU' };
    const adapter = await gpu.requestAdapter().catch(() => null);
    return adapter ? { registered: true } : { registered: false, reason: 'no WebGPU adapter' };
  },
});

offerBackend({
  name: 'webgl',
  register: async () => {
    const canvas = typeof OffscreenCanvas !== 'undefined' ? new OffscreenCanvas(1, 1) : undefined;
    const gl = canvas?.getContext('webgl2') ?? canvas?.getContext('webgl');
    return gl ? { registered: true } : { registered: false, reason: 'this browser has no WebGL' };
  },
});
