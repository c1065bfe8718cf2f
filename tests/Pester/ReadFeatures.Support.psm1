#Requires -Version 7.0
# Helpers for Checkpoints.Tests.ps1 and Decoding.Tests.ps1, on top of E2E.Support.psm1:
#   - Invoke-KinesisOps: boto3 in one process per call (create streams, put arbitrary bytes with
#     optional explicit hash keys, sleep, note the time), so KPL aggregates and gzip payloads go
#     through the emulator as a producer would send them, without the module;
#   - KPL aggregates built by AWS Labs' aws-kinesis-agg (npm, pinned in tests/emulators);
#   - child pwsh processes (the module in a process of its own, to be killed by its id);
#   - small payload builders (gzip, CloudWatch Logs subscription messages).

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
$script:EmulatorDir = Join-Path $script:RepoRoot 'tests/emulators'

Import-Module (Join-Path $PSScriptRoot 'E2E.Support.psm1') -Global

# boto3: runs a list of operations (JSON on stdin) in one process, as the given credentials or,
# with "roleArn", as that role (assumed with them):
#   {"op": "create", "stream": S, "shards": N}      -> {"arn": ...} once ACTIVE
#   {"op": "put", "stream": S, "records": [{partitionKey, dataBase64, explicitHashKey?}]}
#                                                   -> {"records": [{partitionKey, dataBase64, shardId, sequenceNumber}]}
#      (PutRecords, 500 a call, in order: a shard's sequence numbers follow the list)
#   {"op": "sleep", "seconds": X}                   -> {}
#   {"op": "mark"}                                  -> {"epochMs": now, in ms since 1970 (not a string:
#                                                      ConvertFrom-Json would turn it into a DateTime)}
# Prints one JSON list: one result per operation.
$script:KinesisOpsPy = @'
import base64, json, os, sys, time
import boto3
endpoint, spec = sys.argv[1], json.load(sys.stdin)
region = os.environ.get("AWS_REGION", "us-east-1")
kw = {}
if spec.get("roleArn"):
    c = boto3.client("sts", endpoint_url=endpoint, region_name=region).assume_role(
        RoleArn=spec["roleArn"], RoleSessionName="kxa-tests-writer")["Credentials"]
    kw = {"aws_access_key_id": c["AccessKeyId"], "aws_secret_access_key": c["SecretAccessKey"], "aws_session_token": c["SessionToken"]}
k = boto3.client("kinesis", endpoint_url=endpoint, region_name=region, **kw)
results = []
for op in spec["ops"]:
    kind = op["op"]
    if kind == "create":
        k.create_stream(StreamName=op["stream"], ShardCount=op.get("shards", 1))
        deadline = time.time() + 30
        while True:
            summary = k.describe_stream_summary(StreamName=op["stream"])["StreamDescriptionSummary"]
            if summary["StreamStatus"] == "ACTIVE":
                break
            if time.time() > deadline:
                sys.exit("stream %s not ACTIVE after 30 s" % op["stream"])
            time.sleep(0.05)
        results.append({"arn": summary["StreamARN"]})
    elif kind == "put":
        out, records = [], op["records"]
        for i in range(0, len(records), 500):
            batch = records[i:i + 500]
            entries = []
            for r in batch:
                e = {"PartitionKey": r["partitionKey"], "Data": base64.b64decode(r["dataBase64"])}
                if r.get("explicitHashKey"):
                    e["ExplicitHashKey"] = r["explicitHashKey"]
                entries.append(e)
            answer = k.put_records(StreamName=op["stream"], Records=entries)
            if answer.get("FailedRecordCount"):
                sys.exit("PutRecords rejected %d records: %s" % (answer["FailedRecordCount"], answer))
            for r, res in zip(batch, answer["Records"]):
                out.append({"partitionKey": r["partitionKey"], "dataBase64": r["dataBase64"], "shardId": res["ShardId"], "sequenceNumber": res["SequenceNumber"]})
        results.append({"records": out})
    elif kind == "sleep":
        time.sleep(op["seconds"])
        results.append({})
    elif kind == "mark":
        results.append({"epochMs": int(time.time() * 1000)})
    else:
        sys.exit("unknown operation %s" % kind)
print(json.dumps(results))
'@

