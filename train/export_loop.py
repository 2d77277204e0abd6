"""Drafting in one run: rewrites a single-step drafter graph (onnx/eagle.onnx or
onnx/draft_model.onnx, as export.py writes them) into one that runs K draft steps in one
session.run, so that K drafts pay onnxruntime's per-run cost (feeds copied into wasm,
outputs copied out, run setup) once instead of K times.

  step 1   the single-step graph's nodes on the caller's inputs (T tokens, any bias): the
           catch-up forward over the tokens the drafter has not seen, ending at the root
  step j   (j = 2 .. K) an ONNX Loop over the same nodes, one token at a time, fed the
           token step j-1 drew (and, for EAGLE, its own hidden_states as the feature),
           at the next position, attending to every cached key

Two rewrites of the exported nodes keep a step's cost from growing with the context: every
step reads the input cache in place (_split_attention: no Concat, Transpose or loop-carried
copy of it; the loop carries only the rows this run adds), and EAGLE gathers its input
embeddings as rows (_row_gather). The outputs are those of the single steps (1e-5).

Each step draws its token from the last row of its logits:
  q = softmax(logits / T) (T = 1 when greedy)                        [V]
  token = argmax(logits)                       if temperature == 0
        = first i with cumsum(q)[i] > u * sum(q)  otherwise (decoding/sampling.ts sampleFrom)
with u = uniforms[j-1] drawn by the caller from its seeded Rng, so a run is reproducible.
top-k, top-p and the logits processors (repetition_penalty, no_repeat_ngram_size) are NOT in
the graph (they need a sort or the prefix): under them the drafter runs single steps.

Inputs: the single-step graph's, plus uniforms [K] float32 (K, the number of draft tokens,
is its length) and temperature [] float32. Outputs: draft_tokens [K] int64, draft_q [K, V]
float32 (the distribution each token was drawn from) and new.{i}.key|value
[1, H, T+K-1, Dh] (the rows this run added: the T inputs and drafts 1 .. K-1; draft K is not
fed). No present.*: the graph runs on the CPU (wasm), where the caller keeps the cache.

Constants and initializers stay in the outer graph, which the loop body reads by name, so
the weights are stored once. With --unroll K the steps are copied K-1 times instead of
looped (K fixed by the graph), to measure the two forms against each other.

  python3 train/export_loop.py public/models/toy          # writes onnx/*_loop.onnx, config.json
  python3 train/export_loop.py DIR --unroll 4 --out X.onnx --kind eagle
"""
from __future__ import annotations

import argparse
import json
import os

import onnx
from onnx import TensorProto, helper

# which graphs get a loop twin, and the config.json entry each one gets
LOOPS = {"eagle": "onnx/eagle_loop.onnx", "draft_model": "onnx/draft_model_loop.onnx"}


def _const_nodes(g: onnx.GraphProto) -> set[str]:
    """Names of values that depend on no graph input: initializers and what Constant-only
    chains compute. These stay in the outer graph."""
    known = {i.name for i in g.initializer}
    consts = set()
    for n in g.node:  # topological order, as exported
        if all(i in known or i == "" for i in n.input) and n.op_type != "Shape":
            known.update(n.output)
            consts.add(n.name or n.output[0])
    return consts


def _small_constant(n: onnx.NodeProto) -> bool:
    """A Constant of a few values (a shape, an axis, a scale), not a weight."""
    if n.op_type != "Constant":
        return False
    t = next((a.t for a in n.attribute if a.name == "value"), None)
    return t is not None and len(t.dims) <= 1 and (not t.dims or t.dims[0] <= 8)


def _step_nodes(g, consts, prefix: str, feeds: dict[str, str], drop: set[str], own_constants: bool = False):
    """The graph's non-constant nodes with every value they make renamed prefix + name and the
    graph inputs replaced by feeds; nodes making only `drop` outputs are left out. Returns the
    nodes and the renaming of the graph's outputs. own_constants: copy the small Constants in
    too (a loop body: each outer value it reads is an implicit input the Loop passes per run)."""
    rename = dict(feeds)
    nodes = []
    for n in g.node:
        if own_constants and _small_constant(n):
            pass
        elif (n.name or n.output[0]) in consts or all(o in drop for o in n.output):
            continue
        for o in n.output:
            rename[o] = prefix + o
        m = onnx.NodeProto()
        m.CopyFrom(n)
        m.name = prefix + (n.name or n.output[0])
        m.ClearField("input")
        m.input.extend([rename.get(i, i) for i in n.input])
        m.ClearField("output")
        m.output.extend([rename[o] for o in n.output])
        nodes.append(m)
    return nodes, rename


