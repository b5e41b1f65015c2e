// latentkit's browser entry: the platform-neutral API, with WebGPU and WebGL offered to the backend selector.
import './backend/gpu.js';

export * from './core.js';
export { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
