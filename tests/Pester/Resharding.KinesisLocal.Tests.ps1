#Requires -Version 7.0
# Resharding and account namespacing on kinesis-local (kinesis-mock), which really closes
# parents and opens children (moto does not). kinesis-local has no STS and checks no
# signatures: a 12-digit access key id selects the account, so these tests use the default
# credentials from the environment (no Connect-KinesisRole). Streams are built with boto3
# (tests/Fixtures/reshard_world.py), never with the module.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'E2E.Support.psm1') -Force

    $AccountA = '111122223333'
    $AccountB = '222233334444'
    $Kl = Start-KinesisLocal
    $Endpoint = $Kl.Endpoint
    $SavedEnvironment = Use-AwsEnvironment -Variables @{
        AWS_ACCESS_KEY_ID     = $AccountA
        AWS_SECRET_ACCESS_KEY = 'any-secret'
        AWS_REGION            = 'us-east-1'
    }
    $ModulePath = Import-ModuleUnderTest
    # A session left by another suite would be used instead of the default credentials.
    Disconnect-KinesisRole -All

    # Stream 'split': 2 shards; 40 records; shard 0 split at the middle of its range; 40 more.
    $Split = New-KinesisLocalStream -Endpoint $Endpoint -Account $AccountA -StreamName split -ShardCount 2 -Reshard split -Before 40 -After 40 -Keys 8 -Tag A
    # Stream 'merge': 2 shards; 30 records; shards 0 and 1 merged; 30 more.
    $Merge = New-KinesisLocalStream -Endpoint $Endpoint -Account $AccountA -StreamName merge -ShardCount 2 -Reshard merge -Before 30 -After 30 -Keys 8 -Tag A
    # Stream 'shared': the same name in two accounts, different records.
    $SharedA = New-KinesisLocalStream -Endpoint $Endpoint -Account $AccountA -StreamName shared -ShardCount 1 -Before 12 -After 0 -Tag A
    $SharedB = New-KinesisLocalStream -Endpoint $Endpoint -Account $AccountB -StreamName shared -ShardCount 2 -Before 7 -After 0 -Tag B

    function Read-Stream([string]$Name, [string[]]$ShardId) {
        $extra = @{}
        if ($ShardId) { $extra.ShardId = $ShardId }
        @(Read-KinesisRecord -StreamName $Name -EndpointUrl $Endpoint -Region us-east-1 -ErrorAction Stop @extra)
    }


    function Test-PerKeyOrder($Read, $Reference) {
        # For each partition key: the payloads in output order equal the write order. Returns mismatches.
        foreach ($g in ($Reference | Group-Object partitionKey)) {
            $want = @($g.Group.data)
            $got = @($Read | Where-Object PartitionKey -eq $g.Name | ForEach-Object Text)
            if (($got -join ',') -ne ($want -join ',')) { "$($g.Name): read [$($got -join ', ')] but wrote [$($want -join ', ')]" }
        }
    }

    function Test-ParentsFirst($Read, [string[]]$Parents, [string[]]$Children) {
        # For each partition key with records in a parent and a child: every parent record is
        # output before every child record. Returns mismatches; also how many keys were checked.
        $checked = 0
        $problems = foreach ($g in ($Read | Group-Object PartitionKey)) {
            $positions = for ($i = 0; $i -lt $Read.Count; $i++) { if ($Read[$i].PartitionKey -eq $g.Name) { [pscustomobject]@{ At = $i; Shard = $Read[$i].ShardId } } }
            $inParents = @($positions | Where-Object Shard -in $Parents)
            $inChildren = @($positions | Where-Object Shard -in $Children)
            if ($inParents.Count -and $inChildren.Count) {
                $checked++
                $lastParent = ($inParents.At | Measure-Object -Maximum).Maximum
                $firstChild = ($inChildren.At | Measure-Object -Minimum).Minimum
                if ($lastParent -gt $firstChild) { "$($g.Name): a parent record at output position $lastParent follows a child record at $firstChild" }
            }
        }
        [pscustomobject]@{ Problems = @($problems); KeysChecked = $checked }
    }
}

AfterAll {
    if ($SavedEnvironment) { Restore-AwsEnvironment $SavedEnvironment }
    Stop-Emulator $Kl
}