def _ints(name: str, values) -> onnx.NodeProto:
    return helper.make_node("Constant", [], [name], value=helper.make_tensor(name, TensorProto.INT64, [len(values)], values))


def _choose(prefix: str, logits_last: str, u: str, temperature: str, V: int):
    """Nodes that draw one token from logits [1, 1, V] with uniform u; outputs prefix+'token'
    [1, 1] int64 and prefix+'q' [1, 1, V] (see the module docstring). The draw is an If on
    temperature > 0, so a greedy run does not pay for the CDF."""
    p = prefix
    tok = lambda name: helper.make_tensor_value_info(name, TensorProto.INT64, [1, 1])  # noqa: E731
    sample = helper.make_graph([
        helper.make_node("CumSum", [p + "q", "loop/axis_last"], [p + "cdf"]),  # [1, 1, V]
        helper.make_node("ReduceMax", [p + "cdf"], [p + "total"], axes=[-1], keepdims=1),  # [1, 1, 1]
        helper.make_node("Mul", [u, p + "total"], [p + "target"]),
        helper.make_node("LessOrEqual", [p + "cdf", p + "target"], [p + "below"]),
        helper.make_node("Cast", [p + "below"], [p + "below_i"], to=TensorProto.INT64),
        helper.make_node("ReduceSum", [p + "below_i", "loop/axis_last"], [p + "count"], keepdims=0),  # [1, 1]
        # u * total rounded up to the CDF's top: the last token with mass, as sampleFrom
        helper.make_node("ArgMax", [p + "cdf"], [p + "top"], axis=-1, keepdims=0),
        helper.make_node("Min", [p + "count", p + "top"], [p + "sampled"]),
    ], p + "sample", [], [tok(p + "sampled")])
    greedy = helper.make_graph([helper.make_node("ArgMax", [logits_last], [p + "greedy"], axis=-1, keepdims=0)],
                               p + "greedy", [], [tok(p + "greedy")])  # [1, 1]
    return [
        helper.make_node("Greater", [temperature, "loop/zero_f"], [p + "sampling"]),
        helper.make_node("Where", [p + "sampling", temperature, "loop/one_f"], [p + "t"]),
        helper.make_node("Div", [logits_last, p + "t"], [p + "scaled"]),
        helper.make_node("Softmax", [p + "scaled"], [p + "q"], axis=-1),  # [1, 1, V]
        helper.make_node("If", [p + "sampling"], [p + "token"], then_branch=sample, else_branch=greedy),  # [1, 1]
    ]


def _last_row_logits(g, nodes: list, rename: dict, prefix: str) -> str:
    """Points the LM-head MatMul at the last position's hidden state only ([1, 1, C]): only
    that row is drawn from, and the head is the widest MatMul. Returns the logits name."""
    logits = rename["logits"]
    mm = next(n for n in nodes if logits in n.output)
    if mm.op_type != "MatMul":
        raise SystemExit(f"logits are made by {mm.op_type}, expected the LM head's MatMul")
    nodes.insert(nodes.index(mm), helper.make_node("Slice", [mm.input[0], "loop/minus_one", "loop/int_max", "loop/axis_seq"],
                                                   [prefix + "hidden_last"]))
    mm.input[0] = prefix + "hidden_last"
    return logits


