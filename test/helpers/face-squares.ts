/**
 * What the face-detector test twins must find in a brightSquares() photo: each square one face,
 * its box the square, its landmarks at the twin's fixed places in the box (scripts/models/test_twins.py).
 */
import assert from 'node:assert/strict';
import type { FaceDetection, Point } from '../../src/models/face/yunet';
import type { BrightSquare } from './synthetic-photos';

/** The YuNet twin's five landmarks in box units (eyes, nose, mouth corners). */
export const YUNET_TWIN_LANDMARKS: readonly Point[] = [
  [0.3, 0.35],
  [0.7, 0.35],
  [0.5, 0.55],
  [0.35, 0.75],
  [0.65, 0.75],
];

/** The BlazeFace twin's: eyes, nose, and its one mouth point carried on both mouth corners. */
export const BLAZEFACE_TWIN_LANDMARKS: readonly Point[] = [
  [0.3, 0.35],
  [0.7, 0.35],
  [0.5, 0.55],
  [0.5, 0.75],
  [0.5, 0.75],
];

/** One face per square, left to right, in photo pixels to within `eps`. */
export function assertFacesOnSquares(faces: readonly FaceDetection[], squares: readonly BrightSquare[], landmarks: readonly Point[], eps: number): void {
  assert.equal(faces.length, squares.length, JSON.stringify(faces.map((f) => f.box)));
  const byX = [...faces].sort((a, b) => a.box.x - b.box.x);
  [...squares]
    .sort((a, b) => a.x - b.x)
    .forEach((s, i) => {
      const f = byX[i]!;
      const near = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < eps, `${what}: ${a} vs ${b}`);
      near(f.box.x, s.x, 'x');
      near(f.box.y, s.y, 'y');
      near(f.box.width, s.side, 'width');
      near(f.box.height, s.side, 'height');
      landmarks.forEach(([u, v], k) => {
        near(f.landmarks[k]![0], s.x + u * s.side, `landmark ${k} x`);
        near(f.landmarks[k]![1], s.y + v * s.side, `landmark ${k} y`);
      });
      assert.ok(f.score > 0.9);
    });
}
