#Requires -Version 7.0
# Read-KinesisRecord -CheckpointPath, end to end, as a scheduled script uses it: run, write more,
# run again with the same file; repeated -First runs; a second run on the same file at once;
# files that are not usable; a reader process killed by its id in the middle of a read (the
# issue's headline: every record at least once, none missing, few repeated); and resharding
# between two runs (kinesis-local). Records are written by boto3 (E2E.Support, reshard_world.py,
# ReadFeatures.Support), never by the module. moto facts: it numbers sequences from 1 per shard,
# MillisBehindLatest is always 0, it cannot reshard (kinesis-local does).

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'ReadFeatures.Support.psm1') -Force

    $ModulePath = Import-ModuleUnderTest
    # kinesis-local (for the last block) starts in the background while the others run; its
    # failure to start fails that block (Receive-Job rethrows), it is never skipped.
    $KlJob = Start-ThreadJob -ArgumentList (Join-Path (Get-RepoRoot) 'tests/Support/Emulators.psm1') -ScriptBlock {
        param($EmulatorsModule)
        Import-Module $EmulatorsModule
        Start-KinesisLocal
    }
    $ResultsDir = Join-Path (Get-RepoRoot) 'out/TestResults'
    $TempDir = Join-Path ([IO.Path]::GetTempPath()) ('kxa-checkpoints-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    $null = New-Item -ItemType Directory -Path $TempDir

    function New-CheckpointPath([string]$Name) { Join-Path $TempDir "$Name.json" }
    function Get-FileHashHex([string]$Path) { (Get-FileHash -LiteralPath $Path -Algorithm SHA256).Hash }

    # A child pwsh that connects (when a role is given) and reads a stream with a checkpoint,
    # appending each record's text to a file (flushed per line), slowly when asked to.
    $ReaderScript = Join-Path $TempDir 'reader.ps1'
    Set-Content -LiteralPath $ReaderScript -Encoding utf8 -Value @'
param([string]$ModulePath, [string]$Stream, [string]$Checkpoint, [string]$OutFile,
      [string]$RoleArn, [string]$ExternalId, [int]$DelayMs = 0, [string]$GoFile, [switch]$Follow)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
if ($RoleArn) { $null = Connect-KinesisRole -RoleArn $RoleArn -ExternalId $ExternalId }
# Started ahead of time (its start-up overlaps other tests): read only once told to.
if ($GoFile) { while (-not (Test-Path -LiteralPath $GoFile)) { Start-Sleep -Milliseconds 20 } }
$extra = @{}
if ($Follow) { $extra.Follow = $true; $extra.StartingPosition = 'TrimHorizon' }
$out = [IO.StreamWriter]::new($OutFile, $true, [Text.UTF8Encoding]::new($false))
try {
    Read-KinesisRecord -StreamName $Stream -CheckpointPath $Checkpoint @extra | ForEach-Object {
        $out.WriteLine($_.Text)
        $out.Flush()
        if ($DelayMs -gt 0) { Start-Sleep -Milliseconds $DelayMs }
    }
}
finally { $out.Dispose() }
'@
}