def _split_attention(nodes: list, pres: list[str], rows: list[str], fixed: list[str], P: str) -> None:
    """Rewrites a step's attention to read the run's input cache in place and to concatenate
    only the rows this run adds (`rows`: the step's own keys/values, or those with every
    earlier step's): scores against the cache's keys, transposed once per run (`fixed`:
    [1, H, Dh, P] for a key, the values [1, H, P, Dh] as they are), are concatenated in front
    of the scores against the rows (softmax still normalises over both), and the weights are
    split at P to read the cache's values and the rows apart. As exported, every step copied
    and transposed the whole cache (Concat, Transpose and onnxruntime's layout transposes).
    pres: the step's present.{i}.key|value names (the Concat(past, new) outputs)."""
    users = lambda name: [n for n in nodes if name in n.input]  # noqa: E731
    for pr, rw, fx in zip(pres, rows, fixed):
        if pr.endswith(".key"):
            (tr,) = users(pr)
            (mm,) = users(tr.output[0])
            if tr.op_type != "Transpose" or mm.op_type != "MatMul" or mm.input[1] != tr.output[0]:
                raise SystemExit(f"{pr}: expected Transpose -> MatMul(q, k^T), found {tr.op_type} -> {mm.op_type}")
            tr.input[0] = rw
            q, scores = mm.input[0], mm.output[0]
            mm.output[0] = scores + "/rows"  # [1, H, T, R]
            at = nodes.index(mm) + 1
            nodes[at:at] = [
                helper.make_node("MatMul", [q, fx], [scores + "/fixed"]),  # [1, H, T, P]
                helper.make_node("Concat", [scores + "/fixed", scores + "/rows"], [scores], axis=-1),  # [1, H, T, P+R]
            ]
        else:
            (mm,) = users(pr)
            if mm.op_type != "MatMul" or mm.input[1] != pr:
                raise SystemExit(f"{pr}: expected MatMul(weights, v), found {mm.op_type}")
            weights, y = mm.input[0], mm.output[0]
            mm.input[0], mm.input[1], mm.output[0] = weights + "/rows", rw, y + "/rows"
            at = nodes.index(mm)
            nodes[at:at] = [
                helper.make_node("Slice", [weights, "loop/zero_i", P, "loop/axis_last"], [weights + "/fixed"]),  # [1, H, T, P]
                helper.make_node("Slice", [weights, P, "loop/int_max", "loop/axis_last"], [weights + "/rows"]),  # [1, H, T, R]
                helper.make_node("MatMul", [weights + "/fixed", fx], [y + "/fixed"]),  # [1, H, T, Dh]
            ]
            nodes.insert(nodes.index(mm) + 1, helper.make_node("Add", [y + "/fixed", y + "/rows"], [y]))
    for pr in pres:  # a Concat(past, new) nothing reads any more
        if not users(pr):
            nodes.remove(next(n for n in nodes if pr in n.output))


def _row_gather(nodes: list, consts: set[str], main: list) -> None:
    """EAGLE reads its input embeddings as columns of the transposed LM head ([C, V], axis-1
    Gather, then a Transpose): a strided gather that costs as much as a MatMul. Gathers rows of
    its transpose instead, a Transpose of a constant that onnxruntime folds once at load."""
    users = lambda name: [n for n in nodes if name in n.input]  # noqa: E731
    for gat in [n for n in nodes if n.op_type == "Gather"]:
        axis = next((a.i for a in gat.attribute if a.name == "axis"), 0)
        if axis != 1 or gat.input[0] not in consts:
            continue
        (tr,) = users(gat.output[0])
        if tr.op_type != "Transpose" or list(tr.attribute[0].ints) != [1, 0]:
            continue
        table = gat.input[0] + "/rows"
        if not any(table in n.output for n in main):
            main.append(helper.make_node("Transpose", [gat.input[0]], [table], perm=[1, 0]))  # [V, C]
        nodes[nodes.index(gat)] = helper.make_node("Gather", [table, gat.input[1]], [tr.output[0]], axis=0)  # [T, C]
        nodes.remove(tr)


