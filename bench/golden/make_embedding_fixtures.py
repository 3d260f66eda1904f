#!/usr/bin/env python3
"""Golden sentence embeddings for Tests/LargeModelsTests, produced once with sentence-transformers.

  bench/.venv-st/bin/python bench/golden/make_embedding_fixtures.py [MODEL_DIR]

(venv: python3 -m venv bench/.venv-st && bench/.venv-st/bin/pip install torch sentence-transformers)
Writes Fixtures/minilm_embeddings.json: sentences, WordPiece ids (tokenizers library), vectors.
"""
import json, os, sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "Tests", "LargeModelsTests", "Fixtures", "minilm_embeddings.json")
MODEL = sys.argv[1] if len(sys.argv) > 1 else os.path.expanduser(
    os.path.join(os.environ.get("ORCHARD_CACHE", "~/.cache/orchard"), "models", "all-MiniLM-L6-v2"))

SENTENCES = [
    "The cat sits on the mat.",
    "A man is playing a guitar on stage.",
    "Machine learning models need good data.",
    "How do I bake sourdough bread at home?",
    "The stock market fell sharply on Monday.",
    "Photosynthesis converts light into chemical energy.",
    "She quickly ran to catch the last train.",
    "Quantum computers use qubits instead of bits.",
    "What's the weather like in Paris today?",
    "I can't believe it's already December!",
    "def add(a, b): return a + b",
    "Large language models generate text token by token.",
    "The orchard was full of apple and pear trees.",
    "Please reset my password; I forgot it.",
    "Le chat dort sur le canapé.",
    "Der schnelle braune Fuchs springt über den faulen Hund.",
    "El niño juega al fútbol en el parque.",
    "Il mare è calmo questa mattina.",
    "Это предложение написано по-русски.",
    "我喜欢在周末读书。",
    "東京は日本の首都です。",
    "오늘 날씨가 정말 좋네요.",
    "Café au lait, naïve façade, résumé.",
    "Emojis like 🍎 and 🚀 appear in text too.",
    "Numbers: 3.14159, 42, and 1,000,000.",
    "   Leading and trailing spaces   ",
    "UPPERCASE TEXT SHOULD BE LOWERCASED",
    "A very long sentence " + "that keeps going and going " * 12 + "until it ends.",
    "Short.",
    "The service answers embedding requests over HTTP.",
]

if __name__ == "__main__":
    import torch
    from sentence_transformers import SentenceTransformer
    torch.set_num_threads(2)
    model = SentenceTransformer(MODEL, device="cpu")
    vectors = model.encode(SENTENCES, batch_size=32, convert_to_numpy=True)
    ids = [model.tokenizer(s, truncation=True, max_length=model.max_seq_length)["input_ids"] for s in SENTENCES]
    cases = [{"text": s, "ids": i, "vector": [round(float(x), 7) for x in v]} for s, i, v in zip(SENTENCES, ids, vectors)]
    with open(OUT, "w") as f:
        json.dump({"model": os.path.basename(MODEL), "cases": cases}, f)
    print("wrote", OUT, len(cases), "sentences, dim", vectors.shape[1])
