#Requires -Version 7.0
<#
.SYNOPSIS
    Build, test and demo KinesisXAcct.
.DESCRIPTION
    Build : compiles the cmdlet assembly and lays out an importable module at ./out/KinesisXAcct.
    Test  : Build, then every test: xunit (tests/Unit) and Pester (tests/Pester). The last line
            printed is "N passed, N failed" (", N skipped" if any), summed over both runners.
    Demo  : Build, then the contract's seed scenario against a local moto server.
    Package: Build, then ./out/package/KinesisXAcct.<version>.nupkg (PSResourceGet's Publish-PSResource
            to a temporary local repository), for Install-PSResource from a file share or feed.
    Run it with the pinned PowerShell: `dotnet tool restore` once, then `dotnet pwsh ./build.ps1 -Task <Task>`.
.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    # New tasks (e.g. Bench) get a ValidateSet entry, a function below and a line in the task switch.
    [ValidateSet('Build', 'Test', 'Demo', 'Package', 'Bench')]
    [string]$Task = 'Build',

    [string]$Configuration = 'Release'
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$RepoRoot = $PSScriptRoot
$OutDir = Join-Path $RepoRoot 'out'
$ModuleOutDir = Join-Path $OutDir 'KinesisXAcct'
# Every assembly sits in bin/, away from the manifest: KinesisXAcct.psm1 loads them (on PowerShell 7
# into the module's own AssemblyLoadContext) and PowerShell's probing never finds them by itself.
$ModuleBinDir = Join-Path $ModuleOutDir 'bin'
$PublishDir = Join-Path $OutDir 'publish'        # dotnet publish lands here, then is copied selectively
$ResultsDir = Join-Path $OutDir 'TestResults'
$PackageDir = Join-Path $OutDir 'package'        # -Task Package: KinesisXAcct.<version>.nupkg
$ModuleSourceDir = Join-Path $RepoRoot 'module'
$CmdletProject = Join-Path $RepoRoot 'src/KinesisXAcct.Cmdlets/KinesisXAcct.Cmdlets.csproj'
$LoaderProject = Join-Path $RepoRoot 'src/KinesisXAcct.LoadContext/KinesisXAcct.LoadContext.csproj'
$UnitTestProject = Join-Path $RepoRoot 'tests/Unit/KinesisXAcct.Tests.Unit.csproj'
$ToolsProject = Join-Path $RepoRoot 'build/tools/Tools.csproj'
$PesterTestsDir = Join-Path $RepoRoot 'tests/Pester'
$SeedRoleArn = 'arn:aws:iam::239641032376:role/hmh_kinesis_consumer_role'   # CONTRACT.md's seed scenario

# CI logs are files: escape sequences there are noise, and the closing "N passed" line must be plain.
if ([Console]::IsOutputRedirected) { $PSStyle.OutputRendering = 'PlainText' }

# Wall-clock time of each step, printed at the end so slow parts are easy to spot.
$script:Timings = [System.Collections.Generic.List[object]]::new()

#region helpers

function Invoke-Step {
    # Runs one named step, announces it and records how long it took.
    param([Parameter(Mandatory)][string]$Name, [Parameter(Mandatory)][scriptblock]$Action)
    Write-Host "==> $Name" -ForegroundColor Cyan
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    try { & $Action }
    finally {
        $watch.Stop()
        $script:Timings.Add([pscustomobject]@{ Step = $Name; Seconds = [math]::Round($watch.Elapsed.TotalSeconds, 1) })
        Write-Host ("<== {0} ({1:N1} s)" -f $Name, $watch.Elapsed.TotalSeconds) -ForegroundColor Cyan
    }
}

function Write-Timings {
    foreach ($t in $script:Timings) { Write-Host ("    {0,-40} {1,7:N1} s" -f $t.Step, $t.Seconds) }
}

function Invoke-Dotnet {
    # dotnet reports failure only through its exit code; turn that into an error.
    # A simple function ($args, no param block) so dotnet's -c/-o/-p reach dotnet untouched.
    # Out-Host: the tool's output is for the reader, never part of a function's return value.
    & dotnet @args | Out-Host
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($args -join ' ') failed with exit code $LASTEXITCODE." }
}

