"""Adds new.{i}.key|value outputs to an exported KV-cached LM graph: the keys/values of the
T new positions alone, [1, H, T, Dh], i.e. the last T rows of present.{i}.key|value.

A browser runtime on the CPU (onnxruntime-web, wasm) copies every fetched output out of
wasm memory into a fresh array, so fetching present (P+T rows per layer) costs a copy and
an allocation of the whole cache per step; fetching new (T rows) does not. present stays
for runtimes that keep the cache on the device. Each new output is the second input of
the Concat that makes present (the step's own keys/values), passed through an Identity.

  python3 train/kv_outputs.py public/models/toy/onnx/model.onnx   # rewrites the file
"""
from __future__ import annotations

import sys

import onnx
from onnx import TensorProto, helper


def new_name(present: str) -> str:
    """present.0.key -> new.0.key"""
    return "new." + present[len("present."):]


def add_new_kv_outputs(path: str) -> list[str]:
    """Rewrites the graph at path in place; returns the names it added (none if already there)."""
    m = onnx.load(path)
    g = m.graph
    have = {o.name for o in g.output}
    producer = {out: n for n in g.node for out in n.output}
    added = []
    for o in list(g.output):
        if not o.name.startswith("present.") or new_name(o.name) in have:
            continue
        concat = producer.get(o.name)
        if concat is None or concat.op_type != "Concat" or len(concat.input) != 2:
            raise SystemExit(f"{path}: {o.name} is not made by a two-input Concat (past, new); cannot add {new_name(o.name)}")
        dims = [d.dim_param or d.dim_value for d in o.type.tensor_type.shape.dim]
        shape = [dims[0], dims[1], "T", dims[3]] if len(dims) == 4 else None
        name = new_name(o.name)
        g.node.append(helper.make_node("Identity", [concat.input[1]], [name], name=f"{name}/identity"))
        g.output.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, shape))
        added.append(name)
    if added:
        onnx.checker.check_model(m)
        onnx.save(m, path)
    return added


if __name__ == "__main__":
    for p in sys.argv[1:]:
        print(p, "added", add_new_kv_outputs(p) or "nothing (already there)")
