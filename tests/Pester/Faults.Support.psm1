#Requires -Version 7.0
# Helpers for the reliability suites (Faults, BadInput, Secrets): the fault-injecting proxy
# (tests/Support/FaultProxy.py) on loopback, kinesis-local with persistence (restart tests),
# comparison of what was read with what was written, and a bounded child pwsh for load runs.
#
#   $proxy = Start-FaultProxy -Upstream $moto.Endpoint -Seed 42
#   Set-FaultRule $proxy -PageSize 25 -Rules @(@{ op = 'GetRecords'; fault = 'throttle'; share = 0.3; limit = 20 })
#   ... Read-KinesisRecord -EndpointUrl $proxy.Endpoint ...
#   $log = Get-FaultLog $proxy
#   Stop-FaultProxy $proxy

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
$script:ProxyScript = Join-Path $script:RepoRoot 'tests/Support/FaultProxy.py'
$script:KinesisLocalDir = Join-Path $script:RepoRoot 'tests/emulators/node_modules/kinesis-local'

Import-Module (Join-Path $PSScriptRoot 'E2E.Support.psm1') -Global

function Start-FaultProxy {
    # Starts FaultProxy.py in front of -Upstream on a free loopback port; returns Endpoint, Port, Process.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][string]$Upstream,
        [int]$Seed = 42,
        [int]$Port = (Get-FreeTcpPort),
        # The proxy exits by itself after this long, should a run leave it behind.
        [int]$MaxSeconds = 900
    )
    $started = Start-ExternalProcess -FilePath python3 -ArgumentList @(
        $script:ProxyScript, '--upstream', $Upstream, '--port', $Port, '--seed', $Seed, '--max-seconds', $MaxSeconds)
    $proxy = [pscustomobject]@{
        Endpoint = "http://127.0.0.1:$Port"
        Port     = $Port
        Started  = $started
        ProcessId = $started.Process.Id
        StartTime = $started.Process.StartTime
    }
    $deadline = [DateTime]::UtcNow.AddSeconds(15)
    while ($true) {
        if ($started.Process.HasExited) {
            throw "FaultProxy.py exited with code $($started.Process.ExitCode): $($started.StdErr.GetAwaiter().GetResult())"
        }
        try {
            $null = Invoke-RestMethod -Uri "$($proxy.Endpoint)/__proxy/health" -TimeoutSec 2
            return $proxy
        }
        catch { Start-Sleep -Milliseconds 100 }
        if ([DateTime]::UtcNow -gt $deadline) {
            Stop-FaultProxy $proxy
            throw 'FaultProxy.py was not ready after 15 s.'
        }
    }
}

function Stop-FaultProxy {
    [CmdletBinding()]
    param([Parameter(ValueFromPipeline)][AllowNull()]$Proxy)
    process {
        if ($null -eq $Proxy) { return }
        $p = $Proxy.Started.Process
        try {
            if (-not $p.HasExited) { $p.Kill($true); $null = $p.WaitForExit(10000) }
        }
        catch [System.InvalidOperationException] { }
    }
}

function Set-FaultRule {
    # Replaces the proxy's rules (see FaultProxy.py for the rule fields), reseeding its generator.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, Position = 0)]$Proxy,
        [object[]]$Rules = @(),
        [int]$Seed = 42,
        [int]$PageSize = 0
    )
    $config = [ordered]@{ seed = $Seed; rules = @($Rules) }
    if ($PageSize -gt 0) { $config.pageSize = $PageSize }
    $body = ConvertTo-Json -InputObject $config -Depth 6 -Compress
    $null = Invoke-RestMethod -Method Post -Uri "$($Proxy.Endpoint)/__proxy/rules" -Body $body -ContentType 'application/json' -TimeoutSec 5
}

function Reset-FaultProxy {
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0)]$Proxy)
    $null = Invoke-RestMethod -Method Post -Uri "$($Proxy.Endpoint)/__proxy/reset" -Body '{}' -ContentType 'application/json' -TimeoutSec 5
}

