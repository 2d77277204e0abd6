/**
 * ModelFiles from a directory on disk, for Node (tests, CLI). Kept out of files.ts and
 * index.ts because node:fs must never reach the browser bundle.
 */
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';

import { joinPath, MissingModelFileError, type ModelFiles } from './files.ts';

export function nodeFiles(dir: string): ModelFiles {
  const root = resolve(dir);
  const read = async (rel: string): Promise<Buffer> => {
    const path = joinPath(root, rel);
    try {
      return await readFile(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        const dirExists = await stat(root).then((s) => s.isDirectory(), () => false);
        throw new MissingModelFileError(rel, root, dirExists ? `no file ${path}` : `the folder ${root} does not exist`);
      }
      throw new Error(`could not read ${path}: ${(e as Error).message}`);
    }
  };
  return {
    where: root,
    async bytes(rel, onProgress) {
      const buf = await read(rel);
      onProgress?.(buf.length, buf.length);
      // A view, not a copy: the Buffer is ours alone.
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    },
    async text(rel) {
      return (await read(rel)).toString('utf8');
    },
  };
}
