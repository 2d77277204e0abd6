/**
 * Output as token chips coloured by provenance, with a legend. Every kind is told three
 * ways: colour (Okabe–Ito, safe for colour-blind readers), border style and a small badge
 * (draft position, +, !, ✗), and each chip's title says it in words. Token text is
 * rendered as React text, never as HTML.
 */
import { memo } from 'react';
import { CHIP_HELP, CHIP_LABELS, chipTitle, tokenText, type Chip, type ChipKind } from '../tokens.ts';

const BADGE: Record<ChipKind, (c: Chip) => string> = {
  accepted: (c) => String(c.depth),
  bonus: () => '+',
  correction: () => '!',
  target: () => '',
  rejected: () => '✗',
};

export const TokenChip = memo(function TokenChip({ chip, vocab, current }: { chip: Chip; vocab: readonly string[] | null; current?: boolean }) {
  const text = tokenText(vocab, chip.token);
  const badge = BADGE[chip.kind](chip);
  const depthClass = chip.kind === 'accepted' ? ` d${Math.min(chip.depth ?? 1, 4)}` : '';
  return (
    <>
      <span
        className={`chip chip-${chip.kind}${depthClass}${current ? ' chip-current' : ''}`}
        title={chipTitle(chip, vocab?.[chip.token] ?? text)}
        data-kind={chip.kind}
      >
        {chip.kind === 'rejected' ? <s>{text}</s> : text}
        {badge && <sup className="badge" aria-hidden="true">{badge}</sup>}
      </span>
      {chip.kind !== 'rejected' && vocab?.[chip.token]?.endsWith('\n') ? <br /> : null}
    </>
  );
});

export function TokenStream({
  chips,
  vocab,
  currentStep,
  label,
  testId,
}: {
  chips: readonly Chip[];
  vocab: readonly string[] | null;
  currentStep?: number;
  label: string;
  testId?: string;
}) {
  const tokens = chips.filter((c) => c.kind !== 'rejected').map((c) => c.token);
  return (
    <div className="tokens" aria-label={label} role="group" data-testid={testId} data-tokens={tokens.join(',')}>
      {chips.length === 0 ? <span className="muted">No tokens yet.</span> : null}
      {chips.map((c, i) => (
        <TokenChip key={i} chip={c} vocab={vocab} current={c.step === currentStep} />
      ))}
    </div>
  );
}

const LEGEND_VOCAB = ['tok'];
const LEGEND_KINDS: ChipKind[] = ['accepted', 'bonus', 'correction', 'target', 'rejected'];

export function ChipLegend() {
  return (
    <ul className="legend" aria-label="Token colours">
      {LEGEND_KINDS.map((kind) => (
        <li key={kind} title={CHIP_HELP[kind]}>
          <TokenChip chip={{ kind, token: 0, step: 1, depth: kind === 'accepted' || kind === 'rejected' ? 1 : null }} vocab={LEGEND_VOCAB} />
          <span>{CHIP_LABELS[kind]}</span>
        </li>
      ))}
    </ul>
  );
}
