#Requires -Version 7.0
# Reliability under the faults real AWS produces (issue 6). The module talks to moto through
# tests/Support/FaultProxy.py, which injects one kind of fault per test with a fixed seed; every
# read runs in a thread job with a time limit, so a hang fails the test instead of the run.
# moto's IAM enforcement is OFF here: the proxy rewrites some request bodies (GetRecords Limit,
# PutRecords entries), which would break their SigV4 signatures.
#
# Scale (the whole file must stay well under a minute and a half on 2 cores):
#   reads     : the 'orders' stream, 4 shards, 200 records; the proxy pages GetRecords at 25
#               records so each shard takes several calls and faults land mid-shard
#   restart   : kinesis-local with persistence, 2 shards, 20 records before + 20 after the restart
#   load      : 16 shards, a boto3 writer at ~300 records/s for 25 s, one -Follow reader in a
#               separate pwsh (memory and CPU sampled), about 40 s in all
#   persistent: a throttle or an expired token that never goes away ends the read (KXA_MAX_RETRIES=1)
# Each test adds a row to the fault table (fault -> written / read / duplicates / seconds), printed
# at the end and written to out/TestResults/fault-table.md.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'Faults.Support.psm1') -Force

    $Seed = 42
    $RecordCount = 200
    $PageSize = 25
    $ModulePath = Import-ModuleUnderTest
    $Moto = New-MotoWorld -Scenario test -Records $RecordCount
    $World = $Moto.World
    $Orders = $World.streams | Where-Object name -eq 'orders'
    $Proxy = Start-FaultProxy -Upstream $Moto.Endpoint -Seed $Seed
    $SavedEnvironment = Use-OperatorEnvironment -World $Moto
    $env:AWS_ENDPOINT_URL = $Proxy.Endpoint   # STS and Kinesis both through the proxy
    Disconnect-KinesisRole -All
    $Reader = Connect-KinesisRole -RoleArn $World.readerRoleArn -ExternalId $World.externalId -Name fault-reader
    $Writer = Connect-KinesisRole -RoleArn $World.writerRoleArn -Name fault-writer
    # The writer role's keys for boto3 (straight on moto, not through the proxy), and the streams of
    # the write and load tests, in one python start.
    $setupPy = @'
import json, sys, time, boto3
endpoint, role = sys.argv[1], sys.argv[2]
c = boto3.client("sts", endpoint_url=endpoint, region_name="us-east-1").assume_role(RoleArn=role, RoleSessionName="kxa-faults")["Credentials"]
k = boto3.client("kinesis", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=c["AccessKeyId"],
                 aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"])
for name, shards in (("writes", 2), ("load", 16)):
    k.create_stream(StreamName=name, ShardCount=shards)
for name in ("writes", "load"):
    deadline = time.time() + 30
    while k.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamStatus"] != "ACTIVE":
        if time.time() > deadline: sys.exit(name + " not ACTIVE after 30 s")
        time.sleep(0.1)
print(json.dumps({"AccessKeyId": c["AccessKeyId"], "SecretAccessKey": c["SecretAccessKey"], "SessionToken": c["SessionToken"]}))
'@
    $operator = @{ AccessKeyId = $World.operator.accessKeyId; SecretAccessKey = $World.operator.secretAccessKey }
    $run = Invoke-External -FilePath python3 -ArgumentList @('-c', $setupPy, $Moto.Endpoint, $World.writerRoleArn) -Environment (Get-CredentialEnvironment $operator) -TimeoutSeconds 60
    if ($run.ExitCode -ne 0) { throw "creating the write/load streams failed: $($run.StdErr)" }
    $c = $run.StdOut | ConvertFrom-Json
    $WriterCredential = @{ AccessKeyId = $c.AccessKeyId; SecretAccessKey = $c.SecretAccessKey; SessionToken = $c.SessionToken }

    $FaultTable = [System.Collections.Generic.List[object]]::new()
    function Add-FaultRow([string]$Fault, $Written, $Read, $Duplicates, $Seconds, [string]$Note = '') {
        $FaultTable.Add([pscustomobject]@{ Fault = $Fault; Written = $Written; Read = $Read; Duplicates = $Duplicates; Seconds = [math]::Round($Seconds, 1); Note = $Note })
    }

    function Invoke-FaultyRead {
        # Read-KinesisRecord -Session $Reader from TrimHorizon to the tip in a thread job (60 s limit);
        # returns Records, Warnings, Errors, Seconds, Log (the proxy's requests during the read).
        param([object[]]$Rules = @(), [int]$TimeoutSeconds = 60)
        Reset-FaultProxy $Proxy
        Set-FaultRule $Proxy -Rules $Rules -Seed $Seed -PageSize $PageSize
        $run = Invoke-WithTimeout -ModulePath $ModulePath -TimeoutSeconds $TimeoutSeconds -ArgumentList $Reader -ScriptBlock {
            param($Session)
            Read-KinesisRecord -Session $Session -StreamName orders 3>&1
        }
        $log = @(Get-FaultLog $Proxy)
        Reset-FaultProxy $Proxy
        [pscustomobject]@{
            Records  = @($run.Output | Where-Object { $_ -is [KinesisXAcct.KinesisRecord] })
            Warnings = @($run.Output | Where-Object { $_ -is [System.Management.Automation.WarningRecord] })
            Errors   = @($run.Errors)
            Seconds  = $run.Seconds
            Log      = $log
        }
    }
}

