"""Regenerate the Keras golden fixtures used by Tests/NeuralNetTests.

    bench/.venv/bin/python bench/golden/make_keras_fixtures.py

CPU only and deterministic. Writes into Tests/NeuralNetTests/Fixtures/:
  keras3_seed_cnn.json, tfkeras2_seed_cnn.json       exact model.to_json()
  keras3_all_layers.json, tfkeras2_all_layers.json   exact model.to_json()
  layers_golden.json     per-layer forward/backward cases (Keras 3)
  seed_cnn_step.json     one Adam step of the seed CNN, inputs given by formulas
  generator.json         versions used (the to_json files are kept byte-exact)
and bench/seed-cnn/seed_cnn.json (same text as keras3_seed_cnn.json).
"""

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
os.environ["KERAS_BACKEND"] = "tensorflow"

import numpy as np
import tensorflow as tf
import keras

try:
    import tf_keras
except ImportError:  # legacy fixtures are skipped
    tf_keras = None

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "Tests", "NeuralNetTests", "Fixtures")

GENERATOR = {
    "script": "bench/golden/make_keras_fixtures.py",
    "tensorflow": tf.__version__,
    "keras": keras.__version__,
    "tf_keras": getattr(tf_keras, "__version__", None),
    "numpy": np.__version__,
    "backend": keras.backend.backend(),
}

tf.config.experimental.enable_op_determinism()


def flat(a):
    """float32 values as short decimal strings that round-trip exactly to Float."""
    return [float(str(v)) for v in np.asarray(a, dtype=np.float32).ravel()]


WRITTEN = []


def write(name, obj=None, text=None):
    WRITTEN.append(name)
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        if text is not None:
            f.write(text)
        else:
            json.dump(obj, f, separators=(",", ":"))
    print(f"wrote {os.path.relpath(path, ROOT)} ({os.path.getsize(path)} bytes)")


# ---------------------------------------------------------------- models


def keras3_seed_cnn():
    keras.backend.clear_session()
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


