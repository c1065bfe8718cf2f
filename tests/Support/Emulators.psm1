#Requires -Version 7.0
# Test helpers that start and stop the local AWS emulators on loopback ports.
#   moto_server   : STS + IAM + Kinesis, multi-account, optional IAM enforcement.
#   kinesis-local : kinesis-mock (npm), resharding/ChildShards; account = 12-digit access key id.
# Each emulator gets its own free port and temp log dir so test runs never collide, and a
# start that fails throws with the log tail: tests must fail loudly, never skip.

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
$script:EmulatorDir = Join-Path $script:RepoRoot 'tests/emulators'
$script:KinesisLocalDir = Join-Path $script:EmulatorDir 'node_modules/kinesis-local'
# One HttpClient for readiness polls; short timeout so a hung socket doesn't eat the budget.
$script:Http = [System.Net.Http.HttpClient]::new()
$script:Http.Timeout = [TimeSpan]::FromSeconds(2)

function Get-FreeTcpPort {
    [CmdletBinding()]
    [OutputType([int])]
    param()
    # Port 0 lets the OS pick a free port; there is a small race until the emulator binds it,
    # which is acceptable for tests (a clash shows up as a start failure with the log).
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    try {
        $listener.Start()
        return ([System.Net.IPEndPoint]$listener.LocalEndpoint).Port
    }
    finally { $listener.Stop() }
}

function Assert-PortFree([int]$Port) {
    # Private. Without this, a readiness probe would happily succeed against whatever
    # already listens on a caller-chosen port, and the new emulator would die unnoticed.
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, $Port)
    try { $listener.Start() }
    catch { throw "Port $Port on 127.0.0.1 is already in use; pick another -Port or omit it." }
    finally { $listener.Stop() }
}

