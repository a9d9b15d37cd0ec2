#!/usr/bin/env python3
"""Push-to-published latency across a fleet of git-sync replicas (run by bench/fleet.sh).

For each push: wait until the fleet is idle (its cgroup uses under 5% of a core for 3 s) plus a
random 0-1 s, commit a one-file change to the source repository, send one signed GitHub-style
push webhook to one replica (a different one each time, as a Service would pick), then read
every replica's link (readlink, every 5 ms) until all name the new commit. Reports, over all
pushes, p50/p95 of the slowest replica (the time until the whole fleet serves the push), of the
median replica and of the fastest, the webhook's answer time, and the fan-out's delivery time:
from sending the webhook until the last replica logged the trigger ("push trigger queued").
"""
import argparse
import datetime
import hashlib
import hmac
import json
import math
import os
import random
import re
import subprocess
import time
import urllib.request


def percentile(values, p):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(len(ordered) * p / 100) - 1)]


def summary(label, seconds):
    ms = [s * 1000 for s in seconds]
    return f"{label}: p50 {percentile(ms, 50):.0f} ms, p95 {percentile(ms, 95):.0f} ms, max {max(ms):.0f} ms"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--replicas", type=int, required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--repo", required=True)
    ap.add_argument("--roots", required=True)
    ap.add_argument("--secret", required=True)
    ap.add_argument("--pushes", type=int, default=20)
    ap.add_argument("--client-cgroup", required=True)
    a = ap.parse_args()
    n = a.replicas
    links = [f"{a.roots}/root-{i}/link" for i in range(1, n + 1)]
    addresses = [f"127.0.0.{i + 1}" for i in range(1, n + 1)]

    def cpu_ns():
        with open(f"{a.client_cgroup}/cpuacct.usage") as f:
            return int(f.read())

    def settle():
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            before = cpu_ns()
            time.sleep(3)
            if (cpu_ns() - before) / 3e9 < 0.05:
                return

    def published(link, commit):
        try:
            return os.path.basename(os.readlink(link)) == commit
        except OSError:
            return False

    def git(*args):
        return subprocess.run(["git", "-C", a.repo, *args], check=True, capture_output=True, text=True).stdout.strip()

    slowest, median, fastest, answers, sent = [], [], [], [], []
    for k in range(a.pushes):
        settle()
        time.sleep(random.random())
        with open(os.path.join(a.repo, "fleet-push.txt"), "w") as f:
            f.write(f"push {k} at {time.time()}\n")
        git("add", "fleet-push.txt")
        git("-c", "user.name=bench", "-c", "user.email=bench@example.invalid", "commit", "-qm", f"fleet push {k}")
        commit = git("rev-parse", "HEAD")
        body = json.dumps({"ref": "refs/heads/main", "before": "0" * 40, "after": commit,
                           "repository": {"full_name": "bench/fleet", "default_branch": "main"}}).encode()
        signature = "sha256=" + hmac.new(a.secret.encode(), body, hashlib.sha256).hexdigest()
        origin = k % n
        request = urllib.request.Request(f"http://{addresses[origin]}:{a.port}/trigger", data=body, method="POST", headers={
            "Content-Type": "application/json", "X-GitHub-Event": "push", "X-Hub-Signature-256": signature})
        sent.append(time.time())
        start = time.monotonic()
        with urllib.request.urlopen(request, timeout=60) as response:
            status = response.status
        answers.append(time.monotonic() - start)
        done = [None] * n
        while any(d is None for d in done):
            now = time.monotonic()
            for i in range(n):
                if done[i] is None and published(links[i], commit):
                    done[i] = now - start
            if now - start > 900:
                raise SystemExit(f"push {k}: not every replica published {commit} within 900 s: {done}")
            time.sleep(0.005)
        ordered = sorted(done)
        slowest.append(ordered[-1])
        median.append(ordered[len(ordered) // 2])
        fastest.append(ordered[0])
        print(f"push {k + 1:2d} to replica {origin + 1:2d}: answered {status} in {answers[-1] * 1000:.0f} ms; "
              f"published by the first replica after {ordered[0] * 1000:.0f} ms, the median {median[-1] * 1000:.0f} ms, "
              f"all {n} after {ordered[-1] * 1000:.0f} ms", flush=True)

    # Fan-out delivery, from the logs: the k-th "push trigger queued" of each replica is push k.
    queued = []
    for i in range(1, n + 1):
        times = []
        with open(f"{a.roots}/log-{i}") as f:
            for line in f:
                if '"msg":"push trigger queued"' in line:
                    ts = re.search(r'"ts":"([^"]+)"', line).group(1)
                    times.append(datetime.datetime.strptime(ts, "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=datetime.timezone.utc).timestamp())
        queued.append(times)
    delivered = []
    if all(len(t) == a.pushes for t in queued):
        delivered = [max(t[k] for t in queued) - sent[k] for k in range(a.pushes)]
    else:
        print(f"(queued triggers per replica: {[len(t) for t in queued]}; expected {a.pushes} each)")

    forwards = {}
    for address in addresses:
        with urllib.request.urlopen(f"http://{address}:{a.port}/metrics", timeout=30) as response:
            for line in response.read().decode().splitlines():
                m = re.match(r'git_sync_push_trigger_forwards_total\{result="(\w+)"\} (\S+)', line)
                if m:
                    forwards[m.group(1)] = forwards.get(m.group(1), 0) + float(m.group(2))

    print(f"(d) push-to-published across {n} replicas, {a.pushes} pushes:")
    print("  " + summary("slowest replica (whole fleet)", slowest))
    print("  " + summary("median replica", median))
    print("  " + summary("fastest replica", fastest))
    print("  " + summary("webhook answered", answers))
    if delivered:
        print("  " + summary("fan-out: webhook sent -> last replica queued the trigger", delivered))
    print(f"  forwards by result, whole fleet: {json.dumps(forwards, sort_keys=True)} (expected delivered = {a.pushes * (n - 1)})")


if __name__ == "__main__":
    main()
