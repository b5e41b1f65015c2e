// latentkit's Node entry: the platform-neutral API (core.ts) plus what needs Node — the native backend, run folders
// on disk, data files and the embedded datasets, and pictures rasterised to PNG.
import './node.js';

export * from './core.js';
export { loadData, type DataOptions, type LoadedData } from './data/load.js';
export { loadEmbedded, EMBEDDED_NAMES, type EmbeddedName } from './data/embedded.js';
export { loadIdx, readIdx } from './data/idx.js';
export { loadCsv } from './data/csv.js';
export { loadPngFolder } from './data/png-folder.js';
export { saveRun, loadRun, readManifest } from './io/run-dir.js';
export { saveLayersFolder, loadLayersFolder } from './io/layers-files.js';
export { gridPng } from './viz/grid.js';
export { curvePng, scatterPng, type CurvePlot } from './viz/plots.js';
export { packCodes, unpackCodes, modelFingerprint, psnr, type CompressedCodes } from './tasks/compression.js';