Describe 'Reading across resharding (kinesis-local, default credentials)' {

    Context 'a shard split while records are written' {
        BeforeAll {
            $Read = Read-Stream split
            $Parent = 'shardId-000000000000'
            $Children = @($Split.shards | Where-Object parentShardId -eq $Parent | ForEach-Object shardId)
        }

        It 'the fixture closed the parent, opened two children and wrote to them' {
            $Children | Should -HaveCount 2
            ($Split.shards | Where-Object shardId -eq $Parent).closed | Should -BeTrue
            $Split.records | Where-Object phase -eq 'after' | ForEach-Object { $_.shardId | Should -Not -Be $Parent }
            foreach ($child in $Children) {
                @($Split.records | Where-Object shardId -eq $child) | Should -Not -BeNullOrEmpty -Because "$child received records"
            }
            @($Split.records | Where-Object shardId -eq $Parent) | Should -Not -BeNullOrEmpty
        }

        It 'Get-KinesisShard shows the closed parent and its children with their lineage' {
            $shards = @(Get-KinesisShard -StreamName split -EndpointUrl $Endpoint -Region us-east-1)
            $shards | Should -HaveCount 4
            ($shards | Where-Object ShardId -eq $Parent).IsOpen | Should -BeFalse
            ($shards | Where-Object ShardId -eq $Parent).EndingSequenceNumber | Should -Match '^\d+$'
            $kids = @($shards | Where-Object ParentShardId -eq $Parent)
            ($kids.ShardId | Sort-Object) | Should -Be ($Children | Sort-Object)
            $kids | ForEach-Object { $_.IsOpen | Should -BeTrue }
            @(Get-KinesisShard -StreamName split -EndpointUrl $Endpoint -Region us-east-1 -Open) | Should -HaveCount 3
        }

        It 'returns every record exactly once (before and after the split)' {
            $Read | Should -HaveCount $Split.records.Count
            ($Read | ForEach-Object { Get-RecordKey $_ } | Sort-Object) | Should -Be ($Split.records | ForEach-Object { Get-RecordKey $_ } | Sort-Object)
            ($Read.Text | Sort-Object) | Should -Be ($Split.records.data | Sort-Object)
        }

        It 'outputs the parent''s records of a partition key before the children''s' {
            $r = Test-ParentsFirst $Read @($Parent) $Children
            $r.KeysChecked | Should -BeGreaterThan 1 -Because 'several keys were written before and after the split'
            $r.Problems | Should -BeNullOrEmpty
        }

        It 'outputs the records of each partition key in the order they were written' {
            @(Test-PerKeyOrder $Read $Split.records) | Should -BeNullOrEmpty
        }

        It '-ShardId of the parent reads the parent and the shards it split into, nothing else' {
            $read = Read-Stream split -ShardId $Parent
            $wanted = @($Split.records | Where-Object { $_.shardId -eq $Parent -or $_.shardId -in $Children })
            ($read | ForEach-Object { Get-RecordKey $_ } | Sort-Object) | Should -Be ($wanted | ForEach-Object { Get-RecordKey $_ } | Sort-Object)
            $r = Test-ParentsFirst $read @($Parent) $Children
            $r.Problems | Should -BeNullOrEmpty
        }
    }

    Context 'two shards merged while records are written' {
        BeforeAll {
            $Read = Read-Stream merge
            $Parents = @('shardId-000000000000', 'shardId-000000000001')
            $Child = @($Merge.shards | Where-Object { $_.parentShardId -in $Parents -and $_.adjacentParentShardId -in $Parents } | ForEach-Object shardId)
        }

        It 'the fixture closed both parents and wrote the later records to the merged child' {
            $Child | Should -HaveCount 1
            $Merge.shards | Where-Object shardId -in $Parents | ForEach-Object { $_.closed | Should -BeTrue }
            $Merge.records | Where-Object phase -eq 'after' | ForEach-Object { $_.shardId | Should -Be $Child[0] }
        }

        It 'returns every record exactly once (before and after the merge)' {
            $Read | Should -HaveCount $Merge.records.Count
            ($Read | ForEach-Object { Get-RecordKey $_ } | Sort-Object) | Should -Be ($Merge.records | ForEach-Object { Get-RecordKey $_ } | Sort-Object)
        }

        It 'outputs both parents'' records of a partition key before the merged child''s' {
            $r = Test-ParentsFirst $Read $Parents $Child
            $r.KeysChecked | Should -BeGreaterThan 1
            $r.Problems | Should -BeNullOrEmpty
        }

        It 'outputs the records of each partition key in the order they were written' {
            @(Test-PerKeyOrder $Read $Merge.records) | Should -BeNullOrEmpty
        }
    }
    Context 'a shard split while -Follow reads' {
        BeforeAll {
            # One shard with 5 records that the read (starting at Latest) must not return.
            $FollowOld = New-KinesisLocalStream -Endpoint $Endpoint -Account $AccountA -StreamName followsplit -ShardCount 1 -Before 5 -After 0 -Tag F
        }

        It 'follows the closed parent into its children: every new record once, parent first for each key' {
            $job = Invoke-WithTimeout -NoWait -ModulePath $ModulePath -TimeoutSeconds 60 -ArgumentList $Endpoint, 20 -ScriptBlock {
                param($Endpoint, $Count)
                Read-KinesisRecord -StreamName followsplit -EndpointUrl $Endpoint -Region us-east-1 -Follow -Verbose | Select-Object -First $Count
            }
            # Once the read waits at the shard's tip, another process writes 6 records to the shard, splits it and
            # writes 14 more (to the children).
            Wait-FollowAtTip $job -ShardCount 1
            $writer = New-KinesisLocalStream -NoWait -Existing -Endpoint $Endpoint -Account $AccountA -StreamName followsplit `
                -Reshard split -Before 6 -After 14 -FirstIndex 100 -Tag F
            try { $run = Wait-TimedJob $job }
            finally { $written = Complete-KinesisLocalStream $writer }

            $children = @($written.shards | Where-Object parentShardId -eq 'shardId-000000000000' | ForEach-Object shardId)
            $children | Should -HaveCount 2
            $run.Errors | Should -BeNullOrEmpty
            $read = @($run.Output)
            $read | Should -HaveCount $written.records.Count
            ($read | ForEach-Object { Get-RecordKey $_ } | Sort-Object) | Should -Be ($written.records | ForEach-Object { Get-RecordKey $_ } | Sort-Object)
            $read.Text | Should -Not -BeIn $FollowOld.records.data
            @(Test-PerKeyOrder $read $written.records) | Should -BeNullOrEmpty
            (Test-ParentsFirst $read @('shardId-000000000000') $children).Problems | Should -BeNullOrEmpty
        }
    }
}

Describe 'Streams of the same name in two accounts (kinesis-local, the access key selects the account)' {
    AfterEach { $env:AWS_ACCESS_KEY_ID = $AccountA }

    It 'account <Account> reads only its own records' -TestCases @(
        @{ Account = '111122223333'; Fixture = 'SharedA'; Tag = 'A' }
        @{ Account = '222233334444'; Fixture = 'SharedB'; Tag = 'B' }
    ) {
        $reference = (Get-Variable -Name $Fixture -ValueOnly)
        $env:AWS_ACCESS_KEY_ID = $Account
        $read = Read-Stream shared
        $read | Should -HaveCount $reference.records.Count
        ($read.Text | Sort-Object) | Should -Be ($reference.records.data | Sort-Object)
        $read.Text | ForEach-Object { $_ | Should -BeLike "$Tag|*" }
    }

    It 'account <Account> sees the stream under its own ARN' -TestCases @(
        @{ Account = '111122223333'; Shards = 1 }
        @{ Account = '222233334444'; Shards = 2 }
    ) {
        $env:AWS_ACCESS_KEY_ID = $Account
        $stream = @(Get-KinesisStream -StreamName shared -EndpointUrl $Endpoint -Region us-east-1)
        $stream | Should -HaveCount 1
        $stream[0].StreamArn | Should -Be "arn:aws:kinesis:us-east-1:${Account}:stream/shared"
        $stream[0].OpenShardCount | Should -Be $Shards
    }

    It 'a stream that exists only in the other account is not found (ObjectNotFound)' {
        $env:AWS_ACCESS_KEY_ID = $AccountB
        $e = Get-CaughtError { Read-KinesisRecord -StreamName split -EndpointUrl $Endpoint -Region us-east-1 -ErrorAction Stop }
        $e | Should -Not -BeNullOrEmpty
        $e.FullyQualifiedErrorId | Should -BeLike 'StreamNotFound,*'
        $e.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $e.Exception.Message | Should -Match 'us-east-1'
    }
}
