// The NumPy .npy format (version 1.0) for float32 matrices, so codes load with numpy.load.
/** A C-order float32 array of `shape` as .npy bytes: magic, version, a padded header dict, then the data. */
export function npyBytes(values: Float32Array, shape: number[]): Uint8Array {
  const header = npyHeader(shape);
  const out = new Uint8Array(header.length + values.byteLength);
  out.set(header, 0);
  out.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), header.length);
  return out;
}

/**
 * The .npy header of a C-order float32 (or int32) array of `shape`: magic, version, header length, the dict padded
 * with spaces and ended by \n to a multiple of 64 bytes, or to `length` when given (to rewrite it in place).
 */
export function npyHeader(shape: number[], length?: number, descr: '<f4' | '<i4' = '<f4'): Uint8Array {
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const unpadded = 10 + dict.length + 1;
  const total = length ?? unpadded + ((64 - (unpadded % 64)) % 64);
  if (total < unpadded || total % 64 !== 0) throw new Error(`npy header of ${unpadded} bytes does not fit ${total}`);
  const header = dict + ' '.repeat(total - unpadded) + '\n';
  const out = new Uint8Array(total);
  out.set([0x93, ...new TextEncoder().encode('NUMPY'), 1, 0], 0);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  return out;
}