AfterAll {
    if ($FaultTable -and $FaultTable.Count -gt 0) {
        $lines = @('| fault | records written | read | duplicates | seconds (read or recovery) | note |', '|---|---|---|---|---|---|')
        $lines += $FaultTable | ForEach-Object { "| $($_.Fault) | $($_.Written) | $($_.Read) | $($_.Duplicates) | $($_.Seconds) | $($_.Note) |" }
        Write-Host ($lines -join [Environment]::NewLine)
        $results = Join-Path (Get-RepoRoot) 'out/TestResults'
        if (Test-Path -LiteralPath $results) { $lines | Set-Content -LiteralPath (Join-Path $results 'fault-table.md') -Encoding utf8 }
    }
    if (Get-Command Disconnect-KinesisRole -ErrorAction SilentlyContinue) { Disconnect-KinesisRole -All }
    Remove-Item Env:KXA_ATTEMPT_TIMEOUT_SECONDS, Env:KXA_MAX_RETRIES -ErrorAction SilentlyContinue
    if ($SavedEnvironment) { Restore-AwsEnvironment $SavedEnvironment }
    Stop-FaultProxy $Proxy
    Remove-TestWorld $Moto
}

Describe 'Read-KinesisRecord under injected faults (moto behind FaultProxy, seed 42)' {

    It 'baseline: without faults it reads the 200 records in several pages per shard' {
        $r = Invoke-FaultyRead
        $c = Compare-ReadToWritten -Read $r.Records -Written $Orders.records
        Add-FaultRow 'none (baseline)' $c.Written $c.Read $c.Duplicates $r.Seconds
        $r.Errors | Should -BeNullOrEmpty
        $c.Read | Should -Be $RecordCount
        $c.Missing + $c.Duplicates + $c.Unexpected + $c.PayloadMismatches + $c.OrderViolations | Should -Be 0
        @($r.Log | Where-Object op -eq 'GetRecords').Count | Should -BeGreaterThan 8 -Because 'pages of 25 mean several calls per shard'
    }

    It '<Fault>: every record exactly once, in shard order, no error' -TestCases @(
        @{ Fault = 'ProvisionedThroughputExceeded (400 JSON) on 50% of GetRecords and 30% of GetShardIterator'
            Rules = @(@{ op = 'GetRecords'; fault = 'throttle'; share = 0.5; limit = 30 }, @{ op = 'GetShardIterator'; fault = 'throttle'; share = 0.3; limit = 6 }) }
        @{ Fault = '500 with an empty body on 40% of GetRecords'
            Rules = @(@{ op = 'GetRecords'; fault = 'status'; status = 500; body = ''; share = 0.4; limit = 20 }) }
        @{ Fault = '503 with an HTML body on 40% of GetRecords'
            Rules = @(@{ op = 'GetRecords'; fault = 'status'; status = 503; contentType = 'text/html'; share = 0.4; limit = 20
                    body = '<html><head><title>503 Service Unavailable</title></head><body><h1>Service Unavailable</h1></body></html>' }) }
        @{ Fault = 'connection reset mid-response on 40% of GetRecords'
            Rules = @(@{ op = 'GetRecords'; fault = 'reset'; share = 0.4; limit = 20 }) }
        @{ Fault = 'connection reset before any answer on 30% of all Kinesis calls'
            Rules = @(@{ op = 'kinesis:*'; fault = 'drop'; share = 0.3; limit = 15 }) }
    ) {
        $r = Invoke-FaultyRead -Rules $Rules
        $c = Compare-ReadToWritten -Read $r.Records -Written $Orders.records
        $injected = @($r.Log | Where-Object fault).Count
        Add-FaultRow $Fault $c.Written $c.Read $c.Duplicates $r.Seconds "$injected faults injected"
        $injected | Should -BeGreaterThan 2 -Because 'the seed must actually inject faults'
        $r.Errors | Should -BeNullOrEmpty
        $c.Read | Should -Be $RecordCount
        $c.Duplicates | Should -Be 0
        $c.Missing | Should -Be 0
        $c.Unexpected + $c.PayloadMismatches | Should -Be 0
        $c.OrderViolations | Should -Be 0
    }

    It 'answers delayed past the attempt timeout (KXA_ATTEMPT_TIMEOUT_SECONDS=1, 3 s delay on 2 GetRecords) are retried' {
        $env:KXA_ATTEMPT_TIMEOUT_SECONDS = '1'
        try {
            $r = Invoke-FaultyRead -Rules @(@{ op = 'GetRecords'; fault = 'delay'; seconds = 3; skip = 2; limit = 2 })
        }
        finally { Remove-Item Env:KXA_ATTEMPT_TIMEOUT_SECONDS }
        $c = Compare-ReadToWritten -Read $r.Records -Written $Orders.records
        $delayed = @($r.Log | Where-Object fault -eq 'delay')
        Add-FaultRow 'answer delayed 3 s past a 1 s attempt timeout (2 GetRecords)' $c.Written $c.Read $c.Duplicates $r.Seconds "$($delayed.Count) delayed"
        $delayed | Should -HaveCount 2
        $r.Errors | Should -BeNullOrEmpty
        $c.Read | Should -Be $RecordCount
        $c.Missing + $c.Duplicates + $c.Unexpected + $c.PayloadMismatches + $c.OrderViolations | Should -Be 0
        $r.Seconds | Should -BeLessThan 20 -Because 'the client gives up on an attempt after 1 s, not after the 3 s delay (nor 30 s)'
    }

    It 'expired shard iterators (2 per shard, after its first page) are renewed after the last delivered record' {
        $r = Invoke-FaultyRead -Rules @(@{ op = 'GetRecords'; fault = 'expired-iterator'; skip = 1; perShard = $true; limit = 2 })
        $c = Compare-ReadToWritten -Read $r.Records -Written $Orders.records
        $expired = @($r.Log | Where-Object fault -eq 'expired-iterator')
        Add-FaultRow 'ExpiredIteratorException (2 per shard, mid-shard)' $c.Written $c.Read $c.Duplicates $r.Seconds "$($expired.Count) expired"
        $expired.Count | Should -BeGreaterOrEqual 4
        $r.Errors | Should -BeNullOrEmpty
        $c.Read | Should -Be $RecordCount
        $c.Missing + $c.Duplicates + $c.Unexpected + $c.PayloadMismatches + $c.OrderViolations | Should -Be 0
        # Each renewal asks for a new iterator AFTER_SEQUENCE_NUMBER (after the last record handed on).
        $renewals = @($r.Log | Where-Object { $_.op -eq 'GetShardIterator' -and $_.PSObject.Properties['iteratorType'] -and $_.iteratorType -eq 'AFTER_SEQUENCE_NUMBER' })
        $renewals.Count | Should -Be $expired.Count
    }

    It 'credentials that expire mid-read (ExpiredTokenException after 6 calls per access key) are renewed silently' {
        $r = Invoke-FaultyRead -Rules @(@{ op = 'kinesis:*'; fault = 'expired-token'; afterCalls = 6 })
        $c = Compare-ReadToWritten -Read $r.Records -Written $Orders.records
        $expired = @($r.Log | Where-Object fault -eq 'expired-token')
        $kinesisKeys = @($r.Log | Where-Object { $_.op -in 'GetRecords', 'GetShardIterator', 'ListShards' -and -not $_.fault } | ForEach-Object key | Sort-Object -Unique)
        $assumes = @($r.Log | Where-Object op -eq 'AssumeRole')
        Add-FaultRow 'ExpiredTokenException after 6 calls per access key' $c.Written $c.Read $c.Duplicates $r.Seconds "$($expired.Count) expired answers, $($kinesisKeys.Count) keys, $($assumes.Count) AssumeRole"
        $expired.Count | Should -BeGreaterThan 0
        $r.Errors | Should -BeNullOrEmpty
        $r.Warnings | Should -BeNullOrEmpty -Because 'the user does not notice a renewal'
        $c.Read | Should -Be $RecordCount
        $c.Missing + $c.Duplicates + $c.Unexpected + $c.PayloadMismatches + $c.OrderViolations | Should -Be 0
        $assumes.Count | Should -BeGreaterThan 0 -Because 'the module assumed the role again'
        $kinesisKeys.Count | Should -BeGreaterThan 1 -Because 'calls after the expiry were signed with a new access key'
        $kinesisKeys | Should -Not -Contain $World.operator.accessKeyId
    }
}

