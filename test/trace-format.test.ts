/**
 * The trace format written once: every object the zod schema declares lists its keys in
 * the order format.ts writes them (so schema, key order and types cannot drift apart), and
 * docs/trace-format.md names every key.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';

import { KEY_ORDERS } from '../src/engine/trace/format.ts';
import { traceSchema } from '../src/engine/trace/schema.ts';
import { ROOT } from './model-paths.ts';

/** Each object schema's keys in declaration order, found by walking the schema's definitions. */
function objectKeyLists(schema: z.ZodType): string[][] {
  const out: string[][] = [];
  const seen = new Set<unknown>();
  const walk = (s: unknown) => {
    if (!s || typeof s !== 'object' || seen.has(s)) return;
    seen.add(s);
    const def = (s as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
    if (!def) return;
    if (def.type === 'object') {
      const shape = def.shape as Record<string, unknown>;
      out.push(Object.keys(shape));
      Object.values(shape).forEach(walk);
    }
    for (const k of ['element', 'innerType', 'in', 'out']) walk(def[k]);
    if (Array.isArray(def.options)) def.options.forEach(walk);
  };
  walk(schema);
  return out;
}

/** The order traceToJson writes an object with these keys in (trace.ts orderedKeys). */
const writtenOrder = (keys: readonly string[]) => {
  const order = KEY_ORDERS.find((o) => keys.every((k) => o.includes(k)));
  return order ? order.filter((k) => keys.includes(k)) : null;
};

describe('trace format, one source', () => {
  const lists = objectKeyLists(traceSchema(16, 32));

  it('walks every object of the schema', () => {
    expect(lists.length).toBeGreaterThan(15);
    expect(lists).toContainEqual(['epsilon', 'delta']);
  });

  it('declares every object\'s keys in the order a trace is written', () => {
    for (const keys of lists) expect(keys, keys.join(', ')).toEqual(writtenOrder(keys));
  });

  it('has no key in the written order that no object of the schema holds', () => {
    for (const order of KEY_ORDERS) {
      const held = order.filter((key) => lists.some((keys) => keys.includes(key) && keys.every((k) => order.includes(k))));
      expect(held, order.join(', ')).toEqual(order);
    }
  });

  it('docs/trace-format.md names every key', () => {
    const doc = readFileSync(join(ROOT, 'docs/trace-format.md'), 'utf8');
    const missing = [...new Set(lists.flat())].filter((k) => !new RegExp(`[\`{, ".]${k}[\`}:," ]`).test(doc));
    expect(missing).toEqual([]);
  });
});