function Get-ModuleVersion {
    # The manifest is the single source of the version; the assembly is stamped from it.
    $manifest = Join-Path $ModuleSourceDir 'KinesisXAcct.psd1'
    if (-not (Test-Path -LiteralPath $manifest)) { throw "Module manifest not found: $manifest" }
    $version = (Import-PowerShellDataFile -LiteralPath $manifest).ModuleVersion
    if (-not $version) { throw "$manifest has no ModuleVersion." }
    $version
}

function Get-PwshLauncher {
    # Child PowerShell processes use this same pwsh. Under `dotnet pwsh` the process is
    # dotnet itself, so the child needs pwsh.dll as its first argument.
    $self = (Get-Process -Id $PID).Path
    if ([System.IO.Path]::GetFileNameWithoutExtension($self) -eq 'dotnet') {
        return [pscustomobject]@{ FilePath = $self; Prefix = @(Join-Path $PSHOME 'pwsh.dll') }
    }
    [pscustomobject]@{ FilePath = $self; Prefix = @() }
}

function Invoke-ChildPwsh {
    # Runs a script in a fresh pwsh: the module's assemblies are never loaded into the build
    # process, each run starts clean, and the environment can be set for the child alone.
    # Output goes straight to this console. Returns the child's exit code.
    param(
        [Parameter(Mandatory)][string]$File,
        [string[]]$ArgumentList = @(),
        [hashtable]$Environment = @{},
        # Wildcard patterns of inherited variables to drop before $Environment is applied.
        [string[]]$RemoveEnvironment = @(),
        [int]$TimeoutSeconds = 600
    )
    $launcher = Get-PwshLauncher
    $psi = [System.Diagnostics.ProcessStartInfo]::new($launcher.FilePath)
    $psi.UseShellExecute = $false
    $psi.WorkingDirectory = $RepoRoot
    foreach ($a in @($launcher.Prefix) + @('-NoProfile', '-NonInteractive', '-File', $File) + $ArgumentList) {
        $psi.ArgumentList.Add([string]$a)
    }
    foreach ($pattern in $RemoveEnvironment) {
        foreach ($key in @($psi.Environment.Keys | Where-Object { $_ -like $pattern })) { $null = $psi.Environment.Remove($key) }
    }
    foreach ($key in $Environment.Keys) { $psi.Environment[$key] = [string]$Environment[$key] }

    $process = [System.Diagnostics.Process]::Start($psi)
    try {
        if (-not $process.WaitForExit($TimeoutSeconds * 1000)) {
            $process.Kill($true)
            throw "$File did not finish within $TimeoutSeconds s and was stopped."
        }
        $process.WaitForExit()   # the untimed wait also drains the child's output
        $process.ExitCode
    }
    finally { $process.Dispose() }
}

function Reset-Directory([string]$Path) {
    if (Test-Path -LiteralPath $Path) { Remove-Item -LiteralPath $Path -Recurse -Force }
    $null = New-Item -ItemType Directory -Path $Path
}

#endregion

#region Build

function Build-Module {
    $version = Get-ModuleVersion
    Invoke-Step "Build KinesisXAcct $version ($Configuration)" {
        # Wipe both folders: a dependency dropped from the project must not linger in the module.
        Reset-Directory $PublishDir
        Reset-Directory $ModuleOutDir
        Invoke-Dotnet publish $CmdletProject -c $Configuration -f netstandard2.0 -o $PublishDir "-p:Version=$version" --nologo
        # The PowerShell 7 loader (framework only, no dependencies) goes to the same folder.
        Invoke-Dotnet publish $LoaderProject -c $Configuration -o $PublishDir "-p:Version=$version" --nologo
        Copy-ModuleFile -Version $version
        Build-Help
    }
}

function Build-Help {
    # docs/*.md -> MAML help beside the cmdlet assembly and about_ topics (platyPS is not used).
    & (Join-Path $RepoRoot 'build/New-MamlHelp.ps1') -ModulePath $ModuleOutDir -DocsPath (Join-Path $RepoRoot 'docs')
}

