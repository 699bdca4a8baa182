#!/usr/bin/env python3
"""Tiny reranker fixtures: random weights in the layout of the real checkpoints, token ids from tokenizers written
here, and golden scores from float64 references written here with numpy alone (no torch, no transformers, no
tokenizers library: independent of the Java runtime they check).

  generate OUT_DIR    writes OUT_DIR/qwen3-reranker-tiny and OUT_DIR/bert-cross-encoder-tiny (same bytes every run)
  verify OUT_DIR      recomputes both golden.json files from the folders' weights; exit 1 unless every score agrees

qwen3-reranker-tiny: Qwen3ForCausalLM as Qwen/Qwen3-Reranker-* ship it (model.* keys, an untied lm_head as the 8B has;
BF16), the real Qwen3 vocabulary and tokenizer (a link to the embedding fixture's tokenizer.json). The input is the
model card's template, token for token:
  PREFIX + "<Instruct>: {instruction}\\n<Query>: {query}\\n<Document>: {document}" + SUFFIX
each part tokenized without special tokens (the card's `tokenizer.encode(prefix, add_special_tokens=False)`), the
middle part truncated from the right to max_length - len(prefix) - len(suffix); score = softmax([no, yes]) of the
lm_head logits at the last position, [1] — that is sigmoid(logit_yes - logit_no). `score_tied` is the same with the
token embeddings as the head (tie_word_embeddings: true, as the 0.6B and 4B have).

bert-cross-encoder-tiny: BertForSequenceClassification with one label as cross-encoder/ms-marco-MiniLM-L-6-v2 ships
it (bert.* keys, bert.pooler.*, classifier.*; F32), a WordPiece vocabulary of its own; input [CLS] query [SEP]
document [SEP] with token types 0/1, the pair truncated longest-first; score = sigmoid(classifier(tanh(pooler(h_cls)))),
as sentence-transformers' CrossEncoder and TEI report it.
"""
import json
import math
import sys
import unicodedata
from pathlib import Path

import numpy as np
import regex

import qwen3_fixture as q3

HERE = Path(__file__).resolve().parent
QWEN3_TOKENIZER = HERE.parent / 'resources' / 'fixtures' / 'qwen3-embedding-tiny' / 'tokenizer.json'

# The Qwen3-Reranker model card, verbatim.
PREFIX = ('<|im_start|>system\nJudge whether the Document meets the requirements based on the Query and the Instruct '
          'provided. Note that the answer can only be "yes" or "no".<|im_end|>\n<|im_start|>user\n')
SUFFIX = '<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n'
DEFAULT_INSTRUCTION = 'Given a web search query, retrieve relevant passages that answer the query'


def qwen3_body(instruction, query, document):
    return f'<Instruct>: {instruction or DEFAULT_INSTRUCTION}\n<Query>: {query}\n<Document>: {document}'


# --- byte-level BPE (GPT-2 / Qwen2), from tokenizer.json ---------------------------------------------------------

