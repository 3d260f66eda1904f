"""B6 over HTTP: how soon a queued job starts, and how soon its events reach
an SSE client. Standard library only.

For each of --jobs jobs (run one after another, the queue otherwise empty):
POST /api/v1/jobs, then follow GET /api/v1/jobs/{id}/events.
  start_ms    the 'running' status event's server time minus the POST's send time
  seen_ms     when that event reached the client, minus the POST's send time
  delivery_ms for every live event: arrival time minus the event's server time
              (`unix_time`), for 'epoch' and 'progress' events
Both clocks are this machine's. Prints one JSON line; the last job's model
version is the one the caller deploys.
"""

import argparse
import http.client
import json
import statistics
import sys
import time
from urllib.parse import urlparse


def percentile(values, q):
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--model", required=True, help="Keras to_json() file")
    parser.add_argument("--register-as", default="mnist-cnn")
    parser.add_argument("--jobs", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args()
    url = urlparse(args.url)
    headers = {"Authorization": f"Bearer {args.key}", "Content-Type": "application/json"}
    with open(args.model) as file:
        model = json.load(file)
    body = json.dumps({
        "dataset": args.dataset, "target": "label", "model": model,
        "preprocessing": {"rescale": 1 / 255},
        "training": {"epochs": args.epochs, "batch_size": 32, "optimizer": "adam", "learning_rate": 0.001,
                     "loss": "sparse_categorical_crossentropy", "metrics": ["accuracy"], "seed": 0},
        "register_as": args.register_as,
    })
    starts, seen, epoch_delivery, progress_delivery, versions = [], [], [], [], []
    for _ in range(args.jobs):
        post = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        sent = time.time()
        post.request("POST", "/api/v1/jobs", body=body, headers=headers)
        answer = post.getresponse()
        job = json.loads(answer.read())
        if answer.status != 201:
            sys.exit(f"POST /api/v1/jobs: {answer.status} {job}")
        stream = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
        stream.request("GET", f"/api/v1/jobs/{job['id']}/events", headers=headers)
        events = stream.getresponse()
        subscribed = time.time()
        kind = None
        while True:
            line = events.readline()
            if not line:
                break
            arrived = time.time()
            line = line.decode().rstrip("\n")
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: "):
                data = json.loads(line[6:])
                produced = data.get("unix_time")
                if kind == "status" and data.get("status") == "running":
                    starts.append((produced - sent) * 1000)
                    seen.append((arrived - sent) * 1000)
                if produced and produced >= subscribed:  # live, not replayed
                    if kind == "epoch":
                        epoch_delivery.append((arrived - produced) * 1000)
                    elif kind == "progress":
                        progress_delivery.append((arrived - produced) * 1000)
                if kind == "status" and data.get("final"):
                    if data.get("status") != "succeeded":
                        sys.exit(f"job {job['id']} ended {data}")
                    versions.append(data.get("model", {}).get("version"))
                    break
        stream.close()
        post.close()
    print(json.dumps({
        "jobs": args.jobs,
        "start_ms_median": statistics.median(starts), "start_ms_max": max(starts),
        "seen_ms_median": statistics.median(seen),
        "epoch_delivery_ms_median": percentile(epoch_delivery, 50), "epoch_delivery_ms_max": max(epoch_delivery, default=None),
        "progress_delivery_ms_median": percentile(progress_delivery, 50),
        "progress_delivery_ms_max": max(progress_delivery, default=None),
        "live_events": len(epoch_delivery) + len(progress_delivery),
        "model_version": versions[-1],
    }))


if __name__ == "__main__":
    main()
