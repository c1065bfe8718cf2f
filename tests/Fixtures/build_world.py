#!/usr/bin/env python3
"""Build a two-account Kinesis world on a running moto_server and print it as one JSON object.

Usage:
    python3 tests/Fixtures/build_world.py --endpoint http://127.0.0.1:PORT --scenario seed|test [--records N]

Consumer account (moto's default, 123456789012): IAM user `kinesis-operator` that may only
call sts:AssumeRole and sts:GetCallerIdentity, plus its access key.
Owner account (seed 239641032376, test 210987654321): a read-only role trusted by the
consumer account, (test) a write role, and streams holding known records.

The script never switches IAM enforcement on: the caller does that after reading the JSON,
because once it is on the setup credentials used here stop working.
"""
import argparse
import json
import os
import sys
import time

import boto3
from botocore.config import Config

REGION = "us-east-1"
CONSUMER_ACCOUNT = "123456789012"  # moto's default account: root creds land here
EXTERNAL_ID = "ren-ext-42"
SCENARIOS = {
    "seed": {"owner": "239641032376", "reader": "hmh_kinesis_consumer_role", "default_records": 20},
    "test": {"owner": "210987654321", "reader": "kinesis-reader", "default_records": 200},
}

# Setup must not depend on the caller's AWS environment (profiles, tokens, endpoints).
for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
            "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_IAM",
            "AWS_ENDPOINT_URL_KINESIS", "AWS_CA_BUNDLE"):
    os.environ.pop(var, None)
os.environ.update({
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
})

CONFIG = Config(retries={"max_attempts": 3, "mode": "standard"})


def client(service, endpoint, creds=None):
    creds = creds or {"AccessKeyId": "testing", "SecretAccessKey": "testing"}
    return boto3.client(
        service, endpoint_url=endpoint, region_name=REGION, config=CONFIG,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds.get("SessionToken"))


def policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(actions, resource="*"):
    # moto's enforcement matches Kinesis actions against resource "*", so a policy scoped
    # to stream ARNs would deny everything there: keep resources at "*".
    return {"Effect": "Allow", "Action": actions, "Resource": resource}


def create_role(iam, name, permissions, trust_condition=None):
    trust = {"Effect": "Allow",
             "Principal": {"AWS": f"arn:aws:iam::{CONSUMER_ACCOUNT}:root"},
             "Action": "sts:AssumeRole"}
    if trust_condition:
        trust["Condition"] = trust_condition
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=policy(trust),
                          MaxSessionDuration=43200)["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName=f"{name}-permissions", PolicyDocument=policy(permissions))
    return arn


def create_stream(kinesis, name, shards):
    kinesis.create_stream(StreamName=name, ShardCount=shards)
    deadline = time.time() + 30
    while True:
        summary = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
        if summary["StreamStatus"] == "ACTIVE":
            return summary["StreamARN"]
        if time.time() > deadline:
            raise RuntimeError(f"stream {name} not ACTIVE after 30 s")
        time.sleep(0.1)


def put_records(kinesis, name, items):
    """items: list of (partitionKey, data str). Returns what was written, in order, with shard/sequence."""
    written = []
    for start in range(0, len(items), 500):  # PutRecords takes at most 500 records
        batch = items[start:start + 500]
        answer = kinesis.put_records(StreamName=name, Records=[
            {"PartitionKey": pk, "Data": data.encode("utf-8")} for pk, data in batch])
        if answer.get("FailedRecordCount"):
            raise RuntimeError(f"PutRecords into {name} rejected {answer['FailedRecordCount']} records")
        for (pk, data), result in zip(batch, answer["Records"]):
            written.append({"partitionKey": pk, "data": data,
                            "shardId": result["ShardId"], "sequenceNumber": result["SequenceNumber"]})
    return written


def seed_events(count, stream):
    events = []
    kinds = ["AssessmentStarted", "AssessmentCompleted", "ItemAnswered"]
    for i in range(count):
        student = f"stu-{1000 + i % 7}"
        event = {"eventType": kinds[i % 3], "eventId": f"{stream}-{i:04d}", "studentId": student,
                 "assessmentId": f"asm-{200 + i % 4}", "score": (i * 37) % 101,
                 "timestamp": f"2024-05-01T12:{i // 60 % 60:02d}:{i % 60:02d}Z"}
        events.append((student, json.dumps(event, separators=(",", ":"))))
    return events


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--endpoint", required=True, help="moto_server URL, e.g. http://127.0.0.1:5000")
    parser.add_argument("--scenario", required=True, choices=sorted(SCENARIOS))
    parser.add_argument("--records", type=int, default=None,
                        help="records per stream (seed: events per stream, default 20; test: orders, default 200)")
    args = parser.parse_args()
    sc = SCENARIOS[args.scenario]
    owner = sc["owner"]
    count = sc["default_records"] if args.records is None else args.records
    endpoint = args.endpoint.rstrip("/")

    # Consumer account: a user that can do nothing but assume roles.
    # The seed and test worlds share this user (their owner accounts differ), so both can be
    # built on one server; each run gets its own access key.
    iam = client("iam", endpoint)
    try:
        iam.create_user(UserName="kinesis-operator")
    except iam.exceptions.EntityAlreadyExistsException:
        pass
    iam.put_user_policy(UserName="kinesis-operator", PolicyName="assume-only",
                        PolicyDocument=policy(allow(["sts:AssumeRole", "sts:GetCallerIdentity"])))
    key = iam.create_access_key(UserName="kinesis-operator")["AccessKey"]

    # Owner account: moto lands AssumeRole credentials in the role's account, and the role
    # need not exist while enforcement is off - so this is how we act as the owner.
    setup = client("sts", endpoint).assume_role(
        RoleArn=f"arn:aws:iam::{owner}:role/setup", RoleSessionName="build-world")["Credentials"]
    owner_iam = client("iam", endpoint, setup)
    owner_kinesis = client("kinesis", endpoint, setup)

    read_only = allow(["kinesis:Get*", "kinesis:List*", "kinesis:Describe*"])
    reader_arn = create_role(owner_iam, sc["reader"], read_only,
                             {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}})
    world = {"consumerAccountId": CONSUMER_ACCOUNT, "ownerAccountId": owner, "region": REGION,
             "operator": {"userName": "kinesis-operator",
                          "accessKeyId": key["AccessKeyId"], "secretAccessKey": key["SecretAccessKey"]},
             "readerRoleArn": reader_arn, "writerRoleArn": None, "externalId": EXTERNAL_ID, "streams": []}

    if args.scenario == "seed":
        layout = [("enhanced_data_stream", 1), ("hmh_premium_data_share", 2)]
        contents = {name: seed_events(count, name) for name, _ in layout}
    else:
        # Writes after enforcement is on go through this role (reader cannot PutRecords).
        world["writerRoleArn"] = create_role(owner_iam, "kinesis-writer", allow(["kinesis:*"]))
        layout = [("orders", 4), ("empty", 1)]
        contents = {"orders": [(f"pk-{i % 10}", f"order-{i}") for i in range(count)], "empty": []}

    for name, shards in layout:
        arn = create_stream(owner_kinesis, name, shards)
        records = put_records(owner_kinesis, name, contents[name])
        world["streams"].append({"name": name, "arn": arn, "shardCount": shards, "records": records})

    json.dump(world, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
