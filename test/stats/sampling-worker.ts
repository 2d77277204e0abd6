/**
 * A child process of lossless-sampling.ts: loads the model folder named in argv once, says
 * `ready`, then runs sample jobs (first-two.ts) one at a time and sends back their tallies.
 * Messages in are {type, ...}, out {status, ...}, one union each way.
 */
import { loadModel, type LoadedModel } from '../../src/engine/runtime/model.ts';
import { nodeFiles } from '../../src/engine/runtime/node-files.ts';
import { sampleFirstTwo, type FirstTwoTally, type SampleJob } from './first-two.ts';

export type WorkerRequest = { type: 'sample'; id: number; job: SampleJob } | { type: 'exit' };

export type WorkerReply =
  | { status: 'ready' }
  | { status: 'complete'; id: number; tally: FirstTwoTally; ms: number }
  | { status: 'error'; id: number | null; message: string };

const send = (m: WorkerReply) => process.send!(m);

async function main(): Promise<void> {
  const dir = process.argv[2];
  if (!process.send || !dir) throw new Error('sampling-worker.ts is started by lossless-sampling.ts (with IPC and a model folder), not by hand');
  const model: LoadedModel = await loadModel(nodeFiles(dir));
  let queue = Promise.resolve();
  process.on('message', (m: WorkerRequest) => {
    if (m.type === 'exit') {
      void model.release().then(() => process.exit(0));
      return;
    }
    // One job at a time: a session runs one forward at a time.
    queue = queue.then(async () => {
      const t0 = performance.now();
      try {
        const tally = await sampleFirstTwo(model, m.job);
        send({ status: 'complete', id: m.id, tally, ms: performance.now() - t0 });
      } catch (e) {
        send({ status: 'error', id: m.id, message: e instanceof Error ? e.message : String(e) });
      }
    });
  });
  send({ status: 'ready' });
}

main().catch((e: unknown) => {
  const message = e instanceof Error ? e.message : String(e);
  if (process.send) send({ status: 'error', id: null, message });
  else process.stderr.write(`sampling-worker: ${message}\n`);
  process.exit(1);
});
