"""B5: scikit-learn and Orchard side by side on the same splits, in one run.

Both sides fit on identical CSV files (the fixtures' fixed splits, MNIST from
~/.cache/orchard/mnist) with the same preprocessing (StandardScaler /
MinMaxScaler ↔ `--scale standard|minmax`), the same parameters and seed 0.
Fit time is the estimator's fit only (no file reading, no scaling) on both
sides: sklearn's `fit` wall time; Orchard's `train_seconds` from
`orchard train --json`; on the small sets the best of 3 on both sides (one
fit each on MNIST). Forests use both cores on both sides (n_jobs=-1).
"""
import argparse
import json
import os
import subprocess
import sys
import time
import warnings

import numpy as np
import sklearn
from sklearn.cluster import DBSCAN, KMeans
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, adjusted_rand_score, r2_score
from sklearn.naive_bayes import GaussianNB, MultinomialNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn.svm import SVC, SVR, LinearSVC
from sklearn.tree import DecisionTreeClassifier

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FIXTURES = os.path.join(ROOT, "Tests", "ClassicMLTests", "Fixtures")
MNIST = os.path.expanduser("~/.cache/orchard/mnist")

SKLEARN = {
    "logistic_regression": lambda p, seed: LogisticRegression(**p),
    "linear_regression": lambda p, seed: LinearRegression(**p),
    "ridge": lambda p, seed: Ridge(**p),
    "decision_tree": lambda p, seed: DecisionTreeClassifier(random_state=seed, **p),
    "random_forest": lambda p, seed: RandomForestClassifier(random_state=seed, n_jobs=-1, **p),
    "knn": lambda p, seed: KNeighborsClassifier(**p),
    "gaussian_nb": lambda p, seed: GaussianNB(**p),
    "kmeans": lambda p, seed: KMeans(random_state=seed, **p),
    "svc": lambda p, seed: SVC(random_state=seed, **p),
    "svr": lambda p, seed: SVR(**p),
    "linear_svc": lambda p, seed: LinearSVC(random_state=seed, **p),
    "multinomial_nb": lambda p, seed: MultinomialNB(**p),
    "dbscan": lambda p, seed: DBSCAN(**p),
}


def workloads(quick):
    tabular = []
    for data in ["iris", "wine", "breast_cancer"]:
        tabular += [(data, "logistic_regression", {}, "standard"), (data, "decision_tree", {}, None),
                    (data, "random_forest", {}, None), (data, "knn", {}, "standard"), (data, "gaussian_nb", {}, None),
                    (data, "kmeans", {"n_clusters": {"iris": 3, "wine": 3, "breast_cancer": 2}[data], "n_init": 10},
                     "standard")]
    for data in ["iris", "wine", "breast_cancer"]:
        tabular += [(data, "svc", {}, "standard"), (data, "svc", {"probability": True}, "standard"),
                    (data, "linear_svc", {}, "standard"), (data, "multinomial_nb", {}, None),
                    (data, "dbscan", {"eps": {"iris": 0.8, "wine": 2.0, "breast_cancer": 2.5}[data]}, "standard")]
    tabular += [("diabetes", "linear_regression", {}, None), ("diabetes", "ridge", {"alpha": 1.0}, None),
                ("diabetes", "svr", {"C": 50.0, "epsilon": 10.0}, "standard")]
    mnist = [("mnist", "logistic_regression", {}, "minmax"),
             ("mnist", "random_forest", {"n_estimators": 20 if quick else 50}, None),
             ("mnist", "kmeans", {"n_clusters": 10}, "minmax")]
    return tabular + mnist


def paths(data):
    if data == "mnist":
        return os.path.join(MNIST, "mnist_train.csv"), os.path.join(MNIST, "mnist_test.csv"), "label"
    return os.path.join(FIXTURES, f"{data}_train.csv"), os.path.join(FIXTURES, f"{data}_test.csv"), "target"


_cache = {}


def load(data):
    if data not in _cache:
        train, test, target = paths(data)
        arrays = []
        for path in (train, test):
            with open(path) as f:
                header = f.readline().strip().split(",")
            values = np.loadtxt(path, delimiter=",", skiprows=1)
            t = header.index(target)
            arrays += [np.delete(values, t, axis=1), values[:, t]]
        _cache[data] = arrays
    return _cache[data]


def run_sklearn(data, estimator, params, scale, seed=0):
    x_train, y_train, x_test, y_test = load(data)
    if scale:
        scaler = (StandardScaler() if scale == "standard" else MinMaxScaler()).fit(x_train)
        x_train, x_test = scaler.transform(x_train), scaler.transform(x_test)
    # Small sets: the best of 3 fits, so sklearn's first-call overheads do not count against it.
    seconds = float("inf")
    for _ in range(1 if data == "mnist" else 3):
        model = SKLEARN[estimator](dict(params), seed)
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # SVC(probability=True) is deprecated in 1.9
            model.fit(x_train, y_train if estimator not in ("kmeans", "dbscan") else None)
        seconds = min(seconds, time.perf_counter() - start)
    if estimator == "dbscan":
        # sklearn's DBSCAN has no predict: Orchard's rule (nearest core sample within eps, else noise).
        cores, core_labels = model.components_, model.labels_[model.core_sample_indices_]
        distances = np.sqrt(((x_test[:, None, :] - cores[None, :, :]) ** 2).sum(axis=2))
        nearest = distances.argmin(axis=1)
        predicted = np.where(distances[np.arange(len(x_test)), nearest] <= model.eps, core_labels[nearest], -1)
        return seconds, {"adjusted_rand": adjusted_rand_score(y_test, predicted)}, {}
    predicted = model.predict(x_test)
    if estimator == "kmeans":
        return seconds, {"adjusted_rand": adjusted_rand_score(y_test, predicted), "inertia": -model.score(x_test)}, \
            {"n_iter": int(model.n_iter_)}
    if estimator in ("linear_regression", "ridge", "svr"):
        return seconds, {"r2": r2_score(y_test, predicted)}, {}
    return seconds, {"accuracy": accuracy_score(y_test, predicted)}, {}


