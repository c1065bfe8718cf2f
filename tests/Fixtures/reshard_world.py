#!/usr/bin/env python3
"""Build a resharded stream on kinesis-local (kinesis-mock) with boto3 and print it as one JSON object.

Usage:
    python3 tests/Fixtures/reshard_world.py --endpoint http://127.0.0.1:PORT --account 111122223333 \
        --stream NAME --shards 2 --reshard split|merge|none --before N --after M [--keys K] [--tag TEXT]
        [--existing] [--first-index I]

kinesis-local does not check signatures: the 12-digit access key id picks the account.
Steps: create the stream (wait ACTIVE), put --before records, then
  split : SplitShard shardId-000000000000 at the middle of its hash range,
  merge : MergeShards shardId-000000000000 + shardId-000000000001,
  none  : nothing,
wait ACTIVE again, put --after records. --existing skips the CreateStream (the stream is
already there); --first-index numbers the records from I. Record i has partition key "pk-<i mod K>" and data
"<tag>|<phase>|<partition key>|<i>". Records are put one PutRecords call per phase, in order, so
for each partition key the write order is the order of i.

Output: {stream, account, arn, records:[{partitionKey, data, shardId, sequenceNumber, phase}],
         shards:[{shardId, parentShardId, adjacentParentShardId, closed}]}
An independent reference for the tests: it shares no code with the module.
"""
import argparse
import json
import os
import sys
import time

import boto3
from botocore.config import Config

REGION = "us-east-1"


def wait_active(kinesis, name, timeout=30):
    deadline = time.time() + timeout
    while True:
        status = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamStatus"]
        if status == "ACTIVE":
            return
        if time.time() > deadline:
            raise RuntimeError(f"stream {name} not ACTIVE after {timeout} s (status {status})")
        time.sleep(0.05)


def put(kinesis, name, items, phase):
    written = []
    for start in range(0, len(items), 500):
        batch = items[start:start + 500]
        answer = kinesis.put_records(StreamName=name, Records=[
            {"PartitionKey": pk, "Data": data.encode("utf-8")} for pk, data in batch])
        if answer.get("FailedRecordCount"):
            raise RuntimeError(f"PutRecords rejected {answer['FailedRecordCount']} records: {answer}")
        for (pk, data), result in zip(batch, answer["Records"]):
            written.append({"partitionKey": pk, "data": data, "phase": phase,
                            "shardId": result["ShardId"], "sequenceNumber": result["SequenceNumber"]})
    return written


def list_shards(kinesis, name):
    shards, token = [], None
    while True:
        page = kinesis.list_shards(NextToken=token) if token else kinesis.list_shards(StreamName=name)
        shards.extend(page["Shards"])
        token = page.get("NextToken")
        if not token:
            return shards


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--account", required=True)
    parser.add_argument("--stream", required=True)
    parser.add_argument("--shards", type=int, default=2)
    parser.add_argument("--reshard", choices=["split", "merge", "none"], default="none")
    parser.add_argument("--before", type=int, default=20)
    parser.add_argument("--after", type=int, default=20)
    parser.add_argument("--keys", type=int, default=8)
    parser.add_argument("--tag", default="")
    parser.add_argument("--existing", action="store_true")
    parser.add_argument("--first-index", type=int, default=0)
    args = parser.parse_args()

    for var in list(os.environ):
        if var.startswith("AWS_"):
            os.environ.pop(var)
    os.environ.update({"AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                       "AWS_EC2_METADATA_DISABLED": "true"})
    kinesis = boto3.client("kinesis", endpoint_url=args.endpoint, region_name=REGION,
                           aws_access_key_id=args.account, aws_secret_access_key="any",
                           config=Config(retries={"max_attempts": 5, "mode": "standard"}))

    name = args.stream
    if not args.existing:
        kinesis.create_stream(StreamName=name, ShardCount=args.shards)
    wait_active(kinesis, name)

    def items(start, count, phase):
        return [(f"pk-{i % args.keys}", f"{args.tag}|{phase}|pk-{i % args.keys}|{i}") for i in range(start, start + count)]

    first = args.first_index
    records = put(kinesis, name, items(first, args.before, "before"), "before")

    if args.reshard == "split":
        shard = next(s for s in list_shards(kinesis, name) if s["ShardId"] == "shardId-000000000000")
        lo, hi = int(shard["HashKeyRange"]["StartingHashKey"]), int(shard["HashKeyRange"]["EndingHashKey"])
        kinesis.split_shard(StreamName=name, ShardToSplit=shard["ShardId"], NewStartingHashKey=str((lo + hi + 1) // 2))
        wait_active(kinesis, name)
    elif args.reshard == "merge":
        kinesis.merge_shards(StreamName=name, ShardToMerge="shardId-000000000000",
                             AdjacentShardToMerge="shardId-000000000001")
        wait_active(kinesis, name)

    records += put(kinesis, name, items(first + args.before, args.after, "after"), "after")

    summary = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
    shards = [{"shardId": s["ShardId"], "parentShardId": s.get("ParentShardId"),
               "adjacentParentShardId": s.get("AdjacentParentShardId"),
               "closed": s["SequenceNumberRange"].get("EndingSequenceNumber") is not None}
              for s in list_shards(kinesis, name)]
    json.dump({"stream": name, "account": args.account, "arn": summary["StreamARN"],
               "records": records, "shards": shards}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