Describe 'Faults that do not go away end a read with the documented error' {

    It '<Fault>: <Id> (<Category>), naming the account and <Names>' -TestCases @(
        @{ Fault = 'throttled on every GetRecords, past the client''s retries (KXA_MAX_RETRIES=1)'; Id = 'KinesisThrottledPastRetries'; Category = 'LimitsExceeded'; Names = 'orders'
            Rules = @(@{ op = 'GetRecords'; fault = 'throttle' }) }
        @{ Fault = 'ExpiredTokenException on every call, also after the credentials were renewed'; Id = 'KinesisCredentialsRejected'; Category = 'AuthenticationError'; Names = 'Connect-KinesisRole'
            Rules = @(@{ op = 'kinesis:*'; fault = 'expired-token'; afterCalls = 0 }) }
    ) {
        $env:KXA_MAX_RETRIES = '1'
        try { $r = Invoke-FaultyRead -Rules $Rules -TimeoutSeconds 30 }
        finally { Remove-Item Env:KXA_MAX_RETRIES }
        $r.Errors | Should -HaveCount 1
        $e = $r.Errors[0]
        $e.FullyQualifiedErrorId | Should -Be "$Id,KinesisXAcct.Commands.ReadKinesisRecordCommand"
        $e.CategoryInfo.Category | Should -Be $Category
        $e.Exception.Message | Should -Match $Names
        $e.Exception.Message | Should -Match $World.ownerAccountId
        $r.Seconds | Should -BeLessThan 15
    }
}

