#!/usr/bin/env python3
"""Tiny Qwen3-Embedding fixtures: random weights in a real checkpoint's layout, and golden vectors from a float64
reference of the Qwen3 forward pass written here with numpy alone (no torch, no transformers: independent of the
Java runtime it checks and of the libraries it is compared with).

  verify FOLDER               recompute FOLDER/golden.json from FOLDER's weights; exit 1 unless every vector matches
                              (cos >= 0.9999999): the reference agrees with the golden vectors the tests use
  generate FOLDER --like SRC  write a new fixture: SRC's config.json, tokenizer files and cases (texts and token ids,
                              tokenized once by Hugging Face's tokenizer and kept in golden.json), weights drawn from
                              --seed in SRC's dtype, shards and key layout, and golden.json computed by this reference

Same seed, same bytes: a generated fixture is reproducible from this script. The committed fixtures under
src/test/resources/fixtures came from another independent float64 implementation (see their README); `verify` shows
this one agrees with it to float64 rounding.
"""
import argparse
import json
import struct
import sys
from pathlib import Path

import numpy as np


# --- safetensors -------------------------------------------------------------------------------------------------

def read_safetensors(path):
    raw = path.read_bytes()
    n = struct.unpack('<Q', raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    out = {}
    for name, meta in header.items():
        if name == '__metadata__':
            continue
        a, b = meta['data_offsets']
        buf = data[a:b]
        if meta['dtype'] == 'F32':
            arr = np.frombuffer(buf, dtype='<f4').astype(np.float64)
        elif meta['dtype'] == 'BF16':
            bits = np.frombuffer(buf, dtype='<u2').astype(np.uint32) << 16
            arr = bits.view(np.float32).astype(np.float64)
        else:
            raise ValueError(f'{path}: dtype {meta["dtype"]} of {name} is not handled')
        out[name] = arr.reshape(meta['shape'])
    return out


def write_safetensors(path, tensors, dtype):
    """tensors: name -> float64 array, stored as dtype (F32 or BF16, rounded to nearest even)."""
    header, chunks, offset = {}, [], 0
    for name, arr in tensors.items():
        if dtype == 'F32':
            buf = arr.astype('<f4').tobytes()
        else:
            bits = arr.astype(np.float32).view(np.uint32).astype(np.uint64)
            rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
            buf = rounded.astype('<u2').tobytes()
        header[name] = {'dtype': dtype, 'shape': list(arr.shape), 'data_offsets': [offset, offset + len(buf)]}
        chunks.append(buf)
        offset += len(buf)
    head = json.dumps(header, separators=(',', ':')).encode()
    head += b' ' * (-len(head) % 8)
    path.write_bytes(struct.pack('<Q', len(head)) + head + b''.join(chunks))


def load_weights(folder):
    files = sorted(folder.glob('*.safetensors'))
    weights = {}
    for f in files:
        weights.update(read_safetensors(f))
    # either layout: model.layers.N... (causal LM) or layers.N... (bare model)
    return {k[len('model.'):] if k.startswith('model.') else k: v for k, v in weights.items()}


# --- the forward pass, float64 -----------------------------------------------------------------------------------

def rms_norm(x, weight, eps):
    return weight * x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps)


def rotate_half(x):
    half = x.shape[-1] // 2
    return np.concatenate([-x[..., half:], x[..., :half]], axis=-1)


def embed(config, w, ids):
    last = hidden_states(config, w, ids)[-1]
    return last / np.linalg.norm(last)


