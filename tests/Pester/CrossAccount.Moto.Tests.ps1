#Requires -Version 7.0
# End to end, as the contract's user works: the operator's own keys in the environment, a role
# in the owner account assumed with Connect-KinesisRole, then the Kinesis cmdlets. Runs on
# moto with IAM enforcement on (signatures and identity policies are checked, as on AWS).
# moto facts the tests respect: MillisBehindLatest is always 0; trust policies and ExternalId
# are not evaluated; it cannot really reshard (see Resharding.KinesisLocal.Tests.ps1).
# Test data comes from independent tools (build_world.py, boto3, aws CLI), never from the
# module itself, except where the module's own write is what is tested.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'E2E.Support.psm1') -Force

    $RecordCount = 400
    $Moto = New-MotoWorld -Scenario test -Records $RecordCount -EnableIamEnforcement
    $World = $Moto.World
    $SavedEnvironment = Use-OperatorEnvironment -World $Moto
    $ModulePath = Import-ModuleUnderTest
    # Sessions live as long as the runspace: start from none, whatever ran before.
    Disconnect-KinesisRole -All

    $Orders = $World.streams | Where-Object name -eq 'orders'
    $Empty = $World.streams | Where-Object name -eq 'empty'
    $Owner = $World.ownerAccountId
    $Consumer = $World.consumerAccountId
    # The writer role's keys for the reference tools (aws CLI, boto3), assumed with the aws CLI.
    $WriterCredential = Get-RoleCredential -World $Moto -RoleArn $World.writerRoleArn
    $Suffix = [guid]::NewGuid().ToString('N').Substring(0, 6)

}

AfterAll {
    if (Get-Command Disconnect-KinesisRole -ErrorAction SilentlyContinue) { Disconnect-KinesisRole -All }
    if ($SavedEnvironment) { Restore-AwsEnvironment $SavedEnvironment }
    Remove-TestWorld $Moto
}

