#!/usr/bin/env python3
"""moto's own server (the same WSGI app and werkzeug server that `moto_server` runs), with
Kinesis streams filled before it starts listening.

    python3 bench/moto_bench_server.py --port PORT --size 200 \
        --stream NAME:SHARDS:RECORDS[:ACCOUNT] [--stream ...]

Why not `moto_server` + PutRecords: moto's Shard.put_record lists every key of the shard to find
the last sequence number, so filling a shard is quadratic; 200,000 records over HTTP take many
minutes on this machine. Here the records are created directly in moto's backend
(moto.kinesis.models.Record, sequence numbers 1..n per shard, exactly what put_record stores),
spread evenly over the shards, with arrival times 0.25 ms apart (as a fast producer would leave
them), so MillisBehindLatest stays above zero until a shard's last page. GetRecords, ListShards,
GetShardIterator and STS are then answered by unmodified moto code over HTTP.

Payloads are SIZE bytes of printable ASCII starting with "rec-<n>-". ACCOUNT (default moto's
123456789012) puts the stream in another account: AssumeRole into arn:aws:iam::ACCOUNT:role/x
reaches it (moto needs no role without IAM enforcement).
"""
import argparse
import base64
import datetime
import gc
import os
import random
import sys
import time

from werkzeug.serving import run_simple

from moto.core.utils import unix_time, utcnow
from moto.kinesis.models import Record, kinesis_backends
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

REGION = "us-east-1"
DEFAULT_ACCOUNT = "123456789012"


def fill(spec, size):
    parts = spec.split(":")
    name, shards, records = parts[0], int(parts[1]), int(parts[2])
    account = parts[3] if len(parts) > 3 else DEFAULT_ACCOUNT
    backend = kinesis_backends[account][REGION]
    stream = backend.create_stream(name, shards)
    shard_list = list(stream.shards.values())
    rnd = random.Random(42)
    alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    filler = bytes(rnd.choice(alphabet) for _ in range(size + 64))
    start = utcnow() - datetime.timedelta(seconds=records * 0.00025 + 5)
    for i in range(records):
        shard = shard_list[i % shards]
        head = f"rec-{i:08d}-".encode()
        offset = i % 64
        data = head + filler[offset:offset + max(0, size - len(head))]
        seq = len(shard.records) + 1
        r = Record(f"pk-{i % 1000}", base64.b64encode(data).decode("ascii"), seq, None)
        r.created_at_datetime = start + datetime.timedelta(seconds=i * 0.00025)
        r.created_at = unix_time(r.created_at_datetime)
        shard.records[seq] = r
    return f"{name}({account}): {shards} shards, {records} records of {size} bytes"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--size", type=int, default=200)
    p.add_argument("--stream", action="append", default=[])
    a = p.parse_args()
    os.environ.setdefault("MOTO_PORT", str(a.port))

    t0 = time.perf_counter()
    for spec in a.stream:
        print("filled " + fill(spec, a.size), flush=True)
    print(f"filled in {time.perf_counter() - t0:.1f} s; serving on 127.0.0.1:{a.port}", flush=True)

    # The 200,000 stored records would otherwise be traversed by every full collection of
    # Python's cyclic GC, at moments that depend on the request pattern: frozen, they are not.
    gc.collect()
    gc.freeze()
    app = DomainDispatcherApplication(create_backend_app)
    app.debug = True  # as moto_server sets it
    run_simple("127.0.0.1", a.port, app, threaded=True, use_reloader=False)


if __name__ == "__main__":
    sys.exit(main())
