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

Import-Module (Join-Path $script:RepoRoot 'tests/Support/Emulators.psm1') -Global

function Get-BuiltModulePath {
    # The module folder as shipped (./out/KinesisXAcct), unless KXA_MODULE_PATH names another
    # build (a folder or its .psd1), as in E2E.Support.psm1.
    [CmdletBinding()]
    [OutputType([string])]
    param()
    $path = Join-Path $script:RepoRoot 'out/KinesisXAcct'
    if ($env:KXA_MODULE_PATH) {
        $path = if ($env:KXA_MODULE_PATH -like '*.psd1') { Split-Path -Parent $env:KXA_MODULE_PATH } else { $env:KXA_MODULE_PATH }
        $path = (Resolve-Path -LiteralPath $path).Path
    }
    if (-not (Test-Path -LiteralPath (Join-Path $path 'KinesisXAcct.psd1'))) {
        throw "The module is not built at $path. Run: dotnet pwsh ./build.ps1 -Task Build"
    }
    $path
}

function Start-ChildPwsh {
    # Starts a script file in a fresh pwsh (the same one as this process) with an exact
    # environment: inherited AWS_* and the -RemoveEnvironment patterns dropped, $Environment
    # applied. Finish it with Wait-ChildPwsh; several may run at once.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][string]$File,
        [string[]]$ArgumentList = @(),
        [hashtable]$Environment = @{},
        [string[]]$RemoveEnvironment = @(),
        [string]$WorkingDirectory = $script:RepoRoot
    )
    # Under `dotnet pwsh` this process is dotnet itself: the child needs pwsh.dll first.
    $self = (Get-Process -Id $PID).Path
    $prefix = if ([System.IO.Path]::GetFileNameWithoutExtension($self) -eq 'dotnet') { @(Join-Path $PSHOME 'pwsh.dll') } else { @() }
    $psi = [System.Diagnostics.ProcessStartInfo]::new($self)
    $psi.UseShellExecute = $false
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.RedirectStandardInput = $true
    $psi.WorkingDirectory = $WorkingDirectory
    foreach ($a in @($prefix) + @('-NoProfile', '-NonInteractive', '-File', $File) + $ArgumentList) { $psi.ArgumentList.Add([string]$a) }
    foreach ($pattern in @('AWS_*') + $RemoveEnvironment) {
        foreach ($key in @($psi.Environment.Keys | Where-Object { $_ -like $pattern })) { $null = $psi.Environment.Remove($key) }
    }
    # Plain text: a child's stderr may end up in a failure message, and an escape character
    # there breaks Pester's NUnit report.
    $psi.Environment['NO_COLOR'] = '1'
    foreach ($key in $Environment.Keys) { $psi.Environment[$key] = [string]$Environment[$key] }

    $process = [System.Diagnostics.Process]::Start($psi)
    $process.StandardInput.Close()
    # Both pipes are drained from the start, so a chatty child can never block on a full one.
    [pscustomobject]@{
        File    = $File
        Process = $process
        StdOut  = $process.StandardOutput.ReadToEndAsync()
        StdErr  = $process.StandardError.ReadToEndAsync()
    }
}

function Wait-ChildPwsh {
    # Waits for a Start-ChildPwsh child; returns ExitCode, StdOut, StdErr. A child still running
    # after $TimeoutSeconds is killed and reported as an error.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)]$Child,
        [int]$TimeoutSeconds = 120
    )
    $process = $Child.Process
    try {
        if (-not $process.WaitForExit($TimeoutSeconds * 1000)) {
            $process.Kill($true)
            throw "$($Child.File) did not finish within $TimeoutSeconds s and was stopped."
        }
        $process.WaitForExit()
        [pscustomobject]@{ ExitCode = $process.ExitCode; StdOut = $Child.StdOut.GetAwaiter().GetResult(); StdErr = $Child.StdErr.GetAwaiter().GetResult() }
    }
    finally { $process.Dispose() }
}

function Invoke-ChildPwsh {
    # Start-ChildPwsh, then Wait-ChildPwsh.
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
    Wait-ChildPwsh -Child $child -TimeoutSeconds $TimeoutSeconds
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
        $environment = Get-DefaultAwsEnvironment
        $psi = [System.Diagnostics.ProcessStartInfo]::new('python3')
        $psi.UseShellExecute = $false
        $psi.RedirectStandardError = $true
        $psi.RedirectStandardOutput = $true
        foreach ($a in '-c', $python, $moto.Endpoint, $StreamName, $ShardCount, (ConvertTo-Json -InputObject $texts -Compress)) { $psi.ArgumentList.Add([string]$a) }
        foreach ($key in @($psi.Environment.Keys | Where-Object { $_ -like 'AWS_*' })) { $null = $psi.Environment.Remove($key) }
        foreach ($key in $environment.Keys) { $psi.Environment[$key] = $environment[$key] }
        $process = [System.Diagnostics.Process]::Start($psi)
        try {
            $stderr = $process.StandardError.ReadToEndAsync()
            $null = $process.StandardOutput.ReadToEnd()
            if (-not $process.WaitForExit(60000)) { $process.Kill($true); throw 'Creating the stream with boto3 took over 60 s.' }
            $process.WaitForExit()
            if ($process.ExitCode -ne 0) { throw "Creating stream $StreamName with boto3 failed:`n$($stderr.GetAwaiter().GetResult())" }
        }
        finally { $process.Dispose() }
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

Export-ModuleMember -Function Get-BuiltModulePath, Start-ChildPwsh, Wait-ChildPwsh, Invoke-ChildPwsh, Get-DefaultAwsEnvironment, New-MotoStream,
    Get-ToolPackageFile, New-TemporaryDirectory
