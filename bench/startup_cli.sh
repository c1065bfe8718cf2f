#!/usr/bin/env bash
# Start-up contender: the AWS CLI doing the seed's job from a cold start, as a shell script would:
# assume the role, get a TRIM_HORIZON iterator on the stream's first shard, get one record, print it.
# Source credentials, region and endpoint come from the environment (AWS_ENDPOINT_URL).
#   bench/startup_cli.sh ROLE_ARN EXTERNAL_ID STREAM
set -euo pipefail
read -r AK SK ST < <(aws sts assume-role --role-arn "$1" --role-session-name kxa-bench --external-id "$2" \
    --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)
export AWS_ACCESS_KEY_ID="$AK" AWS_SECRET_ACCESS_KEY="$SK" AWS_SESSION_TOKEN="$ST"
IT=$(aws kinesis get-shard-iterator --stream-name "$3" --shard-id shardId-000000000000 \
    --shard-iterator-type TRIM_HORIZON --query ShardIterator --output text)
aws kinesis get-records --shard-iterator "$IT" --limit 1 --query 'Records[0].Data' --output text | base64 -d
echo
