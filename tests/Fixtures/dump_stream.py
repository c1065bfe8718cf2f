#!/usr/bin/env python3
"""Read every record of a Kinesis stream with boto3 and print them as one JSON array.

An independent reference reader for the tests (it shares no code with the module):
    python3 tests/Fixtures/dump_stream.py --endpoint http://127.0.0.1:PORT --stream NAME

Credentials and region come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
AWS_SESSION_TOKEN, AWS_REGION). Every shard is read from TRIM_HORIZON to its current tip.
Each item: shardId, sequenceNumber, partitionKey, data (UTF-8 text, or base64 when not
text), arrival (epoch seconds). Records are ordered by shard, then sequence number.
"""
import argparse
import base64
import json
import sys

import boto3
from botocore.config import Config


def decode(data):
    try:
        return data.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(data).decode("ascii"), True


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--stream", required=True)
    args = parser.parse_args()
    kinesis = boto3.client("kinesis", endpoint_url=args.endpoint,
                           config=Config(retries={"max_attempts": 5, "mode": "standard"}))

    shards, token = [], None
    while True:
        page = kinesis.list_shards(NextToken=token) if token else kinesis.list_shards(StreamName=args.stream)
        shards.extend(page["Shards"])
        token = page.get("NextToken")
        if not token:
            break

    out = []
    for shard in sorted(shards, key=lambda s: s["ShardId"]):
        iterator = kinesis.get_shard_iterator(StreamName=args.stream, ShardId=shard["ShardId"],
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        while iterator:
            page = kinesis.get_records(ShardIterator=iterator, Limit=10000)
            for r in page["Records"]:
                text, is_b64 = decode(r["Data"])
                out.append({"shardId": shard["ShardId"], "sequenceNumber": r["SequenceNumber"],
                            "partitionKey": r["PartitionKey"], "data": text, "base64": is_b64,
                            "arrival": r["ApproximateArrivalTimestamp"].timestamp()})
            # At the tip: MillisBehindLatest is 0 and this page was empty (or the shard closed).
            if not page["Records"] and page.get("MillisBehindLatest", 0) == 0:
                break
            iterator = page.get("NextShardIterator")

    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