function Start-LoggedProcess {
    # Private. Starts a process with stdout+stderr appended to one log file.
    # `sh -c 'exec ...'` keeps the emulator's own PID (so Stop-Emulator kills the right
    # process) while the shell does the 2>&1 redirection that .NET cannot do to one file.
    param(
        [string]$Name, [string]$FilePath, [string[]]$ArgumentList = @(),
        [hashtable]$Environment = @{}, [string]$WorkingDirectory
    )
    $logDir = Join-Path ([System.IO.Path]::GetTempPath()) ("kxa-$Name-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
    $null = New-Item -ItemType Directory -Path $logDir
    $logPath = Join-Path $logDir "$Name.log"

    $psi = [System.Diagnostics.ProcessStartInfo]::new('/bin/sh')
    $psi.UseShellExecute = $false
    $psi.RedirectStandardInput = $true   # the emulator gets an empty stdin, not the test host's
    $psi.WorkingDirectory = if ($WorkingDirectory) { $WorkingDirectory } else { $logDir }
    $psi.ArgumentList.Add('-c')
    $psi.ArgumentList.Add('exec "$0" "$@" >>"$KXA_LOG" 2>&1')
    $psi.ArgumentList.Add($FilePath)
    foreach ($a in $ArgumentList) { $psi.ArgumentList.Add([string]$a) }
    $psi.Environment['KXA_LOG'] = $logPath
    foreach ($k in $Environment.Keys) { $psi.Environment[$k] = [string]$Environment[$k] }

    $process = [System.Diagnostics.Process]::Start($psi)
    $process.StandardInput.Close()
    [pscustomobject]@{ Process = $process; LogPath = $logPath }
}

function Get-LogTail([string]$Path, [int]$Lines = 20) {
    $tail = if (Test-Path -LiteralPath $Path) { (Get-Content -LiteralPath $Path -Tail $Lines) -join [Environment]::NewLine }
    if ($tail) { $tail } else { '<log is empty>' }
}

function Wait-Ready {
    # Private. Polls $Probe (returns $true when ready) until the deadline; fails fast with the
    # log tail if the process dies, and kills it on timeout so no orphan is left behind.
    param([string]$Name, $Started, [scriptblock]$Probe, [int]$TimeoutSeconds)
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    $lastError = $null
    while ([DateTime]::UtcNow -lt $deadline) {
        if ($Started.Process.HasExited) {
            throw "$Name exited with code $($Started.Process.ExitCode) before it was ready. Log $($Started.LogPath):`n$(Get-LogTail $Started.LogPath)"
        }
        try {
            if (& $Probe) { return }
            $lastError = 'not ready yet'
        }
        catch { $lastError = $_.Exception.Message }
        Start-Sleep -Milliseconds 100
    }
    try { $Started.Process.Kill($true) } catch { }
    throw "$Name was not ready after $TimeoutSeconds s (last probe error: $lastError). Log $($Started.LogPath):`n$(Get-LogTail $Started.LogPath)"
}

function New-EmulatorObject([string]$Name, [int]$Port, $Started) {
    [pscustomobject]@{
        Name      = $Name
        Port      = $Port
        Endpoint  = "http://127.0.0.1:$Port"
        ProcessId = $Started.Process.Id
        LogPath   = $Started.LogPath
        # Kept so Stop-Emulator never kills an unrelated process that reused the PID.
        StartTime = $Started.Process.StartTime
    }
}

function Start-MotoServer {
    [CmdletBinding()]
    param(
        [int]$Port = (Get-FreeTcpPort),
        [int]$TimeoutSeconds = 30
    )
    $exe = (Get-Command moto_server -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1)
    if (-not $exe) { throw 'moto_server is not on PATH (it comes with the machine image: pip package moto[server]).' }
    Assert-PortFree $Port
    # moto_server binds 127.0.0.1 by default; pass it anyway so it never listens beyond loopback.
    $started = Start-LoggedProcess -Name 'moto' -FilePath $exe.Source -ArgumentList @('-H', '127.0.0.1', '-p', $Port)
    $uri = "http://127.0.0.1:$Port/moto-api/"
    Wait-Ready -Name 'moto_server' -Started $started -TimeoutSeconds $TimeoutSeconds -Probe {
        $script:Http.GetAsync($uri).GetAwaiter().GetResult().IsSuccessStatusCode
    }
    New-EmulatorObject -Name 'moto' -Port $Port -Started $started
}

function Start-KinesisLocal {
    [CmdletBinding()]
    param(
        [int]$Port = (Get-FreeTcpPort),
        # kinesis-mock syntax: 'name:shards[:region],...', created at startup in -AccountId.
        [string]$InitializeStreams,
        # Default account for requests whose access key id is not a 12-digit account id.
        [ValidatePattern('^\d{12}$')][string]$AccountId = '000000000000',
        [int]$TimeoutSeconds = 60
    )
    $main = Join-Path $script:KinesisLocalDir 'main.js'
    if (-not (Test-Path -LiteralPath $main)) {
        # The emulator is pinned in tests/emulators/package-lock.json; install it on first use.
        Write-Verbose "kinesis-local missing: running npm ci in $script:EmulatorDir"
        Push-Location $script:EmulatorDir
        try { $out = & npm ci --no-audit --no-fund 2>&1; $rc = $LASTEXITCODE } finally { Pop-Location }
        if ($rc -ne 0 -or -not (Test-Path -LiteralPath $main)) {
            throw "npm ci in $script:EmulatorDir failed (exit $rc):`n$($out -join [Environment]::NewLine)"
        }
    }
    $node = (Get-Command node -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1)
    if (-not $node) { throw 'node is not on PATH; kinesis-local needs Node.js 18+.' }

    Assert-PortFree $Port
    $tlsPort = Get-FreeTcpPort
    while ($tlsPort -eq $Port) { $tlsPort = Get-FreeTcpPort }
    $env = @{
        KINESIS_MOCK_CERT_PATH  = Join-Path $script:KinesisLocalDir 'server.json'
        KINESIS_MOCK_PLAIN_PORT = $Port
        KINESIS_MOCK_TLS_PORT   = $tlsPort   # always opened by kinesis-mock; unused by the tests
        AWS_ACCOUNT_ID          = $AccountId
        AWS_REGION              = 'us-east-1'
        SHOULD_PERSIST_DATA     = 'false'    # every start is a clean world
        LOG_LEVEL               = 'WARN'     # INFO logs every request; keep logs to what matters
    }
    # Stream state changes default to 500 ms each; 50 ms keeps reshard tests fast while the
    # CREATING/UPDATING states still exist for tests that wait on them.
    foreach ($d in 'CREATE_STREAM', 'DELETE_STREAM', 'SPLIT_SHARD', 'MERGE_SHARDS', 'UPDATE_SHARD_COUNT',
        'UPDATE_STREAM_MODE', 'REGISTER_STREAM_CONSUMER', 'DEREGISTER_STREAM_CONSUMER',
        'START_STREAM_ENCRYPTION', 'STOP_STREAM_ENCRYPTION') { $env["${d}_DURATION"] = '50ms' }
    if ($InitializeStreams) { $env['INITIALIZE_STREAMS'] = $InitializeStreams }

    $started = Start-LoggedProcess -Name 'kinesis-local' -FilePath $node.Source -ArgumentList @($main) -Environment $env
    $endpoint = "http://127.0.0.1:$Port/"
    $call = {
        param([string]$Operation, [string]$Body)
        $req = [System.Net.Http.HttpRequestMessage]::new([System.Net.Http.HttpMethod]::Post, $endpoint)
        $req.Headers.Add('X-Amz-Target', "Kinesis_20131202.$Operation")
        # kinesis-mock does not verify signatures but wants an Authorization header plus
        # X-Amz-Date; the key id in the header picks the account.
        $date = [DateTime]::UtcNow
        $req.Headers.TryAddWithoutValidation('X-Amz-Date', $date.ToString("yyyyMMdd'T'HHmmss'Z'")) | Out-Null
        $req.Headers.TryAddWithoutValidation('Authorization', "AWS4-HMAC-SHA256 Credential=$AccountId/$($date.ToString('yyyyMMdd'))/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=0") | Out-Null
        $req.Content = [System.Net.Http.StringContent]::new($Body, [System.Text.Encoding]::UTF8)
        $req.Content.Headers.ContentType = [System.Net.Http.Headers.MediaTypeHeaderValue]::new('application/x-amz-json-1.1')
        $script:Http.SendAsync($req).GetAwaiter().GetResult()
    }
    Wait-Ready -Name 'kinesis-local' -Started $started -TimeoutSeconds $TimeoutSeconds -Probe {
        if (-not (& $call 'ListStreams' '{}').IsSuccessStatusCode) { return $false }
        # Initialized streams are created asynchronously: report ready once they are ACTIVE.
        foreach ($spec in @($InitializeStreams -split ',' | Where-Object { $_ })) {
            $name = ($spec -split ':')[0]
            $resp = & $call 'DescribeStreamSummary' (@{ StreamName = $name } | ConvertTo-Json -Compress)
            if (-not $resp.IsSuccessStatusCode) { return $false }
            $status = ($resp.Content.ReadAsStringAsync().GetAwaiter().GetResult() | ConvertFrom-Json).StreamDescriptionSummary.StreamStatus
            if ($status -ne 'ACTIVE') { return $false }
        }
        $true
    }
    New-EmulatorObject -Name 'kinesis-local' -Port $Port -Started $started
}

function Stop-Emulator {
    [CmdletBinding()]
    param([Parameter(Mandatory, ValueFromPipeline)][AllowNull()]$Emulator)
    process {
        if ($null -eq $Emulator) { return }
        $p = Get-Process -Id $Emulator.ProcessId -ErrorAction SilentlyContinue
        if (-not $p) { return }   # already gone: stopping twice is fine
        if ($Emulator.PSObject.Properties['StartTime'] -and $Emulator.StartTime -and $p.StartTime -ne $Emulator.StartTime) {
            return                # PID was reused by another process: not ours to kill
        }
        try { $p.Kill($true) } catch [System.InvalidOperationException] { }   # exited meanwhile
        if (-not $p.WaitForExit(10000)) { throw "$($Emulator.Name) (pid $($Emulator.ProcessId)) did not exit within 10 s." }
    }
}

function Enable-MotoIamEnforcement {
    [CmdletBinding()]
    param([Parameter(Mandatory)][string]$Endpoint)
    # Body = number of further requests served without auth; 0 = verify signatures and
    # evaluate IAM policies from now on. Do this only after the world is built.
    $null = Invoke-RestMethod -Method Post -Uri ($Endpoint.TrimEnd('/') + '/moto-api/reset-auth') -Body '0' -ContentType 'text/plain'
}

function Disable-MotoIamEnforcement {
    [CmdletBinding()]
    param([Parameter(Mandatory)][string]$Endpoint)
    # /moto-api/reset does NOT turn enforcement off; 'inf' does (no auth for any request).
    $null = Invoke-RestMethod -Method Post -Uri ($Endpoint.TrimEnd('/') + '/moto-api/reset-auth') -Body 'inf' -ContentType 'text/plain'
}

Export-ModuleMember -Function Get-FreeTcpPort, Start-MotoServer, Start-KinesisLocal, Stop-Emulator,
    Enable-MotoIamEnforcement, Disable-MotoIamEnforcement
