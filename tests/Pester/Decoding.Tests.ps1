#Requires -Version 7.0
# What Read-KinesisRecord makes of real payloads, end to end on moto (default credentials, no
# role): KPL aggregates built by AWS Labs' aws-kinesis-agg (npm, pinned) and written by boto3
# come back as their user records (-Raw: as they are; a checkpoint inside an aggregate resumes
# at the next user record); gzip CloudWatch Logs subscription messages come back usable; a table
# of payload kinds x -As Record|Text|Json; a non-JSON payload under -As Json is a non-terminating
# error and reading goes on; -Until, -IdleTimeout and -First end the read.
# Records are written by boto3 (ReadFeatures.Support's Invoke-KinesisOps), except one aggregate
# that Write-KinesisRecord writes as a byte[] on purpose. The decoding table (payload kind ->
# what each -As returns) is also written to out/TestResults/decoding-table.md.

BeforeDiscovery {
    $Kinds = @('plain text', 'JSON object', 'JSON array', 'gzip JSON', 'gzip text', 'binary (not UTF-8)', 'invalid JSON')
    $TableCases = foreach ($kind in $Kinds) { foreach ($as in 'Record', 'Text', 'Json') { @{ Kind = $kind; As = $as } } }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'ReadFeatures.Support.psm1') -Force

    $Moto = Start-MotoServer
    $Credential = @{ AccessKeyId = 'testing'; SecretAccessKey = 'testing' }
    $SavedEnvironment = Use-AwsEnvironment -Variables @{
        AWS_ACCESS_KEY_ID     = $Credential.AccessKeyId
        AWS_SECRET_ACCESS_KEY = $Credential.SecretAccessKey
        AWS_REGION            = 'us-east-1'
        AWS_ENDPOINT_URL      = $Moto.Endpoint
    }
    $ModulePath = Import-ModuleUnderTest
    Disconnect-KinesisRole -All
    $ResultsDir = Join-Path (Get-RepoRoot) 'out/TestResults'
    $TempDir = Join-Path ([IO.Path]::GetTempPath()) ('kxa-decoding-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    $null = New-Item -ItemType Directory -Path $TempDir
    $Shard0 = 'shardId-000000000000'
    $MaxHashKey = ([bigint]::Pow(2, 128) - 1).ToString()

    function ConvertTo-CanonicalJson($Value) {
        # A parsed value without the module's KinesisRecord note, as compact JSON (for comparing with ConvertFrom-Json).
        if ($Value.PSObject.BaseObject -is [System.Management.Automation.PSCustomObject]) {
            $Value = $Value | Select-Object -Property * -ExcludeProperty KinesisRecord
        }
        else { $Value = $Value.PSObject.BaseObject }
        ConvertTo-Json -InputObject $Value -Depth 20 -Compress
    }

    # KPL aggregates, made by aws-kinesis-agg: user records with distinct partition keys,
    # explicit hash keys at both ends of the key space, binary and empty data.
    $UserRecordsA = @(
        @{ partitionKey = 'alpha'; data = 'one' }
        @{ partitionKey = 'bravo'; explicitHashKey = '0'; data = 'two' }
        @{ partitionKey = 'clé-ünïcødé-🔑'; data = 'three, with a non-ASCII key' }
        @{ partitionKey = 'delta'; explicitHashKey = $MaxHashKey; bytes = [byte[]](0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff) }
        @{ partitionKey = 'echo'; bytes = [byte[]]@() }
    )
    $AggregateA = New-KplAggregate -UserRecord $UserRecordsA
    $UserRecordsB = @(0..4 | ForEach-Object { @{ partitionKey = "user-$_"; data = "user record $_ of B" } })
    $AggregateB = New-KplAggregate -UserRecord $UserRecordsB
    function Get-UserHex($u) {
        # Hex of a user record's payload (a function cannot return an empty byte[]: it unrolls to nothing).
        if ($u.ContainsKey('bytes')) { ConvertTo-Hex ([byte[]]$u['bytes']) } else { ConvertTo-Hex ([Text.Encoding]::UTF8.GetBytes($u['data'])) }
    }

    # A CloudWatch Logs subscription message, gzipped as CloudWatch Logs sends it.
    $LogMessages = @('START RequestId: 7f1c Version: $LATEST', '{"level":"info","msg":"order 42 shipped"}', 'END RequestId: 7f1c')
    $CwlJson = New-CloudWatchLogsMessage -Message $LogMessages
    $CwlGzip = ConvertTo-GzipBytes -Text $CwlJson

    # The decoding table's payloads: bytes on the wire, the text they mean, and the JSON they parse to (if any).
    $Payloads = [ordered]@{
        'plain text'         = @{ Bytes = [Text.Encoding]::UTF8.GetBytes('order 42 shipped'); Text = 'order 42 shipped' }
        'JSON object'        = @{ Bytes = [Text.Encoding]::UTF8.GetBytes('{"id":42,"status":"shipped","at":"2026-12-04T16:00:00Z","tags":["a","b"],"n":{"x":1.5}}'); Text = '{"id":42,"status":"shipped","at":"2026-12-04T16:00:00Z","tags":["a","b"],"n":{"x":1.5}}' }
        'JSON array'         = @{ Bytes = [Text.Encoding]::UTF8.GetBytes('[{"id":1},{"id":2},{"id":3}]'); Text = '[{"id":1},{"id":2},{"id":3}]' }
        'gzip JSON'          = @{ Bytes = (ConvertTo-GzipBytes -Text '{"id":43,"status":"packed"}'); Text = '{"id":43,"status":"packed"}' }
        'gzip text'          = @{ Bytes = (ConvertTo-GzipBytes -Text 'a plain line, gzipped'); Text = 'a plain line, gzipped' }
        'binary (not UTF-8)' = @{ Bytes = [byte[]](0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28, 0x9f); Text = [Text.Encoding]::UTF8.GetString([byte[]](0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28, 0x9f)) }
        'invalid JSON'       = @{ Bytes = [Text.Encoding]::UTF8.GetBytes('{"id": 44, "status": "ship'); Text = '{"id": 44, "status": "ship' }
    }
    foreach ($p in $Payloads.Values) {
        $p.IsJson = $true
        try { $p.Json = @(ConvertFrom-Json -InputObject $p.Text -ErrorAction Stop) } catch { $p.IsJson = $false }
    }

    # Every stream and record of this file, written by boto3 in one process.
    $Setup = @(Invoke-KinesisOps -Endpoint $Moto.Endpoint -Credential $Credential -Operation @(
            @{ op = 'create'; stream = 'kpl'; shards = 1 }                                    # 0
            @{ op = 'create'; stream = 'kplcp'; shards = 1 }                                  # 1
            @{ op = 'create'; stream = 'cwl'; shards = 1 }                                    # 2
            @{ op = 'create'; stream = 'table'; shards = 1 }                                  # 3
            @{ op = 'create'; stream = 'notjson'; shards = 1 }                                # 4
            @{ op = 'create'; stream = 'until'; shards = 2 }                                  # 5
            @{ op = 'create'; stream = 'idle'; shards = 2 }                                   # 6
            @{ op = 'create'; stream = 'kplmod'; shards = 1 }                                 # 7
            @{ op = 'put'; stream = 'kpl'; records = @(                                       # 8
                    @{ partitionKey = $AggregateA.partitionKey; explicitHashKey = $AggregateA.explicitHashKey; bytes = $AggregateA.bytes }
                    @{ partitionKey = 'plain'; data = 'a plain record after the aggregate' }) }
            @{ op = 'put'; stream = 'kplcp'; records = @(                                     # 9
                    @{ partitionKey = $AggregateB.partitionKey; explicitHashKey = $AggregateB.explicitHashKey; bytes = $AggregateB.bytes }
                    @{ partitionKey = 'plain'; data = 'after B' }) }
            @{ op = 'put'; stream = 'cwl'; records = @(@{ partitionKey = '/aws/lambda/orders'; bytes = $CwlGzip }) }   # 10
            @{ op = 'put'; stream = 'table'; records = @($Payloads.Keys | ForEach-Object { @{ partitionKey = $_; bytes = $Payloads[$_].Bytes } }) }  # 11
            @{ op = 'put'; stream = 'notjson'; records = @(                                   # 12
                    @{ partitionKey = 'k'; data = '{"n":1}' }, @{ partitionKey = 'k'; data = '{"broken": tru' },
                    @{ partitionKey = 'k'; data = '{"n":2}' }, @{ partitionKey = 'k'; data = '{"n":3}' }) }
            @{ op = 'put'; stream = 'idle'; records = @(0..4 | ForEach-Object { @{ partitionKey = "k$_"; data = "idle $_" } }) }  # 13
            @{ op = 'put'; stream = 'until'; records = @(0..9 | ForEach-Object { @{ partitionKey = "k$_"; data = "early $_" } }) } # 14
            @{ op = 'sleep'; seconds = 0.6 }                                                    # 15
            @{ op = 'mark' }                                                                  # 16
            @{ op = 'sleep'; seconds = 0.6 }                                                    # 17
            @{ op = 'put'; stream = 'until'; records = @(0..9 | ForEach-Object { @{ partitionKey = "k$_"; data = "late $_" } }) }  # 18
        ))
    $KplWritten = @($Setup[8].records)
    $KplCpWritten = @($Setup[9].records)
    $CwlWritten = @($Setup[10].records)[0]
    $TableWritten = @{}
    foreach ($r in $Setup[11].records) { $TableWritten[$r.partitionKey] = $r }
    $NotJsonWritten = @($Setup[12].records)
    $IdleWritten = @($Setup[13].records)
    $Early = @($Setup[14].records)
    $UntilMark = [DateTimeOffset]::FromUnixTimeMilliseconds($Setup[16].epochMs).UtcDateTime
    $Late = @($Setup[18].records)

    $TableRows = [Collections.Generic.List[object]]::new()
}

