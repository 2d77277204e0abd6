"""ONNX export (opset 17) of the three graphs the browser runs, and the model folder's
config.json.

  onnx/model.onnx        base model, KV-cached; also outputs the final hidden states
  onnx/heads.onnx        Medusa heads over hidden states the caller picks, so drafts are
                         paid for only at the one position per step that uses them
  onnx/draft_model.onnx  the small draft model, same signature as model.onnx
  onnx/eagle.onnx        the EAGLE draft head (eagle.py), one decoder layer with its own
                         KV cache: features [1, T, C] (the base's hidden_states at the
                         positions fed, or its own hidden_states for the next depth),
                         input_ids [1, T] (the token after each of those positions),
                         position_ids [1, T] (the features' positions), attention_bias
                         [1, 1, T, P+T], past_key_values.0.key|value [1, H, P, Dh] in;
                         logits [1, T, V] (the token two past each position), hidden_states
                         [1, T, C], present.0.key|value and new.0.key|value out

Names follow transformers.js: input_ids, position_ids, past_key_values.{i}.key|value in;
logits, present.{i}.key|value out, plus new.{i}.key|value (the T new rows alone, see
kv_outputs.py). attention_bias [1, 1, T, P+T] (0 or -inf) replaces
the usual attention_mask so the caller can express causal, tree and padding masks.
"""
from __future__ import annotations

import os

import torch
import torch.nn as nn

from kv_outputs import add_new_kv_outputs
from eagle import EagleHead
from model import GPT, GPTConfig, MedusaHeads

OPSET = 17


class _Flat(nn.Module):
    """GPT.forward with the past as positional tensors, as torch.onnx.export wants."""

    def __init__(self, model: GPT):
        super().__init__()
        self.model = model

    def forward(self, input_ids, position_ids, attention_bias, *past):
        logits, hidden, present = self.model(input_ids, position_ids, attention_bias, list(past))
        return (logits, hidden, *present)


def io_names(n_layer: int):
    past = [f"past_key_values.{i}.{kv}" for i in range(n_layer) for kv in ("key", "value")]
    present = [f"present.{i}.{kv}" for i in range(n_layer) for kv in ("key", "value")]
    new = [f"new.{i}.{kv}" for i in range(n_layer) for kv in ("key", "value")]
    return ["input_ids", "position_ids", "attention_bias", *past], ["logits", "hidden_states", *present, *new]


def export_lm(model: GPT, path: str) -> None:
    cfg = model.cfg
    T, P = 3, 5  # any sizes: every sequence axis is dynamic
    ins, outs = io_names(cfg.n_layer)
    outs = [o for o in outs if not o.startswith("new.")]  # added after the export, from the graph
    dummy = (
        torch.zeros(1, T, dtype=torch.long),
        torch.arange(P, P + T).unsqueeze(0),
        torch.zeros(1, 1, T, P + T),
        *[torch.zeros(1, cfg.n_head, P, cfg.head_dim) for _ in range(2 * cfg.n_layer)],
    )
    dyn = {"input_ids": {1: "T"}, "position_ids": {1: "T"}, "attention_bias": {2: "T", 3: "P+T"},
           "logits": {1: "T"}, "hidden_states": {1: "T"}}
    for n in ins[3:]:
        dyn[n] = {2: "P"}
    for n in outs[2:]:
        dyn[n] = {2: "P+T"}
    torch.onnx.export(_Flat(model).eval(), dummy, path, input_names=ins, output_names=outs,
                      dynamic_axes=dyn, opset_version=OPSET, do_constant_folding=True)
    add_new_kv_outputs(path)


class _FlatEagle(nn.Module):
    def __init__(self, head: EagleHead):
        super().__init__()
        self.head = head

    def forward(self, features, input_ids, position_ids, attention_bias, past_key, past_value):
        logits, hidden, present = self.head(features, input_ids, position_ids, attention_bias, [past_key, past_value])
        return (logits, hidden, *present)


def eagle_io_names():
    ins, outs = io_names(1)
    return ["features", *ins], outs


