"""Keras reference run of the seed CNN on MNIST CSVs.

Prints progress on stderr and one JSON result line on stdout (last line).
"""

import argparse
import json
import os
import resource
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
os.environ["KERAS_BACKEND"] = "tensorflow"

import numpy as np
import tensorflow as tf
import keras


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def load_csv(path):
    t = time.perf_counter()
    a = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float32)
    y = a[:, 0].astype(np.int32)
    x = (a[:, 1:] / 255.0).astype(np.float32).reshape(-1, 28, 28, 1)
    log(f"loaded {path}: {len(y)} rows in {time.perf_counter() - t:.1f}s")
    return x, y


def seed_cnn():
    L = keras.layers
    m = keras.Sequential([
        L.InputLayer(shape=(28, 28, 1)),
        L.Conv2D(32, (3, 3), activation="relu"),
        L.MaxPooling2D((2, 2)),
        L.Flatten(),
        L.Dense(128, activation="relu"),
        L.Dense(10, activation="softmax"),
    ])
    m.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001),
              loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return m


class EpochTimer(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.seconds, self.loss, self.accuracy = [], [], []

    def on_epoch_begin(self, epoch, logs=None):
        self._t = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        dt = time.perf_counter() - self._t
        logs = logs or {}
        self.seconds.append(dt)
        self.loss.append(float(logs.get("loss", float("nan"))))
        self.accuracy.append(float(logs.get("accuracy", float("nan"))))
        log(f"epoch {epoch + 1}: {dt:.2f}s loss {self.loss[-1]:.4f} acc {self.accuracy[-1]:.4f}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", required=True)
    ap.add_argument("--test", required=True)
    ap.add_argument("--epochs", type=int, default=int(os.environ.get("EPOCHS", "5")))
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    keras.utils.set_random_seed(args.seed)
    x, y = load_csv(args.train)
    xt, yt = load_csv(args.test)

    model = seed_cnn()
    timer = EpochTimer()
    model.fit(x, y, epochs=args.epochs, batch_size=args.batch_size, verbose=0, callbacks=[timer])

    test_loss, test_acc = model.evaluate(xt, yt, batch_size=256, verbose=0)

    x1 = tf.constant(xt[:1])
    for _ in range(10):
        model(x1, training=False)
    lat = []
    for _ in range(200):
        t = time.perf_counter()
        model(x1, training=False).numpy()
        lat.append((time.perf_counter() - t) * 1000.0)

    model.predict(xt[:256], batch_size=256, verbose=0)  # warm-up / tracing
    t = time.perf_counter()
    model.predict(xt, batch_size=256, verbose=0)
    pred_s = time.perf_counter() - t

    print(json.dumps({
        "tool": "keras",
        "tf": tf.__version__,
        "keras": keras.__version__,
        "cpus": os.cpu_count(),
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "epoch_seconds": timer.seconds,
        "train_loss": timer.loss,
        "train_accuracy": timer.accuracy,
        "test_loss": float(test_loss),
        "test_accuracy": float(test_acc),
        "single_ms": statistics.median(lat),
        "predict_samples_per_s": len(xt) / pred_s,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
    }), flush=True)


if __name__ == "__main__":
    main()
