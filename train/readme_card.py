"""Renders public/models/<id>/card.json as Markdown and writes it into README.md between
the markers <!-- card:start --> and <!-- card:end -->, so the README's model figures are
always the evaluation run's own (never typed in).

    python3 train/readme_card.py [public/models/toy/card.json] [README.md]
"""
from __future__ import annotations

import json
import os
import sys

START, END = "<!-- card:start -->", "<!-- card:end -->"


def fmt_int(n: int) -> str:
    return f"{n:,}"


def render(card: dict) -> str:
    p = card["parameters"]
    tr = card["training"]
    lines = [
        f"Model `{card['id']}`, written by `{card['command']}` "
        f"(torch {card['torch_version']}, {card['threads']} threads)"
        + (f"; its LM graphs then given their new.* outputs by `{card['post_export']}`" if card.get("post_export") else "")
        + f". Source: `public/models/{card['id']}/card.json`.",
        "",
        "| part | parameters | ONNX file | bytes |",
        "|---|---:|---|---:|",
        f"| base model | {fmt_int(p['base'])} | `onnx/model.onnx` | {fmt_int(card['onnx_bytes']['model'])} |",
        f"| Medusa heads (K={len(card['agreement']['prose']['heads_top1'])}) | {fmt_int(p['heads'])} | "
        f"`onnx/heads.onnx` | {fmt_int(card['onnx_bytes']['heads'])} |",
        f"| draft model | {fmt_int(p['draft_model'])} | `onnx/draft_model.onnx` | "
        f"{fmt_int(card['onnx_bytes']['draft_model'])} |",
    ]
    if "eagle" in p:
        lines.append(f"| EAGLE head | {fmt_int(p['eagle'])} (+ the base's embedding, shared) | `onnx/eagle.onnx` | "
                     f"{fmt_int(card['onnx_bytes']['eagle'])} |")
    lines += [
        "",
        "| corpus (tokens) | train | val | test |",
        "|---|---:|---:|---:|",
    ]
    for d, s in card["corpus_tokens"].items():
        lines.append(f"| {d} | {fmt_int(s['train'])} | {fmt_int(s['val'])} | {fmt_int(s['test'])} |")
    lines += [
        "",
        f"Training: base {tr['base']['steps']} steps × {tr['base']['batch']}×{tr['base']['seq_len']} tokens "
        f"({tr['base']['wall_s']} s); heads {tr['heads']['steps']} steps on {fmt_int(tr['heads']['rollout_positions'])} "
        f"greedy-rollout positions ({tr['heads']['rollout_wall_s']} s) and "
        f"{fmt_int(tr['heads'].get('lookahead_positions', 0))} greedy-lookahead positions of real text "
        f"({tr['heads'].get('lookahead_wall_s', 0)} s), {tr['heads']['wall_s']} s of training; "
        f"draft model {tr['draft_model']['steps']} steps of distillation ({tr['draft_model']['wall_s']} s)."
        + (f" Whole pipeline: {card['pipeline_wall_s']} s." if "pipeline_wall_s" in card else "")
        + (" This card comes from a run continued with --resume: each stage's time below counts only its resumed "
           "part, each training loop's wall_s all of its steps." if card.get("resumed") else ""),
        "",
        "| validation | base nats/token | base bits/byte | draft nats/token | draft bits/byte |",
        "|---|---:|---:|---:|---:|",
    ]
    for d, v in card["validation"].items():
        b, dm = v["base"], v["draft_model"]
        lines.append(
            f"| {d} | {b['nats_per_token']} | {b['bits_per_byte']} | {dm['nats_per_token']} | {dm['bits_per_byte']} |"
        )
    K = len(card["agreement"]["prose"]["heads_top1"])
    lines += [
        "",
        "Top-1 agreement with the base model's own greedy token j positions ahead, on the validation split "
        "(head k drafts j = k+1; the draft model drafts j = 1, 2, ... autoregressively):",
        "",
        "| domain | " + " | ".join(f"head {k} (j={k + 1})" for k in range(1, K + 1))
        + " | heads chain: mean accepted | draft model, teacher-forced j=1..{} | draft model, free-running j=1..{} |".format(
            K + 1, K + 1),
        "|---|" + "---:|" * K + "---:|---|---|",
    ]
    for d, a in card["agreement"].items():
        lines.append(
            f"| {d} | " + " | ".join(f"{x:.3f}" for x in a["heads_top1"]) + f" | {a['heads_chain_mean_accepted']:.3f} | "
            + " ".join(f"{x:.2f}" for x in a["draft_model_teacher_forced_top1"]) + " | "
            + " ".join(f"{x:.2f}" for x in a["draft_model_free_running_top1"]) + " |"
        )
    if "eagle" in card:
        lines += eagle_lines(card)
    lines += quality_lines(card)
    return "\n".join(lines)


