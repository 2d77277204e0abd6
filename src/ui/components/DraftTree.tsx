/**
 * The step's candidates drawn as a tree (a chain is a one-row tree): the root (the last
 * emitted token) on the left, one column per draft position, the accepted path in bold
 * blue, refused candidates dashed vermillion with ✗, candidates the verifier never reached
 * dotted grey, and the target's bonus or correction token after the path. Every state is
 * also a line style and a mark, and the SVG's label says the same in words.
 */
import type { TraceStep } from '../../engine/trace/trace.ts';
import { tokenText } from '../tokens.ts';

const COL = 96;
const ROW = 36;
const NODE_W = 80;
const NODE_H = 26;
const PAD = 6;

type NodeState = 'root' | 'accepted' | 'rejected' | 'unreached' | 'bonus' | 'correction';

function shorten(s: string, n = 9): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

export function DraftTree({ step, vocab }: { step: TraceStep; vocab: readonly string[] | null }) {
  const draft = step.draft;
  if (!draft) return null;
  const paths = draft.tree;
  const N = paths.length + 1;
  const index = new Map(paths.map((p, i) => [p.join(','), i + 1]));
  const parents = [-1, ...paths.map((p) => (p.length === 1 ? 0 : index.get(p.slice(0, -1).join(','))!))];
  const depths = [0, ...paths.map((p) => p.length)];
  const children: number[][] = Array.from({ length: N }, () => []);
  for (let n = 1; n < N; n++) children[parents[n]!]!.push(n);

  // Rows: each leaf takes a new row; a parent sits on its first child's row.
  const row = new Array<number>(N).fill(0);
  let rows = 0;
  const place = (n: number): number => {
    if (children[n]!.length === 0) return (row[n] = rows++);
    const first = children[n]!.map(place)[0]!;
    return (row[n] = first);
  };
  place(0);

  const accepted = new Set(step.verify.acceptedNodes);
  const decided = new Map(step.verify.decisions.map((d) => [d.node, d.accepted]));
  const state = (n: number): NodeState =>
    n === 0 ? 'root' : accepted.has(n) ? 'accepted' : decided.get(n) === false ? 'rejected' : 'unreached';
  const final = step.verify.final;
  const finalX = (depths[final.node]! + 1) * COL;
  // The target's token goes on a row of its own below the candidates, so it never hides the one it replaced.
  const finalY = rows;
  const maxDepth = Math.max(...depths);
  const width = (Math.max(maxDepth, depths[final.node]! + 1) + 1) * COL + PAD;
  const height = (rows + 1) * ROW + PAD * 2;
  const x = (n: number) => depths[n]! * COL + PAD;
  const y = (r: number) => r * ROW + PAD;
  const label = (n: number) => tokenText(vocab, draft.nodeTokens[n]!);
  const pathWords = step.verify.acceptedNodes.slice(1).map(label).join(' → ') || 'none';
  const summary =
    `Draft of ${N - 1} candidate${N === 2 ? '' : 's'}; accepted path: ${pathWords}; ` +
    `then the ${final.kind} token ${tokenText(vocab, final.token)}.`;

  const box = (n: number, st: NodeState, tx: number, ty: number, text: string, title: string) => (
    <g key={`n${n}-${st}`} className={`tnode tnode-${st}`} transform={`translate(${tx},${ty})`}>
      <title>{title}</title>
      <rect width={NODE_W} height={NODE_H} rx={st === 'bonus' || st === 'correction' ? 13 : 4} />
      <text x={NODE_W / 2} y={NODE_H / 2 + 4} textAnchor="middle" textDecoration={st === 'rejected' ? 'line-through' : undefined}>
        {shorten(text)}
        {st === 'rejected' ? ' ✗' : st === 'bonus' ? ' +' : st === 'correction' ? ' !' : ''}
      </text>
    </g>
  );

  return (
    <div className="tree-scroll">
      <svg className="draft-tree" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={summary}>
        {Array.from({ length: N - 1 }, (_, i) => i + 1).map((n) => {
          const p = parents[n]!;
          const on = accepted.has(n) && accepted.has(p);
          return (
            <line
              key={`e${n}`}
              className={on ? 'tedge tedge-on' : 'tedge'}
              x1={x(p) + NODE_W}
              y1={y(row[p]!) + NODE_H / 2}
              x2={x(n)}
              y2={y(row[n]!) + NODE_H / 2}
            />
          );
        })}
        <line
          className={`tedge tedge-final tedge-${final.kind}`}
          x1={x(final.node) + NODE_W}
          y1={y(row[final.node]!) + NODE_H / 2}
          x2={finalX + PAD}
          y2={y(finalY) + NODE_H / 2}
        />
        {Array.from({ length: N }, (_, n) => {
          const st = state(n);
          const what = st === 'root' ? 'root: the last emitted token' : `draft position ${depths[n]}, rank ${paths[n - 1]!.at(-1)}: ${st}`;
          return box(n, st, x(n), y(row[n]!), label(n), `${JSON.stringify(vocab?.[draft.nodeTokens[n]!] ?? label(n))} — ${what}`);
        })}
        {box(N, final.kind, finalX + PAD, y(finalY), tokenText(vocab, final.token), `${final.kind} token from the target (${final.source})`)}
      </svg>
    </div>
  );
}