function Copy-ModuleFile {
    param([string]$Version)
    # Every assembly publish produced, except System.Management.Automation: PowerShell
    # supplies its own, and a second copy in the module folder would shadow it.
    $assemblies = Get-ChildItem -LiteralPath $PublishDir -Filter *.dll -File |
        Where-Object Name -ne 'System.Management.Automation.dll'
    foreach ($required in 'KinesisXAcct.Cmdlets.dll', 'KinesisXAcct.LoadContext.dll') {
        if (-not ($assemblies | Where-Object Name -eq $required)) { throw "dotnet publish produced no $required in $PublishDir." }
    }
    $null = New-Item -ItemType Directory -Path $ModuleBinDir -Force
    $assemblies | Copy-Item -Destination $ModuleBinDir
    # Our own XML doc (IntelliSense for the types) and pdb (file:line in stack traces);
    # the packages' doc files are not shipped.
    foreach ($extra in 'KinesisXAcct.Cmdlets.xml', 'KinesisXAcct.Cmdlets.pdb') {
        $path = Join-Path $PublishDir $extra
        if (Test-Path -LiteralPath $path) { Copy-Item -LiteralPath $path -Destination $ModuleBinDir }
    }
    # The manifest, root module, formats, help: everything under module/ ships as it is.
    # Get-Help finds KinesisXAcct.Cmdlets.dll-Help.xml in en-US/ beside the assembly (bin/en-US)
    # or beside the manifest (en-US); about_*.help.txt topics go beside the manifest.
    Get-ChildItem -LiteralPath $ModuleSourceDir -Force | Copy-Item -Destination $ModuleOutDir -Recurse -Force
    Copy-Item -LiteralPath (Join-Path $RepoRoot 'LICENSE') -Destination $ModuleOutDir
    Write-Host "Module $Version at $ModuleOutDir ($(@($assemblies).Count) assemblies)"
}

#endregion

#region Test

function New-TestCount([string]$Runner, [int]$Passed = 0, [int]$Failed = 0, [int]$Skipped = 0, [string]$Problem,
    [object[]]$Failures = @()) {
    # Failures: name and error message of each failed test, named again beside the totals.
    [pscustomobject]@{ Runner = $Runner; Passed = $Passed; Failed = $Failed; Skipped = $Skipped; Problem = $Problem; Failures = $Failures }
}

function Get-FirstErrorLine([string]$Message) {
    $line = "$($Message -split "`r?`n" | Where-Object { $_.Trim() } | Select-Object -First 1)"
    if ($line.Length -gt 300) { $line = $line.Substring(0, 300) + '...' }
    $line
}