def build(src: str, kind: str, unroll: int = 0) -> onnx.ModelProto:
    m = onnx.load(src)
    g = m.graph
    eagle = kind == "eagle"
    V = g.output[0].type.tensor_type.shape.dim[2].dim_value
    past_names = [i.name for i in g.input if i.name.startswith("past_key_values.")]
    present = ["present." + n[len("past_key_values."):] for n in past_names]
    new = ["new." + n[len("past_key_values."):] for n in past_names]
    consts = _const_nodes(g)
    const_nodes = [n for n in g.node if (n.name or n.output[0]) in consts]
    helpers = [
        helper.make_node("Constant", [], ["loop/zero_f"], value=helper.make_tensor("z", TensorProto.FLOAT, [], [0.0])),
        helper.make_node("Constant", [], ["loop/one_f"], value=helper.make_tensor("o", TensorProto.FLOAT, [], [1.0])),
        # a zero bias [1, 1, 1, 1] broadcasts over every cached key: a draft step sees them all
        helper.make_node("Constant", [], ["loop/open_bias"], value=helper.make_tensor("b", TensorProto.FLOAT, [1, 1, 1, 1], [0.0])),
        _ints("loop/axis_last", [-1]), _ints("loop/axis_seq", [1]), _ints("loop/minus_one", [-1]),
        _ints("loop/int_max", [2**62]), _ints("loop/one_i", [1]),
        _ints("loop/shape_1", [1]), _ints("loop/shape_1v", [1, V]), _ints("loop/axis_kv", [2]), _ints("loop/two_i", [2]),
        _ints("loop/zero_i", [0]),
    ]
    # step 1: the caller's inputs through the graph as it is
    step1, r1 = _step_nodes(g, consts, "s1/", {}, drop=set(new))
    logits1 = _last_row_logits(g, step1, r1, "s1/")
    const_out = {o for n in const_nodes for o in n.output} | {i.name for i in g.initializer}
    main = const_nodes + helpers
    main += [helper.make_node("Shape", [past_names[0]], ["loop/past_shape"]),
             helper.make_node("Gather", ["loop/past_shape", "loop/two_i"], ["loop/P"])]  # [1] the input cache's P
    # the run's T new rows: the second input of step 1's Concat(past, new); the loop adds its own after
    rows1 = [next(n for n in step1 if r1[p] in n.output).input[1] for p in present]  # [1, H, T, Dh]
    fixed = [n + "/t" if n.endswith(".key") else n for n in past_names]
    main += [helper.make_node("Transpose", [n], [n + "/t"], perm=[0, 1, 3, 2]) for n in past_names if n.endswith(".key")]
    _split_attention(step1, [r1[p] for p in present], rows1, fixed, "loop/P")
    _row_gather(step1, const_out, main)
    main += step1
    main += [
        helper.make_node("Gather", ["uniforms", "loop/zero_i"], ["s1/u"]),  # [1]
        *_choose("s1/", logits1, "s1/u", "temperature", V),
        # the next draft's position: one past the last input position
        helper.make_node("Slice", ["position_ids", "loop/minus_one", "loop/int_max", "loop/axis_seq"], ["s1/pos_last"]),
        helper.make_node("Add", ["s1/pos_last", "loop/one_i"], ["loop/pos0"]),  # [1, 1]
        helper.make_node("Shape", ["uniforms"], ["loop/K"]),
        helper.make_node("Sub", ["loop/K", "loop/one_i"], ["loop/steps_1"]),
        helper.make_node("Squeeze", ["loop/steps_1"], ["loop/steps"]),  # [] trip count K - 1
    ]

    def one_step(prefix: str, ins: dict[str, str], u: str, own_constants: bool = False):
        """Nodes of one single-token step; returns nodes, and names of (hidden, token [1, 1],
        q [1, 1, V], present...)."""
        feeds = {"input_ids": ins["token"], "position_ids": ins["pos"], "attention_bias": "loop/open_bias"}
        if eagle:
            feeds["features"] = ins["features"]
        for n in past_names:
            feeds[n] = ins[n]
        nodes, r = _step_nodes(g, consts, prefix, feeds, drop=set(new), own_constants=own_constants)
        logits = r["logits"]
        nodes += _choose(prefix, logits, u, "temperature", V)
        return nodes, r["hidden_states"], prefix + "token", prefix + "q", [r[p] for p in present]

    tokens = [("s1/token", "s1/q")]
    if unroll:
        cur = {"features": r1["hidden_states"] + "_last", "token": "s1/token", "pos": "loop/pos0", **dict(zip(past_names, rows1))}
        main.append(helper.make_node("Slice", [r1["hidden_states"], "loop/minus_one", "loop/int_max", "loop/axis_seq"],
                                     [r1["hidden_states"] + "_last"]))
        for j in range(2, unroll + 1):
            p = f"s{j}/"
            main.append(_ints(p + "j", [j - 1]))
            main.append(helper.make_node("Gather", ["uniforms", p + "j"], [p + "u"]))
            if j > 2:
                main.append(helper.make_node("Add", [cur["pos"], "loop/one_i"], [p + "pos"]))
                cur["pos"] = p + "pos"
            nodes, hid, tok, q, pres = one_step(p, cur, p + "u")
            _split_attention(nodes, pres, pres, fixed, "loop/P")
            _row_gather(nodes, const_out, main)
            main += nodes
            tokens.append((tok, q))
            cur = {"features": hid, "token": tok, "pos": cur["pos"], **dict(zip(past_names, pres))}
        main += [helper.make_node("Reshape", [t, "loop/shape_1"], [t + "_k"]) for t, _ in tokens]
        main += [helper.make_node("Reshape", [q, "loop/shape_1v"], [q + "_k"]) for _, q in tokens]
        main.append(helper.make_node("Concat", [t + "_k" for t, _ in tokens], ["draft_tokens"], axis=0))
        main.append(helper.make_node("Concat", [q + "_k" for _, q in tokens], ["draft_q"], axis=0))
        draft_kv = [cur[n] for n in past_names]
    else:
        b = "loop/body/"
        ins = {"features": b + "features", "token": b + "token", "pos": b + "pos", **{n: b + n for n in past_names}}
        body_nodes = [
            helper.make_node("Add", ["loop/pos0", b + "i"], [b + "pos"]),  # [1, 1]
            helper.make_node("Add", [b + "i", "loop/one_i"], [b + "j"]),
            helper.make_node("Gather", ["uniforms", b + "j"], [b + "u"]),
        ]
        nodes, hid, tok, q, pres = one_step(b + "step/", ins, b + "u", own_constants=True)
        _split_attention(nodes, pres, pres, fixed, "loop/P")
        _row_gather(nodes, const_out, main)
        body_nodes += nodes
        body_nodes += [
            helper.make_node("Identity", [b + "cond"], [b + "cond_out"]),
            helper.make_node("Identity", [hid], [b + "features_out"]),
            helper.make_node("Identity", [tok], [b + "token_out"]),
            helper.make_node("Squeeze", [tok], [b + "scan_token"]),  # []
            helper.make_node("Reshape", [q, "loop/shape_1v"], [b + "q_1v"]),
            helper.make_node("Squeeze", [b + "q_1v", "loop/zero_i"], [b + "scan_q"]),  # [V]
        ]
        body_nodes += [helper.make_node("Identity", [p], [b + n + "_out"]) for p, n in zip(pres, past_names)]
        f32, i64 = TensorProto.FLOAT, TensorProto.INT64
        C = g.input[0].type.tensor_type.shape.dim[2].dim_value if eagle else 0
        kv_dims = [d.dim_value or d.dim_param for d in g.input[[i.name for i in g.input].index(past_names[0])].type.tensor_type.shape.dim]
        kv_type = lambda name: helper.make_tensor_value_info(name, f32, [kv_dims[0], kv_dims[1], None, kv_dims[3]])  # noqa: E731
        body_in = [helper.make_tensor_value_info(b + "i", i64, []), helper.make_tensor_value_info(b + "cond", TensorProto.BOOL, [])]
        body_out = [helper.make_tensor_value_info(b + "cond_out", TensorProto.BOOL, [])]
        if eagle:
            body_in.append(helper.make_tensor_value_info(b + "features", f32, [1, 1, C]))
            body_out.append(helper.make_tensor_value_info(b + "features_out", f32, [1, 1, C]))
        body_in.append(helper.make_tensor_value_info(b + "token", i64, [1, 1]))
        body_out.append(helper.make_tensor_value_info(b + "token_out", i64, [1, 1]))
        body_in += [kv_type(b + n) for n in past_names]
        body_out += [kv_type(b + n + "_out") for n in past_names]
        body_out += [helper.make_tensor_value_info(b + "scan_token", i64, []),
                     helper.make_tensor_value_info(b + "scan_q", f32, [V])]
        body = helper.make_graph(body_nodes, "draft_step", body_in, body_out)
        loop_in = ["loop/steps", "loop/true"]
        if eagle:
            main.append(helper.make_node("Slice", [r1["hidden_states"], "loop/minus_one", "loop/int_max", "loop/axis_seq"],
                                         ["s1/hidden_last_row"]))
            loop_in.append("s1/hidden_last_row")
        loop_in += ["s1/token", *rows1]
        draft_kv = [f"loop/{n}_draft_rows" for n in past_names]
        loop_out = (["loop/features_final"] if eagle else []) + ["loop/token_final", *draft_kv, "loop/tokens", "loop/q"]
        main += [
            helper.make_node("Constant", [], ["loop/true"], value=helper.make_tensor("t", TensorProto.BOOL, [], [True])),
            helper.make_node("Loop", loop_in, loop_out, body=body, name="draft_loop"),
            helper.make_node("Reshape", ["s1/token", "loop/shape_1"], ["s1/token_k"]),
            helper.make_node("Reshape", ["s1/q", "loop/shape_1v"], ["s1/q_k"]),
            helper.make_node("Concat", ["s1/token_k", "loop/tokens"], ["draft_tokens"], axis=0),  # [K]
            helper.make_node("Concat", ["s1/q_k", "loop/q"], ["draft_q"], axis=0),  # [K, V]
        ]
    # new: the rows this run added (step 1's T, then drafts 1 .. K-1). No present.*: onnxruntime
    # computes every graph output, fetched or not, and the whole cache is a copy per run
    main += [helper.make_node("Identity", [d], [n]) for d, n in zip(draft_kv, new)]
    f32, i64 = TensorProto.FLOAT, TensorProto.INT64
    inputs = list(g.input) + [helper.make_tensor_value_info("uniforms", f32, ["K"]),
                              helper.make_tensor_value_info("temperature", f32, [])]
    kv_out = lambda name, rows: helper.make_tensor_value_info(name, f32, [1, kv_dims4[1], rows, kv_dims4[3]])  # noqa: E731
    kv_dims4 = [d.dim_value for d in g.input[[i.name for i in g.input].index(past_names[0])].type.tensor_type.shape.dim]
    outputs = [helper.make_tensor_value_info("draft_tokens", i64, ["K"]), helper.make_tensor_value_info("draft_q", f32, ["K", V])]
    outputs += [kv_out(n, "T+K-1") for n in new]
    graph = helper.make_graph(main, f"{kind}_loop", inputs, outputs, initializer=list(g.initializer))
    out = helper.make_model(graph, opset_imports=list(m.opset_import), producer_name="space train/export_loop.py")
    out.ir_version = m.ir_version
    onnx.checker.check_model(out)
    return out