Describe 'Write-KinesisRecord with records rejected in PutRecords answers' {

    It 'retries only the rejected records, reports the one that never goes in, and writes every other exactly once' {
        # 601 records (two PutRecords batches: 500 + 101); the proxy rejects 30% of the entries of each
        # call (each record at most 3 times) and always the one containing POISON.
        $inputs = [System.Collections.Generic.List[string]]::new()
        foreach ($i in 0..599) { $inputs.Add(('w-{0:D4}' -f $i)) }
        $inputs.Insert(250, 'POISON-record-250')
        Reset-FaultProxy $Proxy
        Set-FaultRule $Proxy -Seed $Seed -Rules @(@{ op = 'PutRecords'; fault = 'reject-put'; share = 0.3; maxPerRecord = 3; alwaysRejectMarker = 'POISON' })
        $run = Invoke-WithTimeout -ModulePath $ModulePath -TimeoutSeconds 60 -ArgumentList $Writer, $inputs.ToArray() -ScriptBlock {
            param($Session, $Records)
            $Records | Write-KinesisRecord -Session $Session -StreamName writes -PassThru
        }
        $log = @(Get-FaultLog $Proxy | Where-Object op -eq 'PutRecords')
        Reset-FaultProxy $Proxy
        $stored = @(Read-ReferenceStream -World $Moto -StreamName writes -Credential $WriterCredential)
        $byData = $stored | Group-Object data
        $dupes = @($byData | Where-Object Count -gt 1).Count
        Add-FaultRow 'PutRecords rejects 30% of entries per call (+1 record always)' 601 $stored.Count $dupes $run.Seconds "$($log.Count) PutRecords calls, 1 RecordNotWritten"

        # Exactly one per-record error, naming the record that could not be written.
        $run.Errors | Should -HaveCount 1
        $e = $run.Errors[0]
        $e.FullyQualifiedErrorId | Should -Be 'RecordNotWritten,KinesisXAcct.Commands.WriteKinesisRecordCommand'
        $e.CategoryInfo.Category | Should -Be 'LimitsExceeded'
        $e.TargetObject | Should -Be 'POISON-record-250'
        $e.Exception.Message | Should -Match 'ProvisionedThroughputExceededException'
        @($run.Output) | Should -HaveCount 600 -Because '-PassThru reports each record that was written'

        # Everything else is in the stream exactly once; the rejected record is not.
        $stored | Should -HaveCount 600
        $dupes | Should -Be 0
        ($stored.data | Sort-Object) | Should -Be (@($inputs | Where-Object { $_ -notlike 'POISON*' }) | Sort-Object)

        # Only rejected entries were sent again: every rejection but the last one of the poison record
        # caused exactly one resend, and the first two calls carried the two batches.
        $log.Count | Should -BeGreaterThan 2
        $log[0].entries | Should -Be 500
        $sent = ($log | Measure-Object entries -Sum).Sum
        $rejected = ($log | Measure-Object rejected -Sum).Sum
        $rejected | Should -BeGreaterThan 100
        $sent | Should -Be (601 + $rejected - 1)
    }
}

