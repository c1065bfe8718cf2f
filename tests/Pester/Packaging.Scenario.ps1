#Requires -Version 7.0
<#
.SYNOPSIS
    The user's side of Packaging.Tests.ps1, in a pwsh whose HOME (and XDG_* folders) are
    temporary: register a local repository holding the package, Install-PSResource by name into
    the CurrentUser scope, Import-Module by name, read a moto stream, unregister the repository.
    What happened goes to -ResultPath as JSON; errors are recorded, not thrown.
#>
param(
    [Parameter(Mandatory)][string]$PackageDir,
    [Parameter(Mandatory)][string]$EndpointUrl,
    [Parameter(Mandatory)][string]$StreamName,
    [Parameter(Mandatory)][string]$ResultPath
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$result = [ordered]@{ Steps = [System.Collections.Generic.List[string]]::new(); Error = $null }
function Step([string]$Name, [scriptblock]$Action) { $result.Steps.Add($Name); & $Action }

Import-Module Microsoft.PowerShell.PSResourceGet
$repository = 'KinesisXAcctTest-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
$result.Repository = $repository
# Where PSResourceGet keeps its repositories (the temporary HOME's, in this process).
$result.RepositoryStore = Join-Path ([Environment]::GetFolderPath('LocalApplicationData')) 'PSResourceGet/PSResourceRepository.xml'
try {
    Step 'register' { Register-PSResourceRepository -Name $repository -Uri $PackageDir -Trusted }
    Step 'find' { $result.Found = (Find-PSResource -Name KinesisXAcct -Repository $repository).Version.ToString() }
    Step 'install' {
        Install-PSResource -Name KinesisXAcct -Repository $repository -Scope CurrentUser -TrustRepository -Quiet
        $installed = Get-InstalledPSResource -Name KinesisXAcct -Scope CurrentUser
        $result.InstalledVersion = $installed.Version.ToString()
        $result.InstalledLocation = $installed.InstalledLocation
    }
    Step 'import by name' {
        $module = Import-Module KinesisXAcct -PassThru
        $result.ModuleBase = $module.ModuleBase
        $result.ModuleVersion = $module.Version.ToString()
        $result.Exported = @($module.ExportedCmdlets.Keys | Sort-Object)
        $assembly = (Get-Command Read-KinesisRecord).ImplementingType.Assembly
        $result.CmdletAssemblyLocation = $assembly.Location
        $result.CmdletLoadContext = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($assembly).Name
    }
    Step 'read' {
        $result.Texts = @(Read-KinesisRecord -StreamName $StreamName -EndpointUrl $EndpointUrl -Region us-east-1 | ForEach-Object Text)
    }
}
catch {
    $result.Error = "$($result.Steps[-1]): $($_.Exception.GetType().FullName): $($_.Exception.Message)`n$($_.ScriptStackTrace)"
}
finally {
    if (Get-PSResourceRepository -Name $repository -ErrorAction SilentlyContinue) { Unregister-PSResourceRepository -Name $repository }
    $result.RepositoriesAfter = @(Get-PSResourceRepository | ForEach-Object Name)
}

$result | ConvertTo-Json -Depth 5 | Set-Content -LiteralPath $ResultPath -Encoding utf8