function Get-FaultLog {
    # Every request the proxy saw since the last reset: t, op, key, shard, fault, status, records, ...
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0)]$Proxy)
    # One object per request: collect with @(Get-FaultLog $proxy).
    $log = Invoke-RestMethod -Uri "$($Proxy.Endpoint)/__proxy/log" -TimeoutSec 10
    $log.requests
}

function Get-FaultRequestCount {
    # How many requests the proxy has seen since the last reset (cheaper than the whole log).
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0)]$Proxy)
    (Invoke-RestMethod -Uri "$($Proxy.Endpoint)/__proxy/count" -TimeoutSec 5).requests
}

function Start-PersistentKinesisLocal {
    # kinesis-local with persistence on (Start-KinesisLocal always starts a clean world): started
    # again with the same -PersistPath and -Port, it comes back with its streams and records.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][int]$Port,
        [Parameter(Mandatory)][string]$PersistPath,
        [string]$InitializeStreams,
        [string]$PersistInterval = '200ms',
        [int]$TimeoutSeconds = 60
    )
    $main = Join-Path $script:KinesisLocalDir 'main.js'
    if (-not (Test-Path -LiteralPath $main)) {
        # The pinned emulator is installed by Start-KinesisLocal's npm ci on first use.
        $probe = Start-KinesisLocal
        Stop-Emulator $probe
    }
    $node = (Get-Command node -CommandType Application | Select-Object -First 1).Source
    $tlsPort = Get-FreeTcpPort
    while ($tlsPort -eq $Port) { $tlsPort = Get-FreeTcpPort }
    $logPath = Join-Path $PersistPath "kinesis-local-$Port-$([DateTime]::UtcNow.ToString('HHmmssfff')).log"
    $psi = [System.Diagnostics.ProcessStartInfo]::new('/bin/sh')
    $psi.UseShellExecute = $false
    $psi.RedirectStandardInput = $true
    $psi.WorkingDirectory = $PersistPath
    foreach ($a in @('-c', 'exec "$0" "$@" >>"$KXA_LOG" 2>&1', $node, $main)) { $psi.ArgumentList.Add($a) }
    $envVars = @{
        KXA_LOG                 = $logPath
        KINESIS_MOCK_CERT_PATH  = Join-Path $script:KinesisLocalDir 'server.json'
        KINESIS_MOCK_PLAIN_PORT = $Port
        KINESIS_MOCK_TLS_PORT   = $tlsPort
        AWS_ACCOUNT_ID          = '000000000000'
        AWS_REGION              = 'us-east-1'
        SHOULD_PERSIST_DATA     = 'true'
        LOAD_DATA_IF_EXISTS     = 'true'
        PERSIST_PATH            = $PersistPath
        PERSIST_INTERVAL        = $PersistInterval
        LOG_LEVEL               = 'WARN'
        CREATE_STREAM_DURATION  = '50ms'
    }
    if ($InitializeStreams) { $envVars['INITIALIZE_STREAMS'] = $InitializeStreams }
    foreach ($k in $envVars.Keys) { $psi.Environment[$k] = [string]$envVars[$k] }
    $process = [System.Diagnostics.Process]::Start($psi)
    $process.StandardInput.Close()
    $emulator = [pscustomobject]@{
        Name = 'kinesis-local'; Port = $Port; Endpoint = "http://127.0.0.1:$Port"; ProcessId = $process.Id
        LogPath = $logPath; StartTime = $process.StartTime
    }
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    $streamName = if ($InitializeStreams) { ($InitializeStreams -split ':')[0] } else { $null }
    while ($true) {
        if ($process.HasExited) { throw "kinesis-local exited with code $($process.ExitCode). Log: $(Get-Content -LiteralPath $logPath -Raw -ErrorAction SilentlyContinue)" }
        try {
            $answer = Invoke-KinesisLocalCall -Endpoint $emulator.Endpoint -Operation 'ListStreams' -Body @{}
            if (-not $streamName -or ($answer.StreamNames -contains $streamName -and
                    (Invoke-KinesisLocalCall -Endpoint $emulator.Endpoint -Operation 'DescribeStreamSummary' -Body @{ StreamName = $streamName }).StreamDescriptionSummary.StreamStatus -eq 'ACTIVE')) {
                return $emulator
            }
        }
        catch { }
        if ([DateTime]::UtcNow -gt $deadline) {
            try { $process.Kill($true) } catch { }
            throw "kinesis-local was not ready after $TimeoutSeconds s. Log: $(Get-Content -LiteralPath $logPath -Raw -ErrorAction SilentlyContinue)"
        }
        Start-Sleep -Milliseconds 100
    }
}

