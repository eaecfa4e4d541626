"""A lean ONNX decoder graph for Llama-family checkpoints, written straight from the weights.

What optimum's exporter gives for a Llama model is a faithful trace: about 8,000 nodes,
half of them shape arithmetic, attention spelled out op by op, the KV cache concatenated
into a new tensor every step. On a 135M-parameter model that bookkeeping costs more than
the matrix products. This builder writes the same network the way ONNX Runtime runs it
best:

- one `GroupQueryAttention` per layer (rotary inside, causal, grouped KV heads) reading
  and writing a KV buffer that is allocated once per answer and shared between past and
  present (no copy per step);
- `SimplifiedLayerNormalization` (RMSNorm), q/k/v and gate/up fused into single MatMuls;
- logits for the last position only (the runtime never needs the others);
- plain MatMuls with the weights as initialisers, so the same graph serves the fp32
  parity tests and `quantize_int4` (MatMulNBits) afterwards;
- fp32 for CPUs, or fp16 weights, activations and KV cache for GPUs (`dtype="float16"`:
  ONNX Runtime's CUDA GroupQueryAttention exists for fp16 and bf16 only, so an fp32 graph
  would run its attention on the CPU). Logits are always returned as fp32.

Inputs: input_ids (batch, seq) int64, attention_mask (batch, total) int64,
past_key_values.{i}.key/value (batch, kv_heads, capacity, head_dim) float32 (float16 for
an fp16 graph).
Outputs: logits (batch, 1, vocab), present.{i}.key/value (the same buffers).

Supported: llama, mistral, qwen2, phi3, gemma (default, linear and llama3 RoPE scaling,
full rotary). Only numpy and onnx are needed: weights are read from safetensors here,
bf16 and fp16 converted to fp32.
"""

from __future__ import annotations

import json
import math
import struct
from pathlib import Path

import numpy as np

from engine.errors import EnclaveError

LAYOUT = "gqa-shared-kv"
SUPPORTED = ("llama", "mistral", "qwen2", "phi3", "gemma")
OPSET = 17
_DTYPES = {"F32": np.float32, "F16": np.float16, "BF16": np.uint16, "F64": np.float64}
FLOAT_TYPES = ("float32", "float16")


# --------------------------------------------------------------------------- weights

def read_safetensors(folder: Path) -> dict[str, np.ndarray]:
    """Every tensor of the checkpoint's *.safetensors files as float32 numpy arrays."""
    files = sorted(Path(folder).glob("*.safetensors"))
    if not files:
        raise EnclaveError(f"{folder}: no .safetensors weights (pickled .bin checkpoints are refused)")
    tensors: dict[str, np.ndarray] = {}
    for path in files:
        with open(path, "rb") as fh:
            (size,) = struct.unpack("<Q", fh.read(8))
            header = json.loads(fh.read(size))
        data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + size)
        for name, info in header.items():
            if name == "__metadata__":
                continue
            dtype = _DTYPES.get(info["dtype"])
            if dtype is None:
                raise EnclaveError(f"{path.name}: tensor {name} has unsupported dtype {info['dtype']}")
            start, end = info["data_offsets"]
            raw = np.frombuffer(data[start:end], dtype=dtype).reshape(info["shape"])
            if info["dtype"] == "BF16":
                raw = (raw.astype(np.uint32) << 16).view(np.float32)
            tensors[name] = np.ascontiguousarray(raw, dtype=np.float32)
    return tensors


# --------------------------------------------------------------------------- rotary

