"""The official openai client against a running `orchard serve` (see run).

Usage: client_test.py BASE_URL  (ORCHARD_ADMIN_KEY in the environment)
Creates a tenant and its key through the management API, then uses that key
with openai.OpenAI(base_url=BASE_URL/v1). Prints one line per check and
'N passed, M failed'; exits 1 when any check failed.
"""
import json
import math
import os
import sys
import time
import urllib.request

import openai

BASE = sys.argv[1].rstrip("/")
ADMIN = os.environ["ORCHARD_ADMIN_KEY"]
results = []


def check(name, condition, detail=""):
    results.append(bool(condition))
    print(("ok   " if condition else "FAIL ") + name + ("" if condition else f": {detail}"), flush=True)


def admin_call(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(BASE + path, data=data, method=method,
                                     headers={"Authorization": f"Bearer {ADMIN}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


def wait_ready(seconds=120):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(BASE + "/v2/health/ready", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"orchard serve did not answer on {BASE} within {seconds} s")


wait_ready()
tenant = admin_call("POST", "/api/v1/tenants", {"name": "openai-client"})
key = admin_call("POST", f"/api/v1/tenants/{tenant['id']}/keys")["key"]
client = openai.OpenAI(base_url=BASE + "/v1", api_key=key, max_retries=0, timeout=120)

# Models.
ids = [model.id for model in client.models.list()]
check("models.list has both models", {"smollm2", "minilm"} <= set(ids), ids)
check("models.retrieve", client.models.retrieve("smollm2").id == "smollm2")

# Chat, plain.
messages = [{"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": "What is the capital of France? Answer in one sentence."}]
plain = client.chat.completions.create(model="smollm2", messages=messages, temperature=0, max_tokens=32)
text = plain.choices[0].message.content or ""
check("chat: content", len(text.strip()) > 0, repr(text))
check("chat: finish_reason", plain.choices[0].finish_reason in ("stop", "length"), plain.choices[0].finish_reason)
check("chat: usage adds up", plain.usage.total_tokens == plain.usage.prompt_tokens + plain.usage.completion_tokens > 0,
      plain.usage)

# Chat, streaming with usage: the same greedy text.
pieces, finish, usage, roles = [], None, None, []
for chunk in client.chat.completions.create(model="smollm2", messages=messages, temperature=0, max_tokens=32,
                                            stream=True, stream_options={"include_usage": True}):
    if chunk.usage is not None:
        usage = chunk.usage
    for choice in chunk.choices:
        if choice.delta.role:
            roles.append(choice.delta.role)
        if choice.delta.content:
            pieces.append(choice.delta.content)
        if choice.finish_reason:
            finish = choice.finish_reason
check("stream: first delta has the role", roles[:1] == ["assistant"], roles)
check("stream: several deltas", len(pieces) > 3, len(pieces))
check("stream: same text as plain", "".join(pieces) == text, repr("".join(pieces)))
check("stream: finish_reason", finish == plain.choices[0].finish_reason, finish)
check("stream: usage chunk", usage is not None and usage.completion_tokens == plain.usage.completion_tokens, usage)

# Text completions.
completion = client.completions.create(model="smollm2", prompt="The capital of France is", temperature=0, max_tokens=8)
check("completions: text", len(completion.choices[0].text) > 0, completion)

# Embeddings with default arguments (the client asks for base64 and decodes it).
sentences = ["The cat sits on the mat.", "A feline rests on a rug.", "Stock markets fell sharply today."]
default = client.embeddings.create(model="minilm", input=sentences)
vectors = [item.embedding for item in default.data]
check("embeddings: one vector per input", len(vectors) == 3 and all(len(v) == 384 for v in vectors),
      [len(v) for v in vectors])
check("embeddings: unit length", all(abs(math.sqrt(sum(x * x for x in v)) - 1) < 1e-3 for v in vectors))
cos = lambda a, b: sum(x * y for x, y in zip(a, b))
check("embeddings: paraphrase closer than unrelated", cos(vectors[0], vectors[1]) > cos(vectors[0], vectors[2]),
      (cos(vectors[0], vectors[1]), cos(vectors[0], vectors[2])))
floats = client.embeddings.create(model="minilm", input=sentences, encoding_format="float")
check("embeddings: float equals base64", [item.embedding for item in floats.data] == vectors)
check("embeddings: usage", default.usage.prompt_tokens > 0 and default.usage.total_tokens == default.usage.prompt_tokens,
      default.usage)

# Errors come back as the client's exceptions.
try:
    client.chat.completions.create(model="no-such-model", messages=messages)
    check("unknown model raises NotFoundError", False, "no exception")
except openai.NotFoundError as error:
    check("unknown model raises NotFoundError", error.code == "model_not_found", error.body)
try:
    client.chat.completions.create(model="smollm2", messages=messages, n=2)
    check("n=2 raises BadRequestError", False, "no exception")
except openai.BadRequestError as error:
    check("n=2 raises BadRequestError", error.param == "n", error.body)
try:
    openai.OpenAI(base_url=BASE + "/v1", api_key="ork_wrong", max_retries=0).models.list()
    check("bad key raises AuthenticationError", False, "no exception")
except openai.AuthenticationError:
    check("bad key raises AuthenticationError", True)

passed = sum(results)
print(f"{passed} passed, {len(results) - passed} failed")
sys.exit(0 if passed == len(results) else 1)
