#Requires -Version 7.0
# The help as Get-Help shows it from the built module: docs/<Cmdlet>.md and docs/about_*.md,
# turned into MAML and text by build/New-MamlHelp.ps1 during the build. Every exported cmdlet
# (the manifest's CmdletsToExport) must have written help: a synopsis, a description, a
# description for every parameter, at least two examples that parse. No emulator is needed.

BeforeDiscovery {
    # The test cases come from the built module itself: its manifest's exports and each
    # cmdlet's real parameters, so a parameter added in C# without docs fails here.
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1') -Force
    $null = Import-BuiltModule
    $manifest = Join-Path (Get-RepoRoot) 'out/KinesisXAcct/KinesisXAcct.psd1'
    $exported = @((Import-PowerShellDataFile -LiteralPath $manifest).CmdletsToExport)
    $common = [System.Management.Automation.Cmdlet]::CommonParameters

    $cmdletCases = @(foreach ($name in $exported) { @{ Name = $name } })
    $parameterCases = @(foreach ($name in $exported) {
            $command = Get-Command -Name $name -CommandType Cmdlet -ErrorAction SilentlyContinue
            if (-not $command) { continue }
            foreach ($parameter in $command.Parameters.Keys) {
                # WhatIf and Confirm are not in CommonParameters: they must be documented too.
                if ($parameter -notin $common) { @{ Name = $name; Parameter = $parameter } }
            }
        })
    $exampleCases = @(foreach ($name in $exported) {
            $help = Get-Help -Name $name -ErrorAction SilentlyContinue
            $examples = if ($help -and $help.PSObject.Properties['examples'] -and $help.examples) { @($help.examples.example) } else { @() }
            for ($i = 0; $i -lt $examples.Count; $i++) {
                @{ Name = $name; Index = $i + 1; Title = ($examples[$i].title -replace '^[-\s]+|[-\s]+$', ''); Code = [string]$examples[$i].code }
            }
        })
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1') -Force
    $null = Import-BuiltModule
    $script:Exported = @((Import-PowerShellDataFile -LiteralPath (Join-Path (Get-RepoRoot) 'out/KinesisXAcct/KinesisXAcct.psd1')).CmdletsToExport)

    function Get-ParagraphText($Node) {
        # A MAML description is a list of paragraphs (objects with a Text property).
        if ($null -eq $Node) { return '' }
        (@($Node) | ForEach-Object { if ($_ -is [string]) { $_ } elseif ($_.PSObject.Properties['Text']) { $_.Text } }) -join "`n"
    }

    function Get-ParseError([string]$Code) {
        $errors = $null
        $null = [System.Management.Automation.Language.Parser]::ParseInput($Code, [ref]$null, [ref]$errors)
        @($errors)
    }
}