def rope_tables(config: dict, head_dim: int, length: int) -> tuple[np.ndarray, np.ndarray]:
    """cos/sin caches (length, head_dim/2) as transformers computes them."""
    base = float(config.get("rope_theta", 10000.0))
    inv_freq = 1.0 / (base ** (np.arange(0, head_dim, 2, dtype=np.int64).astype(np.float32) / head_dim))
    scaling = config.get("rope_scaling") or {}
    kind = scaling.get("rope_type", scaling.get("type", "default"))
    if kind == "linear":
        inv_freq = inv_freq / float(scaling["factor"])
    elif kind == "llama3":
        factor = float(scaling["factor"])
        low, high = float(scaling["low_freq_factor"]), float(scaling["high_freq_factor"])
        old = float(scaling["original_max_position_embeddings"])
        wavelen = 2 * math.pi / inv_freq
        scaled = np.where(wavelen > old / low, inv_freq / factor, inv_freq)
        smooth = (old / wavelen - low) / (high - low)
        smoothed = (1 - smooth) * scaled / factor + smooth * scaled
        medium = (wavelen >= old / high) & (wavelen <= old / low)
        inv_freq = np.where(medium, smoothed, scaled).astype(np.float32)
    elif kind != "default":
        raise EnclaveError(f"RoPE scaling {kind!r} is not supported (default, linear, llama3 are)")
    positions = np.arange(length, dtype=np.int64).astype(np.float32)
    freqs = np.outer(positions, inv_freq.astype(np.float32))
    return np.cos(freqs).astype(np.float32), np.sin(freqs).astype(np.float32)


# --------------------------------------------------------------------------- graph

class _Graph:
    def __init__(self, float_type=np.float32):
        from onnx import helper

        self.helper = helper
        self.float_type = float_type
        self.nodes = []
        self.inits = []
        self._n = 0

    def name(self, hint: str) -> str:
        self._n += 1
        return f"{hint}_{self._n}"

    def init(self, name: str, array: np.ndarray) -> str:
        from onnx import numpy_helper

        if array.dtype.kind == "f":
            array = array.astype(self.float_type)
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def op(self, op_type: str, inputs: list[str], hint: str, outputs: int | list[str] = 1,
           domain: str = "", **attrs) -> list[str]:
        outs = outputs if isinstance(outputs, list) else [self.name(f"{hint}/out{i}") for i in range(outputs)]
        self.nodes.append(self.helper.make_node(op_type, inputs, outs, name=self.name(hint),
                                                domain=domain, **attrs))
        return outs

    def one(self, op_type: str, inputs: list[str], hint: str, **attrs) -> str:
        return self.op(op_type, inputs, hint, 1, **attrs)[0]


def _arch(config: dict) -> str:
    arch = config.get("model_type", "")
    if arch not in SUPPORTED:
        raise EnclaveError(f"architecture {arch or 'unknown'!r} is not supported for the lean graph "
                           f"(supported: {', '.join(SUPPORTED)})")
    return arch


