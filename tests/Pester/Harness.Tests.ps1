#Requires -Version 7.0
# Tests of the test harness itself, with the reference tools (aws CLI v1, boto3) only: when a
# module test fails, these say whether the world under it was sound.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1') -Force
}

Describe 'moto world (test scenario)' {
    BeforeAll {
        $world = New-MotoWorld -Scenario test -Records 60
        $writer = Get-RoleCredential -World $world -RoleArn $world.World.writerRoleArn
    }
    AfterAll { Remove-TestWorld $world }

    It 'answers on a loopback endpoint' {
        $world.Endpoint | Should -Match '^http://127\.0\.0\.1:\d+$'
        Get-Process -Id $world.Moto.ProcessId | Should -Not -BeNullOrEmpty
    }

    It 'puts the streams in the owner account, not the consumer account' {
        $owner = Invoke-AwsCli -World $world -Credential $writer -Arguments @('kinesis', 'list-streams')
        $owner.StreamNames | Sort-Object | Should -Be @('empty', 'orders')
        $world.World.streams[0].arn | Should -BeLike "arn:aws:kinesis:us-east-1:$($world.World.ownerAccountId):stream/*"

        $consumer = Invoke-AwsCli -World $world -Arguments @('kinesis', 'list-streams')
        $consumer.StreamNames | Should -BeNullOrEmpty
    }

    It 'has 4 open shards in orders' {
        $shards = (Invoke-AwsCli -World $world -Credential $writer -Arguments @('kinesis', 'list-shards', '--stream-name', 'orders')).Shards
        $shards | Should -HaveCount 4
        $shards | Where-Object { -not $_.SequenceNumberRange.PSObject.Properties['EndingSequenceNumber'] } | Should -HaveCount 4
    }

    It 'holds exactly the records the world reports, N of them' {
        $reported = ($world.World.streams | Where-Object name -eq 'orders').records
        $reported | Should -HaveCount 60

        $read = @(Read-ReferenceStream -World $world -StreamName orders -Credential $writer)
        $read | Should -HaveCount 60
        $key = { '{0}|{1}' -f $_.shardId, $_.sequenceNumber }
        ($read | ForEach-Object $key | Sort-Object) | Should -Be ($reported | ForEach-Object $key | Sort-Object)
        ($read.data | Sort-Object) | Should -Be ($reported.data | Sort-Object)
        @($read.shardId | Sort-Object -Unique).Count | Should -BeGreaterThan 1 -Because 'partition keys spread over the shards'
    }

    It 'has an empty stream' {
        Read-ReferenceStream -World $world -StreamName empty -Credential $writer | Should -HaveCount 0
    }
}

Describe 'moto IAM enforcement' {
    BeforeAll { $world = New-MotoWorld -Scenario test -Records 5 -EnableIamEnforcement }
    AfterAll { Remove-TestWorld $world }

    It 'denies the operator''s own keys on Kinesis' {
        $run = Invoke-AwsCli -World $world -Arguments @('kinesis', 'list-streams') -AllowFailure
        $run.ExitCode | Should -Not -Be 0
        $run.StdErr | Should -Match 'AccessDenied'
    }

    It 'lets the operator assume the reader role, which can read the owner''s streams' {
        (Invoke-AwsCli -World $world -Arguments @('sts', 'get-caller-identity')).Arn |
            Should -Be "arn:aws:iam::$($world.World.consumerAccountId):user/kinesis-operator"
        $reader = Get-RoleCredential -World $world -RoleArn $world.World.readerRoleArn -ExternalId $world.World.externalId
        (Invoke-AwsCli -World $world -Credential $reader -Arguments @('kinesis', 'list-streams')).StreamNames |
            Sort-Object | Should -Be @('empty', 'orders')
    }

    It 'denies writes to the reader role' {
        $reader = Get-RoleCredential -World $world -RoleArn $world.World.readerRoleArn -ExternalId $world.World.externalId
        $run = Invoke-AwsCli -World $world -Credential $reader -AllowFailure -Arguments @(
            'kinesis', 'put-record', '--stream-name', 'orders', '--partition-key', 'k', '--data', 'eA==')
        $run.ExitCode | Should -Not -Be 0
        $run.StdErr | Should -Match 'AccessDenied'
    }

    It 'rejects a forged signature' {
        $forged = @{ AccessKeyId = $world.World.operator.accessKeyId; SecretAccessKey = 'not-the-secret' }
        $run = Invoke-AwsCli -World $world -Credential $forged -AllowFailure -Arguments @('sts', 'get-caller-identity')
        $run.ExitCode | Should -Not -Be 0
        $run.StdErr | Should -Match 'SignatureDoesNotMatch|InvalidClientTokenId'
    }
}

Describe 'kinesis-local' {
    BeforeAll { $kl = Start-KinesisLocal -InitializeStreams 'harness:2' -AccountId '111122223333' }
    AfterAll { Stop-Emulator $kl }

    It 'answers with the initialized stream in the chosen account' {
        $run = Invoke-External -FilePath aws -ArgumentList @(
            'kinesis', 'describe-stream-summary', '--stream-name', 'harness', '--endpoint-url', $kl.Endpoint, '--output', 'json') `
            -Environment @{ AWS_ACCESS_KEY_ID = '111122223333'; AWS_SECRET_ACCESS_KEY = 'x'; AWS_DEFAULT_REGION = 'us-east-1'
                            AWS_CONFIG_FILE = '/nonexistent'; AWS_SHARED_CREDENTIALS_FILE = '/nonexistent' }
        $run.ExitCode | Should -Be 0 -Because $run.StdErr
        $summary = ($run.StdOut | ConvertFrom-Json).StreamDescriptionSummary
        $summary.StreamStatus | Should -Be 'ACTIVE'
        $summary.OpenShardCount | Should -Be 2
        $summary.StreamARN | Should -Be 'arn:aws:kinesis:us-east-1:111122223333:stream/harness'
    }
}
