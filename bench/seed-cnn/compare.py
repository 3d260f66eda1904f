"""Side-by-side table of the Keras and Orchard seed-CNN results.

python3 bench/seed-cnn/compare.py KERAS.json ORCHARD.json [--out bench/out/seed-cnn.json]
Either input may be missing; its column is then left blank.
"""

import argparse
import json
import os


def load(path):
    try:
        with open(path) as f:
            lines = [l for l in f.read().splitlines() if l.strip()]
        return json.loads(lines[-1]) if lines else {}
    except (OSError, ValueError):
        return {}


def mean(xs):
    return sum(xs) / len(xs) if xs else None


def summary(r):
    ep = r.get("epoch_seconds") or []
    return {
        "epochs": len(ep),
        "epoch_s_mean_all": mean(ep),
        "epoch_s_mean_after_first": mean(ep[1:]) if len(ep) > 1 else None,
        "test_accuracy": r.get("test_accuracy"),
        "peak_rss_mb": r.get("peak_rss_mb"),
        "single_ms": r.get("single_ms"),
        "predict_samples_per_s": r.get("predict_samples_per_s"),
    }


def ratio(a, b):
    return a / b if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b else None


def fmt(v):
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.4f}" if abs(v) < 10 else f"{v:.1f}"
    return str(v)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("keras")
    ap.add_argument("orchard")
    ap.add_argument("--out", default="bench/out/seed-cnn.json")
    args = ap.parse_args()

    k, o = load(args.keras), load(args.orchard)
    ks, os_ = summary(k), summary(o)
    ratios = {key: ratio(os_[key], ks[key]) for key in
              ("epoch_s_mean_all", "epoch_s_mean_after_first", "peak_rss_mb",
               "single_ms", "predict_samples_per_s")}

    rows = [
        ("epochs", "epochs"),
        ("mean epoch s (all)", "epoch_s_mean_all"),
        ("mean epoch s (excl. 1st)", "epoch_s_mean_after_first"),
        ("test accuracy", "test_accuracy"),
        ("peak RSS MB", "peak_rss_mb"),
        ("single-sample ms", "single_ms"),
        ("predict samples/s", "predict_samples_per_s"),
    ]
    print(f"{'metric':<26}{'keras':>14}{'orchard':>14}{'orchard/keras':>15}")
    for label, key in rows:
        print(f"{label:<26}{fmt(ks[key]):>14}{fmt(os_[key]):>14}{fmt(ratios.get(key)):>15}")

    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    with open(args.out, "w") as f:
        json.dump({"keras": k, "orchard": o, "summary": {"keras": ks, "orchard": os_},
                   "ratio_orchard_over_keras": ratios}, f, indent=2)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
