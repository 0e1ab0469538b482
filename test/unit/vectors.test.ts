/** The one vector module: arithmetic and the float32 byte format every store and payload uses. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeFloat32, decodeVector, encodeFloat32, encodeVector } from '../../src/vectors/float32-codec';
import { cosine, dot, l2Normalize, l2NormalizeInPlace, norm } from '../../src/vectors/math';

test('dot, norm and cosine agree with each other and reject mismatched lengths', () => {
  assert.equal(dot([1, 2, 3], [4, 5, 6]), 32);
  assert.equal(norm([3, 4]), 5);
  assert.equal(cosine([1, 0], [5, 0]), 1);
  assert.equal(cosine([1, 0], [-2, 0]), -1);
  assert.ok(Math.abs(cosine([1, 1], [1, 0]) - Math.SQRT1_2) < 1e-12);
  assert.equal(cosine([0, 0], [1, 0]), 0, 'a zero vector is like nothing, not NaN');
  assert.throws(() => dot([1], [1, 2]), /lengths differ/);
  assert.throws(() => cosine([1], [1, 2]), /lengths differ/);
});

test('normalising makes unit vectors, keeps zeros zero, and copies unless told to work in place', () => {
  const v = Float32Array.from([3, 4]);
  const unit = l2Normalize(v);
  assert.notEqual(unit, v);
  assert.deepEqual(Array.from(v), [3, 4]);
  assert.ok(Math.abs(norm(unit) - 1) < 1e-6);
  assert.ok(Math.abs(cosine(unit, v) - 1) < 1e-6);
  assert.deepEqual(Array.from(l2Normalize([0, 0, 0])), [0, 0, 0]);
  const same = l2NormalizeInPlace(v);
  assert.equal(same, v);
  assert.ok(Math.abs(norm(v) - 1) < 1e-6);
});

test('the byte format is little-endian float32, whatever the host', () => {
  const bytes = encodeFloat32(Float32Array.from([1, -2.5]));
  assert.deepEqual([...bytes], [0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x20, 0xc0]);
  // What numpy.frombuffer(b, '<f4') reads, computed independently of the codec.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  assert.deepEqual([view.getFloat32(0, true), view.getFloat32(4, true)], [1, -2.5]);
});

test('vectors survive the byte and base64 round trips bit for bit, from unaligned and sliced buffers too', () => {
  const v = Float32Array.from([0.1, -0, Number.MIN_VALUE, 3.4e38, -1e-7, 42]);
  const sameBits = (a: Float32Array, b: Float32Array) =>
    assert.deepEqual(
      new Uint32Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength)),
      new Uint32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)),
    );
  sameBits(decodeFloat32(encodeFloat32(v))!, v);
  const unaligned = Buffer.concat([Buffer.from([7]), encodeFloat32(v)]).subarray(1);
  sameBits(decodeFloat32(unaligned)!, v);
  // A view into a bigger array encodes only its own elements.
  const backing = Float32Array.from([9, 9, 1, 2, 9]);
  sameBits(decodeVector(encodeVector(backing.subarray(2, 4))), Float32Array.from([1, 2]));
  sameBits(decodeVector(encodeVector(v)), v);
  // Base64 of the little-endian bytes: the same string a JSON document or a workflow payload holds.
  assert.equal(encodeVector(Float32Array.from([1, -2.5])), Buffer.from([0, 0, 0x80, 0x3f, 0, 0, 0x20, 0xc0]).toString('base64'));
});

test('bytes that cannot be float32 data are refused', () => {
  assert.equal(decodeFloat32(Buffer.alloc(0)), null);
  assert.equal(decodeFloat32(Buffer.alloc(6)), null);
  assert.throws(() => decodeVector(Buffer.alloc(6).toString('base64')), /not float32 data/);
  assert.throws(() => encodeFloat32([1, 2] as unknown as Float32Array), /Float32Array/);
});
