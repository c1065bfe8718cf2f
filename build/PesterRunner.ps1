#Requires -Version 7.0
<#
.SYNOPSIS
    Runs the Pester suites; build.ps1 starts it in a child pwsh.
.DESCRIPTION
    A separate process keeps the built module's assemblies out of the build process and gives
    every run a clean session. The counts go to a JSON file because a child's output is text.
#>
param(
    [Parameter(Mandatory)][string]$PesterManifest,
    [Parameter(Mandatory)][string]$TestPath,
    [Parameter(Mandatory)][string]$ResultPath,
    [Parameter(Mandatory)][string]$SummaryPath
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
if ([Console]::IsOutputRedirected) { $PSStyle.OutputRendering = 'PlainText' }
# Child pwsh processes the tests start inherit this: no escape codes in captured output, which
# would otherwise reach failure messages and break the NUnit XML export (0x1B is not valid XML).
$env:NO_COLOR = '1'

# Same pinned Pester every time, whatever else is on PSModulePath.
Import-Module -Name $PesterManifest -Force

$config = New-PesterConfiguration
$config.Run.Path = $TestPath
$config.Run.PassThru = $true
$config.Run.Exit = $false            # build.ps1 decides from the summary, not from our exit code
$config.Output.Verbosity = 'Detailed'
# CI logs are files: escape codes there are noise (Pester has its own switch for that).
if ([Console]::IsOutputRedirected) { $config.Output.RenderMode = 'Plaintext' }
$config.TestResult.Enabled = $true
$config.TestResult.OutputFormat = 'NUnitXml'
$config.TestResult.OutputPath = $ResultPath

$result = Invoke-Pester -Configuration $config

# With no test files, Pester returns no run object: report zero tests (build.ps1 fails on that).
if (-not $result -or -not $result.PSObject.Properties['FailedCount']) {
    [ordered]@{ passed = 0; failed = 0; skipped = 0; result = 'NoTests' } |
        ConvertTo-Json | Set-Content -LiteralPath $SummaryPath -Encoding utf8
    return
}

# A test file that failed to load, or a failing AfterAll, leaves no failed test behind:
# count each such container or block once so the run cannot look green.
$failed = $result.FailedCount + $result.FailedContainersCount
if ($failed -eq 0 -and $result.Result -ne 'Passed') { $failed = [math]::Max(1, $result.FailedBlocksCount) }

# What failed, named again at the end of the log: CI keeps only the log's tail, and Pester
# prints each failure where it happened, possibly thousands of lines earlier.
function Get-ErrorText([object]$ErrorRecords) {
    $record = @($ErrorRecords) | Select-Object -First 1
    if ($record) { "$($record.Exception.Message)" } else { '' }
}
$failures = @(
    foreach ($test in $result.Failed) {
        # A test failed by its block's BeforeAll carries no error of its own: name the block's.
        $text = Get-ErrorText $test.ErrorRecord
        if (-not $text -and $test.Block) { $text = "(its block failed) $(Get-ErrorText $test.Block.ErrorRecord)" }
        [ordered]@{ name = $test.ExpandedPath; error = $text }
    }
    foreach ($container in $result.FailedContainers) { [ordered]@{ name = "$($container.Item)"; error = Get-ErrorText $container.ErrorRecord } }
    foreach ($block in $result.FailedBlocks) { [ordered]@{ name = $block.ExpandedPath; error = Get-ErrorText $block.ErrorRecord } }
)

[ordered]@{
    passed   = $result.PassedCount
    failed   = $failed
    skipped  = $result.SkippedCount + $result.NotRunCount
    result   = $result.Result
    failures = $failures
} | ConvertTo-Json -Depth 4 | Set-Content -LiteralPath $SummaryPath -Encoding utf8
