// Every reader of untrusted files, fuzzed (seeded): success or a one-line UserError, in bounds, files untouched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tempDir } from './helpers.js';
import { fuzzReader, makeReaders } from './fuzz-readers.js';

const workDir = tempDir();
const readers = await makeReaders(workDir);

for (const reader of readers) {
  test(`fuzz ${reader.name}: 300 seeded cases end in success or a one-line user error`, async () => {
    const report = await fuzzReader(reader, workDir, 300, 20261129);
    assert.deepEqual(report.failures, []);
    assert.equal(report.counts.ok + report.counts['user-error'], 300);
    // A damaged cache is not an error (it is rebuilt); every other reader must meet the generator's bad files.
    if (reader.name !== 'cache') assert.ok(report.counts['user-error'] > 0, 'the generator reaches the error paths');
    assert.ok(report.counts.ok > 0, 'the generator also makes valid files');
  });
}
