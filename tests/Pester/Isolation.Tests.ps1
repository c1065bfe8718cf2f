#Requires -Version 7.0
# Isolation from other modules' AWS SDK (issue 5, part 4). Another module (AWS Tools for
# PowerShell, say) brings its own AWSSDK.Core: here 3.7.x (assembly version 3.3.0.0) from NuGet,
# loaded the way such a module loads it, into the default load context. In one fresh pwsh per
# order (assembly loading cannot be undone within a process), Isolation.Scenario.ps1 loads it
# before or after KinesisXAcct and reads a moto stream both with the default credentials and
# through a Connect-KinesisRole session (STS AssumeRole runs on the module's AWSSDK 4.x).
# Without the module's own AssemblyLoadContext, SdkFirst fails on import (FileLoadException:
# AWSSDK.Core 4.0.0.0 does not match the 3.3.0.0 already loaded) and ModuleFirst fails on the
# other SDK's Add-Type ("Assembly with same name is already loaded").

BeforeDiscovery {
    $Orders = @(
        @{ Order = 'SdkFirst'; Description = 'the other AWSSDK.Core loaded first, then KinesisXAcct' }
        @{ Order = 'ModuleFirst'; Description = 'KinesisXAcct imported and used first, then the other AWSSDK.Core' }
    )
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'Distribution.Support.psm1') -Force

    $ModulePath = Get-BuiltModulePath
    $ModuleBin = Join-Path $ModulePath 'bin'
    $Exported = @((Import-PowerShellDataFile -LiteralPath (Join-Path $ModulePath 'KinesisXAcct.psd1')).CmdletsToExport | Sort-Object)
    $OtherSdkPath = Get-ToolPackageFile -PackageId AWSSDK.Core -RelativePath 'lib/netstandard2.0/AWSSDK.Core.dll'
    # moto's default account for the "testing" keys: the role is assumed in the stream's account.
    $RoleArn = 'arn:aws:iam::123456789012:role/kxa-isolation-reader'
    $World = New-MotoStream -StreamName 'isolation' -Records 5
    $WorkDir = New-TemporaryDirectory -Prefix 'kxa-isolation'

    # One fresh process per order (a load context cannot be undone within a process); both run
    # at once, and the blocks below only look at what each one recorded.
    $children = @{}
    foreach ($order in 'SdkFirst', 'ModuleFirst') {
        $resultPath = Join-Path $WorkDir "$order.json"
        $children[$order] = [pscustomobject]@{
            ResultPath = $resultPath
            Child      = Start-ChildPwsh -File (Join-Path $PSScriptRoot 'Isolation.Scenario.ps1') -Environment (Get-DefaultAwsEnvironment) -ArgumentList @(
                '-Order', $order, '-ModulePath', $ModulePath, '-OtherSdkPath', $OtherSdkPath,
                '-EndpointUrl', $World.Endpoint, '-StreamName', $World.StreamName, '-RoleArn', $RoleArn, '-ResultPath', $resultPath)
        }
    }
    $Results = @{}
    $Failures = @{}
    foreach ($order in $children.Keys) {
        try { $run = Wait-ExternalProcess -Started $children[$order].Child -TimeoutSeconds 120 }
        catch { $Failures[$order] = $_.Exception.Message; continue }
        if ($run.ExitCode -eq 0 -and (Test-Path -LiteralPath $children[$order].ResultPath)) {
            $Results[$order] = Get-Content -LiteralPath $children[$order].ResultPath -Raw | ConvertFrom-Json
        }
        else {
            $Failures[$order] = "Isolation.Scenario.ps1 -Order $order exited with $($run.ExitCode) and no result.`n$($run.StdErr)`n$($run.StdOut)"
        }
    }

    function Get-ScenarioResult([string]$Order) {
        if ($Failures.ContainsKey($Order)) { throw $Failures[$Order] }
        $Results[$Order]
    }
}

AfterAll {
    if ($World) { Stop-Emulator $World.Moto }
    if ($WorkDir -and (Test-Path -LiteralPath $WorkDir)) { Remove-Item -LiteralPath $WorkDir -Recurse -Force }
}

Describe 'KinesisXAcct beside another module''s AWSSDK.Core 3.7: <Description>' -ForEach $Orders {
    BeforeAll {
        $Result = Get-ScenarioResult $Order
    }

    It 'runs every step without an error' {
        $Result.Error | Should -BeNullOrEmpty
    }

    It 'leaves the other AWSSDK.Core working: its own 3.7 assembly, in the default load context' {
        $Result.OtherSdk.Location | Should -Be $OtherSdkPath
        $Result.OtherSdk.AssemblyVersion | Should -Be '3.3.0.0'
        $Result.OtherSdk.LoadContext | Should -Be 'Default'
        $Result.OtherSdk.AccessKey | Should -Be 'AKIDOTHERMODULE'
    }

    It 'reads every record with the default credentials and -EndpointUrl' {
        $Result.Read.Default | Should -Be $World.Texts
    }

    It 'reads every record through a Connect-KinesisRole session that Get-KinesisRoleSession lists' {
        $Result.SessionsListed | Should -Be @('default')
        $Result.Read.Session | Should -Be $World.Texts
    }

    It 'loads the cmdlet assembly from bin/ into the load context named KinesisXAcct' {
        $Result.CmdletLoadContext | Should -Be 'KinesisXAcct'
        $Result.CmdletAssemblyLocation | Should -Be (Join-Path $ModuleBin 'KinesisXAcct.Cmdlets.dll')
        $Result.ModuleContexts | Should -Be 1 -Because 'one context per module path and process'
    }

    It 'keeps its AWSSDK 4.x assemblies out of the default load context' {
        $ours = @($Result.AwsAssemblies | Where-Object { $_.Version -like '4.*' })
        $ours.Name | Should -Contain 'AWSSDK.Core'
        $ours.Name | Should -Contain 'AWSSDK.SecurityToken'
        foreach ($assembly in $ours) {
            $assembly.LoadContext | Should -Be 'KinesisXAcct' -Because "$($assembly.Name) $($assembly.Version) is the module's"
            $assembly.Location | Should -Be (Join-Path $ModuleBin "$($assembly.Name).dll")
        }
        @($Result.AwsAssemblies | Where-Object { $_.LoadContext -eq 'Default' }).Location | Should -Be @($OtherSdkPath)
    }
}

Describe 'Remove-Module, then Import-Module again in the same process (the ModuleFirst process)' {
    BeforeAll {
        $Result = Get-ScenarioResult 'ModuleFirst'
    }

    It 'removes every command, then exports the manifest''s cmdlets again' {
        $Result.CommandsAfterRemove | Should -Be 0
        $Result.ExportedAfterReimport | Should -Be $Exported
    }

    It 'gets the same assembly back: the runspace''s sessions survive and a session object from before still binds' {
        $Result.SessionsListedAfterReimport | Should -Be @('default')
        $Result.ReadAfterReimport.Session | Should -Be $World.Texts
        $Result.ReadAfterReimport.Default | Should -Be $World.Texts
    }
}