def eagle_lines(card: dict) -> list[str]:
    e, tr = card["eagle"], card["training"]["eagle"]
    t = next(iter(card["agreement"].values()))["eagle"]["temperature"]
    lines = [
        "",
        f"EAGLE head ({e['variant']}; {tr['steps']} steps on the base's features of {fmt_int(tr['windows'])} windows, "
        f"{tr['wall_s']} s of training, {tr['features_wall_s']} s of features). Per draft depth j = 1..4 (the token "
        "j+1 past the prefix, head j's peer), on the validation split: greedy, the share of its own j-th draft equal "
        f"to the base's greedy token; at temperature {t}, drafts drawn from each drafter's own q, the probability "
        "sum min(p, q) that speculative sampling accepts draft j after the earlier ones (heads one-hot: p(argmax)):",
        "",
        "| domain | EAGLE greedy top-1 | heads greedy top-1 | EAGLE chain: mean accepted | heads chain | "
        f"EAGLE T={t} | heads sampled T={t} | heads one-hot T={t} |",
        "|---|---|---|---:|---:|---|---|---|",
    ]
    f = lambda xs: " ".join(f"{x:.2f}" for x in xs)  # noqa: E731
    for d, a in card["agreement"].items():
        g, s = a["eagle"], a["eagle"]["sampled_acceptance"]
        lines.append(f"| {d} | {f(g['greedy_top1'])} | {f(a['heads_top1'])} | {g['greedy_chain_mean_accepted']:.3f} | "
                     f"{a['heads_chain_mean_accepted']:.3f} | {f(s['eagle'])} | {f(s['heads_sampled'])} | "
                     f"{f(s['heads_one_hot'])} |")
    return lines


def quality_lines(card: dict) -> list[str]:
    """Generation quality against the true held-out continuations, the training curve, and
    a few continuations (train/quality.py defines every figure)."""
    q = card.get("quality")
    if not q:
        return []
    s = q["sampled_settings"]
    out = [
        "",
        f"Generation quality on the test-split prompt suites ({q['prose']['prompts']} prose, {q['code']['prompts']} "
        f"code prompts, {q['tokens']} new tokens, no logits processors): greedy, sampled (temperature "
        f"{s['temperature']}, top-p {s['top_p']}) and the true held-out continuation as the reference. "
        "distinct-4: unique token 4-grams / all 4-grams (median); collapsed: distinct-4 below 0.5; "
        "real words: generated words found in the training text; identifiers: generated identifiers found in "
        "the training code; whitespace: continuations at least 75% whitespace.",
        "",
        "| domain | continuation | distinct-4 | collapsed | real words / identifiers | mostly whitespace |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for d in ("prose", "code"):
        for kind in ("greedy", "sampled", "reference"):
            f = q[d][kind]
            share = f.get("real_word_share", f.get("identifier_share"))
            ws = f"{f['mostly_whitespace_share']:.2f}" if "mostly_whitespace_share" in f else "–"
            out.append(f"| {d} | {kind} | {f['distinct4_median']:.2f} | {f['collapsed_share']:.2f} | {share:.3f} | {ws} |")
    curve = card["training"]["base"].get("curve")
    if curve:
        out += [
            "",
            "Training curve of the base model (validation split, "
            f"{max(1, q['prose']['prompts'] // 4)} prompts per domain at each probe):",
            "",
            "| step | train s | prose bits/byte | code bits/byte | prose greedy distinct-4 | prose sampled real words "
            "| code greedy distinct-4 | code sampled identifiers |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for c in curve:
            v, qq = c["val_bits_per_byte"], c["quality"]
            out.append(
                f"| {c['step']} | {c['train_wall_s']:.0f} | {v['prose']:.3f} | {v['code']:.3f} | "
                f"{qq['prose']['greedy']['distinct4_median']:.2f} | {qq['prose']['sampled']['real_word_share']:.3f} | "
                f"{qq['code']['greedy']['distinct4_median']:.2f} | {qq['code']['sampled']['identifier_share']:.3f} |"
            )
    seen = card["training"]["base"].get("tokens_seen")
    if seen:
        out += ["", "Base-model tokens seen per domain: " + ", ".join(f"{d} {fmt_int(n)}" for d, n in seen.items())
                + ". Stage wall times (s): " + ", ".join(f"{k} {v}" for k, v in card["stage_wall_s"].items()) + "."]
    for d in ("prose", "code"):
        for ex in q[d].get("examples", [])[:2]:
            out += ["", f"`{ex['id']}` prompt, then greedy, then sampled:", "", "```text", ex["prompt"].rstrip("\n"),
                    "```", "```text", ex["greedy"].rstrip("\n"), "```", "```text", ex["sampled"].rstrip("\n"), "```"]
    return out


def write(card_path: str, readme: str) -> None:
    """Replaces the README's text between the card markers with the card's tables."""
    with open(card_path) as f:
        card = json.load(f)
    with open(readme) as f:
        text = f.read()
    if START not in text or END not in text:
        raise SystemExit(f"{readme} has no {START} ... {END} markers: add them where the card belongs")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    with open(readme, "w") as f:
        f.write(head + START + "\n" + render(card) + "\n" + END + tail)
    print(f"model card from {card_path} written into {readme}")


def main() -> None:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    card_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "public", "models", "toy", "card.json")
    readme = sys.argv[2] if len(sys.argv) > 2 else os.path.join(root, "README.md")
    write(card_path, readme)


if __name__ == "__main__":
    main()