Describe 'A -Follow read outlives an emulator restart (kinesis-local with persistence)' {
    BeforeAll {
        $KlDir = Join-Path ([System.IO.Path]::GetTempPath()) ('kxa-restart-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
        $null = New-Item -ItemType Directory -Path $KlDir
        $KlPort = Get-FreeTcpPort
        # A holder, so that the emulator started again inside the test is the one AfterAll stops.
        $KlState = @{ Emulator = (Start-PersistentKinesisLocal -Port $KlPort -PersistPath $KlDir -InitializeStreams 'restart:2') }

        function Add-KlRecords([string]$Endpoint, [string]$Prefix, [int]$First, [int]$Count) {
            $records = @($First..($First + $Count - 1) | ForEach-Object {
                    @{ PartitionKey = "k$($_ % 5)"; Data = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes("$Prefix-$_")) } })
            $answer = Invoke-KinesisLocalCall -Endpoint $Endpoint -Operation PutRecords -Body @{ StreamName = 'restart'; Records = $records }
            if ($answer.FailedRecordCount) { throw "kinesis-local rejected $($answer.FailedRecordCount) records" }
            for ($i = 0; $i -lt $Count; $i++) {
                [pscustomobject]@{ shardId = $answer.Records[$i].ShardId; sequenceNumber = $answer.Records[$i].SequenceNumber; data = "$Prefix-$($First + $i)" }
            }
        }
    }
    AfterAll {
        if ($KlState) { Stop-Emulator $KlState.Emulator }
        Remove-Item Env:KXA_MAX_RETRIES -ErrorAction SilentlyContinue
        if ($KlDir) { Remove-Item -LiteralPath $KlDir -Recurse -Force -ErrorAction SilentlyContinue }
    }

    It 'warns, backs off, resumes after the restart and loses or repeats nothing' {
        $endpoint = $KlState.Emulator.Endpoint
        $before = @(Add-KlRecords $endpoint 'before' 0 20)
        # Two client retries per call (KXA_MAX_RETRIES) instead of ten (~50 s of retrying): the outage
        # then outlasts the client's retries, and the reader's own outage handling is what is tested.
        $env:KXA_MAX_RETRIES = '2'
        $job = Start-ThreadJob -ArgumentList $ModulePath, $endpoint -ScriptBlock {
            param($ModulePath, $Endpoint)
            Import-Module $ModulePath
            Read-KinesisRecord -StreamName restart -EndpointUrl $Endpoint -Follow -StartingPosition TrimHorizon -First 40 -IdleTimeout '00:00:45' -Verbose 3>&1 4>&1
        }
        try {
            $deadline = [DateTime]::UtcNow.AddSeconds(20)
            while (@($job.Output | Where-Object { $_ -is [KinesisXAcct.KinesisRecord] }).Count -lt 20) {
                if ($job.State -notin 'NotStarted', 'Running' -or [DateTime]::UtcNow -gt $deadline) { throw "the reader did not deliver the first 20 records (state $($job.State))" }
                Start-Sleep -Milliseconds 100
            }
            Start-Sleep -Milliseconds 800   # the 200 ms persistence interval has passed several times over
            Stop-Emulator $KlState.Emulator
            $down = [System.Diagnostics.Stopwatch]::StartNew()
            # Down until a reader has failed twice in a row and said it waits longer (a fixed sleep raced the
            # shards' poll phase and the emulator's start-up): the backoff has to grow while the endpoint is gone.
            while (-not @($job.Output | Where-Object {
                        $_ -is [System.Management.Automation.InformationalRecord] -and $_.Message -match 'Retrying in ([\d.]+) s' -and [double]$Matches[1] -gt 0.5 })) {
                if ($job.State -notin 'NotStarted', 'Running') { throw "the reader stopped while the emulator was down (state $($job.State))" }
                if ($down.Elapsed.TotalSeconds -gt 20) { throw 'no reader waited longer than 0.5 s within 20 s of the emulator going down: the backoff does not grow' }
                Start-Sleep -Milliseconds 100
            }
            $KlState.Emulator = Start-PersistentKinesisLocal -Port $KlPort -PersistPath $KlDir
            $outage = $down.Elapsed.TotalSeconds
            $up = [System.Diagnostics.Stopwatch]::StartNew()
            $after = @(Add-KlRecords $endpoint 'after' 20 20)
            if (-not (Wait-Job $job -Timeout 60)) { throw 'the reader did not finish within 60 s of the restart' }
            $recovered = $up.Elapsed.TotalSeconds
            $errors = $null
            $output = @(Receive-Job $job -ErrorAction SilentlyContinue -ErrorVariable errors)
            $run = [pscustomobject]@{ Output = $output; Errors = @($errors) }
        }
        finally {
            Remove-Item Env:KXA_MAX_RETRIES -ErrorAction SilentlyContinue
            Stop-Job $job -ErrorAction SilentlyContinue
            Remove-Job $job -Force -ErrorAction SilentlyContinue
        }

        $records = @($run.Output | Where-Object { $_ -is [KinesisXAcct.KinesisRecord] })
        $warnings = @($run.Output | Where-Object { $_ -is [System.Management.Automation.WarningRecord] } | ForEach-Object Message)
        $verbose = @($run.Output | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
        $c = Compare-ReadToWritten -Read $records -Written (@($before) + @($after))
        Add-FaultRow "emulator stopped and restarted during -Follow ($([math]::Round($outage, 1)) s down)" $c.Written $c.Read $c.Duplicates $recovered 'seconds = restart to last record read'

        $run.Errors | Should -BeNullOrEmpty
        $c.Read | Should -Be 40
        $c.Missing + $c.Duplicates + $c.Unexpected + $c.PayloadMismatches + $c.OrderViolations | Should -Be 0
        # Warned once per shard when the outage began, said so when Kinesis answered again.
        @($warnings | Where-Object { $_ -match 'Retrying in' -and $_ -match 'nothing is lost' }).Count | Should -BeGreaterThan 0
        @($warnings | Where-Object { $_ -match 'answers again' }).Count | Should -BeGreaterThan 0
        # Backed off: the waits grow (0.5 s, 1 s, 2 s, ...) rather than hammering the endpoint. (The wait for the
        # restart above already throws when they do not; this states it as the outcome.)
        $waits = @($verbose + $warnings | Select-String 'Retrying in ([\d.]+) s' | ForEach-Object { [double]$_.Matches[0].Groups[1].Value })
        ($waits | Measure-Object -Maximum).Maximum | Should -BeGreaterThan 0.5
        @($verbose | Where-Object { $_ -match 'Connection refused' }).Count | Should -BeLessThan 60 -Because 'backoff bounds the calls made while the endpoint is down'
    }
}

Describe 'Load: a 16-shard stream written at ~300 records/s while -Follow reads it' {
    It 'reads every record once, with flat memory, idle CPU near zero and at most 5 GetRecords/s per shard' {
        $writeSeconds = 25
        Reset-FaultProxy $Proxy
        $childScript = @'
param($ModulePath, $RoleArn, $ExternalId)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
$null = Connect-KinesisRole -RoleArn $RoleArn -ExternalId $ExternalId
Read-KinesisRecord -StreamName load -Follow -StartingPosition TrimHorizon -IdleTimeout '00:00:12' |
    ForEach-Object { 'REC|' + $_.ShardId + '|' + $_.SequenceNumber + '|' + $_.Text }
'@
        $childEnv = @{
            AWS_ACCESS_KEY_ID = $World.operator.accessKeyId; AWS_SECRET_ACCESS_KEY = $World.operator.secretAccessKey
            AWS_REGION = 'us-east-1'; AWS_ENDPOINT_URL = $Proxy.Endpoint
            AWS_CONFIG_FILE = '/nonexistent/kxa-tests'; AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/kxa-tests'; AWS_EC2_METADATA_DISABLED = 'true'
        }
        $child = Start-ChildPwsh -Script $childScript -Environment $childEnv -ArgumentList @($ModulePath, $World.readerRoleArn, $World.externalId)
        $writer = $null
        try {
            # Wait until the reader polls every shard, then write.
            $deadline = [DateTime]::UtcNow.AddSeconds(30)
            while (@(Get-FaultLog $Proxy | Where-Object op -eq 'GetRecords' | ForEach-Object shard | Sort-Object -Unique).Count -lt 16) {
                if ($child.Process.HasExited) { throw "the reader exited early: $($child.StdOut.GetAwaiter().GetResult()) $($child.StdErr.GetAwaiter().GetResult())" }
                if ([DateTime]::UtcNow -gt $deadline) { throw 'the reader did not poll all 16 shards within 30 s' }
                Start-Sleep -Milliseconds 250
            }
            $writerPy = @'
import json, sys, time, boto3
endpoint, stream, seconds, rate = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
k = boto3.client("kinesis", endpoint_url=endpoint, region_name="us-east-1")
out, i, start, per_tick = [], 0, time.time(), max(1, rate // 10)
while time.time() - start < seconds:
    tick = time.time()
    recs = [{"PartitionKey": "pk-%d" % ((i + j) % 97), "Data": ("load-%06d" % (i + j)).encode()} for j in range(per_tick)]
    r = k.put_records(StreamName=stream, Records=recs)
    for rec, res in zip(recs, r["Records"]):
        if "ErrorCode" in res:
            sys.exit("rejected: %s" % res)
        out.append({"shardId": res["ShardId"], "sequenceNumber": res["SequenceNumber"], "data": rec["Data"].decode()})
    i += per_tick
    time.sleep(max(0.0, 0.1 - (time.time() - tick)))
print(json.dumps(out))
'@
            $writer = Start-ExternalProcess -FilePath python3 -ArgumentList @('-c', $writerPy, $Moto.Endpoint, 'load', $writeSeconds, 300) -Environment (Get-CredentialEnvironment $WriterCredential)
            $samples = [System.Collections.Generic.List[double]]::new()
            $p = Get-Process -Id $child.Process.Id
            while (-not $writer.Process.HasExited) {
                Start-Sleep -Seconds 1
                $p.Refresh()
                $samples.Add($p.WorkingSet64 / 1MB)
                if ($samples.Count -gt $writeSeconds + 30) { throw 'the writer ran far longer than planned' }
            }
            $written = @((Wait-ExternalProcess $writer -TimeoutSeconds 10).StdOut | ConvertFrom-Json)
            Start-Sleep -Seconds 2                          # the reader catches up with the last writes
            $p.Refresh(); $cpu0 = $p.TotalProcessorTime; $wall = [System.Diagnostics.Stopwatch]::StartNew()
            Start-Sleep -Seconds 5
            # The idle timeout (12 s after the last record) leaves the window well before the reader's exit,
            # whose own CPU would otherwise count as polling.
            if ($p.HasExited) { throw 'the reader exited during the idle CPU window: the window does not measure idle polling' }
            $p.Refresh(); $idleCpu = ($p.TotalProcessorTime - $cpu0).TotalSeconds / $wall.Elapsed.TotalSeconds
            $result = Wait-ExternalProcess $child -TimeoutSeconds 30
            $log = @(Get-FaultLog $Proxy)
        }
        finally {
            # Wait-ExternalProcess disposes what it waited for; anything still running here is ours to stop.
            foreach ($started in @($writer, $child)) {
                if ($started) { try { if (-not $started.Process.HasExited) { $started.Process.Kill($true) } } catch [System.InvalidOperationException] { } }
            }
            Remove-Item -LiteralPath $child.ScriptFile -ErrorAction SilentlyContinue
        }

        $read = @($result.StdOut -split "`n" | Where-Object { $_ -like 'REC|*' } | ForEach-Object {
                $f = $_.TrimEnd("`r").Split('|'); [pscustomobject]@{ ShardId = $f[1]; SequenceNumber = $f[2]; Text = $f[3] } })
        $c = Compare-ReadToWritten -Read $read -Written $written
        # GetRecords per shard: the most calls in any one-second window.
        $perShard = $log | Where-Object { $_.op -eq 'GetRecords' -and $_.shard } | Group-Object shard
        $maxPerSecond = 0
        foreach ($g in $perShard) {
            $t = @($g.Group.t | Sort-Object)
            $j = 0
            for ($i = 0; $i -lt $t.Count; $i++) {
                while ($t[$i] - $t[$j] -ge 1.0) { $j++ }
                $maxPerSecond = [math]::Max($maxPerSecond, $i - $j + 1)
            }
        }
        $third = [math]::Max(1, [math]::Floor($samples.Count / 3))
        $firstThird = ($samples | Select-Object -First $third | Measure-Object -Average).Average
        $lastThird = ($samples | Select-Object -Last $third | Measure-Object -Average).Average
        Add-FaultRow "load: 16 shards, $($written.Count) records in $writeSeconds s, -Follow" $c.Written $c.Read $c.Duplicates $writeSeconds `
        ("working set {0:N0} -> {1:N0} MB, idle CPU {2:P1}, max {3} GetRecords/s/shard" -f $firstThird, $lastThird, $idleCpu, $maxPerSecond)

        $result.ExitCode | Should -Be 0 -Because $result.StdErr
        $written.Count | Should -BeGreaterThan (100 * $writeSeconds) -Because 'the writer kept up at least 100 of its 300 records/s'
        $c.Read | Should -Be $written.Count
        $c.Missing + $c.Duplicates + $c.Unexpected + $c.PayloadMismatches + $c.OrderViolations | Should -Be 0
        @($perShard).Count | Should -Be 16
        $maxPerSecond | Should -BeLessOrEqual 5
        $idleCpu | Should -BeLessThan 0.10 -Because 'a caught-up reader sleeps between polls'
        $samples.Count | Should -BeGreaterThan 20
        $lastThird | Should -BeLessThan ($firstThird * 1.25 + 16) -Because 'memory stays flat while records stream through'
    }
}
