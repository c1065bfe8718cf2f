#Requires -Version 7.0
# Tab completion as a shell user meets it (TabExpansion2): stream names and shard ids from the
# current session, role ARNs from the AWS config file and earlier sessions, regions, session
# names; and a completer that cannot reach AWS offers nothing, quickly.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'E2E.Support.psm1') -Force

    $Moto = New-MotoWorld -Scenario test -Records 20
    $World = $Moto.World
    $SavedEnvironment = Use-OperatorEnvironment -World $Moto
    # A role profile in a config file of the test's own (Use-OperatorEnvironment points AWS_CONFIG_FILE at a missing file).
    $ConfigFile = Join-Path ([IO.Path]::GetTempPath()) "kxa-completion-$([guid]::NewGuid().ToString('N')).ini"
    Set-Content -Path $ConfigFile -Value "[profile partner]`nrole_arn = arn:aws:iam::444455556666:role/partner-reader`nsource_profile = default`n"
    $env:AWS_CONFIG_FILE = $ConfigFile
    Import-ModuleUnderTest | Out-Null
    Disconnect-KinesisRole -All
    $null = Connect-KinesisRole -RoleArn $World.readerRoleArn -ExternalId $World.externalId -Name reader

    function Complete([string]$Line) {
        (TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches | ForEach-Object CompletionText
    }
}

AfterAll {
    if (Get-Command Disconnect-KinesisRole -ErrorAction SilentlyContinue) { Disconnect-KinesisRole -All }
    if ($SavedEnvironment) { Restore-AwsEnvironment $SavedEnvironment }
    Remove-Item $ConfigFile -ErrorAction SilentlyContinue
    Remove-TestWorld $Moto
}

Describe 'Tab completion' {
    It 'completes <Parameter> of <Command>' -TestCases @(
        @{ Command = 'Read-KinesisRecord'; Parameter = '-StreamName'; Line = 'Read-KinesisRecord -StreamName ord'; Expected = @('orders') }
        @{ Command = 'Get-KinesisShard'; Parameter = '-StreamName'; Line = 'Get-KinesisShard -StreamName e'; Expected = @('empty') }
        @{ Command = 'Read-KinesisRecord'; Parameter = '-ShardId'; Line = 'Read-KinesisRecord -StreamName orders -ShardId shardId-'; Expected = @('shardId-000000000000', 'shardId-000000000001', 'shardId-000000000002', 'shardId-000000000003') }
        @{ Command = 'Connect-KinesisRole'; Parameter = '-Region'; Line = 'Connect-KinesisRole -Region eu-west-'; Expected = @('eu-west-1', 'eu-west-2', 'eu-west-3') }
        @{ Command = 'Read-KinesisRecord'; Parameter = '-SessionName'; Line = 'Read-KinesisRecord -SessionName re'; Expected = @('reader') }
        @{ Command = 'Disconnect-KinesisRole'; Parameter = '-Name'; Line = 'Disconnect-KinesisRole -Name r'; Expected = @('reader') }
    ) {
        param($Line, $Expected)
        Complete $Line | Should -Be $Expected
    }

    It 'completes -RoleArn from role profiles in the config file and from earlier sessions' {
        $arns = Complete 'Connect-KinesisRole -RoleArn arn:aws:iam::'
        $arns | Should -Contain 'arn:aws:iam::444455556666:role/partner-reader'
        $arns | Should -Contain $World.readerRoleArn
    }

    It 'offers nothing, within a few seconds, when the endpoint accepts connections but never answers' {
        $silent = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $silent.Start()
        try {
            $port = $silent.LocalEndpoint.Port
            $elapsed = Measure-Command { $result = Complete "Read-KinesisRecord -EndpointUrl http://127.0.0.1:$port -StreamName silent-$port -ShardId s" }
            $result | Should -BeNullOrEmpty
            $elapsed.TotalSeconds | Should -BeLessThan 6
        }
        finally { $silent.Stop() }
    }
}