AfterAll {
    if ($KlJob) {
        # Whatever the kinesis-local block did not take (it did not run, or failed early) is stopped here.
        $left = Receive-Job -Job $KlJob -Wait -ErrorAction SilentlyContinue
        foreach ($emulator in @($left)) { if ($emulator -and $emulator.PSObject.Properties['ProcessId']) { Stop-Emulator $emulator } }
        Remove-Job -Job $KlJob -Force
    }
    if ($TempDir -and (Test-Path -LiteralPath $TempDir)) { Remove-Item -LiteralPath $TempDir -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'Checkpoint files that cannot be used fail before any network call' {
    BeforeAll {
        # Nothing listens on this port: any call would fail with a connection error instead.
        $ClosedPort = Get-FreeTcpPort
        $SavedEnvironment = Use-AwsEnvironment -Variables @{
            AWS_ACCESS_KEY_ID     = 'AKIAEXAMPLEEXAMPLE00'
            AWS_SECRET_ACCESS_KEY = 'not-a-real-secret'
            AWS_REGION            = 'us-east-1'
            AWS_ENDPOINT_URL      = "http://127.0.0.1:$ClosedPort"
        }
        Disconnect-KinesisRole -All

        $Valid = @'
{ "format": "KinesisXAcct.Checkpoint", "version": 1, "updated": "2026-12-04T16:00:00.000Z",
  "streams": { "arn:aws:kinesis:us-east-1:210987654321:stream/orders": { "shardId-000000000000": { "sequenceNumber": "42" } } } }
'@
    }
    AfterAll { if ($SavedEnvironment) { Restore-AwsEnvironment $SavedEnvironment } }

    It 'control: nothing listens on the endpoint, so a call would fail with a connection error' {
        $client = [Net.Sockets.TcpClient]::new()
        try { { $client.Connect('127.0.0.1', $ClosedPort) } | Should -Throw }
        finally { $client.Dispose() }
    }

    It '<Case> -> <ErrorId>, the file left byte for byte as it was, quickly' -TestCases @(
        @{ Case = 'truncated JSON'; ErrorId = 'CheckpointUnreadable'; Bytes = $null; Content = '{ "format": "KinesisXAcct.Checkpoint", "version": 1, "streams": { "arn:aws:kinesis:us-east-1:1:stream/x": { "shardId-0' }
        @{ Case = 'binary garbage'; ErrorId = 'CheckpointUnreadable'; Content = $null; Bytes = [byte[]](0x1f, 0x8b, 0x08, 0x00, 0xff, 0xfe, 0x00, 0x7b, 0x22) }
        @{ Case = 'an empty file'; ErrorId = 'CheckpointUnreadable'; Bytes = $null; Content = '' }
        @{ Case = 'foreign JSON (another tool''s state file)'; ErrorId = 'CheckpointUnreadable'; Bytes = $null; Content = '{ "name": "my-app", "lastRun": "2026-12-04T16:00:00Z", "items": [1, 2, 3] }' }
        @{ Case = 'a JSON array'; ErrorId = 'CheckpointUnreadable'; Bytes = $null; Content = '[ { "shardId": "shardId-000000000000", "sequenceNumber": "1" } ]' }
        @{ Case = 'a checkpoint with a malformed sequence number'; ErrorId = 'CheckpointUnreadable'; Bytes = $null; Content = '{ "format": "KinesisXAcct.Checkpoint", "version": 1, "streams": { "arn:aws:kinesis:us-east-1:210987654321:stream/orders": { "shardId-000000000000": { "sequenceNumber": "12ab" } } } }' }
        @{ Case = 'version 99'; ErrorId = 'CheckpointVersionUnsupported'; Bytes = $null; Content = '{ "format": "KinesisXAcct.Checkpoint", "version": 99, "streams": {} }' }
    ) {
        $path = New-CheckpointPath ('bad-' + [guid]::NewGuid().ToString('N').Substring(0, 6))
        if ($null -ne $Bytes) { [IO.File]::WriteAllBytes($path, $Bytes) } else { [IO.File]::WriteAllText($path, $Content) }
        $before = Get-FileHashHex $path
        $beforeTime = (Get-Item -LiteralPath $path).LastWriteTimeUtc

        $watch = [Diagnostics.Stopwatch]::StartNew()
        $e = Get-CaughtError { Read-KinesisRecord -StreamName orders -CheckpointPath $path -ErrorAction Stop }
        $watch.Stop()

        $e | Should -Not -BeNullOrEmpty
        $e.FullyQualifiedErrorId | Should -Be "$ErrorId,KinesisXAcct.Commands.ReadKinesisRecordCommand"
        $e.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $e.Exception.Message | Should -Match ([regex]::Escape($path))
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 5 -Because 'the file is checked before any call (and no call is retried)'
        Get-FileHashHex $path | Should -Be $before
        (Get-Item -LiteralPath $path).LastWriteTimeUtc | Should -Be $beforeTime
        Test-Path -LiteralPath "$path.tmp" | Should -BeFalse
    }

    It 'a held lock file -> CheckpointInUse before any call, and the checkpoint is not touched' {
        $path = New-CheckpointPath 'locked'
        Set-Content -LiteralPath $path -Value $Valid -NoNewline
        $before = Get-FileHashHex $path
        $lock = [IO.FileStream]::new("$path.lock", 'OpenOrCreate', 'ReadWrite', 'None')
        try {
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $e = Get-CaughtError { Read-KinesisRecord -StreamName orders -CheckpointPath $path -ErrorAction Stop }
            $watch.Stop()
        }
        finally { $lock.Dispose() }
        $e | Should -Not -BeNullOrEmpty
        $e.FullyQualifiedErrorId | Should -Be 'CheckpointInUse,KinesisXAcct.Commands.ReadKinesisRecordCommand'
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 5
        Get-FileHashHex $path | Should -Be $before
    }
}

Describe 'Checkpoints on moto (reader role session, IAM enforced)' {
    BeforeAll {
        $Moto = New-MotoWorld -Scenario test -Records 0 -EnableIamEnforcement
        $World = $Moto.World
        $SavedEnvironment = Use-OperatorEnvironment -World $Moto
        Disconnect-KinesisRole -All
        # The reader: this runspace's current session, as the owner account's reader role.
        $null = Connect-KinesisRole -RoleArn $World.readerRoleArn -ExternalId $World.externalId
        # The writer: boto3 in its own process, as the owner account's writer role.
        $Operator = @{ AccessKeyId = $World.operator.accessKeyId; SecretAccessKey = $World.operator.secretAccessKey }

        function New-Records([string]$Tag, [int]$From, [int]$Count, [int]$Keys = 20) {
            $From..($From + $Count - 1) | ForEach-Object { @{ partitionKey = "pk-$($_ % $Keys)"; data = "$Tag|$_" } }
        }
        function Invoke-Writer([object[]]$Operation) {
            @(Invoke-KinesisOps -Endpoint $Moto.Endpoint -Credential $Operator -RoleArn $World.writerRoleArn -Operation $Operation)
        }

        # Every stream of this block and its first records, in one writer process.
        $Setup = Invoke-Writer @(
            @{ op = 'create'; stream = 'cp-runs'; shards = 4 }
            @{ op = 'create'; stream = 'cp-since'; shards = 2 }
            @{ op = 'create'; stream = 'cp-first'; shards = 4 }
            @{ op = 'create'; stream = 'cp-busy'; shards = 2 }
            @{ op = 'create'; stream = 'cp-kill'; shards = 4 }
            @{ op = 'put'; stream = 'cp-runs'; records = @(New-Records 'one' 0 60) }
            @{ op = 'put'; stream = 'cp-since'; records = @(New-Records 'old' 0 10) }
            @{ op = 'put'; stream = 'cp-first'; records = @(New-Records 'first' 0 45) }
            @{ op = 'put'; stream = 'cp-busy'; records = @(New-Records 'busy' 0 10) }
            @{ op = 'put'; stream = 'cp-kill'; records = @(New-Records 'kill' 0 3000 -Keys 97) }
            # For -Since: 0.6 s after the old records, the mark; 0.6 s later, new records.
            @{ op = 'sleep'; seconds = 0.6 }
            @{ op = 'mark' }
            @{ op = 'sleep'; seconds = 0.6 }
            @{ op = 'put'; stream = 'cp-since'; records = @(New-Records 'new' 10 10) }
            @{ op = 'create'; stream = 'cp-select'; shards = 3 }
            @{ op = 'put'; stream = 'cp-select'; records = @(New-Records 'select' 0 40) }
        )
        $RunsArn = $Setup[0].arn
        $Initial = @{
            'cp-runs' = @($Setup[5].records); 'cp-since' = @($Setup[6].records); 'cp-first' = @($Setup[7].records)
            'cp-busy' = @($Setup[8].records); 'cp-kill' = @($Setup[9].records)
        }
        $SinceMark = [DateTimeOffset]::FromUnixTimeMilliseconds($Setup[11].epochMs).UtcDateTime
        $SinceNew = @($Setup[13].records)
        $SelectWritten = @($Setup[15].records)

        # The child readers start now; their start-up (pwsh, module, Connect-KinesisRole) overlaps
        # the in-process tests. The holder follows cp-busy with a checkpoint until it is killed;
        # the kill test's reader waits for its go file.
        $BusyCheckpoint = New-CheckpointPath 'busy'
        $BusyOut = Join-Path $TempDir 'busy-holder.txt'
        $Holder = Start-ChildPwsh -Environment (Get-AwsEnvironment) -File $ReaderScript -ArgumentList @($ModulePath, 'cp-busy', $BusyCheckpoint, $BusyOut, $World.readerRoleArn, $World.externalId, '0', '', '-Follow')
        $KillCheckpoint = New-CheckpointPath 'kill'
        $KillOut = Join-Path $TempDir 'kill-output.txt'
        $KillGo = Join-Path $TempDir 'kill.go'
        $Killee = Start-ChildPwsh -Environment (Get-AwsEnvironment) -File $ReaderScript -ArgumentList @($ModulePath, 'cp-kill', $KillCheckpoint, $KillOut, $World.readerRoleArn, $World.externalId, '2', $KillGo)
    }
    AfterAll {
        Stop-ChildProcess $Holder
        Stop-ChildProcess $Killee
        if (Get-Command Disconnect-KinesisRole -ErrorAction SilentlyContinue) { Disconnect-KinesisRole -All }
        if ($SavedEnvironment) { Restore-AwsEnvironment $SavedEnvironment }
        Remove-TestWorld $Moto
    }

    Context 'run, write more, run again with the same file' {
        BeforeAll {
            $Arn = $RunsArn
            $Checkpoint = New-CheckpointPath 'runs'
            $SinceCheckpoint = New-CheckpointPath 'since'
            $First = $Initial['cp-runs']
            $Run1 = @(Read-KinesisRecord -StreamName cp-runs -CheckpointPath $Checkpoint -ErrorAction Stop)
            $AfterRun1 = Get-Content -LiteralPath $Checkpoint -Raw | ConvertFrom-Json -AsHashtable
            # cp-since: a first run with -Since (the checkpoint file does not exist yet).
            $SinceRun1 = @(Read-KinesisRecord -StreamName cp-since -CheckpointPath $SinceCheckpoint -Since $SinceMark -ErrorAction Stop)

            # The writer adds records to both streams (one process).
            $more = Invoke-Writer @(
                @{ op = 'put'; stream = 'cp-runs'; records = @(New-Records 'two' 60 25) }
                @{ op = 'put'; stream = 'cp-since'; records = @(New-Records 'newer' 20 6) }
            )
            $Second = @($more[0].records)
            $SinceNewer = @($more[1].records)

            $Run2 = @(Read-KinesisRecord -StreamName cp-runs -CheckpointPath $Checkpoint -ErrorAction Stop)
            $Run3 = @(Read-KinesisRecord -StreamName cp-runs -CheckpointPath $Checkpoint -ErrorAction Stop)
            $SinceRun2 = @(Read-KinesisRecord -StreamName cp-since -CheckpointPath $SinceCheckpoint -Since $SinceMark -WarningVariable SinceWarnings -WarningAction SilentlyContinue -ErrorAction Stop)
        }

        It 'the first run (no file yet) starts at TrimHorizon: every record written so far' {
            $First | Should -HaveCount 60
            ($Run1 | ForEach-Object { Get-RecordKey $_ } | Sort-Object) | Should -Be ($First | ForEach-Object { Get-RecordKey $_ } | Sort-Object)
        }

        It 'saves a version 1 checkpoint keyed by stream ARN and shard id, at the last record of each shard' {
            $AfterRun1.format | Should -Be 'KinesisXAcct.Checkpoint'
            $AfterRun1.version | Should -Be 1
            @($AfterRun1.streams.Keys) | Should -Be @($Arn)
            $shards = $AfterRun1.streams[$Arn]
            foreach ($g in ($First | Group-Object shardId)) {
                $last = ($g.Group | Sort-Object { [bigint]$_.sequenceNumber } | Select-Object -Last 1).sequenceNumber
                $shards[$g.Name].sequenceNumber | Should -Be $last -Because "$($g.Name) was read to its last record"
            }
        }

        It 'the second run returns exactly the records written since, none of the first run' {
            $Second | Should -HaveCount 25
            ($Run2 | ForEach-Object { Get-RecordKey $_ } | Sort-Object) | Should -Be ($Second | ForEach-Object { Get-RecordKey $_ } | Sort-Object)
            ($Run2.Text | Sort-Object) | Should -Be ($Second.data | Sort-Object)
        }

        It 'a third run with nothing new returns nothing' {
            $Run3 | Should -HaveCount 0
        }

        It 'a first run with -Since starts at that time; the next run resumes from the checkpoint and warns that -Since is ignored' {
            ($SinceRun1.Text | Sort-Object) | Should -Be ($SinceNew.data | Sort-Object)
            ($SinceRun2.Text | Sort-Object) | Should -Be ($SinceNewer.data | Sort-Object)
            ($SinceWarnings -join "`n") | Should -Match 'Since'
            $Initial['cp-since'].data | Should -Not -BeIn (@($SinceRun1.Text) + @($SinceRun2.Text))
        }
    }

    Context 'a run of one shard (-ShardId), then runs of the whole stream on the same file' {
        BeforeAll {
            $SelectCheckpoint = New-CheckpointPath 'select'
            $Chosen = 'shardId-000000000001'
            $OneShard = @(Read-KinesisRecord -StreamName cp-select -ShardId $Chosen -StartingPosition TrimHorizon -CheckpointPath $SelectCheckpoint -ErrorAction Stop)
            $WholeStream = @(Read-KinesisRecord -StreamName cp-select -StartingPosition TrimHorizon -CheckpointPath $SelectCheckpoint -WarningVariable SelectWarnings -WarningAction SilentlyContinue -ErrorAction Stop)
            $Again = @(Read-KinesisRecord -StreamName cp-select -StartingPosition TrimHorizon -CheckpointPath $SelectCheckpoint -WarningAction SilentlyContinue -ErrorAction Stop)
        }

        It 'the records were written to every shard, the chosen one among them' {
            @($SelectWritten.shardId | Sort-Object -Unique) | Should -HaveCount 3
            @($SelectWritten | Where-Object shardId -EQ $Chosen) | Should -Not -BeNullOrEmpty
        }

        It 'the first run read the chosen shard only' {
            ($OneShard | ForEach-Object { Get-RecordKey $_ } | Sort-Object) | Should -Be ($SelectWritten | Where-Object shardId -EQ $Chosen | ForEach-Object { Get-RecordKey $_ } | Sort-Object)
        }

        It 'the next run reads the shards the file had never seen from -StartingPosition, and nothing of the chosen shard again' {
            ($WholeStream | ForEach-Object { Get-RecordKey $_ } | Sort-Object) | Should -Be ($SelectWritten | Where-Object shardId -NE $Chosen | ForEach-Object { Get-RecordKey $_ } | Sort-Object)
            ($SelectWarnings -join "`n") | Should -Match 'never seen'
        }

        It 'then every shard is in the file: a third run returns nothing' {
            $Again | Should -HaveCount 0
            @((Get-Content -LiteralPath $SelectCheckpoint -Raw | ConvertFrom-Json -AsHashtable).streams.Values)[0].Keys | Sort-Object |
                Should -Be @('shardId-000000000000', 'shardId-000000000001', 'shardId-000000000002')
        }
    }

    Context 'repeated -First 7 runs' {
        It 'deliver every record exactly once, 7 at a time, and then nothing' {
            $written = $Initial['cp-first']
            $checkpoint = New-CheckpointPath 'first'
            $runs = [Collections.Generic.List[object]]::new()
            for ($i = 0; $i -lt 15; $i++) {
                $run = @(Read-KinesisRecord -StreamName cp-first -CheckpointPath $checkpoint -First 7 -ErrorAction Stop)
                $runs.Add($run)
                if ($run.Count -eq 0) { break }
            }
            $counts = @($runs | ForEach-Object { $_.Count })
            $counts | Should -Be @(7, 7, 7, 7, 7, 7, 3, 0) -Because 'each run stops after 7 records and the next one resumes after them'
            $all = @($runs | ForEach-Object { $_ })
            ($all | ForEach-Object { Get-RecordKey $_ } | Sort-Object) | Should -Be ($written | ForEach-Object { Get-RecordKey $_ } | Sort-Object)
            @($all | ForEach-Object { Get-RecordKey $_ } | Sort-Object -Unique) | Should -HaveCount 45
        }
    }

    Context 'two runs on the same file at once' {
        It 'the second run fails fast with CheckpointInUse while a reader in another process holds the file; afterwards the file is free again' {
            $written = $Initial['cp-busy']
            $checkpoint = $BusyCheckpoint
            $holderOut = $BusyOut
            $holder = $Holder
            try {
                $reading = Wait-Until -TimeoutSeconds 40 { (Get-LineCount $holderOut) -ge 10 -or $holder.Process.HasExited }
                $reading | Should -BeTrue
                $holder.Process.HasExited | Should -BeFalse -Because "the first reader follows the stream until stopped (stderr: $(if ($holder.Process.HasExited) { $holder.StdErr.GetAwaiter().GetResult() }))"

                $watch = [Diagnostics.Stopwatch]::StartNew()
                # Collected one by one, so a record that came out before the error would be counted.
                $second = [System.Collections.Generic.List[object]]::new()
                $e = $null
                try { Read-KinesisRecord -StreamName cp-busy -CheckpointPath $checkpoint -ErrorAction Stop | ForEach-Object { $second.Add($_) } }
                catch { $e = $_ }
                $watch.Stop()
                $e | Should -Not -BeNullOrEmpty -Because 'two runs on one checkpoint must not interleave'
                $e.FullyQualifiedErrorId | Should -Be 'CheckpointInUse,KinesisXAcct.Commands.ReadKinesisRecordCommand'
                $e.Exception.Message | Should -Match ([regex]::Escape($checkpoint))
                $watch.Elapsed.TotalSeconds | Should -BeLessThan 5
                $second | Should -HaveCount 0
            }
            finally { Stop-ChildProcess $holder }

            # The holder was killed: the lock went with its process.
            $e2 = Get-CaughtError { $null = Read-KinesisRecord -StreamName cp-busy -CheckpointPath $checkpoint -ErrorAction Stop }
            $e2 | Should -BeNullOrEmpty
            (Get-Content -LiteralPath $holderOut) | Sort-Object | Should -Be ($written.data | Sort-Object)
        }
    }

    Context 'the reading process is killed in the middle (at least once, no gaps)' {
        BeforeAll {
            $Written = $Initial['cp-kill']
            $Checkpoint = $KillCheckpoint
            $OutFile = $KillOut

            # Run 1: a child pwsh (started ahead, waiting for its go file), slowed down by the
            # pipeline (2 ms a record), killed by its id about 2 s after its first record, while
            # it is still reading.
            $child = $Killee
            if ($child.Process.HasExited) { throw "The reader child exited before it was told to read. stderr: $($child.StdErr.GetAwaiter().GetResult())" }
            Set-Content -LiteralPath $KillGo -Value 'go'
            try {
                $started = Wait-Until -TimeoutSeconds 40 { (Get-LineCount $OutFile) -gt 0 -or $child.Process.HasExited }
                $FirstLineSeen = [DateTime]::UtcNow
                if (-not $started -or $child.Process.HasExited) {
                    throw "The reader child did not start reading (exit: $($child.Process.HasExited)). stderr: $(if ($child.Process.HasExited) { $child.StdErr.GetAwaiter().GetResult() })"
                }
                # Lines written over time, to know how many came out in the last 1.25 s of delivery before the kill.
                $samples = [Collections.Generic.List[object]]::new()
                while (([DateTime]::UtcNow - $FirstLineSeen).TotalMilliseconds -lt 2000) {
                    $samples.Add([pscustomobject]@{ At = [DateTime]::UtcNow; Lines = (Get-LineCount $OutFile) })
                    Start-Sleep -Milliseconds 50
                }
                $ExitedBeforeKill = $child.Process.HasExited
                Stop-Process -Id $child.Process.Id -Force   # by its process id, no chance to clean up
                $KilledAt = [DateTime]::UtcNow
                $null = $child.Process.WaitForExit(10000)
            }
            finally { Stop-ChildProcess $child }
            $ReadBeforeKill = Get-LineCount $OutFile
            $SecondsReading = ($KilledAt - $FirstLineSeen).TotalSeconds
            $CheckpointAtKill = if (Test-Path -LiteralPath $Checkpoint) { Get-Content -LiteralPath $Checkpoint -Raw } else { $null }

            # Run 2: same checkpoint, to completion, appending to the same output.
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $writer = [IO.StreamWriter]::new($OutFile, $true, [Text.UTF8Encoding]::new($false))
            try { Read-KinesisRecord -StreamName cp-kill -CheckpointPath $Checkpoint -ErrorAction Stop | ForEach-Object { $writer.WriteLine($_.Text) } }
            finally { $writer.Dispose() }
            $watch.Stop()

            # And once more: with everything delivered and saved at exit, nothing is left.
            $Run3 = @(Read-KinesisRecord -StreamName cp-kill -CheckpointPath $Checkpoint -ErrorAction Stop)

            $Lines = @(Get-Content -LiteralPath $OutFile)
            $Unique = [Collections.Generic.HashSet[string]]::new([string[]]$Lines, [StringComparer]::Ordinal)
            $WrittenSet = [Collections.Generic.HashSet[string]]::new([string[]]@($Written.data), [StringComparer]::Ordinal)
            $Missing = @($Written.data | Where-Object { -not $Unique.Contains($_) })
            $Unknown = @($Unique | Where-Object { -not $WrittenSet.Contains($_) })
            $Duplicates = $Lines.Count - $Unique.Count
            $Rate = if ($SecondsReading -gt 0) { $ReadBeforeKill / $SecondsReading } else { 0 }
            # Records delivered in the last 1.25 s of delivery before the kill (one save interval and some slack).
            # The window ends at the last delivery the samples saw, not at the kill: a child stalled at the end
            # (a save waiting on a slow disk, the scheduler) delivers nothing then, and its duplicates were
            # delivered before the stall.
            $finalSample = @($samples | Where-Object { $_.Lines -ge $ReadBeforeKill } | Select-Object -First 1)
            $windowEnd = if ($finalSample) { $finalSample[0].At } else { $KilledAt }
            $StalledSeconds = ($KilledAt - $windowEnd).TotalSeconds
            # No sample 1.25 s before the window's end: the child stopped delivering early (a save that hangs),
            # and there is no window to judge by; the test says so rather than count every line as the window.
            $windowStart = @($samples | Where-Object { $_.At -le $windowEnd.AddMilliseconds(-1250) } | Select-Object -Last 1)
            $LastWindow = if ($windowStart) { $ReadBeforeKill - $windowStart[0].Lines } else { $null }

            # Sequence numbers the checkpoint held when the child died, per shard (0: none saved).
            $SavedAtKill = @{}
            if ($CheckpointAtKill) {
                $doc = $CheckpointAtKill | ConvertFrom-Json -AsHashtable
                foreach ($s in $doc.streams.Values) { foreach ($k in $s.Keys) { if ($s[$k]['sequenceNumber']) { $SavedAtKill[$k] = [bigint]$s[$k]['sequenceNumber'] } } }
            }
            $SavedCount = @($Written | Where-Object { $SavedAtKill.ContainsKey($_.shardId) -and [bigint]$_.sequenceNumber -le $SavedAtKill[$_.shardId] }).Count

            $Numbers = [ordered]@{
                test                 = 'kill the reading process (child pwsh, killed by process id) and run again with the same checkpoint'
                stream               = 'cp-kill (moto, 4 shards)'
                written              = $Written.Count
                readBeforeKill       = $ReadBeforeKill
                secondsReadingBeforeKill = [math]::Round($SecondsReading, 2)
                recordsPerSecondRun1 = [math]::Round($Rate, 1)
                readInLastSecondAndAQuarterBeforeKill = $LastWindow
                savedInCheckpointAtKill = $SavedCount
                readAfterRestart     = $Lines.Count - $ReadBeforeKill
                secondsRun2          = [math]::Round($watch.Elapsed.TotalSeconds, 2)
                read                 = $Lines.Count
                unique               = $Unique.Count
                duplicates           = $Duplicates
                missing              = $Missing.Count
                unknown              = $Unknown.Count
            }
            $null = New-Item -ItemType Directory -Path $ResultsDir -Force
            $Numbers | ConvertTo-Json | Set-Content -LiteralPath (Join-Path $ResultsDir 'kill-test.json') -Encoding utf8
            Write-Host (("kill test: written {0}, read {1} ({2} before the kill after {3:N1} s at {4:N0}/s, {5} after the restart), " +
                "duplicates {6}, unique {7}, missing {8}; checkpoint at the kill covered {9}") -f `
                $Numbers.written, $Numbers.read, $Numbers.readBeforeKill, $SecondsReading, $Rate, $Numbers.readAfterRestart,
                $Numbers.duplicates, $Numbers.unique, $Numbers.missing, $Numbers.savedInCheckpointAtKill)
        }

        It 'the child was killed while it was still reading (some records out, not all)' {
            $ExitedBeforeKill | Should -BeFalse
            $ReadBeforeKill | Should -BeGreaterThan 0
            $ReadBeforeKill | Should -BeLessThan $Written.Count
        }

        It 'the checkpoint left by the killed process is a whole, readable file (written atomically)' {
            $CheckpointAtKill | Should -Not -BeNullOrEmpty -Because 'after ~2 s of delivering records, progress has been saved (at most a second apart)'
            { $CheckpointAtKill | ConvertFrom-Json } | Should -Not -Throw
        }

        It 'every record written was read at least once, and nothing else was' {
            $Missing | Should -BeNullOrEmpty
            $Unknown | Should -BeNullOrEmpty
            $Unique.Count | Should -Be $Written.Count
        }

        It 'a run after the restart finished returns nothing (progress was saved at exit)' {
            $Run3 | Should -HaveCount 0
        }

        It 'repeats only the records delivered after the last save (at most about a second''s worth)' {
            $Duplicates | Should -Be ($ReadBeforeKill - $SavedCount) -Because 'the restart resumes right after what the checkpoint held'
            $LastWindow | Should -Not -BeNullOrEmpty -Because "the child delivered for 1.25 s before it stopped (it stopped $([math]::Round($StalledSeconds, 2)) s before the kill)"
            $Duplicates | Should -BeLessOrEqual ($LastWindow + 20) -Because "progress is saved at least once a second: at most the records of the last 1.25 s of delivery before the kill ($LastWindow) may come again"
        }
    }
}

Describe 'Checkpoints across resharding (kinesis-local)' {
    BeforeAll {
        $Account = '333344445555'
        $Kl = Receive-Job -Job $KlJob -Wait -ErrorAction Stop
        $Endpoint = $Kl.Endpoint
        $SavedEnvironment = Use-AwsEnvironment -Variables @{
            AWS_ACCESS_KEY_ID     = $Account
            AWS_SECRET_ACCESS_KEY = 'any-secret'
            AWS_REGION            = 'us-east-1'
        }
        Disconnect-KinesisRole -All
        $Checkpoint = New-CheckpointPath 'reshard'
        function Read-WithCheckpoint { @(Read-KinesisRecord -StreamName cpsplit -EndpointUrl $Endpoint -Region us-east-1 -CheckpointPath $Checkpoint -ErrorAction Stop) }

        # Two shards, 30 records; run 1 reads them all.
        $Initial = New-KinesisLocalStream -Endpoint $Endpoint -Account $Account -StreamName cpsplit -ShardCount 2 -Before 30 -After 0 -Keys 8 -Tag R
        $Run1 = Read-WithCheckpoint
        # Then: 12 more into both parents (a tail run 1 never saw), shard 0 split, 30 more (children and shard 1).
        $Resharded = New-KinesisLocalStream -Endpoint $Endpoint -Account $Account -StreamName cpsplit -Existing -Reshard split -Before 12 -After 30 -Keys 8 -FirstIndex 30 -Tag R
        $Run2 = Read-WithCheckpoint
        $Run3 = Read-WithCheckpoint
        # And more into the children: the next run resumes them, not the finished parent.
        $Later = New-KinesisLocalStream -Endpoint $Endpoint -Account $Account -StreamName cpsplit -Existing -Before 16 -After 0 -Keys 8 -FirstIndex 72 -Tag R
        $Run4 = Read-WithCheckpoint

        $Parent = 'shardId-000000000000'
        $Children = @($Resharded.shards | Where-Object parentShardId -eq $Parent | ForEach-Object shardId)
    }
    AfterAll {
        if ($SavedEnvironment) { Restore-AwsEnvironment $SavedEnvironment }
        Stop-Emulator $Kl
    }

    It 'the fixture wrote a tail to the parent before splitting it, and then wrote to its children' {
        $Children | Should -HaveCount 2
        ($Resharded.shards | Where-Object shardId -eq $Parent).closed | Should -BeTrue
        @($Resharded.records | Where-Object { $_.phase -eq 'before' -and $_.shardId -eq $Parent }) | Should -Not -BeNullOrEmpty
        foreach ($c in $Children) { @($Resharded.records | Where-Object shardId -eq $c) | Should -Not -BeNullOrEmpty -Because "$c received records" }
    }

    It 'run 1 read every record of the two shards' {
        ($Run1 | ForEach-Object { Get-RecordKey $_ } | Sort-Object) | Should -Be ($Initial.records | ForEach-Object { Get-RecordKey $_ } | Sort-Object)
    }

    It 'run 2 returns exactly the records written since run 1: the parent''s tail, the other shard''s and the children''s' {
        ($Run2 | ForEach-Object { Get-RecordKey $_ } | Sort-Object) | Should -Be ($Resharded.records | ForEach-Object { Get-RecordKey $_ } | Sort-Object)
        $Run2.Text | Should -Not -BeIn $Initial.records.data
    }

    It 'run 2 outputs the parent''s records of a partition key before its children''s, in write order' {
        $checked = 0
        foreach ($g in ($Run2 | Group-Object PartitionKey)) {
            $positions = for ($i = 0; $i -lt $Run2.Count; $i++) { if ($Run2[$i].PartitionKey -eq $g.Name) { [pscustomobject]@{ At = $i; Shard = $Run2[$i].ShardId } } }
            $inParent = @($positions | Where-Object Shard -eq $Parent)
            $inChildren = @($positions | Where-Object Shard -in $Children)
            if ($inParent.Count -and $inChildren.Count) {
                $checked++
                ($inParent.At | Measure-Object -Maximum).Maximum | Should -BeLessThan ($inChildren.At | Measure-Object -Minimum).Minimum -Because "key $($g.Name): parent first"
            }
            $want = @($Resharded.records | Where-Object partitionKey -eq $g.Name | ForEach-Object data)
            @($g.Group.Text) | Should -Be $want -Because "key $($g.Name) in write order"
        }
        $checked | Should -BeGreaterThan 1 -Because 'several keys have records in the parent''s tail and in a child'
    }

    It 'run 3, with nothing new, returns nothing; the checkpoint marks the split parent finished' {
        $Run3 | Should -HaveCount 0
        $doc = Get-Content -LiteralPath $Checkpoint -Raw | ConvertFrom-Json -AsHashtable
        $shards = $doc.streams[$Resharded.arn]
        $shards[$Parent].finished | Should -BeTrue
        foreach ($c in $Children) { $shards.ContainsKey($c) | Should -BeTrue }
    }

    It 'run 4 returns exactly the records written to the children and the open shard since' {
        ($Run4 | ForEach-Object { Get-RecordKey $_ } | Sort-Object) | Should -Be ($Later.records | ForEach-Object { Get-RecordKey $_ } | Sort-Object)
        $Run4.ShardId | Should -Not -Contain $Parent
    }
}
