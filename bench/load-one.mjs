// One load for bench:load, in a process of its own so that its peak memory is its own, from the compiled library
// (what `latentkit train --data file.csv` runs): prints seconds, rows and the peak RSS (and the RSS after the imports).
const { loadCsv } = await import('../dist/data/csv.js');

const [path, reader] = process.argv.slice(2);
const before = process.memoryUsage().rss;
const started = performance.now();
const data = await loadCsv(path, { scale: 'zscore' }, reader === 'general');
const seconds = (performance.now() - started) / 1000;
process.stdout.write(JSON.stringify({
  seconds, rows: data.size, features: data.shape[0], baselineMb: before / 2 ** 20, peakMb: process.resourceUsage().maxRSS / 1024,
}) + '\n');