def tfkeras2_seed_cnn():
    # Classic Keras 2 style: input_shape on the first layer.
    tf_keras.backend.clear_session()
    L = tf_keras.layers
    m = tf_keras.Sequential([
        L.Conv2D(32, (3, 3), activation="relu", input_shape=(28, 28, 1)),
        L.MaxPooling2D((2, 2)),
        L.Flatten(),
        L.Dense(128, activation="relu"),
        L.Dense(10, activation="softmax"),
    ])
    m.compile(optimizer=tf_keras.optimizers.Adam(learning_rate=0.001),
              loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return m


def all_layers(k, legacy):
    k.backend.clear_session()
    L = k.layers
    first = L.InputLayer(input_shape=(8, 8, 3)) if legacy else L.InputLayer(shape=(8, 8, 3))
    m = k.Sequential([
        first,                                                     # 8x8x3
        L.Rescaling(1.0 / 255),
        L.Conv2D(4, 3, padding="same", strides=2, activation="relu"),  # 4x4x4
        L.BatchNormalization(),
        L.Activation("gelu"),
        L.Conv2D(4, (2, 2), padding="valid", activation="tanh",
                 kernel_initializer="he_normal"),                  # 3x3x4
        L.MaxPooling2D(2, padding="same"),                         # 2x2x4
        L.AveragePooling2D(pool_size=1),                           # 2x2x4
        L.Dropout(0.25),
        L.Flatten(),                                               # 16
        L.Dense(16, activation="leaky_relu"),
        L.Reshape((4, 4)),
        L.Flatten(),
        L.Dense(3, activation="sigmoid", kernel_initializer="glorot_normal",
                bias_initializer="ones"),
    ])
    assert tuple(m.output_shape) == (None, 3), m.output_shape
    return m


# ---------------------------------------------------------------- layer cases

L = keras.layers


def layer_cases():
    return [
        # name, layer factory, input shape (with batch), training, extra
        ("dense_relu", lambda: L.Dense(4, activation="relu"), (3, 5), True, {}),
        ("dense_softmax", lambda: L.Dense(4, activation="softmax"), (3, 5), True, {}),
        ("conv2d_valid_3x3_relu", lambda: L.Conv2D(3, 3, activation="relu"), (2, 6, 6, 2), True, {}),
        ("conv2d_same_stride2_5x5", lambda: L.Conv2D(3, 3, strides=2, padding="same"), (2, 5, 5, 2), True,
         {"note": "5x5, k3, s2: total pad 2 (1 before, 1 after)"}),
        ("conv2d_same_stride2_6x6_asym", lambda: L.Conv2D(3, 3, strides=2, padding="same"), (2, 6, 6, 2), True,
         {"note": "6x6, k3, s2: total pad 1 (0 before, 1 after)"}),
        ("conv2d_valid_strides_2_1", lambda: L.Conv2D(2, (3, 2), strides=(2, 1), padding="valid"), (2, 7, 5, 2), True, {}),
        ("maxpool_2x2_valid", lambda: L.MaxPooling2D((2, 2)), (2, 5, 4, 3), True, {}),
        ("maxpool_3_stride2_same", lambda: L.MaxPooling2D(3, strides=2, padding="same"), (2, 6, 6, 2), True, {}),
        ("avgpool_2x2_valid", lambda: L.AveragePooling2D((2, 2)), (2, 4, 5, 2), True, {}),
        ("avgpool_2x2_same", lambda: L.AveragePooling2D((2, 2), padding="same"), (2, 5, 5, 2), True,
         {"note": "same padding: padded cells are excluded from the average"}),
        ("batchnorm_training", lambda: L.BatchNormalization(), (3, 2, 2, 4), True,
         {"note": "training=True normalises with batch stats (biased variance); momentum 0.99, epsilon 0.001"}),
        ("batchnorm_inference", lambda: L.BatchNormalization(), (3, 2, 2, 4), False,
         {"note": "training=False uses moving stats"}),
        ("batchnorm_dense_training", lambda: L.BatchNormalization(), (4, 6), True, {}),
        ("activation_relu", lambda: L.Activation("relu"), (2, 7), True, {}),
        ("activation_sigmoid", lambda: L.Activation("sigmoid"), (2, 7), True, {}),
        ("activation_tanh", lambda: L.Activation("tanh"), (2, 7), True, {}),
        ("activation_softmax", lambda: L.Activation("softmax"), (2, 7), True, {"note": "softmax over last axis"}),
        ("activation_gelu", lambda: L.Activation("gelu"), (2, 7), True,
         {"note": "keras 3 gelu default approximate=False: 0.5*x*(1+erf(x/sqrt(2)))"}),
        ("activation_leaky_relu", lambda: L.Activation("leaky_relu"), (2, 7), True,
         {"note": "keras 3 leaky_relu default negative_slope=0.2"}),
        ("flatten", lambda: L.Flatten(), (2, 3, 2, 2), True, {}),
        ("reshape", lambda: L.Reshape((3, 4)), (2, 12), True, {}),
        ("rescaling", lambda: L.Rescaling(scale=1.0 / 255, offset=0.5), (2, 3, 3, 1), True, {}),
        ("dropout_inference", lambda: L.Dropout(0.5), (2, 6), False, {"note": "identity when training=False"}),
    ]


def run_case(idx, name, make, shape, training, extra):
    keras.backend.clear_session()
    rng = np.random.RandomState(1000 + idx)
    layer = make()
    model = keras.Sequential([L.InputLayer(shape=shape[1:]), layer])
    layer_json = json.loads(model.to_json())["config"]["layers"][1]

    x = rng.uniform(-2.0, 2.0, size=shape).astype(np.float32)
    if name == "rescaling":
        x = rng.randint(0, 256, size=shape).astype(np.float32)

    weights = []
    new_vals = []
    for w in layer.weights:
        short = w.name.split("/")[-1]
        if short == "moving_variance":
            v = rng.uniform(0.5, 2.0, size=w.shape)
        elif short == "gamma":
            v = rng.uniform(0.5, 1.5, size=w.shape)
        else:
            v = rng.uniform(-0.5, 0.5, size=w.shape)
        v = v.astype(np.float32)
        new_vals.append(v)
        weights.append({"name": short, "shape": list(w.shape), "data": flat(v)})
    layer.set_weights(new_vals)

    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = layer(xt, training=training)
        upstream = tf.constant(rng.uniform(-1.0, 1.0, size=y.shape).astype(np.float32))
        obj = tf.reduce_sum(y * upstream)
    trainable = list(layer.trainable_weights)
    grads = tape.gradient(obj, [xt] + trainable)

    case = {
        "name": name,
        "layer": layer_json,
        "input_shape": list(shape),
        "input": flat(x),
        "weights": weights,
        "training": training,
        "output_shape": list(y.shape),
        "output": flat(y.numpy()),
        "upstream": flat(upstream.numpy()),
        "grad_input": flat(grads[0].numpy()),
        "grad_weights": [{"name": w.name.split("/")[-1], "data": flat(g.numpy())}
                         for w, g in zip(trainable, grads[1:])],
    }
    if isinstance(layer, L.BatchNormalization) and training:
        case["updated_moving"] = {
            "momentum": layer.momentum,
            "moving_mean": flat(layer.moving_mean.numpy()),
            "moving_variance": flat(layer.moving_variance.numpy()),
        }
    case.update(extra)
    return case


# ---------------------------------------------------------------- seed CNN step

STEP_FORMULAS = {
    "weights": "k-th array of model.get_weights() (k=0..5: conv kernel (3,3,1,32), conv bias (32), "
               "dense kernel (5408,128), dense bias (128), dense_1 kernel (128,10), dense_1 bias (10)); "
               "i = flat row-major index",
    "kernel": "w[i] = sin(0.37*i + k) / sqrt(fan_in), fan_in = product of all dims but the last",
    "bias": "b[i] = 0.01*sin(i + k)",
    "x": "32 images; x[b, p] = ((b*131 + p*71) % 256) / 255.0, p = 0..783 row-major 28x28x1",
    "y": "y[b] = (b*7) % 10",
    "loss": "mean sparse categorical cross-entropy over the batch",
    "adam": "keras Adam lr 0.001 beta_1 0.9 beta_2 0.999 epsilon 1e-7, one step (t=1): "
            "m = 0.1*g, v = 0.001*g^2, lr_t = lr*sqrt(1-0.999)/(1-0.9), w -= lr_t*m/(sqrt(v)+epsilon)",
    "dtype": "float32 computed in float64 numpy then cast",
}


def seed_cnn_step():
    model = keras3_seed_cnn()
    weights = []
    for k, w in enumerate(model.get_weights()):
        i = np.arange(w.size, dtype=np.float64)
        if w.ndim > 1:
            fan_in = int(np.prod(w.shape[:-1]))
            v = np.sin(0.37 * i + k) / np.sqrt(fan_in)
        else:
            v = 0.01 * np.sin(i + k)
        weights.append(v.reshape(w.shape).astype(np.float32))
    model.set_weights(weights)

    b = np.arange(32)[:, None]
    p = np.arange(784)[None, :]
    x = (((b * 131 + p * 71) % 256) / 255.0).astype(np.float32).reshape(32, 28, 28, 1)
    y = ((np.arange(32) * 7) % 10).astype(np.int32)

    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    xt, yt = tf.constant(x), tf.constant(y)
    with tf.GradientTape() as tape:
        probs = model(xt, training=True)
        loss = loss_fn(yt, probs)
    vars_ = model.trainable_variables
    grads = tape.gradient(loss, vars_)
    g = [t.numpy() for t in grads]

    opt = keras.optimizers.Adam(learning_rate=0.001)
    opt.apply_gradients(zip(grads, vars_))
    loss_after = loss_fn(yt, model(xt, training=True))
    w_after = model.get_weights()

    d1 = g[2].astype(np.float64)
    return {
        "generator": GENERATOR,
        "formulas": STEP_FORMULAS,
        "loss_before": float(loss.numpy()),
        "probs_first_sample": flat(probs.numpy()[0]),
        "grad_conv_kernel": flat(g[0]),
        "grad_conv_bias": flat(g[1]),
        "grad_dense1_kernel_stats": {"sum": float(d1.sum()), "sum_squares": float((d1 * d1).sum()),
                                     "first64": flat(g[2].ravel()[:64])},
        "grad_dense1_bias": flat(g[3]),
        "grad_dense2_kernel": flat(g[4]),
        "grad_dense2_bias": flat(g[5]),
        "after_step": {
            "conv_kernel": flat(w_after[0]),
            "dense2_bias": flat(w_after[5]),
            "dense1_kernel_sum": float(w_after[2].astype(np.float64).sum()),
            "dense1_kernel_first64": flat(w_after[2].ravel()[:64]),
        },
        "loss_after": float(loss_after.numpy()),
    }


def main():
    os.makedirs(OUT, exist_ok=True)
    seed_json = keras3_seed_cnn().to_json()
    write("keras3_seed_cnn.json", text=seed_json)
    with open(os.path.join(ROOT, "bench", "seed-cnn", "seed_cnn.json"), "w") as f:
        f.write(seed_json)  # the model the seed-CNN benchmark trains
    write("keras3_all_layers.json", text=all_layers(keras, legacy=False).to_json())
    if tf_keras is not None:
        write("tfkeras2_seed_cnn.json", text=tfkeras2_seed_cnn().to_json())
        write("tfkeras2_all_layers.json", text=all_layers(tf_keras, legacy=True).to_json())
    else:
        print("tf_keras not installed: skipping tfkeras2_*.json", file=sys.stderr)

    cases = [run_case(i, *c) for i, c in enumerate(layer_cases())]
    write("layers_golden.json", {"generator": GENERATOR, "cases": cases})
    write("seed_cnn_step.json", seed_cnn_step())
    write("generator.json", {"generator": GENERATOR,
                             "files": sorted(WRITTEN)})


if __name__ == "__main__":
    main()