# node: aggregates the user records given as JSON on stdin ([{partitionKey, explicitHashKey?,
# dataBase64}]) with aws-kinesis-agg and prints the aggregates ([{partitionKey, explicitHashKey, dataBase64}]).
$script:AggregateJs = @'
'use strict';
const path = require('path');
const { createRequire } = require('module');
const agg = createRequire(path.join(process.argv[1], 'package.json'))('aws-kinesis-agg');
let input = '';
process.stdin.on('data', (c) => { input += c; });
process.stdin.on('end', () => {
  const records = JSON.parse(input).map((r) => {
    const x = { partitionKey: r.partitionKey, data: Buffer.from(r.dataBase64, 'base64') };
    if (r.explicitHashKey) x.explicitHashKey = r.explicitHashKey;
    return x;
  });
  const out = [];
  const errors = [];
  agg.aggregate(records,
    (encoded, done) => {
      out.push({ partitionKey: encoded.partitionKey, explicitHashKey: encoded.explicitHashKey || null, dataBase64: Buffer.from(encoded.data).toString('base64') });
      done();
    },
    () => {
      if (errors.length) { console.error(String(errors[0])); process.exit(1); }
      process.stdout.write(JSON.stringify(out));
    },
    (err) => errors.push(err));
});
'@

function Invoke-KinesisOps {
    # Runs boto3 operations in one python process (see $KinesisOpsPy above) as -Credential or,
    # with -RoleArn, as that role assumed with -Credential. Returns one result per operation;
    # put results carry data (the UTF-8 text of each record) besides dataBase64.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][string]$Endpoint,
        [Parameter(Mandatory)][hashtable]$Credential,
        [string]$RoleArn,
        [Parameter(Mandatory)][object[]]$Operation
    )
    $ops = foreach ($o in $Operation) {
        $copy = [ordered]@{}
        foreach ($key in $o.Keys) { $copy[$key] = $o[$key] }
        if ($copy.Contains('records')) { $copy.records = @($copy.records | ForEach-Object { ConvertTo-WireItem $_ }) }
        $copy
    }
    $spec = [ordered]@{ roleArn = $RoleArn; ops = @($ops) }
    $run = Invoke-External -FilePath python3 -ArgumentList @('-c', $script:KinesisOpsPy, $Endpoint) `
        -Environment (Get-CredentialEnvironment $Credential) -InputText (ConvertTo-Json -InputObject $spec -Depth 6 -Compress)
    if ($run.ExitCode -ne 0) { throw "boto3 operations failed (exit $($run.ExitCode)):`n$($run.StdErr)" }
    $results = $run.StdOut | ConvertFrom-Json
    foreach ($r in $results) {
        if ($r.PSObject.Properties['records']) {
            foreach ($x in $r.records) {
                $x | Add-Member -NotePropertyName data -NotePropertyValue ([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($x.dataBase64)))
            }
        }
    }
    $results
}

function Get-Field($Object, [string]$Name) {
    # A hashtable's key or an object's property, $null when absent (strict mode safe).
    if ($Object -is [System.Collections.IDictionary]) { return $Object[$Name] }
    $p = $Object.PSObject.Properties[$Name]
    if ($p) { $p.Value } else { $null }
}

function ConvertTo-WireItem($r) {
    # {partitionKey, data (text) or bytes, explicitHashKey?} -> {partitionKey, dataBase64, explicitHashKey?}
    # Assigned, not output: a function's or an if's output would unroll an empty byte[] to $null.
    $hasBytes = if ($r -is [System.Collections.IDictionary]) { $r.Contains('bytes') } else { [bool]$r.PSObject.Properties['bytes'] }
    [byte[]]$bytes = $null
    if ($hasBytes -and $null -ne $r.bytes) { $bytes = [byte[]]$r.bytes } else { $bytes = [Text.Encoding]::UTF8.GetBytes([string](Get-Field $r 'data')) }
    $item = [ordered]@{ partitionKey = [string](Get-Field $r 'partitionKey'); dataBase64 = [Convert]::ToBase64String($bytes) }
    $ehk = Get-Field $r 'explicitHashKey'
    if ($ehk) { $item.explicitHashKey = [string]$ehk }
    $item
}

function Initialize-NodeModules {
    # aws-kinesis-agg and kinesis-local are pinned in tests/emulators; install them on first use.
    if (Test-Path -LiteralPath (Join-Path $script:EmulatorDir 'node_modules/aws-kinesis-agg/package.json')) { return }
    Push-Location $script:EmulatorDir
    try { $out = & npm ci --no-audit --no-fund 2>&1; $rc = $LASTEXITCODE } finally { Pop-Location }
    if ($rc -ne 0) { throw "npm ci in $script:EmulatorDir failed (exit $rc):`n$($out -join [Environment]::NewLine)" }
}