function Invoke-UnitTest {
    $trxName = 'unit.trx'
    $trx = Join-Path $ResultsDir $trxName
    Invoke-Step 'xunit (tests/Unit)' {
        # The exit code is not checked here: failures are read from the trx, and a missing
        # trx (compile error, crash) is reported as "runner did not run".
        & dotnet test $UnitTestProject -c $Configuration "-p:Version=$(Get-ModuleVersion)" --nologo `
            --logger "trx;LogFileName=$trxName" --results-directory $ResultsDir | Out-Host
        $script:UnitExitCode = $LASTEXITCODE
    }
    if (-not (Test-Path -LiteralPath $trx)) {
        return New-TestCount xunit -Problem "no trx written (dotnet test exit code $script:UnitExitCode)"
    }
    $run = ([xml](Get-Content -LiteralPath $trx -Raw)).TestRun
    $counters = $run.ResultSummary.Counters
    # A test that errored, timed out or was aborted did not pass: count it as failed.
    $failed = 0
    foreach ($name in 'failed', 'error', 'timeout', 'aborted') { $failed += [int]$counters.$name }
    $failures = @($run.SelectNodes('//*[local-name()="UnitTestResult"]') | Where-Object outcome -NotIn 'Passed', 'NotExecuted' |
        ForEach-Object {
            $info = $_.SelectSingleNode('*[local-name()="Output"]/*[local-name()="ErrorInfo"]/*[local-name()="Message"]')
            [pscustomobject]@{ name = $_.testName; error = $(if ($info) { $info.InnerText } else { '' }) }
        })
    $count = New-TestCount xunit -Passed ([int]$counters.passed) -Failed $failed -Skipped ([int]$counters.notExecuted) `
        -Failures $failures
    if ($script:UnitExitCode -ne 0 -and $count.Failed -eq 0) {
        $count.Problem = "dotnet test exited with code $script:UnitExitCode"
    }
    $count
}

function Get-PesterManifest {
    # Pester comes from NuGet (no PowerShell Gallery on the build machines): restore the
    # tools project, then load the module from the global packages folder.
    $download = ([xml](Get-Content -LiteralPath $ToolsProject -Raw)).Project.ItemGroup.PackageDownload |
        Where-Object Include -eq 'Pester'
    $version = $download.Version.Trim('[', ']')
    Invoke-Dotnet restore $ToolsProject --nologo
    $globalPackages = (& dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', ''
    if ($LASTEXITCODE -ne 0) { throw 'dotnet nuget locals global-packages --list failed.' }
    $manifest = Join-Path $globalPackages.Trim() "pester/$version/tools/Pester.psd1"
    if (-not (Test-Path -LiteralPath $manifest)) { throw "Pester $version was restored but $manifest is missing." }
    $manifest
}

function Invoke-PesterTest {
    $summary = Join-Path $ResultsDir 'pester-summary.json'
    Invoke-Step 'Pester (tests/Pester)' {
        $manifest = Get-PesterManifest
        $arguments = @(
            '-PesterManifest', $manifest, '-TestPath', $PesterTestsDir,
            '-ResultPath', (Join-Path $ResultsDir 'pester.xml'), '-SummaryPath', $summary)
        # Tests set AWS_* themselves; none of the caller's may leak in (e.g. a real profile).
        $script:PesterExitCode = Invoke-ChildPwsh -File (Join-Path $RepoRoot 'build/PesterRunner.ps1') `
            -ArgumentList $arguments -RemoveEnvironment 'AWS_*' -TimeoutSeconds 1200
    }
    if (-not (Test-Path -LiteralPath $summary)) {
        return New-TestCount Pester -Problem "no summary written (pwsh exit code $script:PesterExitCode)"
    }
    $s = Get-Content -LiteralPath $summary -Raw | ConvertFrom-Json
    $failures = if ($s.PSObject.Properties['failures']) { @($s.failures) } else { @() }
    New-TestCount Pester -Passed $s.passed -Failed $s.failed -Skipped $s.skipped -Failures $failures
}

function Invoke-TestTask {
    Build-Module
    Reset-Directory $ResultsDir
    $counts = @(Invoke-UnitTest; Invoke-PesterTest)

    Write-Host ''
    $ok = $true
    foreach ($c in $counts) {
        Write-Host ("{0,-7} {1} passed, {2} failed, {3} skipped" -f $c.Runner, $c.Passed, $c.Failed, $c.Skipped)
        # A runner that found nothing to run is a broken setup, not a pass.
        if (-not $c.Problem -and ($c.Passed + $c.Failed + $c.Skipped) -eq 0) { $c.Problem = 'no tests were discovered' }
        if ($c.Problem -or $c.Failed -gt 0) { $ok = $false }
    }
    Write-Host "Results in $ResultsDir"
    Write-Timings
    # CI keeps only the tail of the log: name what failed here, not only where it happened.
    foreach ($c in $counts) {
        if ($c.Problem) { Write-Host "FAILED ($($c.Runner)) $($c.Problem)" -ForegroundColor Red }
        foreach ($f in $c.Failures) {
            $firstLine = Get-FirstErrorLine $f.error
            Write-Host "FAILED ($($c.Runner)) $($f.name)$(if ($firstLine) { "`n    $firstLine" })" -ForegroundColor Red
        }
    }

    $passed = ($counts | Measure-Object Passed -Sum).Sum
    $failed = ($counts | Measure-Object Failed -Sum).Sum
    $skipped = ($counts | Measure-Object Skipped -Sum).Sum
    # The closing line CI reads: plain, alone, last.
    $line = "$passed passed, $failed failed"
    if ($skipped -gt 0) { $line += ", $skipped skipped" }
    Write-Host $line
    $script:TestsPassed = $ok
}

#endregion

#region Package

function Invoke-PackageTask {
    # The built module as a .nupkg that Install-PSResource installs from a file share or feed.
    # build/Publish-ModulePackage.ps1 does the PSResourceGet part (a temporary local repository,
    # Publish-PSResource, unregister); a child pwsh keeps PSResourceGet out of this process.
    Build-Module
    Invoke-Step 'Package (PSResourceGet)' {
        Reset-Directory $PackageDir
        $code = Invoke-ChildPwsh -File (Join-Path $RepoRoot 'build/Publish-ModulePackage.ps1') `
            -ArgumentList @('-ModulePath', $ModuleOutDir, '-OutputPath', $PackageDir) -TimeoutSeconds 300
        if ($code -ne 0) { throw "Publish-ModulePackage.ps1 failed (exit code $code)." }
    }
    Write-Timings
}

#endregion

#region Demo

function New-SeedWorld([string]$Endpoint) {
    # build_world.py prints the world (operator keys, role ARNs, streams) as one JSON line.
    $json = & python3 (Join-Path $RepoRoot 'tests/Fixtures/build_world.py') --endpoint $Endpoint --scenario seed
    if ($LASTEXITCODE -ne 0) { throw "build_world.py failed with exit code $LASTEXITCODE." }
    ($json -join "`n") | ConvertFrom-Json
}

function Invoke-DemoTask {
    Build-Module
    Import-Module (Join-Path $RepoRoot 'tests/Support/Emulators.psm1') -Force
    $script:Moto = $null
    try {
        Invoke-Step 'Start moto and build the seed world' {
            $script:Moto = Start-MotoServer
            $script:World = New-SeedWorld $script:Moto.Endpoint
            # demo/SeedScenario.ps1 types the contract's role ARN literally, as a user would.
            if ($script:World.readerRoleArn -ne $SeedRoleArn) {
                throw "The seed world's reader role is $($script:World.readerRoleArn), not the contract's $SeedRoleArn."
            }
            # From here on moto checks signatures and IAM policies, as AWS would.
            Enable-MotoIamEnforcement -Endpoint $script:Moto.Endpoint
        }
        Invoke-Step 'Seed scenario (demo/SeedScenario.ps1)' {
            # The user's view: only the operator's keys, a region and the endpoint, and the
            # built module on PSModulePath so `Import-Module KinesisXAcct` finds it.
            $environment = @{
                AWS_ACCESS_KEY_ID     = $script:World.operator.accessKeyId
                AWS_SECRET_ACCESS_KEY = $script:World.operator.secretAccessKey
                AWS_REGION            = $script:World.region
                AWS_ENDPOINT_URL      = $script:Moto.Endpoint
                PSModulePath          = $OutDir + [System.IO.Path]::PathSeparator + $env:PSModulePath
            }
            $code = Invoke-ChildPwsh -File (Join-Path $RepoRoot 'demo/SeedScenario.ps1') -Environment $environment -RemoveEnvironment 'AWS_*' -TimeoutSeconds 300
            if ($code -ne 0) { throw "The seed scenario failed (exit code $code). moto log: $($script:Moto.LogPath)" }
        }
    }
    finally {
        # Also when the world could not be built: never leave a moto_server behind.
        if ($script:Moto) { Stop-Emulator $script:Moto }
    }
    Write-Timings
    Write-Host 'Demo finished.' -ForegroundColor Green
}

#endregion

#region Bench

function Invoke-BenchTask {
    # issue 4's side-by-side benchmark: bench/Bench.ps1 starts its own emulators, prints the table
    # and writes bench/results.md. The C# contenders and the prepared-response endpoint are
    # bench/KinesisXAcct.Bench, built into out/bench.
    Build-Module
    Invoke-Step 'Build bench/KinesisXAcct.Bench' {
        Invoke-Dotnet build (Join-Path $RepoRoot 'bench/KinesisXAcct.Bench/KinesisXAcct.Bench.csproj') -c $Configuration -o (Join-Path $OutDir 'bench') "-p:Version=$(Get-ModuleVersion)" --nologo
    }
    Invoke-Step 'Benchmark (bench/Bench.ps1)' {
        $code = Invoke-ChildPwsh -File (Join-Path $RepoRoot 'bench/Bench.ps1') -RemoveEnvironment 'AWS_*' -TimeoutSeconds 1800
        if ($code -ne 0) { throw "bench/Bench.ps1 failed (exit code $code)." }
    }
    Write-Timings
}

#endregion

try {
    switch ($Task) {
        'Build' { Build-Module; Write-Timings }
        'Test' { Invoke-TestTask; if (-not $script:TestsPassed) { exit 1 } }
        'Demo' { Invoke-DemoTask }
        'Bench' { Invoke-BenchTask }
        'Package' { Invoke-PackageTask }
    }
}
catch {
    Write-Host "build.ps1 -Task $Task failed: $($_.Exception.Message)" -ForegroundColor Red
    Write-Host $_.ScriptStackTrace -ForegroundColor DarkGray
    exit 1
}
exit 0