def bytes_to_unicode():
    bs = list(range(ord('!'), ord('~') + 1)) + list(range(ord('¡'), ord('¬') + 1)) + list(range(ord('®'), ord('ÿ') + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


class ByteLevelBpe:
    def __init__(self, path):
        t = json.loads(Path(path).read_text())
        self.vocab = t['model']['vocab']
        self.ranks = {tuple(m) if isinstance(m, list) else tuple(m.split(' ')): i
                      for i, m in enumerate(t['model']['merges'])}
        self.special = {a['content']: a['id'] for a in t['added_tokens']}
        self.split = regex.compile('(' + '|'.join(regex.escape(s) for s in sorted(self.special, key=len, reverse=True))
                                   + ')')
        self.pattern = regex.compile(t['pre_tokenizer']['pretokenizers'][0]['pattern']['Regex'])
        self.bytes = bytes_to_unicode()

    def encode(self, text):
        """Ids without special tokens added (add_special_tokens=False); special tokens in the text are kept."""
        ids = []
        for part in self.split.split(text):
            if part in self.special:
                ids.append(self.special[part])
                continue
            for piece in self.pattern.findall(unicodedata.normalize('NFC', part)):
                ids.extend(self.vocab[t] for t in self.bpe(''.join(self.bytes[b] for b in piece.encode('utf-8'))))
        return ids

    def bpe(self, word):
        parts = list(word)
        while len(parts) > 1:
            pairs = [(self.ranks.get((a, b), math.inf), i) for i, (a, b) in enumerate(zip(parts, parts[1:]))]
            rank, _ = min(pairs)
            if rank == math.inf:
                break
            pair = next((parts[i], parts[i + 1]) for r, i in pairs if r == rank)
            merged, i = [], 0
            while i < len(parts):
                if i + 1 < len(parts) and (parts[i], parts[i + 1]) == pair:
                    merged.append(parts[i] + parts[i + 1])
                    i += 2
                else:
                    merged.append(parts[i])
                    i += 1
            parts = merged
        return parts


# --- BERT WordPiece --------------------------------------------------------------------------------------------

BERT_SPECIAL = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']
BERT_WORDS = ('the of and to in is a what how who where when why for on with as by at from that this it are was be '
              'capital city france paris germany berlin largest river flows through europe population people '
              'python programming language java coffee tea drink hot water boiling point degrees celsius '
              'machine learning model embedding vector search query document relevant answer question '
              'cat cats dog dogs animal pet sleep sleeps mat runs fast quick brown fox jumps over lazy '
              'flink stream batch job kafka topic partition checkpoint state exactly once '
              'apple banana fruit red yellow sweet ##s ##ing ##ed ##er ##ly ##est').split()


def bert_vocab():
    chars = [chr(c) for c in range(ord('a'), ord('z') + 1)] + [str(d) for d in range(10)] + list('.,?!\'"-:;()')
    tokens = BERT_SPECIAL + chars + ['##' + c for c in chars if c.isalnum()]
    tokens += [w for w in BERT_WORDS if w not in tokens]
    return {t: i for i, t in enumerate(tokens)}


def bert_basic_tokens(text):
    text = unicodedata.normalize('NFD', text.lower())
    text = ''.join(c for c in text if unicodedata.category(c) != 'Mn')
    out = []
    for word in text.split():
        current = ''
        for c in word:
            if unicodedata.category(c).startswith('P') or (33 <= ord(c) <= 47 or 58 <= ord(c) <= 64
                                                          or 91 <= ord(c) <= 96 or 123 <= ord(c) <= 126):
                if current:
                    out.append(current)
                out.append(c)
                current = ''
            else:
                current += c
        if current:
            out.append(current)
    return out


def wordpiece(vocab, text):
    ids = []
    for word in bert_basic_tokens(text):
        pieces, start = [], 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else '##' + word[start:end]
                if piece in vocab:
                    break
                end -= 1
            if end == start:
                pieces = [vocab['[UNK]']]
                break
            pieces.append(vocab[piece])
            start = end
        ids.extend(pieces)
    return ids


def bert_pair(vocab, query, document, max_length):
    a, b = wordpiece(vocab, query), wordpiece(vocab, document)
    while len(a) + len(b) > max_length - 3:  # longest first: one token at a time from the longer
        if len(a) > len(b):
            a.pop()
        else:
            b.pop()
    ids = [vocab['[CLS]']] + a + [vocab['[SEP]']] + b + [vocab['[SEP]']]
    types = [0] * (len(a) + 2) + [1] * (len(b) + 1)
    return ids, types


def bert_tokenizer_json(vocab):
    special = [{'id': vocab[t], 'content': t, 'single_word': False, 'lstrip': False, 'rstrip': False,
                'normalized': False, 'special': True} for t in BERT_SPECIAL]
    seq = lambda s, t: {'Sequence': {'id': s, 'type_id': t}}
    tok = lambda s, t: {'SpecialToken': {'id': s, 'type_id': t}}
    return {
        'version': '1.0', 'truncation': None, 'padding': None, 'added_tokens': special,
        'normalizer': {'type': 'BertNormalizer', 'clean_text': True, 'handle_chinese_chars': True,
                       'strip_accents': None, 'lowercase': True},
        'pre_tokenizer': {'type': 'BertPreTokenizer'},
        'post_processor': {
            'type': 'TemplateProcessing',
            'single': [tok('[CLS]', 0), seq('A', 0), tok('[SEP]', 0)],
            'pair': [tok('[CLS]', 0), seq('A', 0), tok('[SEP]', 0), seq('B', 1), tok('[SEP]', 1)],
            'special_tokens': {t: {'id': t, 'ids': [vocab[t]], 'tokens': [t]} for t in ('[CLS]', '[SEP]')}},
        'decoder': {'type': 'WordPiece', 'prefix': '##', 'cleanup': True},
        'model': {'type': 'WordPiece', 'unk_token': '[UNK]', 'continuing_subword_prefix': '##',
                  'max_input_chars_per_word': 100, 'vocab': vocab}}


# --- BERT forward pass and head, float64 -------------------------------------------------------------------------

def layer_norm(x, g, b, eps):
    mu = x.mean(-1, keepdims=True)
    return g * (x - mu) / np.sqrt(((x - mu) ** 2).mean(-1, keepdims=True) + eps) + b


ERF = np.frompyfunc(math.erf, 1, 1)


def bert_score(config, w, ids, types):
    n, h, heads = len(ids), config['hidden_size'], config['num_attention_heads']
    d, eps = h // heads, config['layer_norm_eps']
    p = 'bert.'
    x = w[p + 'embeddings.word_embeddings.weight'][ids] + w[p + 'embeddings.position_embeddings.weight'][:n] \
        + w[p + 'embeddings.token_type_embeddings.weight'][types]
    x = layer_norm(x, w[p + 'embeddings.LayerNorm.weight'], w[p + 'embeddings.LayerNorm.bias'], eps)
    lin = lambda v, name: v @ w[name + '.weight'].T + w[name + '.bias']
    for i in range(config['num_hidden_layers']):
        l = f'{p}encoder.layer.{i}.'
        q = lin(x, l + 'attention.self.query').reshape(n, heads, d).transpose(1, 0, 2)
        k = lin(x, l + 'attention.self.key').reshape(n, heads, d).transpose(1, 0, 2)
        v = lin(x, l + 'attention.self.value').reshape(n, heads, d).transpose(1, 0, 2)
        s = q @ k.transpose(0, 2, 1) / math.sqrt(d)
        s = np.exp(s - s.max(-1, keepdims=True))
        ctx = ((s / s.sum(-1, keepdims=True)) @ v).transpose(1, 0, 2).reshape(n, h)
        x = layer_norm(x + lin(ctx, l + 'attention.output.dense'), w[l + 'attention.output.LayerNorm.weight'],
                       w[l + 'attention.output.LayerNorm.bias'], eps)
        up = lin(x, l + 'intermediate.dense')
        up = up * 0.5 * (1.0 + ERF(up / math.sqrt(2.0)).astype(np.float64))
        x = layer_norm(x + lin(up, l + 'output.dense'), w[l + 'output.LayerNorm.weight'], w[l + 'output.LayerNorm.bias'],
                       eps)
    pooled = np.tanh(lin(x[0], p + 'pooler.dense'))
    logit = float(lin(pooled, 'classifier')[0])
    return 1.0 / (1.0 + math.exp(-logit)), logit


def qwen3_score(config, w, ids, head):
    last = q3.hidden_states(config, w, ids)[-1]
    logit = float(last @ (head[9693] - head[2152]))  # "yes" - "no"
    return 1.0 / (1.0 + math.exp(-logit)), logit


# --- the fixtures ------------------------------------------------------------------------------------------------

QWEN3_CASES = [
    (None, 'What is the capital of China?', 'The capital of China is Beijing.'),
    (None, 'What is the capital of China?', 'Gravity is a force that attracts two bodies towards each other.'),
    ('Given a question, retrieve passages that answer it', 'Explain gravity', 'Gravity is a force.'),
    (None, 'empty document', ''),
    (None, '北京是中国的首都吗？', '北京是中华人民共和国的首都。'),
    (None, 'emoji 🙂 and code', 'def f(x):\n    return x * 2  # doubles'),
    (None, 'long', ' '.join(['Flink checkpoints the state of every operator.'] * 12)),
]
QWEN3_TRUNCATE_AT = 64  # max_length for the truncation cases: the body loses its end
BERT_CASES = [
    ('what is the capital of france?', 'paris is the capital and largest city of france.'),
    ('what is the capital of france?', 'the quick brown fox jumps over the lazy dog.'),
    ('how hot is boiling water', 'water boils at 100 degrees celsius.'),
    ('zebra crossing', 'an unknown word: zebras, and accents: café.'),
    ('empty document', ''),
    ('flink exactly once', ' '.join(['flink checkpoints the state of every job in a stream.'] * 8)),
]
BERT_MAX_LENGTH = 48  # max_position_embeddings: the long case is truncated longest-first


def qwen3_config():
    c = json.loads((HERE.parent / 'resources' / 'fixtures' / 'qwen3-embedding-tiny' / 'config.json').read_text())
    c.update({'hidden_size': 16, 'intermediate_size': 48, 'num_attention_heads': 4, 'num_key_value_heads': 2,
              'head_dim': 8, 'tie_word_embeddings': False, 'eos_token_id': 151645})
    return c


def bert_config(vocab_size):
    return {'architectures': ['BertForSequenceClassification'], 'model_type': 'bert', 'hidden_size': 32,
            'num_hidden_layers': 2, 'num_attention_heads': 4, 'intermediate_size': 64, 'hidden_act': 'gelu',
            'max_position_embeddings': BERT_MAX_LENGTH, 'type_vocab_size': 2, 'vocab_size': vocab_size,
            'layer_norm_eps': 1e-12, 'pad_token_id': 0, 'id2label': {'0': 'LABEL_0'}, 'label2id': {'LABEL_0': 0},
            'torch_dtype': 'float32'}


def random_tensors(rng, shapes):
    out = {}
    for name, shape in shapes:
        if name.endswith('norm.weight') or name.endswith('LayerNorm.weight'):
            out[name] = 1.0 + 0.1 * rng.standard_normal(shape)
        elif name.endswith('.bias'):
            out[name] = 0.1 * rng.standard_normal(shape)
        else:
            out[name] = rng.standard_normal(shape) * (0.5 if 'embed' in name or 'lm_head' in name
                                                      else 1.0 / np.sqrt(shape[-1]))
    return out


def qwen3_fixture(out):
    folder = out / 'qwen3-reranker-tiny'
    folder.mkdir(parents=True, exist_ok=True)
    c = qwen3_config()
    h, q, kv, m, v = c['hidden_size'], c['num_attention_heads'] * c['head_dim'], \
        c['num_key_value_heads'] * c['head_dim'], c['intermediate_size'], c['vocab_size']
    shapes = [('model.embed_tokens.weight', (v, h))]
    for i in range(c['num_hidden_layers']):
        p = f'model.layers.{i}.'
        shapes += [(p + 'input_layernorm.weight', (h,)), (p + 'self_attn.q_proj.weight', (q, h)),
                   (p + 'self_attn.k_proj.weight', (kv, h)), (p + 'self_attn.v_proj.weight', (kv, h)),
                   (p + 'self_attn.o_proj.weight', (h, q)), (p + 'self_attn.q_norm.weight', (c['head_dim'],)),
                   (p + 'self_attn.k_norm.weight', (c['head_dim'],)), (p + 'post_attention_layernorm.weight', (h,)),
                   (p + 'mlp.gate_proj.weight', (m, h)), (p + 'mlp.up_proj.weight', (m, h)),
                   (p + 'mlp.down_proj.weight', (h, m))]
    shapes += [('model.norm.weight', (h,)), ('lm_head.weight', (v, h))]
    q3.write_safetensors(folder / 'model.safetensors', random_tensors(np.random.default_rng(31), shapes), 'BF16')
    (folder / 'config.json').write_text(json.dumps(c, indent=2) + '\n')
    (folder / 'tokenizer_config.json').write_text(json.dumps(
        {'tokenizer_class': 'Qwen2Tokenizer', 'padding_side': 'left', 'pad_token': '<|endoftext|>',
         'eos_token': '<|im_end|>', 'model_max_length': 32768}, indent=2) + '\n')
    link = folder / 'tokenizer.json'
    if not link.exists():
        link.symlink_to('../qwen3-embedding-tiny/tokenizer.json')
    return folder


def qwen3_cases(folder):
    bpe = ByteLevelBpe(QWEN3_TOKENIZER)
    c = json.loads((folder / 'config.json').read_text())
    w = q3.load_weights(folder)
    prefix, suffix = bpe.encode(PREFIX), bpe.encode(SUFFIX)
    cases = []
    for instruction, query, document in QWEN3_CASES:
        body = bpe.encode(qwen3_body(instruction, query, document))
        for max_length in ([None, QWEN3_TRUNCATE_AT] if query == 'long' else [None]):
            kept = body if max_length is None else body[:max_length - len(prefix) - len(suffix)]
            ids = prefix + kept + suffix
            score, logit = qwen3_score(c, w, ids, w['lm_head.weight'])
            tied, _ = qwen3_score(c, w, ids, w['embed_tokens.weight'])
            cases.append({'instruction': instruction, 'query': query, 'document': document,
                          'max_tokens': max_length, 'formatted': PREFIX + qwen3_body(instruction, query, document)
                          + SUFFIX, 'input_ids': ids, 'logit': logit, 'score': score, 'score_tied': tied})
    return {'model': folder.name, 'prefix_ids': prefix, 'suffix_ids': suffix, 'yes_id': 9693, 'no_id': 2152,
            'cases': cases}


def bert_fixture(out):
    folder = out / 'bert-cross-encoder-tiny'
    folder.mkdir(parents=True, exist_ok=True)
    vocab = bert_vocab()
    c = bert_config(len(vocab))
    h, m = c['hidden_size'], c['intermediate_size']
    p = 'bert.'
    shapes = [(p + 'embeddings.word_embeddings.weight', (len(vocab), h)),
              (p + 'embeddings.position_embeddings.weight', (BERT_MAX_LENGTH, h)),
              (p + 'embeddings.token_type_embeddings.weight', (2, h)),
              (p + 'embeddings.LayerNorm.weight', (h,)), (p + 'embeddings.LayerNorm.bias', (h,))]
    for i in range(c['num_hidden_layers']):
        l = f'{p}encoder.layer.{i}.'
        for name in ('attention.self.query', 'attention.self.key', 'attention.self.value', 'attention.output.dense'):
            shapes += [(l + name + '.weight', (h, h)), (l + name + '.bias', (h,))]
        shapes += [(l + 'attention.output.LayerNorm.weight', (h,)), (l + 'attention.output.LayerNorm.bias', (h,)),
                   (l + 'intermediate.dense.weight', (m, h)), (l + 'intermediate.dense.bias', (m,)),
                   (l + 'output.dense.weight', (h, m)), (l + 'output.dense.bias', (h,)),
                   (l + 'output.LayerNorm.weight', (h,)), (l + 'output.LayerNorm.bias', (h,))]
    shapes += [(p + 'pooler.dense.weight', (h, h)), (p + 'pooler.dense.bias', (h,)),
               ('classifier.weight', (1, h)), ('classifier.bias', (1,))]
    q3.write_safetensors(folder / 'model.safetensors', random_tensors(np.random.default_rng(32), shapes), 'F32')
    (folder / 'config.json').write_text(json.dumps(c, indent=2) + '\n')
    (folder / 'tokenizer.json').write_text(json.dumps(bert_tokenizer_json(vocab), indent=1) + '\n')
    return folder


def bert_cases(folder):
    vocab = bert_vocab()
    c = json.loads((folder / 'config.json').read_text())
    w = q3.read_safetensors(folder / 'model.safetensors')
    cases = []
    for query, document in BERT_CASES:
        ids, types = bert_pair(vocab, query, document, BERT_MAX_LENGTH)
        score, logit = bert_score(c, w, ids, types)
        cases.append({'query': query, 'document': document, 'input_ids': ids, 'token_type_ids': types,
                      'logit': logit, 'score': score})
    return {'model': folder.name, 'cases': cases}


def write_golden(folder, golden):
    (folder / 'golden.json').write_text(json.dumps(golden, indent=1, ensure_ascii=False) + '\n')
    print(f'wrote {folder}: {len(golden["cases"])} cases, scores '
          + ' '.join(f'{c["score"]:.4f}' for c in golden['cases']))


def verify(out):
    worst = 0.0
    for folder, cases in ((out / 'qwen3-reranker-tiny', qwen3_cases), (out / 'bert-cross-encoder-tiny', bert_cases)):
        old = json.loads((folder / 'golden.json').read_text())
        new = cases(folder)
        for a, b in zip(old['cases'], new['cases']):
            if a['input_ids'] != b['input_ids']:
                print(f'{folder}: ids differ for {a["query"]!r}')
                return 1
            worst = max(worst, abs(a['score'] - b['score']))
    print(f'worst |score - golden| {worst:.3e}')
    return 0 if worst < 1e-12 else 1


def main(argv):
    if len(argv) != 2 or argv[0] not in ('generate', 'verify'):
        print(__doc__)
        return 2
    out = Path(argv[1])
    if argv[0] == 'verify':
        return verify(out)
    write_golden(qwen3_fixture(out), qwen3_cases(out / 'qwen3-reranker-tiny'))
    write_golden(bert_fixture(out), bert_cases(out / 'bert-cross-encoder-tiny'))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