function New-KplAggregate {
    # One KPL aggregate of -UserRecord (partitionKey, data or bytes, explicitHashKey?) made by
    # aws-kinesis-agg. Returns partitionKey, explicitHashKey, Bytes (the aggregate).
    [CmdletBinding()]
    param([Parameter(Mandatory)][object[]]$UserRecord)
    Initialize-NodeModules
    $items = foreach ($r in $UserRecord) {
        ConvertTo-WireItem $r
    }
    $run = Invoke-External -FilePath node -ArgumentList @('-e', $script:AggregateJs, $script:EmulatorDir) `
        -InputText (ConvertTo-Json -InputObject @($items) -Depth 3 -Compress)
    if ($run.ExitCode -ne 0) { throw "aws-kinesis-agg failed (exit $($run.ExitCode)):`n$($run.StdErr)" }
    $aggregates = @($run.StdOut | ConvertFrom-Json)
    if ($aggregates.Count -ne 1) { throw "aws-kinesis-agg made $($aggregates.Count) aggregates, expected 1." }
    [pscustomobject]@{
        partitionKey    = $aggregates[0].partitionKey
        explicitHashKey = $aggregates[0].explicitHashKey
        bytes           = [Convert]::FromBase64String($aggregates[0].dataBase64)
    }
}

function ConvertTo-GzipBytes {
    # Gzip of the UTF-8 text (or of -Bytes), as CloudWatch Logs and many producers send it.
    [CmdletBinding()]
    param([string]$Text, [byte[]]$Bytes)
    if ($PSBoundParameters.ContainsKey('Text')) { $Bytes = [Text.Encoding]::UTF8.GetBytes($Text) }
    $buffer = [IO.MemoryStream]::new()
    $gzip = [IO.Compression.GZipStream]::new($buffer, [IO.Compression.CompressionLevel]::Optimal, $true)
    $gzip.Write($Bytes, 0, $Bytes.Length)
    $gzip.Dispose()
    , $buffer.ToArray()
}

function New-CloudWatchLogsMessage {
    # The JSON a CloudWatch Logs subscription filter sends to Kinesis (before gzip).
    [CmdletBinding()]
    param([Parameter(Mandatory)][string[]]$Message, [string]$LogGroup = '/aws/lambda/orders', [string]$LogStream = '2026/12/04/[$LATEST]abc')
    $t0 = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds()
    $i = 0
    $events = foreach ($m in $Message) {
        [ordered]@{ id = ('3' + ($t0 + $i).ToString().PadLeft(55, '0')); timestamp = $t0 + $i; message = $m }
        $i++
    }
    [ordered]@{
        messageType         = 'DATA_MESSAGE'
        owner               = '210987654321'
        logGroup            = $LogGroup
        logStream           = $LogStream
        subscriptionFilters = @('to-kinesis')
        logEvents           = @($events)
    } | ConvertTo-Json -Depth 5 -Compress
}

function Wait-Until {
    # Polls $Condition every 50 ms until it is true; returns $true, or $false after the timeout.
    [CmdletBinding()]
    param([Parameter(Mandatory)][scriptblock]$Condition, [double]$TimeoutSeconds = 30)
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while ([DateTime]::UtcNow -lt $deadline) {
        if (& $Condition) { return $true }
        Start-Sleep -Milliseconds 50
    }
    [bool](& $Condition)
}

function Get-LineCount([string]$Path) {
    # Lines in a file another process appends to (read with sharing, never locking it).
    if (-not (Test-Path -LiteralPath $Path)) { return 0 }
    $stream = [IO.FileStream]::new($Path, 'Open', 'Read', 'ReadWrite')
    try {
        $reader = [IO.StreamReader]::new($stream)
        $n = 0
        while ($null -ne $reader.ReadLine()) { $n++ }
        $n
    }
    finally { $stream.Dispose() }
}

Export-ModuleMember -Function Invoke-KinesisOps, New-KplAggregate, ConvertTo-GzipBytes, New-CloudWatchLogsMessage,
    Wait-Until, Get-LineCount, Initialize-NodeModules
