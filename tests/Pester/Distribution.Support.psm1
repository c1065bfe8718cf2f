#Requires -Version 7.0
# Helpers for the suites that test the module as it is distributed (Isolation, Packaging):
# a fresh pwsh per scenario (assembly loading is per process, so every scenario needs a clean
# one), a moto server with one stream of known records made with boto3 (no code shared with
# the module), and packages the build restores into the NuGet global packages folder.

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
$script:ToolsProject = Join-Path $script:RepoRoot 'build/tools/Tools.csproj'
# A path that never exists: keeps the developer's ~/.aws out of every child.
$script:NoAwsFile = Join-Path ([System.IO.Path]::GetTempPath()) 'kxa-tests-no-such-aws-file'

# -Global: Get-BuiltModulePath, Start-ChildPwsh, Wait-ExternalProcess and the emulators, for the suites too.
Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1') -Global

function Invoke-ChildPwsh {
    # Start-ChildPwsh, then Wait-ExternalProcess.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][string]$File,
        [string[]]$ArgumentList = @(),
        [hashtable]$Environment = @{},
        [string[]]$RemoveEnvironment = @(),
        [string]$WorkingDirectory = $script:RepoRoot,
        [int]$TimeoutSeconds = 120
    )
    $child = Start-ChildPwsh -File $File -ArgumentList $ArgumentList -Environment $Environment -RemoveEnvironment $RemoveEnvironment -WorkingDirectory $WorkingDirectory
    Wait-ExternalProcess -Started $child -TimeoutSeconds $TimeoutSeconds
}

function Get-DefaultAwsEnvironment {
    # What a user with plain keys in the environment has (moto's "testing" keys: account
    # 123456789012), and nothing from the developer's own AWS setup.
    [CmdletBinding()]
    param()
    @{
        AWS_ACCESS_KEY_ID           = 'testing'
        AWS_SECRET_ACCESS_KEY       = 'testing'
        AWS_REGION                  = 'us-east-1'
        AWS_DEFAULT_REGION          = 'us-east-1'
        AWS_CONFIG_FILE             = $script:NoAwsFile
        AWS_SHARED_CREDENTIALS_FILE = $script:NoAwsFile
        AWS_EC2_METADATA_DISABLED   = 'true'
    }
}

function New-MotoStream {
    # Starts a moto_server (IAM not enforced) and creates one stream with $Records records whose
    # data is "<prefix>-<n>", put with boto3. Returns Moto (for Stop-Emulator), Endpoint,
    # StreamName and Texts (the record data, in order).
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][string]$StreamName,
        [ValidateRange(1, 500)][int]$Records = 5,
        [ValidateRange(1, 10)][int]$ShardCount = 1
    )
    $moto = Start-MotoServer
    try {
        $texts = @(1..$Records | ForEach-Object { "$StreamName-$_" })
        $python = @'
import json, sys, boto3
endpoint, stream, shards, texts = sys.argv[1], sys.argv[2], int(sys.argv[3]), json.loads(sys.argv[4])
kinesis = boto3.client("kinesis", endpoint_url=endpoint)
kinesis.create_stream(StreamName=stream, ShardCount=shards)
kinesis.get_waiter("stream_exists").wait(StreamName=stream, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
for i, text in enumerate(texts):
    kinesis.put_record(StreamName=stream, Data=text.encode(), PartitionKey="pk-%d" % i)
'@
        $run = Invoke-External -FilePath python3 -Environment (Get-DefaultAwsEnvironment) -TimeoutSeconds 60 `
            -ArgumentList @('-c', $python, $moto.Endpoint, $StreamName, $ShardCount, (ConvertTo-Json -InputObject $texts -Compress))
        if ($run.ExitCode -ne 0) { throw "Creating stream $StreamName with boto3 failed:`n$($run.StdErr)" }
        [pscustomobject]@{ Moto = $moto; Endpoint = $moto.Endpoint; StreamName = $StreamName; Texts = $texts }
    }
    catch {
        Stop-Emulator $moto
        throw
    }
}

function Get-ToolPackageFile {
    # A file of a package that build/tools/Tools.csproj downloads (PackageDownload, exact
    # version), in the NuGet global packages folder. build.ps1 restores that project before
    # Pester runs; restoring again here is cheap and makes a direct Invoke-Pester work too.
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory)][string]$PackageId,
        # Path inside the package, e.g. lib/netstandard2.0/AWSSDK.Core.dll
        [Parameter(Mandatory)][string]$RelativePath
    )
    $download = @(([xml](Get-Content -LiteralPath $script:ToolsProject -Raw)).Project.ItemGroup.PackageDownload |
            Where-Object { $_ -and $_.Include -eq $PackageId })
    if (-not $download) { throw "$script:ToolsProject has no PackageDownload for $PackageId." }
    $version = $download[0].Version.Trim('[', ']')
    $inPackage = "$($PackageId.ToLowerInvariant())/$version/$RelativePath"
    # NUGET_PACKAGES, else the default folder; only if neither has it, ask dotnet (a NuGet.Config
    # may move the folder), which takes a second.
    $file = Join-Path $(if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path $HOME '.nuget/packages' }) $inPackage
    if (-not (Test-Path -LiteralPath $file)) {
        $root = ((& dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', '').Trim()
        $file = Join-Path $root $inPackage
    }
    if (-not (Test-Path -LiteralPath $file)) {
        & dotnet restore $script:ToolsProject --nologo | Out-Null
        if ($LASTEXITCODE -ne 0 -or -not (Test-Path -LiteralPath $file)) { throw "$PackageId $version is not restored: $file is missing." }
    }
    $file
}

function New-TemporaryDirectory {
    [CmdletBinding()]
    [OutputType([string])]
    param([string]$Prefix = 'kxa')
    $path = Join-Path ([System.IO.Path]::GetTempPath()) ("$Prefix-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
    (New-Item -ItemType Directory -Path $path).FullName
}

Export-ModuleMember -Function Invoke-ChildPwsh, Get-DefaultAwsEnvironment, New-MotoStream,
    Get-ToolPackageFile, New-TemporaryDirectory
