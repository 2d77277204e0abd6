/**
 * urlFiles over a stubbed fetch: streamed bytes with progress, and errors naming the URL.
 */
import { describe, expect, it } from 'vitest';

import { MissingModelFileError, urlFiles } from '../src/engine/runtime/files.ts';

function stubFetch(routes: Record<string, () => Response>): typeof fetch {
  return (async (input: RequestInfo | URL) => {
    const url = String(input);
    const route = routes[url];
    return route ? route() : new Response('not found', { status: 404, statusText: 'Not Found' });
  }) as typeof fetch;
}

function streamOf(chunks: number[][]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      for (const ch of chunks) c.enqueue(new Uint8Array(ch));
      c.close();
    },
  });
}

describe('urlFiles', () => {
  it('streams bytes and reports progress against Content-Length', async () => {
    const files = urlFiles(
      '/models/toy/',
      stubFetch({
        '/models/toy/onnx/model.onnx': () =>
          new Response(streamOf([[1, 2], [3], [4, 5, 6]]), { headers: { 'content-length': '6' } }),
      }),
    );
    const seen: Array<[number, number | null]> = [];
    const bytes = await files.bytes('onnx/model.onnx', (l, t) => seen.push([l, t]));
    expect([...bytes]).toEqual([1, 2, 3, 4, 5, 6]);
    expect(seen).toEqual([[0, 6], [2, 6], [3, 6], [6, 6]]);
  });

  it('reads text, and says "total unknown" without Content-Length', async () => {
    const files = urlFiles('/m', stubFetch({ '/m/config.json': () => new Response('{"a":1}'), '/m/x.bin': () => new Response(streamOf([[9]])) }));
    expect(await files.text('config.json')).toBe('{"a":1}');
    const totals: Array<number | null> = [];
    await files.bytes('x.bin', (_, t) => totals.push(t));
    expect(totals.every((t) => t === null)).toBe(true);
  });

  it('a 404 is a MissingModelFileError naming the file, the URL and what to do', async () => {
    const files = urlFiles('/models/toy', stubFetch({}));
    const err = await files.bytes('onnx/heads.onnx').catch((e: Error) => e);
    expect(err).toBeInstanceOf(MissingModelFileError);
    expect((err as Error).message).toMatch(/onnx\/heads\.onnx not found in \/models\/toy \(HTTP 404 for \/models\/toy\/onnx\/heads\.onnx\).*npm run train/s);
  });

  it('other HTTP errors and network failures name the URL', async () => {
    const files = urlFiles('/m', stubFetch({ '/m/config.json': () => new Response('', { status: 500, statusText: 'Internal Server Error' }) }));
    await expect(files.text('config.json')).rejects.toThrow('fetching /m/config.json failed: HTTP 500 Internal Server Error');
    const offline = urlFiles('/m', (async () => {
      throw new TypeError('Failed to fetch');
    }) as typeof fetch);
    await expect(offline.text('config.json')).rejects.toThrow(/could not fetch \/m\/config\.json: Failed to fetch/);
  });

  it('refuses paths that leave the folder', async () => {
    const files = urlFiles('/m', stubFetch({}));
    await expect(files.text('../secret.json')).rejects.toThrow(/must be relative and stay inside the folder/);
  });
});
