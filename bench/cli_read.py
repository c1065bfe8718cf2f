#!/usr/bin/env python3
"""Contender (c): the AWS CLI in a loop, one process per call, as a shell script would do it:
`aws kinesis get-shard-iterator` once per shard, then `aws kinesis get-records --shard-iterator IT`
(no --limit) again and again with NextShardIterator until the tip (an empty answer with
MillisBehindLatest 0). This driver only starts the processes and parses their JSON output.

    python3 bench/cli_read.py --endpoint URL --stream NAME [--shards N]

--shards N reads only the first N shards (the CLI is slow: the benchmark reads one shard and
extrapolates to the whole stream). Prints RESULT {json} with the time of the read."""
import argparse
import json
import subprocess
import time


def aws(*args):
    out = subprocess.run(["aws", *args, "--output", "json"], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--endpoint", required=True)
    p.add_argument("--stream", required=True)
    p.add_argument("--shards", type=int)
    a = p.parse_args()
    ep = ["--endpoint-url", a.endpoint]
    t0 = time.perf_counter()
    shards = aws("kinesis", "list-shards", "--stream-name", a.stream, *ep)["Shards"]
    total_shards = len(shards)
    if a.shards:
        shards = shards[:a.shards]
    records = calls = 0
    processes = 1  # list-shards
    for shard in shards:
        it = aws("kinesis", "get-shard-iterator", "--stream-name", a.stream, "--shard-id", shard["ShardId"],
                 "--shard-iterator-type", "TRIM_HORIZON", *ep)["ShardIterator"]
        processes += 1
        while it:
            response = aws("kinesis", "get-records", "--shard-iterator", it, *ep)
            processes += 1
            calls += 1
            records += len(response["Records"])
            if not response["Records"] and response.get("MillisBehindLatest", 0) == 0:
                break
            it = response.get("NextShardIterator")
    seconds = time.perf_counter() - t0
    print("RESULT " + json.dumps({"contender": "cli", "records": records, "calls": calls, "processes": processes,
                                  "shardsRead": len(shards), "shardsTotal": total_shards, "seconds": seconds}))


if __name__ == "__main__":
    main()
