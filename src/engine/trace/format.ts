/**
 * The decode trace format's constants, in one place that imports nothing: its name and
 * version, the order of every object's keys in a written file, and what version 2 renamed
 * (a version 1 file is converted on parse). The zod schema (schema.ts) is built from these
 * and is the one source of the format's types; docs/trace-format.md documents every key.
 */

export const TRACE_FORMAT = 'space-decode-trace';
export const TRACE_VERSION = 2;
/** Versions parseTrace reads: older ones are converted to TRACE_VERSION first. */
export const READABLE_TRACE_VERSIONS = [1, 2] as const;

/**
 * The key order of each kind of object in a trace. An object takes the smallest order
 * that holds all its keys; keys no order knows go alphabetically after, so every object
 * has exactly one order whatever order its keys were built in. schema.ts declares each
 * object's keys in the same order (a test holds them together).
 */
export const KEY_ORDERS: readonly (readonly string[])[] = [
  ['format', 'version', 'model', 'config', 'prompt', 'steps', 'result', 'metrics'],
  ['id', 'vocab_size', 'n_positions', 'bos_token_id', 'eos_token_id'],
  ['drafter', 'k', 'tree', 'branch', 'draftTokens', 'sampleDrafts', 'pMin', 'adaptive', 'acceptance', 'typical', 'repetitionPenalty', 'noRepeatNgramSize', 'temperature', 'topK', 'topP', 'seed', 'maxTokens', 'stopAtEos'],
  ['epsilon', 'delta'],
  ['text', 'ids'],
  ['index', 'kind', 'kvBefore', 'kvAfter', 'maxDepth', 'draft', 'skipped', 'target', 'verify', 'emitted', 'text', 'forwards', 'timings'],
  ['tree', 'nodeTokens', 'nodes', 'forwards', 'stoppedBy'],
  ['q', 'top', 'u'],
  ['token', 'prob'],
  ['dist', 'nodes'],
  ['top', 'pToken'],
  ['method', 'lossy', 'acceptLength', 'acceptedNodes', 'acceptedTokens', 'emitted', 'decisions', 'final'],
  ['kind', 'node', 'parent', 'depth', 'token', 'targetArgmax', 'p', 'q', 'entropy', 'bound', 'threshold', 'u', 'accepted', 'residual'],
  ['mass', 'top'],
  ['kind', 'token', 'node', 'source', 'u', 'top'],
  ['target', 'draft'],
  ['draftMs', 'draftRunMs', 'verifyForwardMs', 'verifyForwardRunMs', 'verifyDecisionsMs', 'acceptMs', 'kvMs', 'totalMs'],
  ['tokens', 'text', 'stopReason', 'forwards', 'elapsedMs', 'lossy'],
  [
    'num_drafts', 'num_draft_tokens', 'num_accepted_tokens', 'num_accepted_tokens_per_pos', 'draft_acceptance_rate',
    'acceptance_rate_per_position', 'mean_acceptance_length', 'system_efficiency', 'max_depth', 'alpha', 'gamma',
    'emitted_tokens', 'target_forwards', 'draft_forwards', 'target_forwards_per_token', 'tokens_per_target_forward',
    'emitted_tokens_histogram', 'elapsed_ms', 'tokens_per_second', 'cost_coefficient', 'predicted_speedup',
  ],
].sort((a, b) => a.length - b.length);

/** Version 1's names of the keys version 2 renamed, per object: old -> new. */
export const V1_RENAMES = {
  config: { maxNewTokens: 'maxTokens' },
  step: { maxDrafts: 'maxDepth' },
  timings: { forwardMs: 'verifyForwardMs', forwardRunMs: 'verifyForwardRunMs', verifyMs: 'verifyDecisionsMs' },
  metrics: { k_max: 'max_depth' },
} as const;
