"""The reference server of B2-over-HTTP: the seed CNN in Keras behind FastAPI
(uvicorn, one process), answering the Open Inference Protocol's JSON infer
request the way a typical Python deployment does: parse the JSON, build a
NumPy array, rescale, call the model, return JSON. No batching.

Same architecture and weight shapes as the deployed Orchard model
(bench/seed-cnn/seed_cnn.json, Keras 3 to_json()); weights are the
initializer's (their values do not change the cost of a forward pass).
"""

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
os.environ["KERAS_BACKEND"] = "tensorflow"

import keras
import numpy as np
import uvicorn
from fastapi import FastAPI, Request

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--model", required=True, help="Keras to_json() file")
args = parser.parse_args()

with open(args.model) as file:
    model = keras.models.model_from_json(file.read())
model(np.zeros((1, 28, 28, 1), np.float32), training=False)  # build and warm up

app = FastAPI()


@app.get("/v2/health/ready")
async def ready():
    return {"ready": True}


@app.post("/v2/models/{name}/infer")
async def infer(name: str, request: Request):
    body = await request.json()
    tensor = body["inputs"][0]
    x = np.asarray(tensor["data"], dtype=np.float32).reshape(tensor["shape"]) / 255.0
    y = model(x, training=False).numpy()
    return {
        "model_name": name,
        "model_version": "1",
        "outputs": [{"name": "output", "datatype": "FP32", "shape": list(y.shape), "data": y.reshape(-1).tolist()}],
    }


uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)
