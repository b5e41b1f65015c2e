// A worker that decodes the PNG files it is sent, in order, and answers in batches (one message per 64 files), each
// file with its pixels or its error message.
import { parentPort } from 'node:worker_threads';
import { decodePngFile, type DecodedPng } from './png-decode.js';

const BATCH = 64;

parentPort!.on('message', async (files: string[]) => {
  for (let start = 0; start < files.length; start += BATCH) {
    const batch: (DecodedPng | { error: string })[] = [];
    for (const file of files.slice(start, start + BATCH)) {
      try {
        batch.push(await decodePngFile(file));
      } catch (err) {
        batch.push({ error: (err as Error).message });
      }
    }
    parentPort!.postMessage(batch, batch.flatMap((r) => ('rgba' in r ? [r.rgba.buffer as ArrayBuffer] : [])));
  }
});