function Invoke-KinesisLocalCall {
    # A raw, unsigned JSON 1.1 call to kinesis-local (account 000000000000). Returns the parsed answer.
    [CmdletBinding()]
    param([Parameter(Mandatory)][string]$Endpoint, [Parameter(Mandatory)][string]$Operation, [hashtable]$Body = @{})
    $date = [DateTime]::UtcNow
    $headers = @{
        'X-Amz-Target'  = "Kinesis_20131202.$Operation"
        'X-Amz-Date'    = $date.ToString("yyyyMMdd'T'HHmmss'Z'")
        'Authorization' = "AWS4-HMAC-SHA256 Credential=000000000000/$($date.ToString('yyyyMMdd'))/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=0"
    }
    Invoke-RestMethod -Method Post -Uri ($Endpoint.TrimEnd('/') + '/') -Headers $headers -Body (ConvertTo-Json $Body -Compress) `
        -ContentType 'application/x-amz-json-1.1' -TimeoutSec 3 -SkipHeaderValidation
}

function Compare-ReadToWritten {
    # Compares records read (KinesisRecord objects) with records written (objects with shardId,
    # sequenceNumber, data). Returns Written, Read, Unique, Duplicates, Missing, Unexpected,
    # PayloadMismatches, OrderViolations (shards whose records came out of write order).
    [CmdletBinding()]
    param([AllowEmptyCollection()][object[]]$Read = @(), [AllowEmptyCollection()][object[]]$Written = @())
    $expected = @{}
    foreach ($w in $Written) { $expected["$($w.shardId)|$($w.sequenceNumber)"] = $w }
    $seen = @{}
    $duplicates = 0; $unexpected = 0; $mismatch = 0
    $perShard = @{}
    foreach ($r in $Read) {
        $k = "$($r.ShardId)|$($r.SequenceNumber)"
        if ($seen.ContainsKey($k)) { $duplicates++; continue }
        $seen[$k] = $true
        $w = $expected[$k]
        if (-not $w) { $unexpected++; continue }
        if ($r.Text -cne $w.data) { $mismatch++ }
        if (-not $perShard.ContainsKey($r.ShardId)) { $perShard[$r.ShardId] = [System.Collections.Generic.List[bigint]]::new() }
        $perShard[$r.ShardId].Add([bigint]::Parse($r.SequenceNumber))
    }
    $orderViolations = 0
    foreach ($list in $perShard.Values) {
        for ($i = 1; $i -lt $list.Count; $i++) { if ($list[$i] -le $list[$i - 1]) { $orderViolations++ } }
    }
    $missing = @($expected.Keys | Where-Object { -not $seen.ContainsKey($_) }).Count
    [pscustomobject]@{
        Written           = $Written.Count
        Read              = $Read.Count
        Unique            = $seen.Count
        Duplicates        = $duplicates
        Missing           = $missing
        Unexpected        = $unexpected
        PayloadMismatches = $mismatch
        OrderViolations   = $orderViolations
    }
}

Export-ModuleMember -Function Start-FaultProxy, Stop-FaultProxy, Set-FaultRule, Reset-FaultProxy, Get-FaultLog, Get-FaultRequestCount,
    Start-PersistentKinesisLocal, Invoke-KinesisLocalCall, Compare-ReadToWritten
