#Requires -Version 7.0
<#
.SYNOPSIS
    Packs a built module folder into a .nupkg with PSResourceGet; build.ps1 -Task Package runs it.
.DESCRIPTION
    Publish-PSResource publishes only to a registered repository, so this registers a local
    file repository (unique name) at -OutputPath, publishes -ModulePath to it and unregisters
    it again, also when the publish fails. The package is what Install-PSResource installs
    from any file share or feed. Prints the package's full path.
.EXAMPLE
    pwsh -NoProfile -File build/Publish-ModulePackage.ps1 -ModulePath out/KinesisXAcct -OutputPath out/package
#>
[CmdletBinding()]
param(
    # The module folder as built (out/KinesisXAcct): manifest, root module, bin/, formats.
    [Parameter(Mandatory)][string]$ModulePath,
    # Folder the .nupkg lands in; created when missing.
    [Parameter(Mandatory)][string]$OutputPath
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

# PowerShell 7.4+ ships PSResourceGet; no gallery is needed for a local repository.
Import-Module Microsoft.PowerShell.PSResourceGet

$ModulePath = (Resolve-Path -LiteralPath $ModulePath).Path
$manifest = Join-Path $ModulePath ((Split-Path -Leaf $ModulePath) + '.psd1')
if (-not (Test-Path -LiteralPath $manifest)) { throw "No module manifest at $manifest." }
$data = Import-PowerShellDataFile -LiteralPath $manifest
$name = Split-Path -Leaf $ModulePath

$null = New-Item -ItemType Directory -Path $OutputPath -Force
$OutputPath = (Resolve-Path -LiteralPath $OutputPath).Path
# A package of the same name and version in the folder would make the publish fail.
Get-ChildItem -LiteralPath $OutputPath -Filter "$name.$($data.ModuleVersion).nupkg" | Remove-Item -Force

$repository = 'KinesisXAcctPackage-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
Register-PSResourceRepository -Name $repository -Uri $OutputPath -Trusted
try {
    Publish-PSResource -Path $ModulePath -Repository $repository
}
finally {
    Unregister-PSResourceRepository -Name $repository
}

$package = Join-Path $OutputPath "$name.$($data.ModuleVersion).nupkg"
if (-not (Test-Path -LiteralPath $package)) { throw "Publish-PSResource reported no error but $package is missing." }
$package
