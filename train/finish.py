"""The pipeline's cheap last stages, always re-run (also after --resume), so their code can
change without retraining: evaluation into card.json, ONNX export, config.json, golden
fixtures, prompt suites, and the README's model card."""
from __future__ import annotations

import json
import os
import time

import torch

import eagle as eagle_mod
import evaluate
import export
import export_loop
import fixtures as fixtures_mod
import readme_card


def finish(args, cfg, root, out, fixtures, work, t_start, timings, tok, splits, streams, corpus_tokens,
           base, heads, draft, base_ck, heads_ck, draft_ck, prose_words, code_idents, log, eagle=None,
           eagle_ck=None) -> None:
    os.makedirs(os.path.join(out, "onnx"), exist_ok=True)
    tok.save(os.path.join(out, "tokenizer.json"))
    prompts = fixtures_mod.prompt_suites(splits, tok, cfg.base.n_positions, per_domain=32 if cfg.id == "toy" else 8)
    with open(os.path.join(out, "prompts.json"), "w") as f:
        json.dump(prompts, f, indent=1, ensure_ascii=False)
    t = time.time()
    card = evaluate.evaluate(base, heads, draft, tok, streams, cfg, log)
    card["quality"] = evaluate.generation_quality(base, tok, prompts["suites"], prose_words, code_idents, cfg,
                                                  args.seed + 8, log)
    if eagle is not None:
        for domain, figs in eagle_mod.card_figures(base, heads, eagle, streams, cfg, log).items():
            card["agreement"][domain]["eagle"] = figs  # beside the heads' and the draft model's figures
        card["eagle"] = {
            "variant": "EAGLE-1" if cfg.eagle_unroll == 1 else f"EAGLE-3 training-time test, {cfg.eagle_unroll} steps",
            "chosen_by": cfg.notes.get("eagle_unroll", ""),
            "features": "the base's hidden states after its final LayerNorm (the LM head's input)",
            "agreement_definition": eagle_mod.agreement.__doc__.strip(),
        }
    timings["evaluate"] = round(time.time() - t, 1)
    t = time.time()
    files = export.export_all(base, heads, draft, out, log, eagle=eagle)
    timings["export"] = round(time.time() - t, 1)
    config = export.model_config(cfg.id, cfg.base, cfg.draft, cfg.num_heads, tok, files, eagle=eagle)
    export_loop.export_loops(out, config, log)  # the K-step twins of eagle.onnx and draft_model.onnx
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    t = time.time()
    fixtures_mod.write_all(base, heads, draft, tok, splits, fixtures, cfg.id, log)
    if eagle is not None:
        fixtures_mod.write_eagle(base, eagle, tok, splits, fixtures, cfg.id, log)
    timings["fixtures"] = round(time.time() - t, 1)

    card.update(
        id=cfg.id,
        config=args.config,
        seed=args.seed,
        threads=args.threads,
        torch_version=torch.__version__,
        recipe={"vocab_size": cfg.vocab_size, "tokenizer_prose_share": cfg.tokenizer_prose_share,
                "prose_share": cfg.prose_share, "base": cfg.base.to_dict(), "draft": cfg.draft.to_dict(),
                "base_train": vars(cfg.base_train), "heads_train": vars(cfg.heads_train),
                "draft_train": vars(cfg.draft_train), "eagle_train": vars(cfg.eagle_train),
                "eagle_unroll": cfg.eagle_unroll},
        parameters={"base": base.num_params(), "heads": heads.num_params(), "draft_model": draft.num_params(),
                    **({"eagle": eagle.num_params()} if eagle is not None else {})},
        corpus_tokens=corpus_tokens,
        training={"base": base_ck["info"], "heads": heads_ck["info"], "draft_model": draft_ck["info"],
                  **({"eagle": eagle_ck["info"]} if eagle_ck is not None else {})},
        stage_wall_s=timings,
        resumed=bool(args.resume),
        onnx_bytes={k: os.path.getsize(os.path.join(out, v)) for k, v in files.items()},
        command=f"python3 train/pipeline.py --config {args.config} --seed {args.seed}",
    )
    if not args.resume:  # a resumed run's stage times hold only their resumed parts
        card["pipeline_wall_s"] = round(time.time() - t_start, 1)
    with open(os.path.join(out, "card.json"), "w") as f:
        json.dump(card, f, indent=2)
    if args.config == "full" and os.path.abspath(out) == os.path.join(root, "public", "models", cfg.id):
        readme_card.write(os.path.join(out, "card.json"), os.path.join(root, "README.md"))
    log(f"wrote {out} in {time.time() - t_start:.0f}s")
