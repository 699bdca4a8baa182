"""What a Python user would write to embed JSON Lines with all-MiniLM-L6-v2: ONNX Runtime on the model's ONNX file and
the Rust `tokenizers` library, with sentence-transformers' recipe (sort by length, batches of 32, dynamic padding,
truncation at 256 tokens, mean pooling, L2 normalisation). The peer of `flink-embed embed` in `bench --suite commands`.

usage: ort_recipe.py MODEL.onnx TOKENIZER.json INPUT.jsonl OUTPUT.jsonl [THREADS]
"""
import json
import sys

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

BATCH = 32
MAX_TOKENS = 256


def main(model_path, tokenizer_path, input_path, output_path, threads):
    tokenizer = Tokenizer.from_file(tokenizer_path)
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    tokenizer.no_padding()
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(model_path, options, providers=["CPUExecutionProvider"])
    wanted = {i.name for i in session.get_inputs()}

    with open(input_path, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    encodings = tokenizer.encode_batch([r["text"] for r in rows])
    order = sorted(range(len(rows)), key=lambda i: -len(encodings[i].ids))
    vectors = [None] * len(rows)
    for start in range(0, len(order), BATCH):
        batch = order[start:start + BATCH]
        width = max(len(encodings[i].ids) for i in batch)
        ids = np.zeros((len(batch), width), dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.int64)
        for row, i in enumerate(batch):
            n = len(encodings[i].ids)
            ids[row, :n] = encodings[i].ids
            mask[row, :n] = 1
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = session.run(None, {k: v for k, v in feeds.items() if k in wanted})[0]
        summed = (hidden * mask[:, :, None]).sum(axis=1)
        mean = summed / mask.sum(axis=1, keepdims=True)
        mean /= np.linalg.norm(mean, axis=1, keepdims=True)
        for row, i in enumerate(batch):
            vectors[i] = mean[row]
    with open(output_path, "w", encoding="utf-8") as out:
        for r, e, v in zip(rows, encodings, vectors):
            out.write(json.dumps({"id": r["id"], "embedding": v.tolist(), "tokens": len(e.ids)}) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]) if len(sys.argv) > 5 else 2)
