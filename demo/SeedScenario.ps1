#Requires -Version 7.0
<#
.SYNOPSIS
    The contract's seed scenario, step by step, as a user types it.
.DESCRIPTION
    Run by `dotnet pwsh ./build.ps1 -Task Demo`, which starts moto with IAM enforcement, builds
    the seed world and gives this script only what a user in the consumer account has: the
    operator's access keys (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY), AWS_REGION, and
    AWS_ENDPOINT_URL for the emulator; the built module is on PSModulePath.
    Against real AWS, drop AWS_ENDPOINT_URL (and mind that the role is the contract's example).
    Exits non-zero if any step fails.
#>
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
if ([Console]::IsOutputRedirected) { $PSStyle.OutputRendering = 'PlainText' }

function Show-Step {
    # Prints a heading and the command exactly as written, then runs it. Call it dot-sourced
    # (`. Show-Step ...`) so the command runs in this script's scope and `$s = ...` sticks.
    param([string]$Heading, [scriptblock]$Command)
    Write-Host ''
    Write-Host "== $Heading" -ForegroundColor Cyan
    # The block's own indentation is removed; a line after a backtick or a pipe is shown as a
    # continuation (>>), the way the console shows it.
    $lines = @($Command.ToString() -split '\r?\n' | Where-Object { $_.Trim() })
    $indent = ($lines | ForEach-Object { $_.Length - $_.TrimStart().Length } | Measure-Object -Minimum).Minimum
    $prompt = 'PS> '
    foreach ($line in $lines) {
        $text = $line.Substring($indent).TrimEnd()
        Write-Host "$prompt$text" -ForegroundColor DarkGray
        $prompt = if ($text -match '[`|]$') { '>>  ' } else { 'PS> ' }
    }
    . $Command | Out-Host
}

. Show-Step 'Load the module' {
    Import-Module KinesisXAcct
}

. Show-Step "Assume the provider's reader role with the operator's own keys" {
    $s = Connect-KinesisRole -RoleArn arn:aws:iam::239641032376:role/hmh_kinesis_consumer_role `
                             -ExternalId ren-ext-42 -Region us-east-1
    $s | Format-List
}

. Show-Step 'The shards of the shared stream' {
    Get-KinesisShard -StreamName hmh_premium_data_share | Format-Table
}

. Show-Step 'What arrived in the last 30 minutes' {
    Read-KinesisRecord -StreamName hmh_premium_data_share -Since (Get-Date).AddMinutes(-30) |
        Format-Table ShardId, SequenceNumber, PartitionKey, Text
}

# -Follow would wait for new records forever; Select-Object -First stops it as soon as it has 5.
. Show-Step 'Follow the stream (from the start, stop after 5 records)' {
    Read-KinesisRecord -StreamName hmh_premium_data_share -Follow -StartingPosition TrimHorizon |
        Select-Object -First 5 | ForEach-Object { $_.Text }
}

# Without the role, the operator's keys reach only their own account, where IAM allows
# nothing but AssumeRole: the module must say so with a PermissionDenied error.
Write-Host ''
Write-Host "== Without the role, the operator's own keys are denied" -ForegroundColor Cyan
Write-Host 'PS> Disconnect-KinesisRole' -ForegroundColor DarkGray
Write-Host 'PS> Get-KinesisStream' -ForegroundColor DarkGray
Disconnect-KinesisRole
$denied = $null
try { $null = Get-KinesisStream -ErrorAction Stop }
catch { $denied = $_ }
if (-not $denied) { throw 'Get-KinesisStream with the operator''s own keys succeeded; it should have been denied.' }
Write-Host $denied.Exception.Message -ForegroundColor Yellow
Write-Host "($($denied.CategoryInfo.Category): $($denied.FullyQualifiedErrorId))" -ForegroundColor DarkGray
if ($denied.CategoryInfo.Category -ne 'PermissionDenied') {
    throw "Expected a PermissionDenied error, got $($denied.CategoryInfo.Category): $($denied.Exception.Message)"
}

Write-Host ''
Write-Host 'Seed scenario complete.' -ForegroundColor Green
exit 0