def run_orchard(orchard, data, estimator, params, scale, out, seed=0):
    train, test, target = paths(data)
    command = [orchard, "train", "--estimator", estimator, "--data", train, "--target", target, "--test", test,
               "--seed", str(seed), "--out", out, "--json"]
    for key, value in params.items():
        command += ["--param", f"{key}={value}"]
    if scale:
        command += ["--scale", scale]
    # Small sets: the best of 3 runs, as for sklearn (each run is a fresh process).
    seconds = float("inf")
    for _ in range(1 if data == "mnist" else 3):
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)}\n{done.stderr}")
        result = json.loads(done.stdout.strip().splitlines()[-1])
        seconds = min(seconds, result["train_seconds"])
    extra = {}
    if estimator == "kmeans":
        with open(os.path.join(out, "model.json")) as f:
            extra["n_iter"] = int(json.load(f)["estimator"]["state"]["n_iter"])
    return seconds, result["metrics"], extra


def mean_run(runs):
    """(seconds, metrics, extra) averaged over seeds."""
    mean = lambda values: sum(values) / len(values)
    metrics = {key: mean([m[key] for _, m, _ in runs if key in m]) for key in runs[0][1]}
    extra = {key: round(mean([e[key] for _, _, e in runs])) for key in runs[0][2]}
    return mean([seconds for seconds, _, _ in runs]), metrics, extra


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--orchard", default=os.path.join(ROOT, ".build", "release", "orchard"))
    parser.add_argument("--quick", action="store_true", help="fewer MNIST trees")
    parser.add_argument("--only", default=None, help="comma-separated datasets")
    parser.add_argument("--estimators", default=None, help="comma-separated estimators")
    parser.add_argument("--seeds", type=int, default=1,
                        help="run each row with seeds 0..N-1 on both sides; report mean metric and mean fit time")
    parser.add_argument("--json-out", default=os.path.join(ROOT, "bench", "out", "classic.json"))
    args = parser.parse_args()
    os.makedirs(os.path.dirname(args.json_out), exist_ok=True)
    rows = []
    print(f"scikit-learn {sklearn.__version__}, numpy {np.__version__}; orchard {args.orchard}")
    header = f"{'dataset':14} {'estimator':20} {'metric':14} {'sklearn':>8} {'orchard':>8} {'Δ pts':>7}  " \
             f"{'fit sk s':>9} {'fit orc s':>9} {'ratio':>6}"
    print(header)
    print("-" * len(header))
    for data, estimator, params, scale in workloads(args.quick):
        if args.only and data not in args.only.split(","):
            continue
        if args.estimators and estimator not in args.estimators.split(","):
            continue
        tag = "".join(f"-{key}{value}" for key, value in params.items())
        out = os.path.join(ROOT, "bench", "out", "classic-models", f"{data}-{estimator}{tag}")
        runs = [(run_sklearn(data, estimator, params, scale, seed),
                 run_orchard(args.orchard, data, estimator, params, scale, out, seed)) for seed in range(args.seeds)]
        sk_seconds, sk_metrics, sk_extra = mean_run([sk for sk, _ in runs])
        or_seconds, or_metrics, or_extra = mean_run([orc for _, orc in runs])
        metric = next(iter(sk_metrics))
        sk_value, or_value = sk_metrics[metric], or_metrics.get(metric, float("nan"))
        ratio = or_seconds / sk_seconds if sk_seconds > 0 else float("nan")
        label = estimator + ("+proba" if params.get("probability") else "")
        note = f"  n_iter {sk_extra['n_iter']} / {or_extra['n_iter']}" if "n_iter" in sk_extra else ""
        print(f"{data:14} {label:20} {metric:14} {sk_value:8.4f} {or_value:8.4f} {100 * (or_value - sk_value):+7.2f}  "
              f"{sk_seconds:9.4f} {or_seconds:9.4f} {ratio:6.2f}{note}", flush=True)
        rows.append({"dataset": data, "estimator": estimator, "params": params, "scale": scale, "metric": metric,
                     "sklearn": sk_value, "orchard": or_value, "sklearn_fit_seconds": sk_seconds,
                     "orchard_fit_seconds": or_seconds, "ratio": ratio, "sklearn_extra": sk_extra,
                     "orchard_extra": or_extra})
    with open(args.json_out, "w") as f:
        json.dump({"sklearn_version": sklearn.__version__, "rows": rows}, f, indent=1)
    print(f"wrote {args.json_out}")


if __name__ == "__main__":
    main()
