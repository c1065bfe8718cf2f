#!/usr/bin/env python3
"""Start-up contender: the seed's boto3 script from a cold start (imports included): assume the
role, get a TRIM_HORIZON iterator on the stream's first shard, get one record, print it.
Source credentials, region and endpoint come from the environment (AWS_ENDPOINT_URL).

    python3 bench/startup_boto3.py ROLE_ARN EXTERNAL_ID STREAM"""
import sys

import boto3

role_arn, external_id, stream = sys.argv[1:4]
credentials = boto3.client("sts").assume_role(RoleArn=role_arn, RoleSessionName="kxa-bench",
                                              ExternalId=external_id)["Credentials"]
kinesis = boto3.client("kinesis", aws_access_key_id=credentials["AccessKeyId"],
                       aws_secret_access_key=credentials["SecretAccessKey"],
                       aws_session_token=credentials["SessionToken"])
iterator = kinesis.get_shard_iterator(StreamName=stream, ShardId="shardId-000000000000",
                                      ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
records = kinesis.get_records(ShardIterator=iterator, Limit=1)["Records"]
print(records[0]["Data"].decode("utf-8", "replace") if records else "(no record)")
