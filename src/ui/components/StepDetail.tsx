/**
 * One decode step in full: what was drafted (drawn as a tree), how the target judged each
 * drafted token (its p against the draft's q, and for speculative sampling the uniform u
 * against min(1, p/q)), the residual a rejection leaves, the bonus or correction token,
 * the KV cache before and after, and where the step's time went.
 */
import { buildTree } from '../../engine/decoding/tree.ts';
import type { TraceStep } from '../../engine/trace/trace.ts';
import type { DraftDecision } from '../../engine/verify/chain.ts';
import { tokenText } from '../tokens.ts';
import { fmtMs, fmtP, ProbBar, ThresholdBar, TopList } from './Bars.tsx';
import { DraftTree } from './DraftTree.tsx';

type Vocab = readonly string[] | null;

function Rule({ d, vocab }: { d: DraftDecision; vocab: Vocab }) {
  switch (d.kind) {
    case 'match':
      return (
        <span>
          target's argmax {tokenText(vocab, d.targetArgmax)} {d.accepted ? '=' : '≠'} draft
        </span>
      );
    case 'ratio':
      return <ThresholdBar u={d.u} threshold={d.threshold} accepted={d.accepted} />;
    case 'typical':
      return (
        <span>
          p {fmtP(d.p)} {d.accepted ? '>' : '≤'} bound {fmtP(d.bound)} (entropy {d.entropy.toFixed(2)} nats)
        </span>
      );
  }
}