AfterAll {
    if ($TableRows -and $TableRows.Count) {
        # payload kind -> what each -As returns, for the closing note.
        $lines = @('| Payload kind | -As Record | -As Text | -As Json |', '|---|---|---|---|')
        foreach ($kind in $Payloads.Keys) {
            $cell = @{}
            foreach ($row in @($TableRows | Where-Object Kind -eq $kind)) { $cell[$row.As] = $row.Result }
            $lines += "| $kind | $($cell['Record']) | $($cell['Text']) | $($cell['Json']) |"
        }
        $null = New-Item -ItemType Directory -Path $ResultsDir -Force
        Set-Content -LiteralPath (Join-Path $ResultsDir 'decoding-table.md') -Value $lines -Encoding utf8
    }
    if ($SavedEnvironment) { Restore-AwsEnvironment $SavedEnvironment }
    Stop-Emulator $Moto
    if ($TempDir -and (Test-Path -LiteralPath $TempDir)) { Remove-Item -LiteralPath $TempDir -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'KPL aggregates (aws-kinesis-agg) written through moto' {
    BeforeAll {
        $Read = @(Read-KinesisRecord -StreamName kpl -ErrorAction Stop)
        $AggregateSequence = $KplWritten[0].sequenceNumber
    }

    It 'the fixture is a KPL aggregate (magic F3 89 9A C2) stored as one Kinesis record' {
        (ConvertTo-Hex $AggregateA.bytes[0..3]) | Should -Be 'F3899AC2'
        $KplWritten | Should -HaveCount 2
    }

    It 'comes back as its 5 user records: one sequence number, SubSequenceNumber 0..4, in order' {
        $user = @($Read | Where-Object SequenceNumber -eq $AggregateSequence)
        $user | Should -HaveCount 5
        $user.SubSequenceNumber | Should -Be @(0, 1, 2, 3, 4)
        $user | ForEach-Object { $_.ShardId | Should -Be $KplWritten[0].shardId; $_.StreamName | Should -Be 'kpl' }
        $Read | Should -HaveCount 6
    }

    It 'user record <Index> has its own partition key, explicit hash key and data' -TestCases @(
        @{ Index = 0 }, @{ Index = 1 }, @{ Index = 2 }, @{ Index = 3 }, @{ Index = 4 }
    ) {
        $u = $UserRecordsA[$Index]
        $r = @($Read | Where-Object { $_.SequenceNumber -eq $AggregateSequence -and $_.SubSequenceNumber -eq $Index })
        $r | Should -HaveCount 1
        $r[0].PartitionKey | Should -Be $u.partitionKey
        $r[0].ExplicitHashKey | Should -Be $u['explicitHashKey']
        ConvertTo-Hex $r[0].Data | Should -Be (Get-UserHex $u)
        if ($u.ContainsKey('data')) { $r[0].Text | Should -Be $u.data }
    }

    It 'a plain record next to it stays one record, without SubSequenceNumber' {
        $plain = @($Read | Where-Object SequenceNumber -eq $KplWritten[1].sequenceNumber)
        $plain | Should -HaveCount 1
        $plain[0].SubSequenceNumber | Should -BeNullOrEmpty
        $plain[0].Text | Should -Be 'a plain record after the aggregate'
        $Read[-1].SequenceNumber | Should -Be $KplWritten[1].sequenceNumber -Because 'records come out in sequence order'
    }

    It '-As Text gives the user records'' payloads' {
        $text = @(Read-KinesisRecord -StreamName kpl -As Text -ErrorAction Stop)
        $text | Should -HaveCount 6
        $text[0..2] | Should -Be @('one', 'two', 'three, with a non-ASCII key')
        $text[4] | Should -Be ''
    }

    It '-Raw returns the aggregate as the one record it is' {
        $raw = @(Read-KinesisRecord -StreamName kpl -Raw -ErrorAction Stop)
        $raw | Should -HaveCount 2
        $raw[0].SequenceNumber | Should -Be $AggregateSequence
        $raw[0].SubSequenceNumber | Should -BeNullOrEmpty
        $raw[0].PartitionKey | Should -Be $AggregateA.partitionKey
        $raw[0].ExplicitHashKey | Should -BeNullOrEmpty
        ConvertTo-Hex $raw[0].Data | Should -Be (ConvertTo-Hex $AggregateA.bytes)
        $raw[1].Text | Should -Be 'a plain record after the aggregate'
    }

    It 'an aggregate written by Write-KinesisRecord as a byte[] (piped) is de-aggregated the same way' {
        $put = @(, $AggregateB.bytes | Write-KinesisRecord -StreamName kplmod -PartitionKey $AggregateB.partitionKey -PassThru -ErrorAction Stop)
        $put | Should -HaveCount 1
        $read = @(Read-KinesisRecord -StreamName kplmod -ErrorAction Stop)
        $read | Should -HaveCount 5
        $read.PartitionKey | Should -Be $UserRecordsB.partitionKey
        $read.Text | Should -Be $UserRecordsB.data
        $read.SubSequenceNumber | Should -Be @(0, 1, 2, 3, 4)
    }

    It 'a checkpoint taken inside an aggregate (-First 2 of 5) resumes at the third user record' {
        $checkpoint = Join-Path $TempDir 'kpl-checkpoint.json'
        $run1 = @(Read-KinesisRecord -StreamName kplcp -CheckpointPath $checkpoint -First 2 -ErrorAction Stop)
        $run1.SubSequenceNumber | Should -Be @(0, 1)
        $run1.Text | Should -Be $UserRecordsB[0..1].data

        $saved = (Get-Content -LiteralPath $checkpoint -Raw | ConvertFrom-Json -AsHashtable).streams.Values | ForEach-Object { $_[$Shard0] }
        $saved.sequenceNumber | Should -Be $KplCpWritten[0].sequenceNumber
        $saved.subSequenceNumber | Should -Be 1

        $run2 = @(Read-KinesisRecord -StreamName kplcp -CheckpointPath $checkpoint -ErrorAction Stop)
        $run2.Text | Should -Be (@($UserRecordsB[2..4].data) + 'after B') -Because 'no user record repeated, none skipped'
        $run2[0..2].SubSequenceNumber | Should -Be @(2, 3, 4)
        $run2[0..2] | ForEach-Object { $_.SequenceNumber | Should -Be $KplCpWritten[0].sequenceNumber }

        @(Read-KinesisRecord -StreamName kplcp -CheckpointPath $checkpoint -ErrorAction Stop) | Should -HaveCount 0
    }
}

Describe 'A gzip CloudWatch Logs subscription message' {
    It '-As Json gives one object whose log events are reachable, with the record''s shard and sequence number' {
        $out = @(Read-KinesisRecord -StreamName cwl -As Json -ErrorAction Stop)
        $out | Should -HaveCount 1
        $m = $out[0]
        $m.messageType | Should -Be 'DATA_MESSAGE'
        $m.logGroup | Should -Be '/aws/lambda/orders'
        $m.subscriptionFilters | Should -Be @('to-kinesis')
        $m.logEvents | Should -HaveCount 3
        $m.logEvents.message | Should -Be $LogMessages
        $m.KinesisRecord.ShardId | Should -Be $CwlWritten.shardId
        $m.KinesisRecord.SequenceNumber | Should -Be $CwlWritten.sequenceNumber
        $m.KinesisRecord.StreamName | Should -Be 'cwl'
        $m.KinesisRecord.ApproximateArrivalTimestamp | Should -BeOfType [datetime]
        @(Read-KinesisRecord -StreamName cwl -As Json | Select-Object -ExpandProperty logEvents).message | Should -Be $LogMessages
    }

    It '-As Text gives the inflated JSON text' {
        $out = @(Read-KinesisRecord -StreamName cwl -As Text -ErrorAction Stop)
        $out | Should -HaveCount 1
        $out[0] | Should -BeOfType [string]
        $out[0] | Should -Be $CwlJson
    }

    It '-As Record gives Data = the gzip bytes unchanged and Text = the inflated JSON' {
        $out = @(Read-KinesisRecord -StreamName cwl -ErrorAction Stop)
        $out | Should -HaveCount 1
        $out[0] | Should -BeOfType [KinesisXAcct.KinesisRecord]
        ConvertTo-Hex $out[0].Data | Should -Be (ConvertTo-Hex $CwlGzip)
        $out[0].Text | Should -Be $CwlJson
    }
}

Describe 'Decoding table: payload kind x -As' {
    It '<Kind> with -As <As>' -TestCases $TableCases {
        $p = $Payloads[$Kind]
        $w = $TableWritten[$Kind]
        $errs = @()
        $out = @(Read-KinesisRecord -StreamName table -ShardId $w.shardId -SequenceNumber $w.sequenceNumber -First 1 -As $As -ErrorVariable errs -ErrorAction SilentlyContinue)
        switch ($As) {
            'Record' {
                $errs | Should -BeNullOrEmpty
                $out | Should -HaveCount 1
                $out[0] | Should -BeOfType [KinesisXAcct.KinesisRecord]
                ConvertTo-Hex $out[0].Data | Should -Be (ConvertTo-Hex $p.Bytes) -Because 'Data is the payload as stored'
                $out[0].Text | Should -BeExactly $p.Text
                $result = if ($Kind -like 'gzip*') { 'KinesisRecord: Data = the gzip bytes, Text = inflated text' }
                elseif ($Kind -like 'binary*') { 'KinesisRecord: Data = the bytes, Text = UTF-8 decoding with U+FFFD for invalid bytes' }
                else { 'KinesisRecord: Data = the bytes, Text = the text' }
            }
            'Text' {
                $errs | Should -BeNullOrEmpty
                $out | Should -HaveCount 1
                $out[0] | Should -BeOfType [string]
                $out[0] | Should -BeExactly $p.Text
                $result = if ($Kind -like 'gzip*') { 'the inflated text (string)' } elseif ($Kind -like 'binary*') { 'string with U+FFFD for invalid bytes' } else { 'the text (string)' }
            }
            'Json' {
                if ($p.IsJson) {
                    $errs | Should -BeNullOrEmpty
                    $out | Should -HaveCount $p.Json.Count -Because 'a JSON array gives one object per element'
                    for ($i = 0; $i -lt $p.Json.Count; $i++) {
                        ConvertTo-CanonicalJson $out[$i] | Should -Be (ConvertTo-CanonicalJson $p.Json[$i]) -Because 'parsed as ConvertFrom-Json parses it'
                        $out[$i].KinesisRecord.SequenceNumber | Should -Be $w.sequenceNumber
                        $out[$i].KinesisRecord.ShardId | Should -Be $w.shardId
                    }
                    $result = if ($Kind -eq 'JSON array') { "one object per element ($($p.Json.Count)), each with .KinesisRecord" }
                    elseif ($Kind -like 'gzip*') { 'PSCustomObject of the inflated JSON, with .KinesisRecord' }
                    else { 'PSCustomObject (as ConvertFrom-Json), with .KinesisRecord' }
                }
                else {
                    $out | Should -HaveCount 0
                    $errs | Should -HaveCount 1
                    $errs[0].FullyQualifiedErrorId | Should -Be 'RecordPayloadNotJson,KinesisXAcct.Commands.ReadKinesisRecordCommand'
                    $result = 'no output; non-terminating error RecordPayloadNotJson'
                }
            }
        }
        $TableRows.Add([pscustomobject]@{ Kind = $Kind; As = $As; Result = $result })
    }
}

Describe 'A payload that is not JSON under -As Json' {
    It 'is one non-terminating RecordPayloadNotJson error naming its shard and sequence number; the following records still come out' {
        $errs = @()
        $out = @(Read-KinesisRecord -StreamName notjson -As Json -ErrorVariable errs -ErrorAction SilentlyContinue)
        $bad = $NotJsonWritten[1]
        $out.n | Should -Be @(1, 2, 3)
        $errs | Should -HaveCount 1
        $e = $errs[0]
        $e.FullyQualifiedErrorId | Should -Be 'RecordPayloadNotJson,KinesisXAcct.Commands.ReadKinesisRecordCommand'
        $e.CategoryInfo.Category | Should -Be 'InvalidData'
        $e.Exception.Message | Should -Match ([regex]::Escape($bad.shardId))
        $e.Exception.Message | Should -Match "\b$([regex]::Escape($bad.sequenceNumber))\b"
        $e.TargetObject.SequenceNumber | Should -Be $bad.sequenceNumber
    }
}

Describe 'Stop conditions' {
    It '-Until: records that arrived after the time are left out and the read ends' {
        $run = Invoke-WithTimeout -ModulePath $ModulePath -TimeoutSeconds 30 -ArgumentList $UntilMark -ScriptBlock {
            param($Until)
            Read-KinesisRecord -StreamName until -Until $Until
        }
        $run.Errors | Should -BeNullOrEmpty
        ($run.Output | ForEach-Object { Get-RecordKey $_ } | Sort-Object) | Should -Be ($Early | ForEach-Object { Get-RecordKey $_ } | Sort-Object)
    }

    It '-Until with -Follow from TrimHorizon: the early records, then the read ends by itself' {
        $run = Invoke-WithTimeout -ModulePath $ModulePath -TimeoutSeconds 30 -ArgumentList $UntilMark -ScriptBlock {
            param($Until)
            Read-KinesisRecord -StreamName until -Follow -StartingPosition TrimHorizon -Until $Until
        }
        $run.Errors | Should -BeNullOrEmpty
        ($run.Output.Text | Sort-Object) | Should -Be ($Early.data | Sort-Object)
        $run.Output.Text | Should -Not -BeIn $Late.data
    }

    It '-IdleTimeout 2s with -Follow ends about 2 s after the last record (within 10 s)' {
        # Both at once: one with records to deliver first, one with nothing new at all. The jobs' own limit also
        # covers their start and the module's import; "within 10 s" is judged on the time after the import.
        $withRecords = Invoke-WithTimeout -NoWait -ModulePath $ModulePath -TimeoutSeconds 30 -ScriptBlock {
            Read-KinesisRecord -StreamName idle -Follow -StartingPosition TrimHorizon -IdleTimeout (New-TimeSpan -Seconds 2)
        }
        $nothingNew = Invoke-WithTimeout -NoWait -ModulePath $ModulePath -TimeoutSeconds 30 -ScriptBlock {
            Read-KinesisRecord -StreamName idle -Follow -IdleTimeout (New-TimeSpan -Seconds 2)
        }
        $a = Wait-TimedJob $withRecords
        $b = Wait-TimedJob $nothingNew

        $a.Errors | Should -BeNullOrEmpty
        ($a.Output.Text | Sort-Object) | Should -Be ($IdleWritten.data | Sort-Object)
        $a.Seconds | Should -BeGreaterOrEqual 1.9
        $a.Seconds | Should -BeLessThan 10

        $b.Errors | Should -BeNullOrEmpty
        $b.Output | Should -HaveCount 0
        $b.Seconds | Should -BeGreaterOrEqual 1.9
        $b.Seconds | Should -BeLessThan 10
    }

    It '-First 3 across the shards of a stream, with -Follow: 3 records and the read ends' {
        $run = Invoke-WithTimeout -ModulePath $ModulePath -TimeoutSeconds 20 -ScriptBlock {
            Read-KinesisRecord -StreamName until -Follow -StartingPosition TrimHorizon -First 3
        }
        $run.Errors | Should -BeNullOrEmpty
        $run.Output | Should -HaveCount 3
        $run.Output.Text | ForEach-Object { $_ | Should -BeIn (@($Early.data) + @($Late.data)) }
    }
}
