#!/usr/bin/env python3
"""Contender (b): the seed's approach with boto3. One client; for each shard in turn,
GetShardIterator(TRIM_HORIZON), then get_records(ShardIterator=...) again and again with the
NextShardIterator, no Limit and no sleep, until the shard's tip (an empty answer with
MillisBehindLatest 0: the seed loops forever, a benchmark has to stop). Records are counted and
their Data lengths summed (boto3 has already decoded base64 and parsed timestamps).

    python3 bench/boto3_read.py --endpoint URL --stream NAME [--warm NAME] [--shards N] [--max-records N]

Credentials and region from the environment. Prints RESULT {json}; "seconds" covers the read only
(client created and warmed up first)."""
import argparse
import json
import time

import boto3
from botocore.config import Config


def read_stream(kinesis, stream, max_shards=None, max_records=None):
    records = payload = calls = 0
    shards = kinesis.list_shards(StreamName=stream)["Shards"]
    if max_shards:
        shards = shards[:max_shards]
    for shard in shards:
        it = kinesis.get_shard_iterator(StreamName=stream, ShardId=shard["ShardId"],
                                        ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        while it:
            response = kinesis.get_records(ShardIterator=it)
            calls += 1
            batch = response["Records"]
            records += len(batch)
            for r in batch:
                payload += len(r["Data"])
            if not batch and response.get("MillisBehindLatest", 0) == 0:
                break
            if max_records and records >= max_records:
                return records, payload, calls, len(shards)
            it = response.get("NextShardIterator")
    return records, payload, calls, len(shards)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--endpoint", required=True)
    p.add_argument("--stream", required=True)
    p.add_argument("--warm")
    p.add_argument("--shards", type=int)
    p.add_argument("--max-records", type=int, help="stop after this many records (a rate, not a whole read)")
    a = p.parse_args()
    kinesis = boto3.client("kinesis", endpoint_url=a.endpoint,
                           config=Config(retries={"max_attempts": 10, "mode": "standard"}, read_timeout=300))
    if a.warm:
        read_stream(kinesis, a.warm)
    t0, c0 = time.perf_counter(), time.process_time()
    records, payload, calls, shards = read_stream(kinesis, a.stream, a.shards, a.max_records)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    print("RESULT " + json.dumps({"contender": "boto3", "records": records, "bytes": payload, "calls": calls,
                                  "shards": shards, "seconds": seconds, "cpuSeconds": cpu}))


if __name__ == "__main__":
    main()