def export_eagle(head: EagleHead, path: str) -> None:
    cfg = head.cfg
    T, P = 3, 5
    ins, outs = eagle_io_names()
    outs = [o for o in outs if not o.startswith("new.")]  # added after the export, from the graph
    dummy = (
        torch.zeros(1, T, cfg.n_embd),
        torch.zeros(1, T, dtype=torch.long),
        torch.arange(P, P + T).unsqueeze(0),
        torch.zeros(1, 1, T, P + T),
        torch.zeros(1, cfg.n_head, P, cfg.head_dim),
        torch.zeros(1, cfg.n_head, P, cfg.head_dim),
    )
    dyn = {"features": {1: "T"}, "input_ids": {1: "T"}, "position_ids": {1: "T"},
           "attention_bias": {2: "T", 3: "P+T"}, "logits": {1: "T"}, "hidden_states": {1: "T"}}
    for n in ins[4:]:
        dyn[n] = {2: "P"}
    for n in outs[2:]:
        dyn[n] = {2: "P+T"}
    torch.onnx.export(_FlatEagle(head).eval(), dummy, path, input_names=ins, output_names=outs,
                      dynamic_axes=dyn, opset_version=OPSET, do_constant_folding=True)
    add_new_kv_outputs(path)


def export_heads(heads: MedusaHeads, n_embd: int, path: str) -> None:
    dummy = torch.zeros(1, 2, n_embd)
    torch.onnx.export(heads.eval(), (dummy,), path, input_names=["hidden_states"], output_names=["draft_logits"],
                      dynamic_axes={"hidden_states": {1: "N"}, "draft_logits": {1: "N"}},
                      opset_version=OPSET, do_constant_folding=True)


def export_all(base: GPT, heads: MedusaHeads, draft: GPT, out: str, log, eagle: EagleHead | None = None
               ) -> dict[str, str]:
    files = {"model": "onnx/model.onnx", "heads": "onnx/heads.onnx", "draft_model": "onnx/draft_model.onnx"}
    if eagle is not None:
        files["eagle"] = "onnx/eagle.onnx"
    os.makedirs(os.path.join(out, "onnx"), exist_ok=True)
    with torch.no_grad():
        export_lm(base, os.path.join(out, files["model"]))
        export_heads(heads, base.cfg.n_embd, os.path.join(out, files["heads"]))
        export_lm(draft, os.path.join(out, files["draft_model"]))
        if eagle is not None:
            export_eagle(eagle, os.path.join(out, files["eagle"]))
    import onnx  # checked after writing: a graph onnx cannot load must never ship

    for rel in files.values():
        onnx.checker.check_model(onnx.load(os.path.join(out, rel)))
        log(f"exported {rel} ({os.path.getsize(os.path.join(out, rel)) / 1e6:.2f} MB)")
    return files


def _lm_entry(cfg: GPTConfig, file: str, num_params: int) -> dict:
    ins, outs = io_names(cfg.n_layer)
    return {
        "file": file,
        "num_params": num_params,
        "n_layer": cfg.n_layer,
        "n_head": cfg.n_head,
        "n_embd": cfg.n_embd,
        "head_dim": cfg.head_dim,
        "n_positions": cfg.n_positions,
        "inputs": ins,
        "outputs": outs,
    }


def model_config(model_id: str, base_cfg: GPTConfig, draft_cfg: GPTConfig, num_heads: int, tok, files,
                 eagle: EagleHead | None = None) -> dict:
    config = {
        "model_type": "space-toy-gpt",
        "format_version": 1,
        "id": model_id,
        "vocab_size": tok.vocab_size,
        "n_positions": base_cfg.n_positions,
        "bos_token_id": tok.eot_id,
        "eos_token_id": tok.eot_id,
        "onnx_opset": OPSET,
        "model": _lm_entry(base_cfg, files["model"], sum(p.numel() for p in GPT(base_cfg).parameters())),
        "heads": {
            "file": files["heads"],
            "num_heads": num_heads,
            "n_embd": base_cfg.n_embd,
            "offsets": [k + 1 for k in range(1, num_heads + 1)],
            "inputs": ["hidden_states"],
            "outputs": ["draft_logits"],
        },
        "draft_model": _lm_entry(draft_cfg, files["draft_model"],
                                 sum(p.numel() for p in GPT(draft_cfg).parameters())),
    }
    if eagle is not None:
        ins, outs = eagle_io_names()
        # logits at position t are for token t+2: the head reads f_t and token t+1
        config["eagle"] = {**_lm_entry(eagle.cfg, files["eagle"], eagle.num_params()), "n_layer": 1,
                           "inputs": ins, "outputs": outs, "features_from": "model.hidden_states",
                           "token_offset": 2}
    return config
