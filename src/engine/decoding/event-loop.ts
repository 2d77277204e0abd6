/**
 * Letting queued events run between decoding steps. onnxruntime-web's single-threaded
 * wasm run resolves through microtasks only, so a decode loop would otherwise never let a
 * worker see its Stop message (a macrotask) until the whole generation was over.
 * setTimeout(0) would do but browsers clamp nested timers to 4 ms, so use setImmediate
 * (Node) or a MessageChannel round trip (browsers, workers).
 */

let channel: MessageChannel | null = null;
const waiting: Array<() => void> = [];

export function yieldToEventLoop(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise((resolve) => setImmediate(resolve));
  if (typeof MessageChannel === 'function') {
    if (!channel) {
      channel = new MessageChannel();
      channel.port1.onmessage = () => waiting.shift()?.();
    }
    return new Promise((resolve) => {
      waiting.push(resolve);
      channel!.port2.postMessage(null);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}