Describe 'Help of the exported cmdlets' {
    It 'exports the seven cmdlets of the contract, each with MAML help' {
        $Exported | Should -HaveCount 7
        foreach ($name in $Exported) {
            (Get-Help -Name $name).PSObject.TypeNames | Should -Contain 'MamlCommandHelpInfo' -Because "$name needs docs/$name.md (the help file is KinesisXAcct.Cmdlets.dll-Help.xml beside the cmdlet assembly)"
        }
    }

    It 'still resolves after Import-Module -Force' {
        # The ALC loader hands back a cached assembly module on re-import; the help must not depend on it.
        $null = Import-BuiltModule
        $null = Import-BuiltModule
        foreach ($name in $Exported) {
            (Get-Help -Name $name).PSObject.TypeNames | Should -Contain 'MamlCommandHelpInfo' -Because "$name's help must survive a re-import"
        }
        Get-Help -Name about_KinesisXAcct | Out-String | Should -Match 'about_KinesisXAcct'
    }

    It '<Name> has a written synopsis, not the generated syntax' -TestCases $cmdletCases {
        $help = Get-Help -Name $Name
        $synopsis = ([string]$help.Synopsis).Trim()
        $synopsis | Should -Not -BeNullOrEmpty
        $synopsis | Should -Not -Match ('^' + [regex]::Escape($Name) + '(\s|$)') -Because 'a synopsis that starts with the cmdlet name is the syntax PowerShell makes up when there is no help'
        $synopsis | Should -Match '\w.*\.$' -Because 'the synopsis is a sentence'
    }

    It '<Name> has a description' -TestCases $cmdletCases {
        $help = Get-Help -Name $Name
        (Get-ParagraphText $help.description).Trim().Length | Should -BeGreaterThan 80
    }

    It '<Name> -<Parameter> has a description' -TestCases $parameterCases {
        $documented = @((Get-Help -Name $Name).parameters.parameter) | Where-Object name -eq $Parameter
        $documented | Should -Not -BeNullOrEmpty -Because "docs/$Name.md needs a '### -$Parameter' section"
        (Get-ParagraphText $documented.description).Trim() | Should -Not -BeNullOrEmpty
    }

    It '<Name> documents only parameters it has, and its syntax lists them all' -TestCases $cmdletCases {
        $help = Get-Help -Name $Name
        $command = Get-Command -Name $Name -CommandType Cmdlet
        $common = [System.Management.Automation.Cmdlet]::CommonParameters
        $actual = @($command.Parameters.Keys | Where-Object { $_ -notin $common } | Sort-Object)
        @($help.parameters.parameter.name | Sort-Object) | Should -Be $actual
        $inSyntax = @($help.syntax.syntaxItem | ForEach-Object { $_.parameter.name } | Sort-Object -Unique)
        $inSyntax | Should -Be $actual
        @($help.syntax.syntaxItem).Count | Should -Be @($command.ParameterSets).Count
    }

    It '<Name> has at least two examples' -TestCases $cmdletCases {
        @((Get-Help -Name $Name).examples.example).Count | Should -BeGreaterOrEqual 2
    }

    It '<Name> example <Index> (<Title>) parses' -TestCases $exampleCases {
        $Code.Trim() | Should -Not -BeNullOrEmpty
        $Code | Should -Not -Match '^\s*PS\b.*>' -Because 'example code is a command, without a prompt'
        $problems = Get-ParseError $Code
        $problems | ForEach-Object { "line $($_.Extent.StartLineNumber): $($_.Message)" } | Should -BeNullOrEmpty
    }

    It '<Name> example <Index> (<Title>) names only parameters the module''s cmdlets have' -TestCases $exampleCases {
        $ast = [System.Management.Automation.Language.Parser]::ParseInput($Code, [ref]$null, [ref]$null)
        $calls = $ast.FindAll({ param($node) $node -is [System.Management.Automation.Language.CommandAst] }, $true)
        $unknown = foreach ($call in $calls) {
            $commandName = $call.GetCommandName()
            if ($commandName -notin $Exported) { continue }
            $parameters = (Get-Command -Name $commandName -CommandType Cmdlet).Parameters.Values
            foreach ($element in $call.CommandElements) {
                if ($element -isnot [System.Management.Automation.Language.CommandParameterAst]) { continue }
                $typed = $element.ParameterName
                $exact = @($parameters | Where-Object { $_.Name -eq $typed -or $_.Aliases -contains $typed })
                $prefix = @($parameters | Where-Object { $_.Name.StartsWith($typed, [System.StringComparison]::OrdinalIgnoreCase) })
                if ($exact.Count -eq 0 -and $prefix.Count -ne 1) { "$commandName -$typed" }
            }
        }
        $unknown | Should -BeNullOrEmpty
    }

    It '<Name> shows the seed scenario among its examples' -TestCases @(
        @{ Name = 'Connect-KinesisRole' }
        @{ Name = 'Read-KinesisRecord' }
    ) {
        $codes = @((Get-Help -Name $Name).examples.example.code)
        $seed = $codes | Where-Object {
            $_ -match 'arn:aws:iam::239641032376:role/hmh_kinesis_consumer_role' -and $_ -match '-ExternalId ren-ext-42' -and $_ -match 'hmh_premium_data_share'
        }
        $seed | Should -Not -BeNullOrEmpty
    }

    It 'Get-Help <Name> -Examples shows the examples' -TestCases $cmdletCases {
        $text = Get-Help -Name $Name -Examples | Out-String -Width 250
        $text | Should -Match 'Example 1:'
        $text | Should -Match 'Example 2:'
        $first = (@((Get-Help -Name $Name).examples.example)[0].code -split '\r?\n')[0].Trim()
        $text | Should -Match ([regex]::Escape($first))
    }

    It 'Get-Help <Name> -Full shows the synopsis and every parameter''s description' -TestCases $cmdletCases {
        $help = Get-Help -Name $Name
        # Collapse whitespace: the console view wraps long paragraphs.
        $text = (Get-Help -Name $Name -Full | Out-String -Width 4000) -replace '\s+', ' '
        $text | Should -Match ([regex]::Escape(([string]$help.Synopsis).Trim()))
        foreach ($p in @($help.parameters.parameter)) {
            $first = (@($p.description)[0].Text -replace '\s+', ' ').Trim()
            $text | Should -Match ([regex]::Escape($first)) -Because "-$($p.name)'s description belongs in -Full"
        }
    }
}

Describe 'about_KinesisXAcct' {
    BeforeAll {
        $script:About = Get-Help -Name about_KinesisXAcct -ErrorAction SilentlyContinue | Out-String -Width 250
    }

    It 'resolves with Get-Help' {
        $About | Should -Match 'about_KinesisXAcct'
        $About | Should -Match 'SHORT DESCRIPTION'
        $About | Should -Match 'LONG DESCRIPTION'
    }

    It 'explains <Term>' -TestCases @(
        @{ Term = 'sts:ExternalId' }
        @{ Term = 'CheckpointPath' }
        @{ Term = 'sts:AssumeRole' }
        @{ Term = 'SourceSession' }
        @{ Term = 'role_arn' }
        @{ Term = 'AWS_ENDPOINT_URL_KINESIS' }
        @{ Term = 'AWS_ENDPOINT_URL_STS' }
        @{ Term = 'AWS_DEFAULT_REGION' }
        @{ Term = 'KinesisAccessDenied' }
        @{ Term = 'AssumeRoleAccessDenied' }
        @{ Term = 'hmh_premium_data_share' }
        @{ Term = 'enhanced_data_stream' }
    ) {
        $About | Should -Match ([regex]::Escape($Term))
    }

    It 'has the seed''s three policies as valid JSON' {
        # The code blocks of the topic are indented by 8; the policies are the JSON blocks with a Statement.
        $blocks = [regex]::Matches($About, '(?m)^        \{\r?\n(?:^        .*\r?\n)*?^        \}') | ForEach-Object { $_.Value }
        $policies = @($blocks | ForEach-Object { $_ | ConvertFrom-Json } | Where-Object { $_.PSObject.Properties['Statement'] })
        $policies | Should -HaveCount 3
        $policies[0].Statement[0].Action | Should -Be 'sts:AssumeRole'
        $policies[1].Statement[0].Condition.StringEquals.'sts:ExternalId' | Should -Be 'ren-ext-42'
        $policies[2].Statement[0].Resource | Should -Contain 'arn:aws:kinesis:us-east-1:239641032376:stream/hmh_premium_data_share'
    }
}