function Decisions({ step, vocab }: { step: TraceStep; vocab: Vocab }) {
  const { decisions } = step.verify;
  if (decisions.length === 0) return null;
  const draftQ = (d: DraftDecision) => (d.kind === 'ratio' ? d.q : step.draft?.nodes[d.node]?.q ?? null);
  const targetP = (d: DraftDecision) => (d.kind === 'match' ? step.target.nodes[d.node]?.pToken ?? null : d.p);
  return (
    <table className="decisions">
      <caption>Verification, in the order the verifier decided</caption>
      <thead>
        <tr>
          <th scope="col">pos.</th>
          <th scope="col">draft</th>
          <th scope="col">target p</th>
          <th scope="col">draft q</th>
          <th scope="col">rule</th>
          <th scope="col">verdict</th>
        </tr>
      </thead>
      <tbody>
        {decisions.map((d) => (
          <tr key={d.node} className={d.accepted ? 'ok' : 'no'}>
            <td>{d.depth}</td>
            <td className="tok">{tokenText(vocab, d.token)}</td>
            <td>
              <ProbBar value={targetP(d)} kind="p" label="target probability" />
            </td>
            <td>
              <ProbBar value={draftQ(d)} kind="q" label="draft probability" />
            </td>
            <td>
              <Rule d={d} vocab={vocab} />
            </td>
            <td>{d.accepted ? '✓ accepted' : '✗ rejected'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Residuals({ step, vocab }: { step: TraceStep; vocab: Vocab }) {
  const rejected = step.verify.decisions.filter((d) => d.kind === 'ratio' && d.residual);
  if (rejected.length === 0) return null;
  return (
    <section>
      <h4>Residual after a rejection</h4>
      <p className="muted">
        A rejected draft leaves norm(max(0, p − q)): the target's distribution with the draft's share taken out. The
        correction (or the next sibling) is drawn from it, which keeps the output distributed exactly as the target's.
      </p>
      {rejected.map((d) =>
        d.kind === 'ratio' && d.residual ? (
          <div key={d.node}>
            <p>
              After rejecting {tokenText(vocab, d.token)} at position {d.depth}: mass {fmtP(d.residual.mass)}
            </p>
            <TopList entries={d.residual.top} vocab={vocab} label={`residual after rejecting node ${d.node}`} mark={step.verify.final.token} />
          </div>
        ) : null,
      )}
    </section>
  );
}

function FinalToken({ step, vocab }: { step: TraceStep; vocab: Vocab }) {
  const f = step.verify.final;
  const top = f.top ?? step.target.nodes[f.node]?.top ?? [];
  const what = !step.draft
    ? "the target's own token (no drafts this step)"
    : f.kind === 'bonus'
      ? 'bonus: every draft on the path was accepted, so the target\'s next token comes free'
      : "correction: the target's token in place of the rejected draft";
  const from = f.source === 'argmax' ? "the target's argmax" : f.source === 'residual' ? 'the residual' : "the target's distribution";
  return (
    <section>
      <h4>
        {f.kind === 'bonus' && step.draft ? 'Bonus' : f.kind === 'correction' ? 'Correction' : 'Target'} token:{' '}
        <span className={`chip chip-${step.draft ? f.kind : 'target'}`}>{tokenText(vocab, f.token)}</span>
      </h4>
      <p className="muted">
        {what}; from {from}
        {f.u !== null ? `, drawn with u = ${fmtP(f.u)}` : ''}.
      </p>
      {top.length > 0 && <TopList entries={top} vocab={vocab} label="distribution of the final token" mark={f.token} />}
    </section>
  );
}

function Timings({ step }: { step: TraceStep }) {
  const t = step.timings;
  if (!t) return <p className="muted">This trace was written without timings.</p>;
  const named = [
    ['draft', t.draftMs],
    ['verify forward', t.verifyForwardMs],
    ['verify decisions', t.verifyDecisionsMs],
    ['accept', t.acceptMs],
  ] as const;
  // What the named parts leave of the step is bookkeeping (probabilities, the step record).
  const parts = [...named, ['other', Math.max(0, t.totalMs - named.reduce((a, [, v]) => a + v, 0))] as const];
  const total = Math.max(t.totalMs, 1e-9);
  const words = parts.map(([k, v]) => `${k} ${fmtMs(v)} ms`).join(' · ');
  return (
    <section>
      <h4>Time: {fmtMs(t.totalMs)} ms</h4>
      <div className="stack" role="img" aria-label={words}>
        {parts.map(([k, v]) => (
          <span key={k} className={`stack-${k.replace(' ', '-')}`} style={{ width: `${(v / total) * 100}%` }} />
        ))}
      </div>
      <p className="muted">{words}</p>
    </section>
  );
}

/** textShown false: the trace's texts are not checked against its tokens yet (stepper-slice.ts), so the step's text is left out. */
export function StepDetail({ step, vocab, textShown = true }: { step: TraceStep; vocab: Vocab; textShown?: boolean }) {
  const d = step.draft;
  const grew = step.kvAfter - step.kvBefore;
  const shape = d ? `${buildTree(d.tree).isChain ? 'a chain' : 'a tree'} of ${d.tree.length} draft token${d.tree.length === 1 ? '' : 's'}` : null;
  return (
    <div className="step-detail" data-testid="step-detail" data-step={step.index}>
      <dl className="facts">
        <dt>kind</dt>
        <dd>{step.kind === 'prefill' ? 'prefill (the prompt in one forward)' : 'decode'}</dd>
        <dt>draft</dt>
        <dd>
          {shape
            ? `${shape} (max depth ${step.maxDepth}), ${d!.forwards} drafter forward${d!.forwards === 1 ? '' : 's'}${d!.stoppedBy ? ', stopped early by p-min' : ''}`
            : step.skipped === 'no-match'
              ? 'none: prompt lookup found no match'
              : step.skipped === 'confidence'
                ? 'none: the first draft was below p-min'
                : 'none'}
        </dd>
        <dt>accepted</dt>
        <dd>
          {step.verify.acceptLength} draft{step.verify.acceptLength === 1 ? '' : 's'}, {step.emitted.length} token
          {step.emitted.length === 1 ? '' : 's'} out{textShown ? <>: <q className="tok">{step.text}</q></> : ''}
        </dd>
        <dt>KV cache</dt>
        <dd data-testid="kv">
          {step.kvBefore} → {step.kvAfter} (+{grew})
        </dd>
        <dt>verifier</dt>
        <dd>
          {step.verify.method}
          {step.verify.lossy ? ' (LOSSY)' : ''}; target p is {step.target.dist === 'softmax' ? 'the softmax at T = 1 (greedy accepts by argmax)' : 'the warped distribution sampling draws from'}
        </dd>
      </dl>
      {d && <DraftTree step={step} vocab={vocab} />}
      <Decisions step={step} vocab={vocab} />
      <Residuals step={step} vocab={vocab} />
      <FinalToken step={step} vocab={vocab} />
      <Timings step={step} />
    </div>
  );
}