def dims(config: dict) -> dict:
    hidden = int(config["hidden_size"])
    heads = int(config["num_attention_heads"])
    head_dim = int(config.get("head_dim") or hidden // heads)
    if float(config.get("partial_rotary_factor", 1.0)) != 1.0:
        raise EnclaveError("partial rotary embeddings are not supported by the lean graph")
    return {"hidden": hidden, "heads": heads, "head_dim": head_dim,
            "kv_heads": int(config.get("num_key_value_heads") or heads),
            "layers": int(config["num_hidden_layers"]), "vocab": int(config["vocab_size"]),
            "context": int(config.get("max_position_embeddings", 2048)),
            "eps": float(config.get("rms_norm_eps", 1e-6))}


def build_decoder(checkpoint: Path, out_path: Path, dtype: str = "float32") -> dict:
    """Write the lean graph (`dtype` float32 or float16) of `checkpoint` to `out_path`.

    Returns the manifest facts the runtime needs (layout, layers, heads, context window).
    """
    import onnx
    from onnx import TensorProto, helper

    if dtype not in FLOAT_TYPES:
        raise EnclaveError(f"graph type {dtype!r} is not supported ({', '.join(FLOAT_TYPES)})")
    config = json.loads((Path(checkpoint) / "config.json").read_text(encoding="utf-8"))
    arch = _arch(config)
    d = dims(config)
    w = read_safetensors(Path(checkpoint))
    prefix = "model."

    def weight(name: str) -> np.ndarray:
        if name not in w:
            raise EnclaveError(f"{checkpoint}: weight {name} missing from the checkpoint")
        return w[name]

    def norm_weight(name: str) -> np.ndarray:
        value = weight(name)
        return value + 1.0 if arch == "gemma" else value  # Gemma's RMSNorm scales by (1 + w)

    g = _Graph(np.dtype(dtype).type)
    kv_type = TensorProto.FLOAT16 if dtype == "float16" else TensorProto.FLOAT
    B, S, T = "batch", "sequence", "total"
    inputs = [helper.make_tensor_value_info("input_ids", TensorProto.INT64, [B, S]),
              helper.make_tensor_value_info("attention_mask", TensorProto.INT64, [B, T])]
    outputs = [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [B, 1, d["vocab"]])]

    embed = weight(prefix + "embed_tokens.weight")
    g.init("embed_tokens", embed)
    x = g.one("Gather", ["embed_tokens", "input_ids"], "embed")
    if arch == "gemma":
        g.init("embed_scale", np.array(math.sqrt(d["hidden"]), dtype=np.float32))
        x = g.one("Mul", [x, "embed_scale"], "embed_scale")

    # GroupQueryAttention's bookkeeping: seqlens_k = tokens so far - 1, total length.
    g.init("one_i64", np.array([1], dtype=np.int64))
    summed = g.one("ReduceSum", ["attention_mask", "one_i64"], "mask_sum", keepdims=0)
    last = g.one("Sub", [summed, "one_i64"], "seqlens")
    seqlens_k = g.one("Cast", [last], "seqlens_i32", to=TensorProto.INT32)
    shape = g.one("Shape", ["attention_mask"], "mask_shape")
    g.init("idx1", np.array(1, dtype=np.int64))
    total = g.one("Gather", [shape, "idx1"], "total_len")
    total_i32 = g.one("Cast", [total], "total_i32", to=TensorProto.INT32)

    cos, sin = rope_tables(config, d["head_dim"], d["context"])
    g.init("cos_cache", cos)
    g.init("sin_cache", sin)

    def linear(x_in: str, weights: list[str], hint: str, biases: list[str] | None = None) -> str:
        mats = [weight(n) for n in weights]
        fused = np.concatenate(mats, axis=0).T  # (in, out)
        out = g.one("MatMul", [x_in, g.init(f"{hint}.weight", fused)], hint)
        if biases:
            bias = np.concatenate([weight(b) for b in biases])
            out = g.one("Add", [out, g.init(f"{hint}.bias", bias)], hint + "_bias")
        return out

    def rmsnorm(x_in: str, name: str, hint: str) -> str:
        return g.one("SimplifiedLayerNormalization", [x_in, g.init(hint + ".weight", norm_weight(name))],
                     hint, axis=-1, epsilon=d["eps"], stash_type=1)

    kv_dim = d["kv_heads"] * d["head_dim"]
    q_dim = d["heads"] * d["head_dim"]
    g.init("split_qkv", np.array([q_dim, kv_dim, kv_dim], dtype=np.int64))
    g.init("split_mlp", np.array([int(config["intermediate_size"])] * 2, dtype=np.int64))
    for i in range(d["layers"]):
        p = f"{prefix}layers.{i}."
        h = rmsnorm(x, p + "input_layernorm.weight", f"layers.{i}.input_norm")
        attn = p + "self_attn."
        if arch == "phi3":
            qkv = linear(h, [attn + "qkv_proj.weight"], f"layers.{i}.qkv")
        else:
            bias = ([attn + f"{n}_proj.bias" for n in "qkv"]
                    if attn + "q_proj.bias" in w else None)
            qkv = linear(h, [attn + f"{n}_proj.weight" for n in "qkv"], f"layers.{i}.qkv", bias)
        q, k, v = g.op("Split", [qkv, "split_qkv"], f"layers.{i}.split_qkv", 3, axis=-1)
        past_k, past_v = f"past_key_values.{i}.key", f"past_key_values.{i}.value"
        present_k, present_v = f"present.{i}.key", f"present.{i}.value"
        for name in (past_k, past_v):
            inputs.append(helper.make_tensor_value_info(name, kv_type,
                                                        [B, d["kv_heads"], "capacity", d["head_dim"]]))
        for name in (present_k, present_v):
            outputs.append(helper.make_tensor_value_info(name, kv_type,
                                                         [B, d["kv_heads"], "capacity", d["head_dim"]]))
        attended = g.op("GroupQueryAttention",
                        [q, k, v, past_k, past_v, seqlens_k, total_i32, "cos_cache", "sin_cache"],
                        f"layers.{i}.gqa", [g.name(f"layers.{i}.attn"), present_k, present_v],
                        domain="com.microsoft", num_heads=d["heads"], kv_num_heads=d["kv_heads"],
                        do_rotary=1, rotary_interleaved=0,
                        scale=float(config.get("query_pre_attn_scalar", d["head_dim"])) ** -0.5)[0]
        o_bias = [attn + "o_proj.bias"] if attn + "o_proj.bias" in w else None
        x = g.one("Add", [x, linear(attended, [attn + "o_proj.weight"], f"layers.{i}.o", o_bias)],
                  f"layers.{i}.residual1")
        h = rmsnorm(x, p + "post_attention_layernorm.weight", f"layers.{i}.post_norm")
        mlp = p + "mlp."
        if arch == "phi3":
            gate_up = linear(h, [mlp + "gate_up_proj.weight"], f"layers.{i}.gate_up")
        else:
            gate_up = linear(h, [mlp + "gate_proj.weight", mlp + "up_proj.weight"], f"layers.{i}.gate_up")
        gate, up = g.op("Split", [gate_up, "split_mlp"], f"layers.{i}.split_mlp", 2, axis=-1)
        act = config.get("hidden_act") or config.get("hidden_activation") or "silu"
        if arch == "gemma" or act.startswith("gelu"):
            activated = g.one("Gelu", [gate], f"layers.{i}.gelu", domain="com.microsoft") \
                if act == "gelu" else g.one("FastGelu", [gate], f"layers.{i}.gelu_tanh", domain="com.microsoft")
        elif act == "silu":
            activated = g.one("Mul", [gate, g.one("Sigmoid", [gate], f"layers.{i}.sigmoid")], f"layers.{i}.silu")
        else:
            raise EnclaveError(f"activation {act!r} is not supported by the lean graph")
        down = linear(g.one("Mul", [activated, up], f"layers.{i}.gated"), [mlp + "down_proj.weight"],
                      f"layers.{i}.down")
        x = g.one("Add", [x, down], f"layers.{i}.residual2")

    # Only the last position's logits are ever read: slice before the final norm.
    g.init("last_start", np.array([-1], dtype=np.int64))
    g.init("last_end", np.array([np.iinfo(np.int64).max], dtype=np.int64))
    x = g.one("Slice", [x, "last_start", "last_end", "one_i64"], "last_token")
    x = rmsnorm(x, prefix + "norm.weight", "final_norm")
    tied = config.get("tie_word_embeddings", True) or "lm_head.weight" not in w
    head = embed if tied else w["lm_head.weight"]
    g.init("lm_head.weight", np.ascontiguousarray(head.T))
    logits = g.one("MatMul", [x, "lm_head.weight"], "lm_head")
    softcap = config.get("final_logit_softcapping")
    if softcap:
        raise EnclaveError("final logit soft-capping is not supported by the lean graph")
    if dtype == "float32":
        g.nodes.append(helper.make_node("Identity", [logits], ["logits"], name="logits_out"))
    else:
        g.nodes.append(helper.make_node("Cast", [logits], ["logits"], name="logits_out",
                                        to=TensorProto.FLOAT))

    graph = helper.make_graph(g.nodes, "enclave-decoder", inputs, outputs, g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET),
                                                    helper.make_opsetid("com.microsoft", 1)],
                              producer_name="enclave")
    model.ir_version = 8
    if sum(t.ByteSize() for t in g.inits) < 2**31 - 2**26:
        onnx.save_model(model, str(out_path))
    else:  # protobuf's 2 GB limit: weights beside the graph
        onnx.save_model(model, str(out_path), save_as_external_data=True,
                        all_tensors_to_one_file=True, location=Path(out_path).name + ".data")
    return {"layout": LAYOUT, "architecture": arch, "float_type": dtype, "num_layers": d["layers"],
            "num_kv_heads": d["kv_heads"], "head_dim": d["head_dim"], "context_window": d["context"]}
