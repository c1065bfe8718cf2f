#Requires -Version 7.0
# Helpers for the end-to-end suites (CrossAccount.Moto, Resharding.KinesisLocal) on top of
# TestSupport.psm1: the module under test (KXA_MODULE_PATH may point elsewhere while
# developing), runs with a time limit (a hanging read must fail the test, not the whole run),
# and writers that run as separate processes with boto3, sharing no code with the module.

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
$script:ReshardWorldScript = Join-Path $script:RepoRoot 'tests/Fixtures/reshard_world.py'

Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1') -Global

function Import-ModuleUnderTest {
    # TestSupport's Import-BuiltModule (./out/KinesisXAcct or KXA_MODULE_PATH). Returns the path
    # to import again in other runspaces (thread jobs).
    [CmdletBinding()]
    [OutputType([string])]
    param()
    $module = @(Import-BuiltModule | Where-Object Name -eq 'KinesisXAcct')[0]
    Join-Path $module.ModuleBase 'KinesisXAcct.psd1'
}

function Invoke-WithTimeout {
    # Runs $ScriptBlock in a thread job of this process (same environment variables; objects
    # such as a KinesisRoleSession pass through -ArgumentList as they are) with the module
    # imported. Returns Output, Errors, Seconds (time inside the job, after the import).
    # A job still running after $TimeoutSeconds is stopped and reported as a failure.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][string]$ModulePath,
        [Parameter(Mandatory)][scriptblock]$ScriptBlock,
        [object[]]$ArgumentList = @(),
        [int]$TimeoutSeconds = 30,
        # Start the job and return it at once (Wait-TimedJob finishes it).
        [switch]$NoWait
    )
    $job = Start-ThreadJob -ArgumentList (@($ModulePath, $ScriptBlock.ToString()) + $ArgumentList) -ScriptBlock {
        $modulePath, $body = $args[0], $args[1]
        $rest = if ($args.Count -gt 2) { $args[2..($args.Count - 1)] } else { @() }
        Import-Module $modulePath
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $output = & ([scriptblock]::Create($body)) @rest
        [pscustomobject]@{ PSTypeName = 'KxaTimedResult'; Output = @($output); Seconds = $watch.Elapsed.TotalSeconds }
    }
    $timed = [pscustomobject]@{ Job = $job; TimeoutSeconds = $TimeoutSeconds }
    if ($NoWait) { return $timed }
    Wait-TimedJob $timed
}

function Wait-TimedJob {
    [CmdletBinding()]
    param([Parameter(Mandatory)]$Timed)
    $job = $Timed.Job
    try {
        if (-not (Wait-Job -Job $job -Timeout $Timed.TimeoutSeconds)) {
            Stop-Job -Job $job
            throw "Still running after $($Timed.TimeoutSeconds) s; stopped."
        }
        $errors = $null
        $received = @(Receive-Job -Job $job -ErrorAction SilentlyContinue -ErrorVariable errors)
        $result = @($received | Where-Object { $_.PSObject.TypeNames -contains 'KxaTimedResult' })
        [pscustomobject]@{
            Output  = if ($result) { $result[0].Output } else { @() }
            Seconds = if ($result) { $result[0].Seconds } else { $null }
            Errors  = @($errors)
            State   = $job.State
        }
    }
    finally { Remove-Job -Job $job -Force }
}

# boto3 writer: PutRecords (in order, one call per 500), then prints what was written.
$script:PutRecordsPy = @'
import json, os, sys
import boto3
endpoint, stream, records = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
k = boto3.client("kinesis", endpoint_url=endpoint, region_name=os.environ.get("AWS_REGION", "us-east-1"))
out = []
for i in range(0, len(records), 500):
    batch = records[i:i + 500]
    r = k.put_records(StreamName=stream, Records=[{"PartitionKey": x["partitionKey"], "Data": x["data"].encode("utf-8")} for x in batch])
    if r.get("FailedRecordCount"):
        sys.exit("PutRecords rejected %d records: %s" % (r["FailedRecordCount"], r))
    for x, res in zip(batch, r["Records"]):
        out.append({"partitionKey": x["partitionKey"], "data": x["data"], "shardId": res["ShardId"], "sequenceNumber": res["SequenceNumber"]})
