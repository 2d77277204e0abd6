/**
 * The additive attention bias of a plain causal forward, apart from the forward itself
 * (lm.ts), so drafters can build one without importing onnxruntime-web.
 */

/** Causal bias [T, P+T] row-major: new token t sees all P cached keys and new keys <= t. */
export function causalBias(T: number, P: number): Float32Array {
  const W = P + T;
  const bias = new Float32Array(T * W); // [T, P+T]
  for (let t = 0; t < T; t++) bias.fill(-Infinity, t * W + P + t + 1, (t + 1) * W);
  return bias;
}
