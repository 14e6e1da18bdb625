#!/usr/bin/env python3
"""bench/serve: calm-run serve under 1, 2, 4, 8 concurrent streams.

Starts `calm-run serve` on loopback, then for each concurrency C runs C
client threads, each sending --requests streamed completions one after
another (a fixed number of tokens: ignore_eos), and reports requests/s and
tokens/s over the wall time of the C streams, the aggregate's ratio to one
stream, and the time to the first chunk (request sent -> first text event)
at p50 and p99, with p99's ratio to the idle (one stream) p50. Standard
library only; prints a Markdown table and the machine's CPU flags.
"""

import argparse
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time


def cpu_flags():
    wanted = ["avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_vnni",
              "avx512_bf16", "amx_tile"]
    try:
        with open("/proc/cpuinfo") as f:
            text = f.read()
    except OSError:
        return "?"
    model = re.search(r"model name\s*:\s*(.*)", text)
    flags = set(re.search(r"flags\s*:\s*(.*)", text).group(1).split())
    return "%s, %d cores; %s" % (model.group(1) if model else "?",
                                 os.cpu_count(),
                                 " ".join(f for f in wanted if f in flags))


def start(args, model):
    cmd = [os.path.join(args.build, "bin", "calm-run"), "serve", "--model",
           model, "--port", "0", "--quiet", "--parallel", str(args.parallel),
           "--max-queue", "64", "--threads", str(args.threads)]
    if args.numerics:
        cmd += ["--numerics", args.numerics]
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)
    line = ""
    for line in proc.stderr:
        m = re.search(r"on http://127\.0\.0\.1:(\d+)", line)
        if m:
            threading.Thread(target=lambda: proc.stderr.read(),
                             daemon=True).start()
            return proc, int(m.group(1)), line.strip()
        sys.stderr.write(line)
    sys.exit("bench_serve: calm-run serve did not start: " + line)


def stream(conn, body):
    """One streamed completion: (seconds to first text, tokens, seconds)."""
    start = time.perf_counter()
    conn.request("POST", "/v1/completions", body=json.dumps(body),
                 headers={"content-type": "application/json"})
    resp = conn.getresponse()
    if resp.status != 200:
        raise RuntimeError("HTTP %d: %s" % (resp.status, resp.read()[:200]))
    first, tokens = None, 0
    while True:
        line = resp.readline()
        if not line:
            break
        if not line.startswith(b"data: "):
            continue
        data = line[6:].strip()
        if data == b"[DONE]":
            break
        event = json.loads(data)
        if "error" in event:
            raise RuntimeError(event["error"]["message"])
        if event.get("usage"):
            tokens = event["usage"]["completion_tokens"]
        elif first is None and event["choices"] and event["choices"][0]["text"]:
            first = time.perf_counter() - start
    resp.read()
    return first, tokens, time.perf_counter() - start


def run_streams(port, streams, requests, max_tokens):
    results, errors = [], []
    lock = threading.Lock()

    def client(w):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        for i in range(requests):
            body = {"prompt": "Call me Ishmael.", "max_tokens": max_tokens,
                    "ignore_eos": True, "seed": 1000 * w + i, "stream": True,
                    "stream_options": {"include_usage": True}}
            try:
                r = stream(conn, body)
                with lock:
                    results.append(r)
            except Exception as e:  # reported, counted as failed
                with lock:
                    errors.append(str(e))
        conn.close()

    threads = [threading.Thread(target=client, args=(w,))
               for w in range(streams)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors, time.perf_counter() - start


def percentile(values, p):
    values = sorted(values)
    k = max(0, min(len(values) - 1, int(round(p / 100 * (len(values) - 1)))))
    return values[k]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--model", action="append", required=True,
                    help="model directory (repeat for several)")
    ap.add_argument("--numerics", default="")
    ap.add_argument("--streams", default="1,2,4,8")
    ap.add_argument("--requests", type=int, default=8,
                    help="requests per stream at each concurrency")
    ap.add_argument("--max-tokens", type=int, default=64)
    ap.add_argument("--threads", type=int, default=0,
                    help="calm-run serve --threads (0: every core)")
    ap.add_argument("--parallel", type=int, default=8)
    args = ap.parse_args()
    counts = [int(c) for c in args.streams.split(",")]
    print("machine: " + cpu_flags())
    print("requests: %d per stream, %d tokens each (ignore_eos), prompt "
          "'Call me Ishmael.', T = 1; server --parallel %d --threads %d%s"
          % (args.requests, args.max_tokens, args.parallel, args.threads,
             " --numerics " + args.numerics if args.numerics else ""))
    print()
    print("| model | streams | requests/s | tokens/s | x 1 stream | "
          "first chunk p50 ms | p99 ms | p99 / idle p50 | failed |")
    print("|---|---|---|---|---|---|---|---|---|")
    for model in args.model:
        proc, port, banner = start(args, model)
        print("<!-- " + banner + " -->", file=sys.stderr)
        run_streams(port, 1, 2, args.max_tokens)  # warm-up
        base, idle = None, None
        for c in counts:
            results, errors, wall = run_streams(port, c, args.requests,
                                                args.max_tokens)
            tokens = sum(r[1] for r in results)
            ttfc = [r[0] for r in results if r[0] is not None]
            rate = tokens / wall
            if base is None:
                base, idle = rate, statistics.median(ttfc)
            print("| %s | %d | %.1f | %.0f | %.2fx | %.1f | %.1f | %.2fx | %d |"
                  % (os.path.basename(model.rstrip("/")), c,
                     len(results) / wall, rate, rate / base,
                     statistics.median(ttfc) * 1e3,
                     percentile(ttfc, 99) * 1e3,
                     percentile(ttfc, 99) / idle, len(errors)), flush=True)
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
