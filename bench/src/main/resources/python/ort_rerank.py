"""What a Python user would write to score query-document pairs with a BERT cross-encoder (the shape of
cross-encoder/ms-marco-MiniLM-L-6-v2) on ONNX Runtime: the Rust `tokenizers` library's pair encoding (truncated
longest-first at 512 tokens), pairs sorted by length in batches of 32, the encoder's ONNX graph, then the
sequence-classification head ([CLS] -> pooler dense + tanh -> classifier -> sigmoid, as sentence-transformers'
CrossEncoder reports one-label models) in numpy. The peer of the in-process reranker in `bench --suite rerank`.

usage: ort_rerank.py ENCODER.onnx TOKENIZER.json CHECKPOINT.safetensors PAIRS.jsonl SCORES.jsonl [THREADS]
Prints {"pairs": n, "seconds": s}: the time to tokenize and score every pair (model loading excluded).
"""
import json
import struct
import sys
import time

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

BATCH = 32
MAX_TOKENS = 512


def head(path):
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    out = {}
    for name in ("bert.pooler.dense.weight", "bert.pooler.dense.bias", "classifier.weight", "classifier.bias"):
        a, b = header[name]["data_offsets"]
        out[name] = np.frombuffer(raw[8 + n + a:8 + n + b], dtype="<f4").reshape(header[name]["shape"])
    return out


def main(model_path, tokenizer_path, checkpoint_path, pairs_path, output_path, threads):
    tokenizer = Tokenizer.from_file(tokenizer_path)
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    tokenizer.no_padding()
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(model_path, options, providers=["CPUExecutionProvider"])
    w = head(checkpoint_path)
    with open(pairs_path, encoding="utf-8") as f:
        pairs = [json.loads(line) for line in f if line.strip()]

    start = time.perf_counter()
    encodings = tokenizer.encode_batch([(p["query"], p["document"]) for p in pairs])
    order = sorted(range(len(pairs)), key=lambda i: -len(encodings[i].ids))
    scores = [0.0] * len(pairs)
    for s in range(0, len(order), BATCH):
        batch = order[s:s + BATCH]
        width = max(len(encodings[i].ids) for i in batch)
        ids = np.zeros((len(batch), width), dtype=np.int64)
        types = np.zeros((len(batch), width), dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.int64)
        for row, i in enumerate(batch):
            e = encodings[i]
            ids[row, :len(e.ids)] = e.ids
            types[row, :len(e.ids)] = e.type_ids
            mask[row, :len(e.ids)] = 1
        hidden = session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})[0]
        pooled = np.tanh(hidden[:, 0, :] @ w["bert.pooler.dense.weight"].T + w["bert.pooler.dense.bias"])
        logits = pooled @ w["classifier.weight"].T + w["classifier.bias"]
        for row, i in enumerate(batch):
            scores[i] = float(1 / (1 + np.exp(-logits[row, 0])))
    seconds = time.perf_counter() - start

    with open(output_path, "w", encoding="utf-8") as out:
        for s, e in zip(scores, encodings):
            out.write(json.dumps({"score": s, "tokens": len(e.ids)}) + "\n")
    print(json.dumps({"pairs": len(pairs), "seconds": seconds}))


if __name__ == "__main__":
    main(*sys.argv[1:6], int(sys.argv[6]) if len(sys.argv) > 6 else 2)