Describe 'Cross-account Kinesis through an assumed role (moto, IAM enforced)' {

    Context 'with the operator''s own keys and no session' {
        It '<Command> is denied with PermissionDenied naming the operator, its account and the fix' -TestCases @(
            @{ Command = 'Get-KinesisShard'; Id = 'GetKinesisShardCommand'; Action = { Get-KinesisShard -StreamName orders -ErrorAction Stop } }
            @{ Command = 'Read-KinesisRecord'; Id = 'ReadKinesisRecordCommand'; Action = { Read-KinesisRecord -StreamName orders -ErrorAction Stop } }
        ) {
            $e = Get-CaughtError $Action
            $e | Should -Not -BeNullOrEmpty -Because 'the operator has no Kinesis permissions'
            $e.FullyQualifiedErrorId | Should -Be "KinesisAccessDenied,KinesisXAcct.Commands.$Id"
            $e.CategoryInfo.Category | Should -Be 'PermissionDenied'
            $e.Exception.Message | Should -Match 'kinesis-operator'
            $e.Exception.Message | Should -Match $Consumer
            $e.Exception.Message | Should -Match 'us-east-1'
            $e.Exception.Message | Should -Match 'Connect-KinesisRole'
            $e.Exception.Message | Should -Not -Match ([regex]::Escape($World.operator.secretAccessKey))
        }
    }

    Context 'Connect-KinesisRole to the reader role' {
        BeforeAll {
            $connectOutput = Connect-KinesisRole -RoleArn $World.readerRoleArn -ExternalId $World.externalId -Verbose 4>&1
            $Reader = @($connectOutput | Where-Object { $_ -is [KinesisXAcct.KinesisRoleSession] })[0]
            $ConnectVerbose = ($connectOutput | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message) -join "`n"
        }

        It 'returns a session in the owner account, as the assumed reader role, in us-east-1' {
            $Reader | Should -Not -BeNullOrEmpty
            $Reader.Name | Should -Be 'default'
            $Reader.RoleArn | Should -Be $World.readerRoleArn
            $Reader.AccountId | Should -Be $Owner
            $Reader.AssumedRoleArn | Should -BeLike "arn:aws:sts::${Owner}:assumed-role/kinesis-reader/*"
            $Reader.Region | Should -Be 'us-east-1'
            $Reader.SourceArn | Should -Be "arn:aws:iam::${Consumer}:user/kinesis-operator"
        }

        It 'has credentials that expire in the future (default duration one hour)' {
            $Reader.Expiration | Should -BeOfType [datetime]
            $Reader.Expiration.ToUniversalTime() | Should -BeGreaterThan ([datetime]::UtcNow.AddMinutes(50))
            $Reader.Expiration.ToUniversalTime() | Should -BeLessThan ([datetime]::UtcNow.AddMinutes(65))
        }

        It 'is listed by Get-KinesisRoleSession (all, and by name)' {
            (Get-KinesisRoleSession).AssumedRoleArn | Should -Contain $Reader.AssumedRoleArn
            $byName = @(Get-KinesisRoleSession -Name default)
            $byName | Should -HaveCount 1
            $byName[0].AssumedRoleArn | Should -Be $Reader.AssumedRoleArn
        }

        It 'shows no secret in <View>' -TestCases @(
            @{ View = 'ToString()' }
            @{ View = 'ConvertTo-Json' }
            @{ View = 'Format-List *' }
            @{ View = 'Get-KinesisRoleSession | Format-List' }
            @{ View = 'the verbose stream of Connect-KinesisRole' }
        ) {
            $text = switch ($View) {
                'ToString()' { $Reader.ToString() }
                'ConvertTo-Json' { $Reader | ConvertTo-Json -Depth 5 }
                'Format-List *' { $Reader | Format-List * | Out-String -Width 500 }
                'Get-KinesisRoleSession | Format-List' { Get-KinesisRoleSession | Format-List | Out-String -Width 500 }
                'the verbose stream of Connect-KinesisRole' { $ConnectVerbose }
            }
            $text | Should -Not -BeNullOrEmpty
            $text | Should -Not -Match ([regex]::Escape($World.operator.secretAccessKey))
            $text | Should -Not -Match 'SessionToken'
            # moto's session tokens start with this prefix; its temporary key ids with ASIA.
            $text | Should -Not -Match 'FQoGZXIvYXdzE'
            $text | Should -Not -Match '\bASIA[A-Z0-9]{12,}'
        }
    }

    Context 'streams and shards of the owner account, through the reader session' {
        BeforeAll {
            $Reader = Connect-KinesisRole -RoleArn $World.readerRoleArn -ExternalId $World.externalId -Name streams
        }

        It 'Get-KinesisStream lists orders and empty with their ARNs in the owner account' {
            $streams = @(Get-KinesisStream -Session $Reader)
            $streams.StreamName | Should -Contain 'orders'
            $streams.StreamName | Should -Contain 'empty'
            ($streams | Where-Object StreamName -eq 'orders').StreamArn | Should -Be $Orders.arn
            ($streams | Where-Object StreamName -eq 'empty').StreamArn | Should -Be $Empty.arn
            $Orders.arn | Should -BeLike "arn:aws:kinesis:us-east-1:${Owner}:stream/orders"
            ($streams | Where-Object StreamName -eq 'orders').OpenShardCount | Should -Be 4
        }

        It 'Get-KinesisStream -StreamName nope fails with ObjectNotFound naming the stream, account and region' {
            $e = Get-CaughtError { Get-KinesisStream -Session $Reader -StreamName nope -ErrorAction Stop }
            $e | Should -Not -BeNullOrEmpty
            $e.FullyQualifiedErrorId | Should -BeLike 'StreamNotFound,KinesisXAcct.Commands.GetKinesisStreamCommand'
            $e.CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $e.Exception.Message | Should -Match "'nope'"
            $e.Exception.Message | Should -Match $Owner
            $e.Exception.Message | Should -Match 'us-east-1'
        }

        It 'Get-KinesisShard -StreamName orders returns 4 open shards whose hash ranges cover the whole key space' {
            $shards = @(Get-KinesisShard -Session $Reader -StreamName orders)
            $shards | Should -HaveCount 4
            @($shards.ShardId | Sort-Object -Unique) | Should -HaveCount 4
            $shards | ForEach-Object {
                $_.IsOpen | Should -BeTrue
                $_.StreamName | Should -Be 'orders'
                $_.StreamArn | Should -Be $Orders.arn
                $_.StartingHashKey | Should -Match '^\d+$'
                $_.EndingHashKey | Should -Match '^\d+$'
                $_.StartingSequenceNumber | Should -Match '^\d+$'
            }
            $ranges = $shards | Sort-Object { [bigint]::Parse($_.StartingHashKey) }
            [bigint]::Parse($ranges[0].StartingHashKey) | Should -Be ([bigint]0)
            [bigint]::Parse($ranges[-1].EndingHashKey) | Should -Be ([bigint]::Pow(2, 128) - 1)
            for ($i = 1; $i -lt $ranges.Count; $i++) {
                [bigint]::Parse($ranges[$i].StartingHashKey) | Should -Be ([bigint]::Parse($ranges[$i - 1].EndingHashKey) + 1)
            }
            # Every shard the world wrote to is one of them.
            $Orders.records.shardId | Sort-Object -Unique | ForEach-Object { $shards.ShardId | Should -Contain $_ }
        }

        It '<Cmdlet> -StreamArn (the owner stream''s ARN) works like -StreamName' -TestCases @(
            @{ Cmdlet = 'Get-KinesisStream'; Count = 1; Action = { param($Session, $Arn) Get-KinesisStream -Session $Session -StreamArn $Arn } }
            @{ Cmdlet = 'Get-KinesisShard'; Count = 4; Action = { param($Session, $Arn) Get-KinesisShard -Session $Session -StreamArn $Arn } }
            @{ Cmdlet = 'Read-KinesisRecord'; Count = 400; Action = { param($Session, $Arn) Read-KinesisRecord -Session $Session -StreamArn $Arn } }
        ) {
            # In a thread job: a host without UI turns a prompt for a missing parameter into an error instead of a hang.
            $run = Invoke-WithTimeout -ModulePath $ModulePath -TimeoutSeconds 30 -ArgumentList $Reader, $Orders.arn -ScriptBlock $Action
            $run.Errors | Should -BeNullOrEmpty
            $run.Output | Should -HaveCount $Count
            $run.Output | ForEach-Object { $_.StreamName | Should -Be 'orders' }
        }

        It 'a stream looked for in the wrong region is ObjectNotFound, naming that region' {
            $e = Get-CaughtError { Get-KinesisShard -Session $Reader -StreamName orders -Region eu-west-1 -ErrorAction Stop }
            $e | Should -Not -BeNullOrEmpty
            $e.FullyQualifiedErrorId | Should -Be 'StreamNotFound,KinesisXAcct.Commands.GetKinesisShardCommand'
            $e.CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $e.Exception.Message | Should -Match 'eu-west-1'
            $e.Exception.Message | Should -Match $Owner
        }
    }

    Context 'reading the owner''s records through the reader session' {
        BeforeAll {
            $Reader = Connect-KinesisRole -RoleArn $World.readerRoleArn -ExternalId $World.externalId -Name reading
            $All = @(Read-KinesisRecord -Session $Reader -StreamName orders)
            $Expected = @{}
            # Sequence numbers are unique per shard (moto numbers each shard from 1): key by both.
            foreach ($r in $Orders.records) { $Expected["$($r.shardId)|$($r.sequenceNumber)"] = $r }
        }

        It 'returns every record exactly once' {
            $All | Should -HaveCount $RecordCount
            $Orders.records | Should -HaveCount $RecordCount -Because 'the world reports what it wrote'
            $actual = $All | ForEach-Object { "$($_.ShardId)|$($_.SequenceNumber)" } | Sort-Object
            $wanted = $Orders.records | ForEach-Object { "$($_.shardId)|$($_.sequenceNumber)" } | Sort-Object
            $actual | Should -Be $wanted
        }

        It 'returns each record with the payload, partition key and shard it was written with' {
            $mismatches = foreach ($r in $All) {
                $w = $Expected["$($r.ShardId)|$($r.SequenceNumber)"]
                if (-not $w) { "unexpected record $($r.ShardId)/$($r.SequenceNumber)"; continue }
                if ($r.Text -cne $w.data) { "$($r.SequenceNumber): text '$($r.Text)' <> '$($w.data)'" }
                if ($r.PartitionKey -cne $w.partitionKey) { "$($r.SequenceNumber): key '$($r.PartitionKey)' <> '$($w.partitionKey)'" }
                if ((ConvertTo-Hex $r.Data) -ne (ConvertTo-Hex ([Text.Encoding]::UTF8.GetBytes($w.data)))) { "$($r.SequenceNumber): data bytes differ" }
                if ($r.StreamName -cne 'orders') { "$($r.SequenceNumber): stream '$($r.StreamName)'" }
            }
            @($mismatches) | Should -BeNullOrEmpty
        }

        It 'returns the records of each shard in ascending sequence-number order' {
            $groups = $All | Group-Object ShardId
            $groups.Count | Should -BeGreaterThan 1 -Because 'the world spreads its keys over several shards'
            foreach ($g in $groups) {
                $seq = @($g.Group | ForEach-Object { [bigint]::Parse($_.SequenceNumber) })
                for ($i = 1; $i -lt $seq.Count; $i++) {
                    $seq[$i] | Should -BeGreaterThan $seq[$i - 1] -Because "record $i of $($g.Name) follows record $($i - 1)"
                }
            }
        }

        It 'returns the payloads as strings with -As Text' {
            $text = @(Read-KinesisRecord -Session $Reader -StreamName orders -As Text)
            $text | Should -HaveCount $RecordCount
            $text | ForEach-Object { $_ | Should -BeOfType [string] }
            ($text | Sort-Object) | Should -Be ($Orders.records.data | Sort-Object)
        }

        It 'returns only the records of the shard named by -ShardId' {
            $busiest = $Orders.records | Group-Object shardId | Sort-Object Count -Descending | Select-Object -First 1
            $read = @(Read-KinesisRecord -Session $Reader -StreamName orders -ShardId $busiest.Name)
            $read | Should -HaveCount $busiest.Count
            $read.ShardId | Sort-Object -Unique | Should -Be $busiest.Name
            ($read.Text | Sort-Object) | Should -Be ($busiest.Group.data | Sort-Object)
        }

        It 'reads the streams piped from Get-KinesisStream' {
            $read = @(Get-KinesisStream -Session $Reader -StreamName orders, empty | Read-KinesisRecord -Session $Reader)
            $read | Should -HaveCount $RecordCount
        }

        It 'reads only the shards piped from Get-KinesisShard' {
            $two = @($Orders.records | Group-Object shardId | Sort-Object Name | Select-Object -First 2)
            $read = @(Get-KinesisShard -Session $Reader -StreamName orders -ShardId $two.Name | Read-KinesisRecord -Session $Reader)
            ($read.ShardId | Sort-Object -Unique) | Should -Be ($two.Name | Sort-Object)
            ($read | ForEach-Object { "$($_.ShardId)|$($_.SequenceNumber)" } | Sort-Object) |
                Should -Be ($two.Group | ForEach-Object { "$($_.shardId)|$($_.sequenceNumber)" } | Sort-Object)
        }

        It '-StartingPosition <Position> with a record''s -SequenceNumber and its -ShardId starts <Where> that record' -TestCases @(
            @{ Position = 'AtSequenceNumber'; Where = 'at'; Skip = 5 }
            @{ Position = 'AfterSequenceNumber'; Where = 'after'; Skip = 6 }
        ) {
            $shard = $Orders.records | Group-Object shardId | Sort-Object Count -Descending | Select-Object -First 1
            $records = @($shard.Group | Sort-Object { [bigint]::Parse($_.sequenceNumber) })
            $read = @(Read-KinesisRecord -Session $Reader -StreamName orders -ShardId $shard.Name -StartingPosition $Position -SequenceNumber $records[5].sequenceNumber)
            $read.SequenceNumber | Should -Be ($records | Select-Object -Skip $Skip | ForEach-Object sequenceNumber)
        }

        It '-ShardId of a shard the stream does not have fails with ObjectNotFound listing the shards' {
            $e = Get-CaughtError { Read-KinesisRecord -Session $Reader -StreamName orders -ShardId shardId-000000000099 -ErrorAction Stop }
            $e | Should -Not -BeNullOrEmpty
            $e.CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $e.Exception.Message | Should -Match 'shardId-000000000099'
            $e.Exception.Message | Should -Match 'shardId-000000000000'
        }

        It 'stops after -First 7' {
            $read = @(Read-KinesisRecord -Session $Reader -StreamName orders -First 7)
            $read | Should -HaveCount 7
            $read | ForEach-Object { $Expected.ContainsKey("$($_.ShardId)|$($_.SequenceNumber)") | Should -BeTrue }
        }

        It 'returns nothing from an empty stream' {
            @(Read-KinesisRecord -Session $Reader -StreamName empty) | Should -HaveCount 0
        }

        It 'Select-Object -First 3 gets 3 records and ends the read promptly (<Case>)' -TestCases @(
            @{ Case = 'to the tip'; Follow = $false }
            @{ Case = 'with -Follow'; Follow = $true }
        ) {
            $run = Invoke-WithTimeout -ModulePath $ModulePath -TimeoutSeconds 30 -ArgumentList $Reader, $Follow -ScriptBlock {
                param($Session, $Follow)
                if ($Follow) { Read-KinesisRecord -Session $Session -StreamName orders -Follow -StartingPosition TrimHorizon | Select-Object -First 3 }
                else { Read-KinesisRecord -Session $Session -StreamName orders | Select-Object -First 3 }
            }
            $run.Errors | Should -BeNullOrEmpty
            $run.Output | Should -HaveCount 3
            $run.Output | ForEach-Object { $_ | Should -BeOfType [KinesisXAcct.KinesisRecord] }
            $run.Seconds | Should -BeLessThan 5
        }
    }

    Context '-Since: records that arrived after a moment' {
        BeforeAll {
            $Writer = Connect-KinesisRole -RoleArn $World.writerRoleArn -Name writer
            $Reader = Connect-KinesisRole -RoleArn $World.readerRoleArn -ExternalId $World.externalId -Name since
            $Stream = "since-$Suffix"
            $null = New-OwnerStream -World $Moto -Credential $WriterCredential -StreamName $Stream -ShardCount 2
            $First = 0..9 | ForEach-Object { "first-$_" }
            $Second = 0..9 | ForEach-Object { "second-$_" }
            $First | Write-KinesisRecord -Session $Writer -StreamName $Stream -ErrorAction Stop
            Start-Sleep -Milliseconds 1500
            $Mark = Get-Date
            Start-Sleep -Milliseconds 1500
            $Second | Write-KinesisRecord -Session $Writer -StreamName $Stream -ErrorAction Stop
        }

        It 'the stream holds both batches (read from the trim horizon)' {
            $all = @(Read-KinesisRecord -Session $Reader -StreamName $Stream -As Text)
            ($all | Sort-Object) | Should -Be (($First + $Second) | Sort-Object)
        }

        It '-Since with a DateTime returns only the records written after it' {
            $read = @(Read-KinesisRecord -Session $Reader -StreamName $Stream -Since $Mark)
            ($read.Text | Sort-Object) | Should -Be ($Second | Sort-Object)
        }

        It '-Since with a TimeSpan (that long ago) returns only the records written after it' {
            $ago = (Get-Date) - $Mark
            $read = @(Read-KinesisRecord -Session $Reader -StreamName $Stream -Since $ago)
            ($read.Text | Sort-Object) | Should -Be ($Second | Sort-Object)
        }
    }

    Context '-Follow: records written while the read runs' {
        BeforeAll {
            $Reader = Connect-KinesisRole -RoleArn $World.readerRoleArn -ExternalId $World.externalId -Name follow
            $Stream = "live-$Suffix"
            $null = New-OwnerStream -World $Moto -Credential $WriterCredential -StreamName $Stream -ShardCount 4
            $Old = 0..5 | ForEach-Object { @{ partitionKey = "key-$_"; data = "old-$_" } }
            $null = Invoke-ReferencePut -Endpoint $Moto.Endpoint -StreamName $Stream -Credential $WriterCredential -Records $Old
        }

        It 'delivers exactly the records written after it started, from every shard' {
            $new = 0..15 | ForEach-Object { @{ partitionKey = "key-$($_ % 8)"; data = "new-$_" } }
            $job = Invoke-WithTimeout -NoWait -ModulePath $ModulePath -TimeoutSeconds 45 -ArgumentList $Reader, $Stream, $new.Count -ScriptBlock {
                param($Session, $Name, $Count)
                Read-KinesisRecord -Session $Session -StreamName $Name -Follow -Verbose | Select-Object -First $Count
            }
            # A separate process (boto3, the writer role) writes once the read waits at the tip of every shard.
            Wait-FollowAtTip $job -ShardCount 4
            $put = Start-ReferencePut -Endpoint $Moto.Endpoint -StreamName $Stream -Credential $WriterCredential -Records $new
            try { $run = Wait-TimedJob $job }
            finally { $written = Wait-ExternalProcess $put -TimeoutSeconds 60 }

            $written.ExitCode | Should -Be 0 -Because $written.StdErr
            $landed = @($written.StdOut | ConvertFrom-Json)
            @($landed.shardId | Sort-Object -Unique).Count | Should -BeGreaterThan 1 -Because 'the new records go to several shards'
            $run.Errors | Should -BeNullOrEmpty
            $run.Output | Should -HaveCount $new.Count
            ($run.Output.Text | Sort-Object) | Should -Be ($new.data | Sort-Object)
            ($run.Output | ForEach-Object { "$($_.ShardId)|$($_.SequenceNumber)" } | Sort-Object) |
                Should -Be ($landed | ForEach-Object { "$($_.shardId)|$($_.sequenceNumber)" } | Sort-Object)
        }
    }

    Context 'writing' {
        BeforeAll {
            $Writer = Connect-KinesisRole -RoleArn $World.writerRoleArn -Name writer
            # Connected last, so the reader is the current session.
            $Reader = Connect-KinesisRole -RoleArn $World.readerRoleArn -ExternalId $World.externalId
            $Stream = "written-$Suffix"
            $null = New-OwnerStream -World $Moto -Credential $WriterCredential -StreamName $Stream -ShardCount 2

            $Text = "plain text: Grüße, 東京, €"
            $Bytes = [byte[]](0, 1, 2, 127, 128, 200, 254, 255)
            $Hash = @{ id = 7; name = 'widget'; tags = @('a', 'b') }
            $inputs = [System.Collections.Generic.List[object]]::new()
            $inputs.Add($Text); $inputs.Add($Bytes); $inputs.Add($Hash)
            $Results = @($inputs | Write-KinesisRecord -Session $Writer -StreamName $Stream -PartitionKey 'pk-w' -PassThru -ErrorAction Stop)
            $ReadBack = @(Read-KinesisRecord -Session $Reader -StreamName $Stream)
            function Get-ReadBack([int]$Index) {
                $ReadBack | Where-Object { $_.ShardId -eq $Results[$Index].ShardId -and $_.SequenceNumber -eq $Results[$Index].SequenceNumber }
            }
        }

        It 'the read-only role cannot write: PermissionDenied (KinesisAccessDenied), and the stream is unchanged' {
            (Get-KinesisRoleSession | Where-Object AssumedRoleArn -eq $Reader.AssumedRoleArn) | Should -Not -BeNullOrEmpty
            $before = @(Read-KinesisRecord -StreamName orders).Count
            $e = Get-CaughtError { 'x' | Write-KinesisRecord -StreamName orders -PartitionKey k -ErrorAction Stop }
            $e | Should -Not -BeNullOrEmpty
            $e.FullyQualifiedErrorId | Should -Be 'KinesisAccessDenied,KinesisXAcct.Commands.WriteKinesisRecordCommand'
            $e.CategoryInfo.Category | Should -Be 'PermissionDenied'
            $e.Exception.Message | Should -Match 'kinesis-reader'
            $e.Exception.Message | Should -Match $Owner
            @(Read-KinesisRecord -StreamName orders).Count | Should -Be $before
            $before | Should -Be $RecordCount
        }

        It '-PassThru returns the shard and sequence number of each record, in input order' {
            $Results | Should -HaveCount 3
            $Results | ForEach-Object {
                $_.StreamName | Should -Be $Stream
                $_.ShardId | Should -Match '^shardId-\d+$'
                $_.SequenceNumber | Should -Match '^\d+$'
                $_.PartitionKey | Should -Be 'pk-w'
            }
            # One partition key, one shard: sequence numbers grow in the order written.
            [bigint]::Parse($Results[1].SequenceNumber) | Should -BeGreaterThan ([bigint]::Parse($Results[0].SequenceNumber))
            [bigint]::Parse($Results[2].SequenceNumber) | Should -BeGreaterThan ([bigint]::Parse($Results[1].SequenceNumber))
        }

        It 'the records read back are where -PassThru said, and no others' {
            $ReadBack | Should -HaveCount 3
            ($ReadBack | ForEach-Object { "$($_.ShardId)|$($_.SequenceNumber)" } | Sort-Object) |
                Should -Be ($Results | ForEach-Object { "$($_.ShardId)|$($_.SequenceNumber)" } | Sort-Object)
        }

        It 'a string is written as its UTF-8 bytes' {
            $r = Get-ReadBack 0
            $r.Text | Should -BeExactly $Text
            ConvertTo-Hex $r.Data | Should -Be (ConvertTo-Hex ([Text.Encoding]::UTF8.GetBytes($Text)))
        }

        It 'a byte array is written as it is' {
            ConvertTo-Hex (Get-ReadBack 1).Data | Should -Be (ConvertTo-Hex $Bytes)
        }

        It 'a hashtable is written as JSON' {
            $json = (Get-ReadBack 2).Text
            { $json | ConvertFrom-Json } | Should -Not -Throw
            $o = $json | ConvertFrom-Json
            $o.id | Should -Be 7
            $o.name | Should -Be 'widget'
            $o.tags | Should -Be @('a', 'b')
        }

        It 'writes more than 500 records in batches, each once, keyed by -PartitionKeyProperty' {
            $items = 1..1203 | ForEach-Object { [pscustomobject]@{ id = "key-$($_ % 17)"; n = $_ } }
            $results = @($items | Write-KinesisRecord -Session $Writer -StreamName $Stream -PartitionKeyProperty id -PassThru -ErrorAction Stop)
            $results | Should -HaveCount 1203
            ($results.PartitionKey | Sort-Object) | Should -Be ($items.id | Sort-Object)
            $landed = @{}
            foreach ($r in $results) { $landed["$($r.ShardId)|$($r.SequenceNumber)"] = $r }
            $landed.Count | Should -Be 1203 -Because 'every record gets its own sequence number'
            $read = @(Read-KinesisRecord -Session $Reader -StreamName $Stream | Where-Object { $landed.ContainsKey("$($_.ShardId)|$($_.SequenceNumber)") })
            $read | Should -HaveCount 1203
            $bad = @($read | Where-Object { ($_.Text | ConvertFrom-Json).id -ne $_.PartitionKey })
            $bad | Should -BeNullOrEmpty
            ($read | ForEach-Object { ($_.Text | ConvertFrom-Json).n } | Sort-Object) | Should -Be (1..1203)
        }

        It 'writes to the stream named by -StreamArn' {
            $arn = (Get-KinesisStream -Session $Reader -StreamName $Stream).StreamArn
            $arn | Should -BeLike "arn:aws:kinesis:us-east-1:${Owner}:stream/$Stream"
            $result = @('by-arn' | Write-KinesisRecord -Session $Writer -StreamArn $arn -PartitionKey arn -PassThru -ErrorAction Stop)
            $result | Should -HaveCount 1
            $back = @(Read-KinesisRecord -Session $Reader -StreamName $Stream -ShardId $result[0].ShardId |
                    Where-Object SequenceNumber -eq $result[0].SequenceNumber)
            $back.Text | Should -Be 'by-arn'
        }
    }

    Context 'bad arguments fail with InvalidArgument before any network call' {
        BeforeAll {
            # Nothing listens on this port: any call would fail with a connection error instead.
            $ClosedPort = Get-FreeTcpPort
            $SavedEndpoint = $env:AWS_ENDPOINT_URL
            $env:AWS_ENDPOINT_URL = "http://127.0.0.1:$ClosedPort"
            # No session either: every cmdlet would use the endpoint above.
            Disconnect-KinesisRole -All
        }
        AfterAll { $env:AWS_ENDPOINT_URL = $SavedEndpoint }

        It '<Case> fails with <ErrorId>' -TestCases @(
            @{ Case = 'Connect-KinesisRole -RoleArn not-an-arn'; ErrorId = 'InvalidRoleArn'; Cmdlet = 'ConnectKinesisRoleCommand'
                Action = { Connect-KinesisRole -RoleArn not-an-arn -ErrorAction Stop } }
            @{ Case = "Connect-KinesisRole -RoleSessionName 'a b'"; ErrorId = 'InvalidRoleSessionName'; Cmdlet = 'ConnectKinesisRoleCommand'
                Action = { Connect-KinesisRole -RoleArn arn:aws:iam::210987654321:role/kinesis-reader -RoleSessionName 'a b' -ErrorAction Stop } }
            @{ Case = 'Connect-KinesisRole -DurationSeconds 100'; ErrorId = 'DurationOutOfRange'; Cmdlet = 'ConnectKinesisRoleCommand'
                Action = { Connect-KinesisRole -RoleArn arn:aws:iam::210987654321:role/kinesis-reader -DurationSeconds 100 -ErrorAction Stop } }
            @{ Case = 'Connect-KinesisRole -TokenCode without -SerialNumber'; ErrorId = 'MfaSerialAndTokenCodeGoTogether'; Cmdlet = 'ConnectKinesisRoleCommand'
                Action = { Connect-KinesisRole -RoleArn arn:aws:iam::210987654321:role/kinesis-reader -TokenCode 123456 -ErrorAction Stop } }
            @{ Case = 'Connect-KinesisRole -ExternalId of one character'; ErrorId = 'InvalidExternalId'; Cmdlet = 'ConnectKinesisRoleCommand'
                Action = { Connect-KinesisRole -RoleArn arn:aws:iam::210987654321:role/kinesis-reader -ExternalId x -ErrorAction Stop } }
            @{ Case = 'Read-KinesisRecord -Since one hour ahead'; ErrorId = 'SinceIsInTheFuture'; Cmdlet = 'ReadKinesisRecordCommand'
                Action = { Read-KinesisRecord -StreamName orders -Since (Get-Date).AddHours(1) -ErrorAction Stop } }
            @{ Case = 'Read-KinesisRecord -StartingPosition AtSequenceNumber without -SequenceNumber'; ErrorId = 'SequenceNumberRequired'; Cmdlet = 'ReadKinesisRecordCommand'
                Action = { Read-KinesisRecord -StreamName orders -StartingPosition AtSequenceNumber -ErrorAction Stop } }
            @{ Case = 'Read-KinesisRecord -SequenceNumber without -ShardId'; ErrorId = 'SequenceNumberNeedsOneShard'; Cmdlet = 'ReadKinesisRecordCommand'
                Action = { Read-KinesisRecord -StreamName orders -SequenceNumber 49590338271490256608559692538361571095921575989136588898 -ErrorAction Stop } }
            @{ Case = "Read-KinesisRecord -StreamName 'no such/name'"; ErrorId = 'InvalidStreamName'; Cmdlet = 'ReadKinesisRecordCommand'
                Action = { Read-KinesisRecord -StreamName 'no such/name' -ErrorAction Stop } }
            @{ Case = 'Write-KinesisRecord -PartitionKey with -PartitionKeyProperty'; ErrorId = 'PartitionKeyConflict'; Cmdlet = 'WriteKinesisRecordCommand'
                Action = { 'x' | Write-KinesisRecord -StreamName orders -PartitionKey k -PartitionKeyProperty id -ErrorAction Stop } }
        ) {
            $e = Get-CaughtError $Action
            $e | Should -Not -BeNullOrEmpty
            $e.FullyQualifiedErrorId | Should -Be "$ErrorId,KinesisXAcct.Commands.$Cmdlet"
            $e.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $e.Exception.Message | Should -Not -Match "127\.0\.0\.1:$ClosedPort"
        }

        It 'control: valid arguments against the same closed endpoint fail with a connection error, not InvalidArgument' {
            $e = Get-CaughtError { Connect-KinesisRole -RoleArn $World.readerRoleArn -ExternalId $World.externalId -Name unreachable -ErrorAction Stop }
            $e | Should -Not -BeNullOrEmpty
            $e.CategoryInfo.Category | Should -Be 'ConnectionError'
            $e.Exception.Message | Should -Match "127\.0\.0\.1:$ClosedPort"
            Get-KinesisRoleSession | Should -BeNullOrEmpty
        }
    }

    Context 'Disconnect-KinesisRole' {
        BeforeAll { Disconnect-KinesisRole -All }

        It '-Name forgets that session and keeps the others' {
            $null = Connect-KinesisRole -RoleArn $World.readerRoleArn -ExternalId $World.externalId -Name d1
            $null = Connect-KinesisRole -RoleArn $World.readerRoleArn -ExternalId $World.externalId -Name d2
            Disconnect-KinesisRole -Name d1
            @(Get-KinesisRoleSession).Name | Should -Not -Contain 'd1'
            @(Get-KinesisRoleSession).Name | Should -Contain 'd2'
            $e = Get-CaughtError { Get-KinesisShard -SessionName d1 -StreamName orders -ErrorAction Stop }
            $e.FullyQualifiedErrorId | Should -BeLike 'SessionNotFound,*'
            $e.CategoryInfo.Category | Should -Be 'ObjectNotFound'
            @(Get-KinesisShard -SessionName d2 -StreamName orders) | Should -HaveCount 4
        }

        It '-All forgets every session, and Kinesis calls fall back to the operator''s own keys' {
            $null = Connect-KinesisRole -RoleArn $World.readerRoleArn -ExternalId $World.externalId -Name d3
            @(Get-KinesisShard -StreamName orders) | Should -HaveCount 4
            Disconnect-KinesisRole -All
            Get-KinesisRoleSession | Should -BeNullOrEmpty
            $e = Get-CaughtError { Get-KinesisShard -StreamName orders -ErrorAction Stop }
            $e.FullyQualifiedErrorId | Should -BeLike 'KinesisAccessDenied,*'
            $e.CategoryInfo.Category | Should -Be 'PermissionDenied'
        }

        It 'without -Name forgets the current session' {
            Disconnect-KinesisRole -All
            $null = Connect-KinesisRole -RoleArn $World.readerRoleArn -ExternalId $World.externalId -Name d4
            Disconnect-KinesisRole
            Get-KinesisRoleSession | Should -BeNullOrEmpty
            $e = Get-CaughtError { Get-KinesisShard -StreamName orders -ErrorAction Stop }
            $e.CategoryInfo.Category | Should -Be 'PermissionDenied'
        }

        It 'a session name that does not exist fails with ObjectNotFound' {
            $e = Get-CaughtError { Disconnect-KinesisRole -Name never-connected -ErrorAction Stop }
            $e | Should -Not -BeNullOrEmpty
            $e.FullyQualifiedErrorId | Should -Be 'SessionNotFound,KinesisXAcct.Commands.DisconnectKinesisRoleCommand'
            $e.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        }
    }
}