print(json.dumps(out))
'@

function Wait-FollowAtTip {
    # For a job started with Invoke-WithTimeout -NoWait whose read runs with -Follow -Verbose: returns once
    # $ShardCount shards have each answered a GetRecords call, so every iterator (from LATEST) was taken and
    # records written from now on are the read's. Writing after a fixed delay instead raced the job's start-up
    # on a loaded machine. A job that ends or is still not there after $TimeoutSeconds is removed and reported.
    [CmdletBinding()]
    param([Parameter(Mandatory)]$Timed, [Parameter(Mandatory)][int]$ShardCount, [int]$TimeoutSeconds = 30)
    $job = $Timed.Job
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while (@($job.Verbose | ForEach-Object { if ($_.Message -match '^GetRecords ([^ ,:]+).*: HTTP 200') { $Matches[1] } } |
            Sort-Object -Unique).Count -lt $ShardCount) {
        if ($job.State -notin 'NotStarted', 'Running' -or [DateTime]::UtcNow -gt $deadline) {
            # What the job said before it is removed: its state, why it ended and its first error.
            $reason = $job.JobStateInfo.Reason
            $why = @($job.State; $(if ($reason) { $reason.Message }); $job.Error | Select-Object -First 1) | Where-Object { $_ } | ForEach-Object { "$_" }
            Remove-Job -Job $job -Force
            throw "the -Follow read did not poll $ShardCount shard(s) within $TimeoutSeconds s (job: $($why -join '; '))"
        }
        Start-Sleep -Milliseconds 100
    }
}

function Get-CredentialEnvironment {
    # Environment for a boto3 / aws CLI child: these credentials, this region, no shared files,
    # no instance metadata.
    [CmdletBinding()]
    param([Parameter(Mandatory)][hashtable]$Credential, [string]$Region = 'us-east-1')
    $vars = @{
        AWS_ACCESS_KEY_ID           = $Credential.AccessKeyId
        AWS_SECRET_ACCESS_KEY       = $Credential.SecretAccessKey
        AWS_REGION                  = $Region
        AWS_DEFAULT_REGION          = $Region
        AWS_CONFIG_FILE             = '/nonexistent/kxa-tests'
        AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/kxa-tests'
        AWS_EC2_METADATA_DISABLED   = 'true'
    }
    if ($Credential['SessionToken']) { $vars['AWS_SESSION_TOKEN'] = $Credential.SessionToken }
    $vars
}

function Start-ReferencePut {
    # Puts records with boto3 in a separate process; returns at once.
    # $Records: objects or hashtables with partitionKey and data (text).
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][string]$Endpoint,
        [Parameter(Mandatory)][string]$StreamName,
        [Parameter(Mandatory)][hashtable]$Credential,
        [Parameter(Mandatory)][object[]]$Records
    )
    $json = ConvertTo-Json -InputObject @($Records | ForEach-Object { @{ partitionKey = $_.partitionKey; data = $_.data } }) -Compress -Depth 3
    Start-ExternalProcess -FilePath python3 -ArgumentList @('-c', $script:PutRecordsPy, $Endpoint, $StreamName, $json) `
        -Environment (Get-CredentialEnvironment $Credential)
}

function Invoke-ReferencePut {
    # Start-ReferencePut and wait: returns what was written (partitionKey, data, shardId, sequenceNumber).
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][string]$Endpoint,
        [Parameter(Mandatory)][string]$StreamName,
        [Parameter(Mandatory)][hashtable]$Credential,
        [Parameter(Mandatory)][object[]]$Records
    )
    $run = Wait-ExternalProcess (Start-ReferencePut @PSBoundParameters)
    if ($run.ExitCode -ne 0) { throw "boto3 put_records into $StreamName failed (exit $($run.ExitCode)):`n$($run.StdErr)" }
    , @($run.StdOut | ConvertFrom-Json -NoEnumerate)
}

