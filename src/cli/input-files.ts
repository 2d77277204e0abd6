/**
 * The CLIs' file arguments, checked before any work starts. An input (--prompt-file, --tree)
 * must be a regular file under a size cap, so `/dev/zero`, a FIFO or a folder is refused at
 * once instead of hanging the run or filling memory. An output (--trace, bench --out) must
 * be writable before the decode, not found unwritable after it; the checks create nothing.
 */
import { accessSync, closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';

import { UsageError } from './args.ts';

/** A prompt cannot exceed the model's context (a few thousand tokens), so 1 MiB is generous. */
export const MAX_PROMPT_FILE_BYTES = 1 << 20;
/** A tree has at most MAX_TREE_NODES - 1 index paths of small integers: a few KiB. */
export const MAX_TREE_FILE_BYTES = 64 << 10;

const code = (e: unknown) => (e as NodeJS.ErrnoException).code ?? (e as Error).message;
/** stat's errors for a path that is not there (ENOTDIR: a file stands where a folder on the way should be). */
const missing = (e: unknown) => code(e) === 'ENOENT' || code(e) === 'ENOTDIR';

const sizeText = (bytes: number) => (bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MiB` : bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${bytes} bytes`);

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isFIFO()) return 'a pipe';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * The UTF-8 text of a regular file of at most `maxBytes`, or a UsageError naming `--flag`.
 * The type is checked before opening (opening a FIFO would block), then again on the open
 * descriptor, and at most maxBytes + 1 bytes are read, so a file that grows meanwhile is
 * refused too.
 */
export function readInputFile(flag: string, path: string, maxBytes: number, what: string): string {
  const where = `--${flag} ${path}`;
  let st: Stats;
  try {
    st = statSync(path);
  } catch (e) {
    throw new UsageError(`${where}: cannot read it (${code(e)}); expected ${what}`);
  }
  if (!st.isFile()) throw new UsageError(`${where} is ${kindOf(st)}; expected a regular file holding ${what}`);
  const tooBig = (size: string) =>
    new UsageError(`${where} is ${size}, over the ${sizeText(maxBytes)} limit for ${what}; give a smaller file`);
  if (st.size > maxBytes) throw tooBig(sizeText(st.size));
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new UsageError(`${where}: cannot read it (${code(e)}); expected ${what}`);
  }
  try {
    if (!fstatSync(fd).isFile()) throw new UsageError(`${where} is not a regular file; expected a regular file holding ${what}`);
    const buf = Buffer.alloc(maxBytes + 1);
    let n = 0;
    for (let got = -1; got !== 0 && n < buf.length; n += got) got = readSync(fd, buf, n, buf.length - n, null);
    if (n > maxBytes) throw tooBig(`more than ${sizeText(maxBytes)}`);
    try {
      return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(buf.subarray(0, n));
    } catch {
      throw new UsageError(`${where} is not UTF-8 text; expected ${what}`);
    }
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`${where}: cannot read it (${code(e)}); expected ${what}`);
  } finally {
    closeSync(fd);
  }
}

/** The prompt from --prompt TEXT or --prompt-file FILE (exactly one), never empty. */
export function readPromptArg(text: string | undefined, file: string | undefined): string {
  if (text !== undefined && file !== undefined) throw new UsageError('give --prompt or --prompt-file, not both');
  if (text === undefined && file === undefined) throw new UsageError('no prompt: give --prompt TEXT or --prompt-file FILE');
  const prompt = file !== undefined ? readInputFile('prompt-file', file, MAX_PROMPT_FILE_BYTES, 'the prompt as UTF-8 text') : text!;
  if (!prompt) throw new UsageError(`the prompt is empty${file ? ` (${file})` : ''}: expected some text to continue`);
  return prompt;
}

/**
 * Refuses an output file path that cannot be written: a folder, a file without write
 * permission, or one whose folder is missing or unwritable. Creates nothing.
 */
export function checkWritableFile(flag: string, path: string): void {
  const where = `--${flag} ${path}`;
  let st: Stats | null = null;
  try {
    st = statSync(path);
  } catch (e) {
    if (!missing(e)) throw new UsageError(`${where}: cannot write there (${code(e)})`);
  }
  if (st) {
    if (st.isDirectory()) throw new UsageError(`${where} is a folder; expected a file path to write, e.g. ${resolve(path, 'trace.json')}`);
    try {
      accessSync(path, constants.W_OK);
    } catch (e) {
      throw new UsageError(`${where}: the file exists and cannot be written (${code(e)}); choose another path or fix its permissions`);
    }
    return;
  }
  const dir = dirname(resolve(path));
  let parent: Stats;
  try {
    parent = statSync(dir);
  } catch (e) {
    throw new UsageError(`${where}: its folder ${dir} ${missing(e) ? 'does not exist' : `cannot be read (${code(e)})`}; create it first or choose another path`);
  }
  if (!parent.isDirectory()) throw new UsageError(`${where}: ${dir} is not a folder; choose another path`);
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (e) {
    throw new UsageError(`${where}: the folder ${dir} cannot be written (${code(e)}); choose another path`);
  }
}

/**
 * Refuses an output folder that cannot be made or written (bench --out DIR), and files in
 * it (`names`) that could not be replaced. A missing folder is fine when its nearest existing
 * ancestor is a writable folder, since the writer creates it; nothing is created here.
 */
export function checkWritableDir(flag: string, dir: string, names: readonly string[]): void {
  const where = `--${flag} ${dir}`;
  let at = resolve(dir);
  for (;;) {
    let st: Stats | null = null;
    try {
      st = statSync(at);
    } catch (e) {
      if (!missing(e)) throw new UsageError(`${where}: cannot write there (${code(e)})`);
    }
    if (st) {
      if (!st.isDirectory()) throw new UsageError(`${where}: ${at} is a file, not a folder; choose another path`);
      try {
        accessSync(at, constants.W_OK | constants.X_OK);
      } catch (e) {
        throw new UsageError(`${where}: the folder ${at} cannot be written (${code(e)}); choose another path`);
      }
      break;
    }
    const up = dirname(at);
    if (up === at) break;
    at = up;
  }
  if (at === resolve(dir)) for (const name of names) checkWritableFile(flag, resolve(dir, name));
}
