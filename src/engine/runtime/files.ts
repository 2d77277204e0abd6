/**
 * Reading a model folder (config.json, tokenizer.json, onnx/*.onnx) without caring where
 * it lives: over HTTP in the browser (urlFiles, here) or from disk in Node (nodeFiles, in
 * node-files.ts, which browser code must never import because it pulls in node:fs).
 * Paths are relative to the folder, with forward slashes: "onnx/model.onnx".
 */

export interface ModelFiles {
  /** Where the folder is, for error messages: a URL or a directory path. */
  readonly where: string;
  /** The whole file; onProgress reports bytes so far and the total when it is known. */
  bytes(rel: string, onProgress?: (loaded: number, total: number | null) => void): Promise<Uint8Array>;
  text(rel: string): Promise<string>;
}

/** A file the model folder should have but does not: what was looked for and how to get it. */
export class MissingModelFileError extends Error {
  constructor(
    readonly file: string,
    readonly where: string,
    detail: string,
  ) {
    super(
      `model file ${file} not found in ${where} (${detail}). A model folder needs config.json, ` +
        'tokenizer.json and onnx/{model,heads,draft_model}.onnx; build it with `npm run train` ' +
        '(or `npm run train:smoke` for the tiny CI model), or point to a folder that has them.',
    );
    this.name = 'MissingModelFileError';
  }
}

export function joinPath(base: string, rel: string): string {
  if (rel.startsWith('/') || rel.split('/').includes('..')) {
    throw new Error(`model file paths must be relative and stay inside the folder, got "${rel}"`);
  }
  return base.endsWith('/') ? base + rel : `${base}/${rel}`;
}

/** Files under a base URL (absolute, or relative to the page / worker script). */
export function urlFiles(baseUrl: string, fetchImpl: typeof fetch = fetch): ModelFiles {
  const get = async (rel: string): Promise<Response> => {
    const url = joinPath(baseUrl, rel);
    let res: Response;
    try {
      res = await fetchImpl(url);
    } catch (e) {
      throw new Error(`could not fetch ${url}: ${(e as Error).message}. Is the server running and the URL right?`);
    }
    if (res.status === 404) throw new MissingModelFileError(rel, baseUrl, `HTTP 404 for ${url}`);
    if (!res.ok) throw new Error(`fetching ${url} failed: HTTP ${res.status} ${res.statusText}`);
    return res;
  };
  return {
    where: baseUrl,
    async bytes(rel, onProgress) {
      const res = await get(rel);
      const header = res.headers.get('content-length');
      // Content-Length counts encoded bytes; with gzip it under-reports, so it only feeds progress.
      const total = header !== null && /^\d+$/.test(header) ? Number(header) : null;
      if (!res.body) {
        const buf = new Uint8Array(await res.arrayBuffer());
        onProgress?.(buf.length, buf.length);
        return buf;
      }
      const reader = res.body.getReader();
      const chunks: Uint8Array[] = [];
      let loaded = 0;
      onProgress?.(0, total);
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        loaded += value.length;
        onProgress?.(loaded, total);
      }
      return concatBytes(chunks, loaded);
    },
    async text(rel) {
      return (await get(rel)).text();
    },
  };
}

export function concatBytes(chunks: Uint8Array[], length: number): Uint8Array {
  if (chunks.length === 1 && chunks[0]!.length === length) return chunks[0]!;
  const out = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