def hidden_states(config, w, ids):
    """The final-normed hidden state of every position, [len(ids), hidden]."""
    h_dim = config['head_dim']
    heads, kv = config['num_attention_heads'], config['num_key_value_heads']
    eps, theta = config['rms_norm_eps'], config['rope_theta']
    n = len(ids)
    h = w['embed_tokens.weight'][ids]
    inv_freq = theta ** (-np.arange(0, h_dim, 2, dtype=np.float64) / h_dim)
    freqs = np.outer(np.arange(n, dtype=np.float64), inv_freq)
    cos, sin = np.cos(np.concatenate([freqs, freqs], -1)), np.sin(np.concatenate([freqs, freqs], -1))
    mask = np.triu(np.full((n, n), -np.inf), 1)
    for i in range(config['num_hidden_layers']):
        p = f'layers.{i}.'
        x = rms_norm(h, w[p + 'input_layernorm.weight'], eps)
        q = (x @ w[p + 'self_attn.q_proj.weight'].T).reshape(n, heads, h_dim).transpose(1, 0, 2)
        k = (x @ w[p + 'self_attn.k_proj.weight'].T).reshape(n, kv, h_dim).transpose(1, 0, 2)
        v = (x @ w[p + 'self_attn.v_proj.weight'].T).reshape(n, kv, h_dim).transpose(1, 0, 2)
        q = rms_norm(q, w[p + 'self_attn.q_norm.weight'], eps)
        k = rms_norm(k, w[p + 'self_attn.k_norm.weight'], eps)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        out = np.empty((heads, n, h_dim))
        for j in range(heads):
            kj, vj = k[j // (heads // kv)], v[j // (heads // kv)]
            s = q[j] @ kj.T * h_dim ** -0.5 + mask
            s = np.exp(s - s.max(-1, keepdims=True))
            out[j] = (s / s.sum(-1, keepdims=True)) @ vj
        h = h + out.transpose(1, 0, 2).reshape(n, heads * h_dim) @ w[p + 'self_attn.o_proj.weight'].T
        x = rms_norm(h, w[p + 'post_attention_layernorm.weight'], eps)
        gate = x @ w[p + 'mlp.gate_proj.weight'].T
        h = h + ((gate / (1 + np.exp(-gate))) * (x @ w[p + 'mlp.up_proj.weight'].T)) @ w[p + 'mlp.down_proj.weight'].T
    return rms_norm(h, w['norm.weight'], eps)


def golden_cases(config, weights, cases, dims):
    out = []
    for c in cases:
        vec = embed(config, weights, c['input_ids'])
        case = {k: c[k] for k in ('text', 'kind', 'instruction', 'formatted', 'input_ids') if k in c}
        case['embedding'] = [float(x) for x in vec]
        for d in dims:
            t = vec[:d]
            case[f'embedding_{d}'] = [float(x) for x in t / np.linalg.norm(t)]
        out.append(case)
    return out


# --- commands ----------------------------------------------------------------------------------------------------

def verify(folder):
    config = json.loads((folder / 'config.json').read_text())
    golden = json.loads((folder / 'golden.json').read_text())
    weights = load_weights(folder)
    worst = 1.0
    for c in golden_cases(config, weights, golden['cases'], golden['dims']):
        expected = next(g for g in golden['cases'] if g['input_ids'] == c['input_ids'])
        for key in ['embedding'] + [f'embedding_{d}' for d in golden['dims']]:
            a, b = np.array(c[key]), np.array(expected[key])
            worst = min(worst, float(a @ b / np.linalg.norm(a) / np.linalg.norm(b)))
    print(f'{folder}: {len(golden["cases"])} cases, worst cosine to golden.json {worst:.10f}')
    return 0 if worst >= 0.9999999 else 1


def generate(folder, like, seed):
    config = json.loads((like / 'config.json').read_text())
    golden = json.loads((like / 'golden.json').read_text())
    source = {}
    for f in sorted(like.glob('*.safetensors')):
        raw = f.read_bytes()
        header = json.loads(raw[8:8 + struct.unpack('<Q', raw[:8])[0]])
        source.update({k: (f.name, v) for k, v in header.items() if k != '__metadata__'})
    rng = np.random.default_rng(seed)
    tensors = {}
    for name, (file, meta) in source.items():  # the source's names, shapes, order and shards
        shape = meta['shape']
        if name.endswith('norm.weight'):
            arr = 1.0 + 0.1 * rng.standard_normal(shape)
        else:
            arr = rng.standard_normal(shape) * (0.5 if 'embed_tokens' in name else 1.0 / np.sqrt(shape[-1]))
        tensors[name] = (file, meta['dtype'], arr)
    folder.mkdir(parents=True, exist_ok=True)
    for file in sorted({f for f, _, _ in tensors.values()}):
        part = {n: a for n, (f, _, a) in tensors.items() if f == file}
        dtype = next(d for f, d, _ in tensors.values() if f == file)
        write_safetensors(folder / file, part, dtype)
    for extra in ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'model.safetensors.index.json']:
        if (like / extra).exists():
            (folder / extra).write_bytes((like / extra).read_bytes())
    weights = load_weights(folder)  # as stored (BF16-rounded where the checkpoint is BF16)
    golden['cases'] = golden_cases(config, weights, golden['cases'], golden['dims'])
    golden['model'] = folder.name
    (folder / 'golden.json').write_text(json.dumps(golden, indent=1, ensure_ascii=False) + '\n')
    print(f'wrote {folder} (seed {seed}): {len(tensors)} tensors, {len(golden["cases"])} golden cases')
    return 0


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest='command', required=True)
    v = sub.add_parser('verify')
    v.add_argument('folder', type=Path)
    g = sub.add_parser('generate')
    g.add_argument('folder', type=Path)
    g.add_argument('--like', type=Path, required=True)
    g.add_argument('--seed', type=int, default=0)
    args = parser.parse_args(argv)
    return verify(args.folder) if args.command == 'verify' else generate(args.folder, args.like, args.seed)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
