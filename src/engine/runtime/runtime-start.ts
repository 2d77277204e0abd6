/**
 * Starts onnxruntime-web's runtime (fetching and compiling its wasm, starting its threads,
 * and on WebGPU its device) before any model has arrived: a session of a one-node graph
 * (Identity on a float[1], 75 bytes) on the backend the model's sessions will use. Started
 * while the graphs download, it takes the runtime's start off the path to the first token.
 * Call it after configureOrt / setOrtRuntime, which it does not change.
 */
import { ort, ortBackend } from './session.ts';

/** onnx.helper: graph 'warm', Identity(x) -> y, float[1], opset 13, IR version 7. */
const IDENTITY_GRAPH_BASE64 = 'CAcSBXNwYWNlOjoKEAoBeBIBeSIISWRlbnRpdHkSBHdhcm1aDwoBeBIKCggIARIECgIIAWIPCgF5EgoKCAgBEgQKAggBQgQKABAN';

/** The graph's ONNX bytes. */
export const identityGraph = () => Uint8Array.from(atob(IDENTITY_GRAPH_BASE64), (c) => c.charCodeAt(0));

export async function startRuntime(): Promise<void> {
  const session = await ort.InferenceSession.create(identityGraph(), { executionProviders: [ortBackend()], logSeverityLevel: 3 });
  await session.release();
}
