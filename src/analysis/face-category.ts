/**
 * When a detected face decides a photo's category ("people") over the ImageNet classifier.
 * BlazeFace fires now and then on face-free photos (a flower's centre, a texture): those false
 * faces are small or unsure. A face outweighs the classifier only when it is both confident and
 * large enough in the frame; the thresholds are measured in eval/people.eval.ts (false faces on
 * face-free real photos against true faces on face photos and their variants).
 */
export const DECIDING_FACE_MIN_SCORE = 0.75;
/** Face box area over photo area. */
export const DECIDING_FACE_MIN_AREA = 0.002;

export function faceDecidesCategory(
  faces: ReadonlyArray<{ score: number; box: { width: number; height: number } }>,
  photo: { width: number; height: number },
): boolean {
  const area = photo.width * photo.height;
  return faces.some((f) => f.score >= DECIDING_FACE_MIN_SCORE && area > 0 && (f.box.width * f.box.height) / area >= DECIDING_FACE_MIN_AREA);
}