def loop_entry(config: dict, kind: str, file: str) -> dict:
    """config.json's entry for a loop graph: the single-step entry's shape, its own I/O."""
    step = config[kind]
    return {"file": file, "step_file": step["file"], "inputs": [*step["inputs"], "uniforms", "temperature"],
            "outputs": ["draft_tokens", "draft_q", *[o for o in step["outputs"] if o.startswith("new.")]],
            "in_graph": ["temperature", "greedy"], "not_in_graph": ["top_k", "top_p", "processors"]}


def export_loops(out_dir: str, config: dict, log=print) -> dict:
    """Writes onnx/<kind>_loop.onnx beside each single-step graph config.json names and adds
    their <kind>_loop entries to config (returned)."""
    for kind, rel in LOOPS.items():
        if kind not in config:
            continue
        onnx.save(build(os.path.join(out_dir, config[kind]["file"]), kind), os.path.join(out_dir, rel))
        config[f"{kind}_loop"] = loop_entry(config, kind, rel)
        log(f"exported {rel} ({os.path.getsize(os.path.join(out_dir, rel)) / 1e6:.2f} MB)")
    return config


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model_dir")
    ap.add_argument("--unroll", type=int, default=0, help="K: copy the steps instead of looping (measurement)")
    ap.add_argument("--kind", choices=sorted(LOOPS), help="with --unroll: which graph")
    ap.add_argument("--out", help="with --unroll: where to write it")
    a = ap.parse_args()
    path = os.path.join(a.model_dir, "config.json")
    with open(path) as f:
        cfg = json.load(f)
    if a.unroll:
        onnx.save(build(os.path.join(a.model_dir, cfg[a.kind]["file"]), a.kind, a.unroll), a.out)
    else:
        export_loops(a.model_dir, cfg)
        with open(path, "w") as f:
            json.dump(cfg, f, indent=2)
