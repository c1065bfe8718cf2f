# KinesisXAcct root module. The cmdlets are compiled (bin/KinesisXAcct.Cmdlets.dll); this file
# only decides how that assembly is loaded.
#
# PowerShell 7: bin/KinesisXAcct.LoadContext.dll creates an AssemblyLoadContext named
# "KinesisXAcct" and loads the cmdlet assembly and its dependencies (AWSSDK.Core 4, Polly,
# Google.Protobuf, ...) from bin/ into it. Another module's AWSSDK.Core, of any version, lives
# in the default context next to ours and neither sees the other. The assemblies sit in bin/,
# not next to the manifest, so PowerShell's own probing never loads them into the default
# context by accident.
# Windows PowerShell has no load contexts: the cmdlet assembly is imported directly.

$importModule = Get-Command -Name Import-Module -Module Microsoft.PowerShell.Core
$binPath = Join-Path $PSScriptRoot 'bin'
$cmdletAssemblyPath = Join-Path $binPath 'KinesisXAcct.Cmdlets.dll'

if ($PSEdition -eq 'Core') {
    $psVersion = $PSVersionTable.PSVersion
    if ([version]::new($psVersion.Major, $psVersion.Minor) -lt [version]'7.4') {
        # The loader targets .NET 8, the runtime of PowerShell 7.4.
        throw "KinesisXAcct needs PowerShell 7.4 or later (or Windows PowerShell 5.1); this is $psVersion."
    }
    # Once per process: the loader keeps one context per cmdlet assembly path, so a re-import
    # (Import-Module -Force, Remove-Module then Import-Module, another runspace) gets the same
    # assembly back: same types, same per-runspace sessions.
    if (-not ('KinesisXAcct.LoadContext.ModuleLoadContext' -as [type])) {
        # LoadFrom, not Add-Type: same result for a compiled assembly, 30-100 ms less at import (bench).
        $null = [System.Reflection.Assembly]::LoadFrom((Join-Path $binPath 'KinesisXAcct.LoadContext.dll'))
    }
    $cmdletAssembly = [KinesisXAcct.LoadContext.ModuleLoadContext]::LoadCmdletAssembly($cmdletAssemblyPath)
    $innerModule = & $importModule -Assembly $cmdletAssembly -Force -PassThru -ErrorAction Stop
}
else {
    $innerModule = & $importModule -Name $cmdletAssemblyPath -Force -PassThru -ErrorAction Stop
}

# Import-Module -Assembly may hand back a cached module whose cmdlets are not added to this
# module's exports (https://github.com/PowerShell/PowerShell/issues/20710): add them here, so the
# manifest's CmdletsToExport always finds all seven, on a first import and on every re-import.
# (An internal method: should a later PowerShell drop it, the first import still works.)
$addExportedCmdlet = [System.Management.Automation.PSModuleInfo].GetMethod(
    'AddExportedCmdlet', [System.Reflection.BindingFlags]'Instance, NonPublic')
if ($addExportedCmdlet) {
    foreach ($cmdlet in @($innerModule)[0].ExportedCmdlets.Values) {
        $addExportedCmdlet.Invoke($ExecutionContext.SessionState.Module, @(, $cmdlet))
    }
}
