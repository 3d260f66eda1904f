#!/usr/bin/env python3
"""Golden fixtures for Tests/LargeModelsTests, produced once with the reference tools.

  bench/.venv-llm/bin/python bench/golden/make_llm_fixtures.py [MODEL.gguf]

(venv: python3 -m venv bench/.venv-llm && bench/.venv-llm/bin/pip install llama-cpp-python gguf)

Writes:
  llm_greedy.json   chat-templated prompts, their token ids (llama.cpp's tokenizer),
                    llama.cpp's greedy continuation (64 tokens or until EOS) and,
                    per step, the logit of the chosen token and the gap between
                    the best and second-best logits
  dequantize.json   raw blocks and the `gguf` package's dequantization for
                    Q4_0, Q4_1, Q8_0, Q4_K, Q6_K, F16, BF16 (blocks from the model
                    file where it has that type, seeded random blocks otherwise)
"""
import json, os, sys
import numpy as np
from jinja2 import Template
from llama_cpp import Llama
import gguf
from gguf import GGMLQuantizationType as T
from gguf.quants import dequantize

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "Tests", "LargeModelsTests", "Fixtures")
MODEL = sys.argv[1] if len(sys.argv) > 1 else os.path.expanduser(
    os.path.join(os.environ.get("ORCHARD_CACHE", "~/.cache/orchard"), "models", "SmolLM2-135M-Instruct.Q4_1.gguf"))
STEPS = 64

PROMPTS = [
    "What is the capital of France?",
    "Write a haiku about autumn leaves.",
    "Explain in two sentences what a neural network is.",
    "List three fruits that are red.",
    "How do I reverse a list in Python?",
    "Translate 'good morning' into Spanish.",
    "What is 12 times 7?",
    "Tell me a short story about a robot who learns to paint.",
    "Quelle est la plus haute montagne d'Europe ?",
    "Write a SQL query that counts the rows of a table named orders.",
    "Give me three tips for sleeping better.",
    "What is the difference between a list and a tuple in Python?",
    "Summarize the plot of Romeo and Juliet in one paragraph.",
    "Convert 100 degrees Fahrenheit to Celsius and show the formula.",
    "Wie viele Kontinente gibt es?",
    "Write a short poem about the sea, in four lines.",
]


def greedy_fixtures():
    # logits_all: llama-cpp-python keeps the scores only then; the prompt's output
    # head then runs batched (tinyBLAS), whose Q8_0 sums equal the one-row kernel's.
    llm = Llama(model_path=MODEL, n_ctx=2048, n_threads=2, n_batch=512, verbose=False, logits_all=True)
    template = Template(llm.metadata["tokenizer.chat_template"])
    cases = []
    for prompt in PROMPTS:
        text = template.render(messages=[{"role": "user", "content": prompt}], add_generation_prompt=True)
        tokens = llm.tokenize(text.encode(), add_bos=False, special=True)
        llm.reset()
        out, gaps, chosen = [], [], []
        for t in llm.generate(tokens, temp=0, top_k=1, repeat_penalty=1.0):
            scores = np.array(llm.scores[llm.n_tokens - 1], dtype=np.float32)
            top2 = np.sort(scores)[-2:]
            if t == llm.token_eos() or len(out) >= STEPS:
                break
            out.append(int(t))
            gaps.append(round(float(top2[1] - top2[0]), 4))
            chosen.append(float(scores[t]))  # float32 → double exactly; json keeps every digit
        cases.append({"message": prompt, "prompt_text": text, "prompt_tokens": tokens,
                      "greedy_tokens": out, "top2_gaps": gaps, "chosen_logits": chosen,
                      "text": llm.detokenize(out).decode("utf-8", errors="replace")})
        print(prompt, "->", cases[-1]["text"][:60].replace("\n", " "))
    return {"model": os.path.basename(MODEL), "steps": STEPS, "cases": cases}


def dequantize_fixtures():
    reader = gguf.GGUFReader(MODEL)
    rng = np.random.default_rng(7)
    out = []
    by_type = {}
    for t in reader.tensors:
        by_type.setdefault(t.tensor_type, t)
    for qtype in [T.Q4_0, T.Q4_1, T.Q8_0, T.Q4_K, T.Q6_K, T.F16, T.BF16]:
        block_size, type_size = gguf.GGML_QUANT_SIZES[qtype]
        blocks = 3
        if qtype in by_type and by_type[qtype].data.ndim >= 1:
            t = by_type[qtype]
            raw = np.asarray(t.data).reshape(-1).view(np.uint8)[: blocks * type_size].copy()
            source = f"{t.name} (first {blocks} blocks)"
        else:
            raw = rng.integers(0, 256, size=blocks * type_size, dtype=np.uint8)
            source = "random blocks (seed 7)"
            # Replace each block's f16 scales with small finite values.
            scale_offsets = {T.Q4_0: [0], T.Q4_1: [0, 2], T.Q8_0: [0], T.Q4_K: [0, 2], T.Q6_K: [208]}.get(qtype, [])
            for b in range(blocks):
                for off in scale_offsets:
                    raw[b * type_size + off: b * type_size + off + 2] = np.frombuffer(
                        np.float16(rng.uniform(0.001, 0.05)).tobytes(), dtype=np.uint8)
            if qtype in (T.F16, T.BF16):
                vals = rng.normal(size=blocks * block_size).astype(np.float32)
                raw = (vals.astype(np.float16).view(np.uint8) if qtype == T.F16
                       else (vals.view(np.uint32) >> 16).astype(np.uint16).view(np.uint8))
        values = dequantize(raw.reshape(1, -1), qtype).reshape(-1)
        out.append({"type": qtype.name, "source": source, "count": int(values.size),
                    "bytes_hex": raw.tobytes().hex(), "values": [float(v) for v in values]})
    return {"cases": out}


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "dequantize.json"), "w") as f:
        json.dump(dequantize_fixtures(), f)
    with open(os.path.join(OUT, "llm_greedy.json"), "w") as f:
        json.dump(greedy_fixtures(), f, indent=1)
    print("wrote", OUT)
