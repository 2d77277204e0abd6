/**
 * Broken model folders fail at load time with errors that name the file, say what was
 * expected and what to do: a missing file, a truncated or corrupt graph, a graph with the
 * wrong signature, a config.json that disagrees with the graphs.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { lmIoNames, loadModel, parseConfig } from '../src/engine/index.ts';
import { nodeFiles } from '../src/engine/runtime/node-files.ts';
import { MODEL_DIR } from './model-paths.ts';

// the EAGLE head and its one-run graph, where the model has them: loadModel takes every graph config.json names
const FILES = ['config.json', 'tokenizer.json', 'onnx/model.onnx', 'onnx/heads.onnx', 'onnx/draft_model.onnx', 'onnx/eagle.onnx', 'onnx/eagle_loop.onnx'].filter(
  (f) => !f.includes('eagle') || existsSync(join(MODEL_DIR, f)),
);
const temps: string[] = [];

/** A copy of the test model folder, minus `skip`, for one test to break. */
function copyModel(skip: string[] = []): string {
  const dir = mkdtempSync(join(tmpdir(), 'space-model-'));
  temps.push(dir);
  mkdirSync(join(dir, 'onnx'));
  for (const f of FILES) if (!skip.includes(f)) copyFileSync(join(MODEL_DIR, f), join(dir, f));
  return dir;
}

function editConfig(dir: string, edit: (c: Record<string, any>) => void): void {
  const c = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  edit(c);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(c));
}

afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

describe('loading a broken model folder', () => {
  it('a missing graph is named, with how to make it', async () => {
    const dir = copyModel(['onnx/heads.onnx']);
    await expect(loadModel(nodeFiles(dir))).rejects.toThrow(/model file onnx\/heads\.onnx not found.*npm run train/s);
    // not asked for, not needed
    const m = await loadModel(nodeFiles(dir), { parts: ['draft_model'] });
    expect(m.heads).toBeUndefined();
    expect(m.draftModel).toBeDefined();
    await m.release();
  });

  it('a missing folder says so', async () => {
    await expect(loadModel(nodeFiles(join(tmpdir(), 'no-such-model-folder')))).rejects.toThrow(
      /config\.json not found .*folder .*no-such-model-folder does not exist/s,
    );
  });

  it('a truncated .onnx names the file and suggests re-downloading or re-exporting', async () => {
    const dir = copyModel();
    const path = join(dir, 'onnx/model.onnx');
    const bytes = readFileSync(path);
    writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expect(loadModel(nodeFiles(dir), { parts: [] })).rejects.toThrow(
      /onnx\/model\.onnx in .* could not be loaded by onnxruntime.*truncated or corrupt/s,
    );
  });

  it('a corrupt .onnx (garbage bytes) gives the same clear error, not a wasm abort', async () => {
    const dir = copyModel();
    const path = join(dir, 'onnx/draft_model.onnx');
    const junk = new Uint8Array(readFileSync(path).length);
    for (let i = 0; i < junk.length; i++) junk[i] = (i * 2654435761) >>> 24;
    writeFileSync(path, junk);
    await expect(loadModel(nodeFiles(dir))).rejects.toThrow(/onnx\/draft_model\.onnx in .* truncated or corrupt/s);
  });

  it('the heads graph where the base model belongs: every missing and unexpected name is listed', async () => {
    const dir = copyModel();
    copyFileSync(join(MODEL_DIR, 'onnx/heads.onnx'), join(dir, 'onnx/model.onnx'));
    const err = await loadModel(nodeFiles(dir), { parts: [] }).then(
      () => null,
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(Error);
    const msg = err!.message;
    expect(msg).toMatch(/onnx\/model\.onnx in .* does not have the graph signature/);
    for (const name of ['input_ids', 'position_ids', 'attention_bias', 'past_key_values.0.key']) {
      expect(msg).toContain(`missing input ${name}`);
    }
    expect(msg).toContain('unexpected input hidden_states');
    expect(msg).toContain('missing output logits');
    expect(msg).toContain('unexpected output draft_logits');
    expect(msg).toMatch(/the graph has inputs: +hidden_states float32\[1, N, \d+\]/);
  });

  it('a config.json with more layers than the graph: the graph check lists the missing cache inputs', async () => {
    const dir = copyModel();
    editConfig(dir, (c) => {
      const n = c.model.n_layer + 1;
      c.model.n_layer = n;
      ({ inputs: c.model.inputs, outputs: c.model.outputs } = lmIoNames(n));
    });
    const n = parseConfig(readFileSync(join(dir, 'config.json'), 'utf8')).model.n_layer;
    await expect(loadModel(nodeFiles(dir), { parts: [] })).rejects.toThrow(
      new RegExp(
        `missing input past_key_values\\.${n - 1}\\.key float32.*missing output present\\.${n - 1}\\.value.*missing output new\\.${n - 1}\\.value float32\\[1, \\d+, T, \\d+\\]`,
        's',
      ),
    );
  });

  it('a config.json with the wrong head size: the dims are compared', async () => {
    const dir = copyModel();
    editConfig(dir, (c) => {
      c.model.n_head *= 2;
      c.model.head_dim /= 2;
    });
    await expect(loadModel(nodeFiles(dir), { parts: [] })).rejects.toThrow(
      /input found past_key_values\.0\.key float32\[1, \d+, P, \d+\], expected past_key_values\.0\.key float32/,
    );
  });

  it('a config.json naming inputs the runtime does not feed is refused, naming both lists', async () => {
    const dir = copyModel();
    editConfig(dir, (c) => {
      c.model.inputs[0] = 'tokens';
    });
    await expect(loadModel(nodeFiles(dir))).rejects.toThrow(/config\.json in .* is inconsistent:.*model\.inputs should be \[input_ids, .*found \[tokens,/s);
  });

  it('a config.json of another format version says what it expected', async () => {
    const dir = copyModel();
    editConfig(dir, (c) => {
      c.format_version = 2;
      delete c.vocab_size;
    });
    await expect(loadModel(nodeFiles(dir))).rejects.toThrow(/format_version: .*\n.*vocab_size: /s);
  });
});
