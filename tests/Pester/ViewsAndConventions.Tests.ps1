#Requires -Version 7.0
# What an operator sees first: a table and a list view for every output type, the table columns
# that matter, [OutputType] on every cmdlet, -WhatIf where a cmdlet changes something, pipeline
# input by property name where the contract says so, and a verbose line for each AWS call.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'E2E.Support.psm1') -Force
    $Moto = New-MotoWorld -Scenario test -Records 12
    $World = $Moto.World
    $SavedEnvironment = Use-OperatorEnvironment -World $Moto
    Import-ModuleUnderTest | Out-Null
    Disconnect-KinesisRole -All
    $Session = Connect-KinesisRole -RoleArn $World.readerRoleArn -ExternalId $World.externalId
    $Manifest = Import-PowerShellDataFile (Join-Path (Get-Module KinesisXAcct).ModuleBase 'KinesisXAcct.psd1')
}

AfterAll {
    if (Get-Command Disconnect-KinesisRole -ErrorAction SilentlyContinue) { Disconnect-KinesisRole -All }
    if ($SavedEnvironment) { Restore-AwsEnvironment $SavedEnvironment }
    Remove-TestWorld $Moto
}

Describe 'Views' {
    It '<Type> has a table view and a list view' -TestCases @(
        @{ Type = 'KinesisRecord' }, @{ Type = 'KinesisShard' }, @{ Type = 'KinesisStream' }, @{ Type = 'KinesisRoleSession' }, @{ Type = 'KinesisPutResult' }
    ) {
        param($Type)
        $controls = (Get-FormatData -TypeName "KinesisXAcct.$Type" -PowerShellVersion $PSVersionTable.PSVersion).FormatViewDefinition.Control |
            ForEach-Object { $_.GetType().Name }
        $controls | Should -Contain 'TableControl'
        $controls | Should -Contain 'ListControl'
    }

    It 'shows records as shard, sequence number, arrival time, partition key and the start of the text' {
        $table = Read-KinesisRecord -StreamName orders -First 3 | Format-Table | Out-String -Width 200
        $header = ($table -split "`n" | Where-Object { $_.Trim() } | Select-Object -First 1)
        $header | Should -Match '^ShardId\s+SequenceNumber\s+Arrived \(UTC\)\s+PartitionKey\s+Text'
        $table | Should -Match 'order-\d+'
    }

    It 'cuts long payload text in the table to one line' {
        $record = Read-KinesisRecord -StreamName orders -First 1
        $long = $record.GetType().GetConstructors([Reflection.BindingFlags]'NonPublic,Instance')[0].Invoke(@(
            'orders', 'shardId-000000000000', '1', $null, 'pk', $null, [DateTime]::UtcNow, [Text.Encoding]::UTF8.GetBytes(('x' * 300) + "`nsecond line")))
        $line = ($long | Format-Table | Out-String -Width 300) -split "`n" | Where-Object { $_ -match 'xxxx' }
        @($line).Count | Should -Be 1
        $line | Should -Match ([char]0x2026)
    }

    It 'shows sessions with role, account, region and time to expiry' {
        $table = Get-KinesisRoleSession | Format-Table | Out-String -Width 200
        $table | Should -Match 'Name\s+AccountId\s+Region\s+ExpiresIn\s+RoleArn'
        $table | Should -Match ([regex]::Escape($World.ownerAccountId))
        $table | Should -Match '\d\d:\d\d:\d\d \(renews\)'
    }

    It 'lists every property of a shard, and the size rather than the bytes of a record''s data' {
        $list = Get-KinesisShard -StreamName orders | Select-Object -First 1 | Format-List | Out-String
        foreach ($p in 'StreamName', 'ShardId', 'ParentShardId', 'StartingHashKey', 'EndingHashKey', 'StartingSequenceNumber', 'IsOpen') { $list | Should -Match "$p\s+:" }
        (Read-KinesisRecord -StreamName orders -First 1 | Format-List | Out-String) | Should -Match 'Data\s+:\s+\d+ bytes'
    }
}

Describe 'Conventions' {
    It '<Name> declares its output type' -TestCases @(
        @{ Name = 'Connect-KinesisRole' }, @{ Name = 'Get-KinesisRoleSession' }, @{ Name = 'Get-KinesisStream' },
        @{ Name = 'Get-KinesisShard' }, @{ Name = 'Read-KinesisRecord' }, @{ Name = 'Write-KinesisRecord' }, @{ Name = 'Disconnect-KinesisRole' }
    ) {
        param($Name)
        (Get-Command $Name).OutputType | Should -Not -BeNullOrEmpty
    }

    It 'exports exactly the cmdlets the manifest lists' {
        (Get-Command -Module KinesisXAcct | ForEach-Object Name | Sort-Object) | Should -Be ($Manifest.CmdletsToExport | Sort-Object)
    }

    It '<Name> supports -WhatIf' -TestCases @(@{ Name = 'Write-KinesisRecord' }, @{ Name = 'Disconnect-KinesisRole' }) {
        param($Name)
        (Get-Command $Name).Parameters.Keys | Should -Contain 'WhatIf'
    }

    It 'Write-KinesisRecord -WhatIf writes nothing and Disconnect-KinesisRole -WhatIf keeps the session' {
        'never' | Write-KinesisRecord -StreamName orders -PartitionKey k -WhatIf
        @(Read-KinesisRecord -StreamName orders).Count | Should -Be 12
        Disconnect-KinesisRole -WhatIf
        @(Get-KinesisRoleSession).Count | Should -Be 1
    }

    It '<Command> -<Parameter> takes pipeline input by property name' -TestCases @(
        @{ Command = 'Read-KinesisRecord'; Parameter = 'StreamName' }, @{ Command = 'Read-KinesisRecord'; Parameter = 'StreamArn' },
        @{ Command = 'Read-KinesisRecord'; Parameter = 'ShardId' }, @{ Command = 'Get-KinesisShard'; Parameter = 'StreamName' },
        @{ Command = 'Get-KinesisStream'; Parameter = 'StreamName' }, @{ Command = 'Disconnect-KinesisRole'; Parameter = 'Name' }
    ) {
        param($Command, $Parameter)
        $attributes = (Get-Command $Command).Parameters[$Parameter].Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] }
        @($attributes | Where-Object ValueFromPipelineByPropertyName).Count | Should -BeGreaterThan 0
    }

    It 'writes a verbose line for each AWS call with its duration' {
        $verbose = Get-KinesisShard -StreamName orders -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        ($verbose.Message -join "`n") | Should -Match 'ListShards orders: HTTP 200 in \d+ ms'
        $connect = Connect-KinesisRole -RoleArn $World.readerRoleArn -Name verbose-check -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        ($connect.Message -join "`n") | Should -Match 'STS AssumeRole .*: \d+ ms'
        Disconnect-KinesisRole -Name verbose-check
    }
}