function New-OwnerStream {
    # Creates a stream in the owner account of a moto world with the aws CLI (as the writer
    # role) and waits until it is ACTIVE. Write tests use their own streams so that the
    # world's 'orders' stream stays exactly as build_world.py reported it.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)]$World,
        [Parameter(Mandatory)][hashtable]$Credential,
        [Parameter(Mandatory)][string]$StreamName,
        [int]$ShardCount = 1
    )
    $null = Invoke-AwsCli -World $World -Credential $Credential -Arguments @('kinesis', 'create-stream', '--stream-name', $StreamName, '--shard-count', $ShardCount)
    $deadline = [DateTime]::UtcNow.AddSeconds(30)
    while ($true) {
        $summary = (Invoke-AwsCli -World $World -Credential $Credential -Arguments @('kinesis', 'describe-stream-summary', '--stream-name', $StreamName)).StreamDescriptionSummary
        if ($summary.StreamStatus -eq 'ACTIVE') { return $summary }
        if ([DateTime]::UtcNow -gt $deadline) { throw "Stream $StreamName is not ACTIVE after 30 s." }
        Start-Sleep -Milliseconds 200
    }
}

function New-KinesisLocalStream {
    # tests/Fixtures/reshard_world.py on kinesis-local: creates a stream in -Account (or, with
    # -Existing, uses it), writes, optionally reshards (split/merge) and writes again. Returns
    # the parsed JSON; with -NoWait, the started process (finish it with Complete-KinesisLocalStream).
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][string]$Endpoint,
        [Parameter(Mandatory)][ValidatePattern('^\d{12}$')][string]$Account,
        [Parameter(Mandatory)][string]$StreamName,
        [int]$ShardCount = 2,
        [ValidateSet('split', 'merge', 'none')][string]$Reshard = 'none',
        [int]$Before = 20,
        [int]$After = 20,
        [int]$Keys = 8,
        [string]$Tag = '',
        [switch]$Existing,
        [int]$FirstIndex = 0,
        [switch]$NoWait
    )
    $arguments = @(
        $script:ReshardWorldScript, '--endpoint', $Endpoint, '--account', $Account, '--stream', $StreamName,
        '--shards', $ShardCount, '--reshard', $Reshard, '--before', $Before, '--after', $After, '--keys', $Keys, '--tag', $Tag,
        '--first-index', $FirstIndex)
    if ($Existing) { $arguments += '--existing' }
    $started = Start-ExternalProcess -FilePath python3 -ArgumentList $arguments
    if ($NoWait) { return $started }
    Complete-KinesisLocalStream $started
}

function Complete-KinesisLocalStream {
    [CmdletBinding()]
    param([Parameter(Mandatory)]$Started)
    $run = Wait-ExternalProcess $Started -TimeoutSeconds 120
    if ($run.ExitCode -ne 0) { throw "$($Started.Command) failed (exit $($run.ExitCode)):`n$($run.StdErr)" }
    $run.StdOut | ConvertFrom-Json
}

function Get-RecordKey($Record) {
    # "shard|sequence number" of a record: a KinesisRecord from the module or a written record from
    # the reference tools (a hashtable from ConvertFrom-Json -AsHashtable, whose keys are
    # case-sensitive: hence the lower-case names, which a KinesisRecord's properties also answer to).
    "$($Record.shardId)|$($Record.sequenceNumber)"
}

function ConvertTo-Hex([byte[]]$Bytes) {
    # Payload bytes as hex for comparisons and failure messages; <null> for none.
    if ($null -eq $Bytes) { '<null>' } else { [Convert]::ToHexString($Bytes) }
}

function Get-CaughtError {
    # The ErrorRecord that $ScriptBlock throws (run it with -ErrorAction Stop), or $null.
    [CmdletBinding()]
    param([Parameter(Mandatory)][scriptblock]$ScriptBlock)
    try { $null = & $ScriptBlock; $null }
    catch { $_ }
}

Export-ModuleMember -Function Import-ModuleUnderTest, Invoke-WithTimeout, Wait-TimedJob, Wait-FollowAtTip,
    Start-ReferencePut, Invoke-ReferencePut, New-OwnerStream, New-KinesisLocalStream, Complete-KinesisLocalStream, Get-CaughtError, Get-CredentialEnvironment, Get-RecordKey, ConvertTo-Hex
