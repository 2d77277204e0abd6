/**
 * The CLIs' file arguments (input-files.ts, run-config.ts parseTreeArg): inputs that are not
 * regular files or are too big are refused before reading, with the flag and the limit
 * named; outputs that cannot be written are refused before any decode, creating nothing.
 * In-process, except one spawned decode showing the trace check runs before the model loads.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { UsageError } from '../src/cli/args.ts';
import { checkWritableDir, checkWritableFile, MAX_PROMPT_FILE_BYTES, MAX_TREE_FILE_BYTES, readPromptArg } from '../src/cli/input-files.ts';
import { parseTreeArg } from '../src/cli/run-config.ts';
import { ROOT } from './model-paths.ts';

const tmp = mkdtempSync(join(tmpdir(), 'space-cli-inputs-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function usageError(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error('expected a UsageError, but nothing was thrown');
}

/** A sparse file of `bytes` (no disk used): a regular file too big to be a prompt or a tree. */
function sparse(name: string, bytes: number): string {
  const path = join(tmp, name);
  writeFileSync(path, '');
  truncateSync(path, bytes);
  return path;
}

describe('--prompt-file', () => {
  it('reads a regular UTF-8 file as is', () => {
    const path = join(tmp, 'p.txt');
    writeFileSync(path, 'In the beginning ☃\n');
    expect(readPromptArg(undefined, path)).toBe('In the beginning ☃\n');
  });

  it('refuses a device without reading it', () => {
    if (!existsSync('/dev/zero')) return;
    expect(usageError(() => readPromptArg(undefined, '/dev/zero'))).toMatch(/--prompt-file \/dev\/zero is a device; expected a regular file/);
  });

  it('refuses a folder', () => {
    expect(usageError(() => readPromptArg(undefined, tmp))).toMatch(/is a folder; expected a regular file/);
  });

  it('refuses a file over the limit, naming it', () => {
    const path = sparse('big.txt', MAX_PROMPT_FILE_BYTES + 1);
    expect(usageError(() => readPromptArg(undefined, path))).toMatch(/is 1\.0 MiB, over the 1\.0 MiB limit for the prompt/);
  });

  it('refuses bytes that are not UTF-8, and an empty or missing file', () => {
    const bad = join(tmp, 'bad.txt');
    writeFileSync(bad, Buffer.from([0x41, 0xff, 0xfe, 0x42]));
    expect(usageError(() => readPromptArg(undefined, bad))).toMatch(/is not UTF-8 text/);
    const empty = join(tmp, 'empty.txt');
    writeFileSync(empty, '');
    expect(usageError(() => readPromptArg(undefined, empty))).toMatch(/the prompt is empty/);
    expect(usageError(() => readPromptArg(undefined, join(tmp, 'nope.txt')))).toMatch(/cannot read it \(ENOENT\)/);
  });
});

describe('--tree FILE', () => {
  it('reads a small JSON file of index paths', () => {
    const path = join(tmp, 'tree.json');
    writeFileSync(path, '[[0],[1],[0,0]]');
    expect(parseTreeArg(path).tree).toEqual([[0], [1], [0, 0]]);
  });

  it('refuses a file over the limit before parsing it', () => {
    const path = sparse('big-tree.json', MAX_TREE_FILE_BYTES + 1);
    expect(usageError(() => parseTreeArg(path))).toMatch(/--tree .*big-tree\.json is 64\.0 KiB, over the 64\.0 KiB limit/);
  });

  it('refuses a device and a folder', () => {
    if (existsSync('/dev/zero')) expect(usageError(() => parseTreeArg('/dev/zero'))).toMatch(/is a device/);
    expect(usageError(() => parseTreeArg(tmp))).toMatch(/is a folder/);
  });
});

describe('output paths', () => {
  it('accepts a new file in a writable folder, and creates nothing', () => {
    const dir = join(tmp, 'out-ok');
    mkdirSync(dir);
    checkWritableFile('trace', join(dir, 't.json'));
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a file in a missing folder, a folder, and a path under a file', () => {
    expect(usageError(() => checkWritableFile('trace', join(tmp, 'no-such-dir', 't.json')))).toMatch(/--trace .*its folder .*no-such-dir does not exist/);
    expect(usageError(() => checkWritableFile('trace', tmp))).toMatch(/is a folder; expected a file path/);
    const file = join(tmp, 'plain.txt');
    writeFileSync(file, 'x');
    expect(usageError(() => checkWritableFile('trace', join(file, 't.json')))).toMatch(/plain\.txt is not a folder/);
    expect(existsSync(join(tmp, 'no-such-dir'))).toBe(false);
  });

  it('bench --out: a missing folder under a writable one is fine; one under a file is not, and nothing is made', () => {
    checkWritableDir('out', join(tmp, 'new', 'deeper'), ['bench.json']);
    expect(existsSync(join(tmp, 'new'))).toBe(false);
    const file = join(tmp, 'a-file');
    writeFileSync(file, 'x');
    expect(usageError(() => checkWritableDir('out', join(file, 'bench'), ['bench.json']))).toMatch(/a-file is a file, not a folder/);
    const dir = join(tmp, 'report');
    mkdirSync(join(dir, 'bench.json'), { recursive: true });
    expect(usageError(() => checkWritableDir('out', dir, ['bench.json']))).toMatch(/bench\.json is a folder/);
  });

  it('decode checks --trace before it loads a model', async () => {
    // A model folder that does not exist: were the model resolved first, that would be the error.
    const r = await new Promise<{ code: number; stderr: string }>((done) => {
      execFile(
        join(ROOT, 'node_modules/.bin/tsx'),
        [join(ROOT, 'src/cli/decode.ts'), '--prompt', 'x', '--model', join(tmp, 'no-model'), '--trace', join(tmp, 'no-such-dir', 't.json')],
        { cwd: ROOT, timeout: 30_000 },
        (err, _stdout, stderr) => done({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stderr }),
      );
    });
    expect(r.stderr).toMatch(/^decode: error: --trace .*no-such-dir does not exist/);
    expect(r.code).toBe(2);
  }, 30_000);
});
