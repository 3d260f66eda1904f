#!/usr/bin/env python3
"""Dump llama.cpp's intermediate tensors for a chat prompt and a few greedy steps.

  bench/.venv-llm/bin/python bench/llm/dump_llamacpp_tensors.py "message" STEPS OUT.npz [MODEL.gguf]

Runs llama.cpp through llama-cpp-python's low-level API with an eval callback
(`cb_eval`) that copies every F32/F16 tensor the graph computes: the prompt as
one batch (call 0), then one call per generated token. Keys are
"name@call#occurrence" (several tensors share a name, e.g. Qcur before and after
RoPE); "prompt" and "gen" hold the token ids. Used to check Orchard's decoder
step by step against llama.cpp's arithmetic (docs/benchmarks.md, B3).

The callback reads `struct ggml_tensor` fields by offset (ggml.h: type at 0,
ne[4] at 16, nb[4] at 48, data at 248, name[64] at 256); check them against the
installed ggml if llama-cpp-python is upgraded.
"""
import ctypes, os, sys
import numpy as np
import llama_cpp as L
from jinja2 import Template

message, steps, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
model_path = sys.argv[4] if len(sys.argv) > 4 else os.path.expanduser(
    os.path.join(os.environ.get("ORCHARD_CACHE", "~/.cache/orchard"), "models", "SmolLM2-135M-Instruct.Q4_1.gguf"))

L.llama_backend_init()
model = L.llama_model_load_from_file(model_path.encode(), L.llama_model_default_params())
records = {}  # name -> [(call, array)]
call = [0]


def on_tensor(t, ask, user):
    if ask:
        return True  # yes, show us every tensor once computed
    kind = ctypes.c_int.from_address(t).value
    if kind not in (0, 1):  # F32, F16
        return True
    ne = [ctypes.c_int64.from_address(t + 16 + 8 * i).value for i in range(4)]
    nb = [ctypes.c_size_t.from_address(t + 48 + 8 * i).value for i in range(4)]
    data = ctypes.c_void_p.from_address(t + 248).value
    if data is None:
        return True
    name = ctypes.string_at(t + 256, 64).split(b"\0")[0].decode()
    size = 4 if kind == 0 else 2
    span = sum((n - 1) * s for n, s in zip(ne, nb)) + size
    raw = np.frombuffer(ctypes.string_at(data, span), dtype=np.float32 if kind == 0 else np.float16)
    array = np.lib.stride_tricks.as_strided(raw, shape=ne[::-1], strides=nb[::-1]).copy()
    records.setdefault(name, []).append((call[0], array))
    return True


callback = L.ggml_backend_sched_eval_callback(on_tensor)
params = L.llama_context_default_params()
params.n_ctx = 512
params.n_batch = params.n_ubatch = 512
params.n_threads = params.n_threads_batch = 2
params.cb_eval = callback
params.flash_attn_type = L.LLAMA_FLASH_ATTN_TYPE_DISABLED  # llama-cpp-python's default
ctx = L.llama_init_from_model(model, params)
vocab = L.llama_model_get_vocab(model)

buffer = ctypes.create_string_buffer(1 << 16)
L.llama_model_meta_val_str(model, b"tokenizer.chat_template", buffer, len(buffer))
text = Template(buffer.value.decode()).render(messages=[{"role": "user", "content": message}], add_generation_prompt=True)
ids = (L.llama_token * 4096)()
count = L.llama_tokenize(vocab, text.encode(), len(text.encode()), ids, 4096, False, True)
prompt = list(ids[:count])
vocab_size = L.llama_vocab_n_tokens(vocab)


def decode(tokens, first_position):
    batch = L.llama_batch_init(len(tokens), 0, 1)
    for i, token in enumerate(tokens):
        batch.token[i] = token
        batch.pos[i] = first_position + i
        batch.n_seq_id[i] = 1
        batch.seq_id[i][0] = 0
        batch.logits[i] = i == len(tokens) - 1
    batch.n_tokens = len(tokens)
    assert L.llama_decode(ctx, batch) == 0
    L.llama_batch_free(batch)


decode(prompt, 0)
generated = []
for step in range(steps):
    logits = np.ctypeslib.as_array(L.llama_get_logits_ith(ctx, -1), shape=(vocab_size,))
    token = int(np.argmax(logits))
    generated.append(token)
    call[0] += 1
    decode([token], len(prompt) + step)

flat = {}
for name, entries in records.items():
    seen = {}
    for c, array in entries:
        flat[f"{name}@{c}#{seen.get(c, 0)}"] = array
        seen[c] = seen.get(c, 0) + 1
np.savez_compressed(out, prompt=np.array(prompt), gen=np.array(generated), **flat)
print(f"{len(prompt)} prompt tokens, generated {generated}, {len(flat)} tensors -> {out}")
