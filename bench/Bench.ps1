#Requires -Version 7.0
<#
.SYNOPSIS
    The side-by-side benchmark of issue 4: read throughput on moto, the client's ceiling on a
    prepared-response endpoint, cold start, and memory. Prints a table and writes bench/results.md.
.DESCRIPTION
    Run by `dotnet pwsh ./build.ps1 -Task Bench`, which builds the module (./out/KinesisXAcct) and the
    C# bench (./out/bench) first. Starts its own emulators on loopback and stops them at the end:
      - moto (bench/moto_bench_server.py: moto's own server app, streams filled through moto's models,
        because filling moto over PutRecords is quadratic and takes many minutes for 200,000 records);
      - the prepared-response Kinesis endpoint (KinesisXAcct.Bench serve).
    Every contender runs in a fresh process, on the same data, in the same run. The host's speed drifts
    by up to half within a minute (a fixed Python loop: 0.37-0.54 s), so contenders are compared in
    rounds: one run of each, back to back, the order rotated every round; a ratio between two
    contenders is taken within each round and the median of those paired ratios is reported (and
    judged), beside the medians of the raw times. Throughput contenders read a warm-up stream first in
    the same process and time only the real read. The pwsh ceiling process reads its stream
    -CeilingReads times in a row, each read timed on its own: the first is the first big read of a
    process, the later ones show the JIT's tiers settling; steady state is the median of the reads from
    -SteadyFrom on.
    Cold start is timed from process start to the first record on stdout.
#>
[CmdletBinding()]
param(
    [string]$RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '..')).Path,
    # Rounds for the ceiling (median reported).
    [ValidateRange(1, 20)][int]$Runs = 5,
    # Rounds for the moto read (median of paired ratios reported).
    [ValidateRange(1, 20)][int]$MotoRuns = 11,
    # 1. moto: records in the 4-shard stream.
    [ValidateRange(4000, 2000000)][int]$MotoRecords = 200000,
    # 1. the AWS CLI reads this many shards of the moto stream (extrapolated to all four).
    [ValidateRange(1, 4)][int]$CliShards = 1,
    # 2. ceiling: records in each prepared stream (1, 4 and 16 shards).
    [ValidateRange(10000, 10000000)][int]$CeilingRecords = 200000,
    # 2. reads of the ceiling stream, one after the other in each pwsh process (each timed on its own) ...
    [ValidateRange(1, 10)][int]$CeilingReads = 6,
    # ... and the first of them that counts as steady state (the median from this read on).
    [ValidateRange(1, 10)][int]$SteadyFrom = 4,
    # 2. the boto3 loop stops after this many records on the prepared endpoint (its rate is what counts).
    [ValidateRange(10000, 10000000)][int]$Boto3CeilingRecords = 50000,
    # 3. cold-start runs per contender.
    [ValidateRange(1, 20)][int]$StartupRuns = 5,
    # 4. memory: the large read (4 shards); the small one is a tenth of it.
    [ValidateRange(40000, 10000000)][int]$MemoryRecords = 1000000,
    # 4. memory runs per size.
    [ValidateRange(1, 5)][int]$MemoryRuns = 3,
    [string]$ResultsPath = (Join-Path $PSScriptRoot 'results.md')
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
if ([Console]::IsOutputRedirected) { $PSStyle.OutputRendering = 'PlainText' }

$ModulePath = Join-Path $RepoRoot 'out/KinesisXAcct'
$BenchDll = Join-Path $RepoRoot 'out/bench/KinesisXAcct.Bench.dll'
$BenchDir = Join-Path $RepoRoot 'bench'
# Raw numbers beside the build output for the default report, beside the report otherwise.
$RawPath = if ($PSBoundParameters.ContainsKey('ResultsPath')) { [System.IO.Path]::ChangeExtension($ResultsPath, '.json') } else { Join-Path $RepoRoot 'out/bench/results.json' }
$Region = 'us-east-1'
$SeedRoleArn = 'arn:aws:iam::239641032376:role/hmh_kinesis_consumer_role'
$SeedExternalId = 'ren-ext-42'
$RecordSize = 200
if ($SteadyFrom -gt $CeilingReads) { throw "-SteadyFrom ($SteadyFrom) is after the last of -CeilingReads ($CeilingReads)." }
foreach ($p in $ModulePath, $BenchDll) { if (-not (Test-Path -LiteralPath $p)) { throw "$p is missing: run ./build.ps1 -Task Bench." } }

Import-Module (Join-Path $RepoRoot 'tests/Support/Emulators.psm1') -Force   # Get-FreeTcpPort, Stop-Emulator
$Dotnet = (Get-Command dotnet -CommandType Application | Select-Object -First 1).Source
$Python = (Get-Command python3 -CommandType Application | Select-Object -First 1).Source
$Started = [System.Diagnostics.Stopwatch]::StartNew()
$Scratch = Join-Path ([System.IO.Path]::GetTempPath()) ('kxa-bench-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
$null = New-Item -ItemType Directory -Path $Scratch
# A private copy of the built module: a build running meanwhile (./build.ps1 -Task Test) wipes out/KinesisXAcct.
$null = New-Item -ItemType Directory -Path (Join-Path $Scratch 'module')
Copy-Item -LiteralPath $ModulePath -Destination (Join-Path $Scratch 'module') -Recurse
$ModulePath = Join-Path $Scratch 'module/KinesisXAcct'
# Whether the module measured differs from the commit named in the report (checked when it was copied).
$dirty = ((& git -C $RepoRoot status --porcelain -- src module 2>$null) | Out-String).Trim()

#region processes

function Get-PwshLauncher {
    # Children use this same pwsh; under `dotnet pwsh` the process is dotnet and needs pwsh.dll first.
    $self = (Get-Process -Id $PID).Path
    if ([System.IO.Path]::GetFileNameWithoutExtension($self) -eq 'dotnet') {
        return [pscustomobject]@{ FilePath = $self; Prefix = @(Join-Path $PSHOME 'pwsh.dll') }
    }
    [pscustomobject]@{ FilePath = $self; Prefix = @() }
}
$Pwsh = Get-PwshLauncher

function Get-BenchEnvironment([hashtable]$Extra = @{}) {
    # Only these AWS settings reach a contender: fixed keys, region, no profile or config file.
    $envTable = @{
        AWS_ACCESS_KEY_ID           = 'testing'
        AWS_SECRET_ACCESS_KEY       = 'testing'
        AWS_REGION                  = $Region
        AWS_DEFAULT_REGION          = $Region
        AWS_CONFIG_FILE             = Join-Path $Scratch 'no-aws-config'
        AWS_SHARED_CREDENTIALS_FILE = Join-Path $Scratch 'no-aws-credentials'
        AWS_EC2_METADATA_DISABLED   = 'true'
        DOTNET_CLI_TELEMETRY_OPTOUT = '1'
        DOTNET_NOLOGO               = '1'
        PYTHONDONTWRITEBYTECODE     = '1'
    }
    foreach ($k in $Extra.Keys) { $envTable[$k] = $Extra[$k] }
    $envTable
}

function New-StartInfo([string]$FilePath, [object[]]$ArgumentList, [hashtable]$Environment) {
    $psi = [System.Diagnostics.ProcessStartInfo]::new($FilePath)
    $psi.UseShellExecute = $false
    $psi.WorkingDirectory = $RepoRoot
    foreach ($a in $ArgumentList) { $psi.ArgumentList.Add([string]$a) }
    foreach ($key in @($psi.Environment.Keys | Where-Object { $_ -like 'AWS_*' })) { $null = $psi.Environment.Remove($key) }
    foreach ($key in $Environment.Keys) { $psi.Environment[$key] = [string]$Environment[$key] }
    $psi
}

function Invoke-Measured {
    # Runs one contender process to its end and returns its "RESULT {json}" line as an object.
    param([string]$Label, [string]$FilePath, [object[]]$ArgumentList, [hashtable]$Environment = (Get-BenchEnvironment), [int]$TimeoutSeconds = 600)
    $psi = New-StartInfo $FilePath $ArgumentList $Environment
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.RedirectStandardInput = $true
    $process = [System.Diagnostics.Process]::Start($psi)
    try {
        $process.StandardInput.Close()
        $stdout = $process.StandardOutput.ReadToEndAsync()
        $stderr = $process.StandardError.ReadToEndAsync()
        if (-not $process.WaitForExit($TimeoutSeconds * 1000)) {
            $process.Kill($true)
            throw "$Label did not finish within $TimeoutSeconds s."
        }
        $process.WaitForExit()
        $out = $stdout.GetAwaiter().GetResult()
        $err = $stderr.GetAwaiter().GetResult()
        $line = @($out -split "`r?`n" | Where-Object { $_.StartsWith('RESULT ') }) | Select-Object -Last 1
        if ($process.ExitCode -ne 0 -or -not $line) {
            $tail = (($out + "`n" + $err) -split "`r?`n" | Where-Object { $_ } | Select-Object -Last 15) -join "`n"
            throw "$Label failed (exit code $($process.ExitCode)):`n$tail"
        }
        $line.Substring(7) | ConvertFrom-Json
    }
    finally { $process.Dispose() }
}

function Start-Server {
    # Starts a long-running server with its output in a log file; returns an object Stop-Emulator accepts.
    param([string]$Name, [string]$FilePath, [object[]]$ArgumentList, [int]$Port, [scriptblock]$Probe, [int]$TimeoutSeconds = 120)
    $log = Join-Path $Scratch "$Name.log"
    # `sh -c 'exec ...'` keeps the server's own PID while the shell redirects both streams to one file.
    $psi = New-StartInfo '/bin/sh' (@('-c', 'exec "$0" "$@" >>"$KXA_LOG" 2>&1', $FilePath) + $ArgumentList) (Get-BenchEnvironment @{ KXA_LOG = $log })
    $psi.RedirectStandardInput = $true
    $process = [System.Diagnostics.Process]::Start($psi)
    $process.StandardInput.Close()
    $server = [pscustomobject]@{ Name = $Name; Port = $Port; Endpoint = "http://127.0.0.1:$Port"; ProcessId = $process.Id; StartTime = $process.StartTime; LogPath = $log }
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while ([DateTime]::UtcNow -lt $deadline) {
        if ($process.HasExited) { throw "$Name exited with code $($process.ExitCode). Log $log`n$(Get-Content -LiteralPath $log -Tail 20 -ErrorAction SilentlyContinue | Out-String)" }
        try { if (& $Probe $server) { return $server } } catch { Write-Verbose "$Name not ready: $($_.Exception.Message)" }
        Start-Sleep -Milliseconds 200
    }
    Stop-Emulator $server
    throw "$Name was not ready after $TimeoutSeconds s. Log $log"
}

$Http = [System.Net.Http.HttpClient]::new()
$Http.Timeout = [TimeSpan]::FromSeconds(10)

function Invoke-PreparedControl([string]$Endpoint, [string]$Operation, [string]$Stream) {
    # Bench.Stats / Bench.Reset on the prepared-response endpoint.
    $request = [System.Net.Http.HttpRequestMessage]::new([System.Net.Http.HttpMethod]::Post, "$Endpoint/")
    $null = $request.Headers.TryAddWithoutValidation('X-Amz-Target', "Bench.$Operation")
    $request.Content = [System.Net.Http.StringContent]::new((@{ Stream = $Stream } | ConvertTo-Json -Compress))
    $response = $Http.SendAsync($request).GetAwaiter().GetResult()
    $response.Content.ReadAsStringAsync().GetAwaiter().GetResult() | ConvertFrom-Json
}

#endregion

#region statistics and formatting

function Get-Median([double[]]$Values) {
    $sorted = @($Values | Sort-Object)
    if ($sorted.Count -eq 0) { return [double]::NaN }
    $mid = [int][math]::Floor($sorted.Count / 2)
    if ($sorted.Count % 2) { return $sorted[$mid] }
    ($sorted[$mid - 1] + $sorted[$mid]) / 2
}

function Format-Number([double]$Value, [int]$Digits = 0) {
    if ([double]::IsNaN($Value)) { return 'n/a' }
    $Value.ToString("N$Digits", [cultureinfo]::InvariantCulture)
}

function Format-Runs([double[]]$Values, [int]$Digits = 2) { ($Values | ForEach-Object { Format-Number $_ $Digits }) -join ' / ' }

function Get-LoadAverage { ((Get-Content -LiteralPath /proc/loadavg -Raw) -split ' ')[0..2] -join ' ' }

function Write-Progress-Line([string]$Text) {
    Write-Host ("[{0,6:N1} s] {1}" -f $Started.Elapsed.TotalSeconds, $Text)
}

#endregion

$raw = [ordered]@{}
$servers = [System.Collections.Generic.List[object]]::new()
$loadBefore = Get-LoadAverage
try {
    # ------------------------------------------------------------------------------------------------
    Write-Progress-Line "moto: filling a 4-shard stream with $MotoRecords records of $RecordSize bytes"
    $motoPort = Get-FreeTcpPort
    $moto = Start-Server -Name 'moto' -FilePath $Python -Port $motoPort -TimeoutSeconds 300 -ArgumentList @(
        (Join-Path $BenchDir 'moto_bench_server.py'), '--port', $motoPort, '--size', $RecordSize,
        '--stream', "thr:4:$MotoRecords", '--stream', 'warm:1:100', '--stream', 'startup:1:10:239641032376') -Probe {
        param($s) $Http.GetAsync("$($s.Endpoint)/moto-api/").GetAwaiter().GetResult().IsSuccessStatusCode
    }
    $servers.Add($moto)
    Write-Progress-Line "moto ready at $($moto.Endpoint) ($((Get-Content -LiteralPath $moto.LogPath | Where-Object { $_ -like 'filled in*' }) -join ''))"

    # 1. Read throughput on moto -----------------------------------------------------------------------
    $contenders = [ordered]@{
        pwsh  = @{ Label = '(a) Read-KinesisRecord \| Out-Null (pwsh)'; File = $Pwsh.FilePath; Args = @($Pwsh.Prefix) + @('-NoProfile', '-NonInteractive', '-File', (Join-Path $BenchDir 'read_pwsh.ps1'), '-ModulePath', $ModulePath, '-StreamName', 'thr', '-EndpointUrl', $moto.Endpoint, '-Warm', 'warm', '-CountRecords') }
        boto3 = @{ Label = '(b) seed loop, boto3 (shard after shard)'; File = $Python; Args = @((Join-Path $BenchDir 'boto3_read.py'), '--endpoint', $moto.Endpoint, '--stream', 'thr', '--warm', 'warm') }
        client = @{ Label = '(d) our client from C#, no PowerShell'; File = $Dotnet; Args = @($BenchDll, 'client', '--endpoint', $moto.Endpoint, '--stream', 'thr', '--warm', 'warm') }
        floor = @{ Label = '(e) floor: raw HTTP GetRecords, no decoding'; File = $Dotnet; Args = @($BenchDll, 'floor', '--endpoint', $moto.Endpoint, '--stream', 'thr', '--warm', 'warm') }
    }
    $throughput = [ordered]@{}
    foreach ($key in $contenders.Keys) { $throughput[$key] = [System.Collections.Generic.List[object]]::new() }
    # One untimed read first: moto's first answers after filling are slower (Python's memory pools
    # grow), and without this the first contender of round 1 pays for it.
    $null = Invoke-Measured -Label 'moto warm-up (floor, untimed)' -FilePath $contenders.floor.File -ArgumentList $contenders.floor.Args
    $keys = @($contenders.Keys)
    for ($run = 1; $run -le $MotoRuns; $run++) {
        # Rotated every round: no contender always runs first (or right after another).
        $order = @(for ($i = 0; $i -lt $keys.Count; $i++) { $keys[($i + $run - 1) % $keys.Count] })
        foreach ($key in $order) {
            $c = $contenders[$key]
            $motoCpu0 = (Get-Process -Id $moto.ProcessId).TotalProcessorTime
            $r = Invoke-Measured -Label $c.Label -FilePath $c.File -ArgumentList $c.Args
            $r | Add-Member motoCpuSeconds ((Get-Process -Id $moto.ProcessId).TotalProcessorTime - $motoCpu0).TotalSeconds
            if ([long]$r.records -ne $MotoRecords) { throw "$($c.Label) read $($r.records) records, not $MotoRecords." }
            $throughput[$key].Add($r)
            Write-Progress-Line ("1. run {0}/{1} {2,-6} {3,7:N2} s  ({4:N0} records; CPU: reader {5:N1} s, moto {6:N1} s)" -f $run, $MotoRuns, $key, $r.seconds, $r.records, $r.cpuSeconds, $r.motoCpuSeconds)
        }
    }
    $cli = Invoke-Measured -Label '(c) AWS CLI loop' -FilePath $Python -TimeoutSeconds 900 -ArgumentList @(
        (Join-Path $BenchDir 'cli_read.py'), '--endpoint', $moto.Endpoint, '--stream', 'thr', '--shards', $CliShards)
    Write-Progress-Line ("1. cli    {0:N2} s for {1:N0} records ({2} of {3} shards, {4} processes)" -f $cli.seconds, $cli.records, $cli.shardsRead, $cli.shardsTotal, $cli.processes)
    $raw['throughput'] = $throughput
    $raw['cli'] = $cli
    $loadAfterMoto = Get-LoadAverage

    # 3. Start-up (on the same moto) --------------------------------------------------------------------
    $roleEnv = Get-BenchEnvironment @{ AWS_ENDPOINT_URL = $moto.Endpoint }
    $pwshPrefix = @($Pwsh.FilePath) + @($Pwsh.Prefix) + @('-NoProfile', '-NonInteractive', '-Command')
    $startupCases = [ordered]@{
        pwsh   = @{ Label = 'pwsh: Import-Module; Connect-KinesisRole; Read-KinesisRecord -First 1'; Marker = 'rec-0'; Cmd = $pwshPrefix + @(
                "Import-Module '$ModulePath'; `$null = Connect-KinesisRole -RoleArn $SeedRoleArn -ExternalId $SeedExternalId; Read-KinesisRecord -StreamName startup -First 1") }
        cli    = @{ Label = 'AWS CLI: assume-role; get-shard-iterator; get-records (bash)'; Marker = 'rec-0'; Cmd = @((Join-Path $BenchDir 'startup_cli.sh'), $SeedRoleArn, $SeedExternalId, 'startup') }
        boto3  = @{ Label = 'boto3 script: assume_role; get_shard_iterator; get_records'; Marker = 'rec-0'; Cmd = @($Python, (Join-Path $BenchDir 'startup_boto3.py'), $SeedRoleArn, $SeedExternalId, 'startup') }
        import = @{ Label = 'pwsh: Import-Module alone'; Marker = 'IMPORTMS='; Cmd = $pwshPrefix + @(
                "`$w = [System.Diagnostics.Stopwatch]::StartNew(); Import-Module '$ModulePath'; 'IMPORTMS=' + `$w.Elapsed.TotalMilliseconds.ToString([cultureinfo]::InvariantCulture)") }
        empty  = @{ Label = 'pwsh: empty command (baseline)'; Marker = 'EMPTY'; Cmd = $pwshPrefix + @("'EMPTY'") }
    }
    $startup = [ordered]@{}
    foreach ($key in $startupCases.Keys) { $startup[$key] = [System.Collections.Generic.List[object]]::new() }
    for ($run = 1; $run -le $StartupRuns; $run++) {
        foreach ($key in $startupCases.Keys) {
            $c = $startupCases[$key]
            $r = Invoke-Measured -Label $c.Label -FilePath $Dotnet -Environment $roleEnv -ArgumentList (@($BenchDll, 'coldstart', '--marker', $c.Marker, '--') + $c.Cmd)
            if ($null -eq $r.firstMs) { throw "$($c.Label): no line with '$($c.Marker)' (exit code $($r.exitCode)):`n$($r.tail)" }
            if ($key -eq 'import') { $r | Add-Member importMs ([double]($r.line -replace '^.*IMPORTMS=', '')) }
            $startup[$key].Add($r)
        }
        Write-Progress-Line ("3. run {0}/{1}: pwsh {2:N0} ms, cli {3:N0} ms, boto3 {4:N0} ms, Import-Module {5:N0} ms" -f $run, $StartupRuns,
            $startup.pwsh[-1].firstMs, $startup.cli[-1].firstMs, $startup.boto3[-1].firstMs, $startup.import[-1].importMs)
    }
    $raw['startup'] = $startup
    Stop-Emulator $moto
    $null = $servers.Remove($moto)

    # 2. and 4. on the prepared-response endpoint ---------------------------------------------------------
    $prepPort = Get-FreeTcpPort
    $shardCounts = 1, 4, 16
    $streams = @('--stream', 'warm:1:10000')
    # c<n>: the stream the C# client and boto3 measure; w<n>: its twin, read first for the client's steady
    # state; p<n>r<k>: the pwsh process's k-th read (one stream per read, so the endpoint's per-shard
    # call rates are counted per read: two reads in a row are two readers, each keeping its own pace).
    foreach ($n in $shardCounts) {
        $perShard = [int][math]::Ceiling($CeilingRecords / $n)
        foreach ($name in @("c$n", "w$n") + @(1..$CeilingReads | ForEach-Object { "p${n}r$_" })) { $streams += @('--stream', "${name}:${n}:$perShard") }
    }
    $streams += @('--stream', "msmall:4:$([int]($MemoryRecords / 40))", '--stream', "mlarge:4:$([int]($MemoryRecords / 4))")
    $prepared = Start-Server -Name 'prepared' -FilePath $Dotnet -Port $prepPort -ArgumentList (@($BenchDll, 'serve', '--port', $prepPort, '--size', $RecordSize) + $streams) -Probe {
        param($s) (Get-Content -LiteralPath $s.LogPath -ErrorAction SilentlyContinue) -match '^READY'
    }
    $servers.Add($prepared)
    Write-Progress-Line "prepared-response endpoint ready at $($prepared.Endpoint)"

    function Invoke-PwshRead([string[]]$Stream, [string]$Label, [hashtable]$ExtraEnvironment = @{}, [string]$Warm = 'warm') {
        foreach ($s in $Stream) { $null = Invoke-PreparedControl $prepared.Endpoint 'Reset' $s }
        $r = Invoke-Measured -Label $Label -FilePath $Pwsh.FilePath -Environment (Get-BenchEnvironment $ExtraEnvironment) -ArgumentList (@($Pwsh.Prefix) + @('-NoProfile', '-NonInteractive', '-File',
                (Join-Path $BenchDir 'read_pwsh.ps1'), '-ModulePath', $ModulePath, '-StreamName', ($Stream -join ','), '-EndpointUrl', $prepared.Endpoint, '-Warm', $Warm))
        # The endpoint counts what it served; each read ended without an error, so every record went down the pipeline.
        for ($i = 0; $i -lt $Stream.Count; $i++) {
            $stats = Invoke-PreparedControl $prepared.Endpoint 'Stats' $Stream[$i]
            $read = $r.reads[$i]
            $read | Add-Member records ([long]$stats.records) -Force
            $read | Add-Member calls ([long]$stats.calls) -Force
            $read | Add-Member stats $stats -Force
        }
        $r.records = $r.reads[0].records
        $r.calls = $r.reads[0].calls
        $r | Add-Member stats $r.reads[0].stats -PassThru
    }

    # The k-th read of a multi-read pwsh process as a result of its own, and steady state: the median
    # time of the reads from -SteadyFrom on (the same records each), with the call rates of them all.
    function Get-PwshReadResult($Process, [int]$Index) {
        $read = $Process.reads[$Index]
        [pscustomobject]@{ records = $read.records; seconds = [double]$read.seconds; cpuSeconds = [double]$read.cpuSeconds; stats = $read.stats }
    }
    function Get-PwshSteadyResult($Process) {
        $late = @($Process.reads)[($SteadyFrom - 1)..($CeilingReads - 1)]
        $all = @($Process.reads)
        $gaps = @($all | ForEach-Object { [double]$_.stats.minGapMs } | Where-Object { $_ -ge 0 })
        [pscustomobject]@{
            records = $late[0].records; seconds = Get-Median ($late | ForEach-Object { [double]$_.seconds }); cpuSeconds = Get-Median ($late | ForEach-Object { [double]$_.cpuSeconds })
            stats   = [pscustomobject]@{
                calls = $late[0].stats.calls
                maxCallsPerSecondPerShard = ($all | ForEach-Object { [int]$_.stats.maxCallsPerSecondPerShard } | Measure-Object -Maximum).Maximum
                minGapMs = if ($gaps) { ($gaps | Measure-Object -Minimum).Minimum } else { -1 }
            }
        }
    }

    $ceiling = [ordered]@{}
    foreach ($n in $shardCounts) {
        $ceiling["$n"] = [ordered]@{}
        foreach ($k in 'pwshProcess', 'pwsh', 'pwshSecond', 'pwshSteady', 'boto3', 'client', 'clientSteady') { $ceiling["$n"][$k] = [System.Collections.Generic.List[object]]::new() }
    }
    # Diagnosis: the same 16-shard pwsh read with the JIT's tiering changed (see results.md).
    $diagnosis = [ordered]@{
        'DOTNET_TieredCompilation=0'   = @{ DOTNET_TieredCompilation = '0' }
        'DOTNET_TC_QuickJitForLoops=0' = @{ DOTNET_TC_QuickJitForLoops = '0' }
        'DOTNET_TieredPGO=0'           = @{ DOTNET_TieredPGO = '0' }
    }
    $diag = [ordered]@{}
    foreach ($k in $diagnosis.Keys) { $diag[$k] = [System.Collections.Generic.List[object]]::new() }
    for ($run = 1; $run -le $Runs; $run++) {
        foreach ($n in $shardCounts) {
            $invokeClient = {
                param([string]$Warm, [string]$Label)
                $null = Invoke-PreparedControl $prepared.Endpoint 'Reset' "c$n"
                $c = Invoke-Measured -Label $Label -FilePath $Dotnet -ArgumentList @($BenchDll, 'client', '--endpoint', $prepared.Endpoint, '--stream', "c$n", '--warm', $Warm)
                $c | Add-Member stats (Invoke-PreparedControl $prepared.Endpoint 'Stats' "c$n") -PassThru
            }
            $pp = Invoke-PwshRead @(1..$CeilingReads | ForEach-Object { "p${n}r$_" }) "ceiling pwsh $n shards, $CeilingReads reads"
            $p = Get-PwshReadResult $pp 0
            $ps = Get-PwshSteadyResult $pp
            $c = & $invokeClient 'warm' "ceiling client $n shards"
            $cs = & $invokeClient "w$n" "ceiling client $n shards, steady state"
            $b = Invoke-Measured -Label "ceiling boto3 $n shards" -FilePath $Python -ArgumentList @(
                (Join-Path $BenchDir 'boto3_read.py'), '--endpoint', $prepared.Endpoint, '--stream', "c$n", '--warm', 'warm', '--max-records', $Boto3CeilingRecords)
            $ceiling["$n"].pwshProcess.Add($pp)
            $ceiling["$n"].pwsh.Add($p)
            if ($CeilingReads -ge 2) { $ceiling["$n"].pwshSecond.Add((Get-PwshReadResult $pp 1)) }
            $ceiling["$n"].pwshSteady.Add($ps)
            $ceiling["$n"].client.Add($c)
            $ceiling["$n"].clientSteady.Add($cs)
            $ceiling["$n"].boto3.Add($b)
            Write-Progress-Line ("2. run {0}/{1} {2,2} shards: pwsh reads {3} rec/s, steady {4:N0} (max {5} GetRecords/s/shard); C# client {6:N0} / {7:N0}; boto3 {8:N0} rec/s" -f $run, $Runs, $n,
                (($pp.reads | ForEach-Object { ($_.records / $_.seconds).ToString('N0') }) -join ' / '), ($ps.records / $ps.seconds), $ps.stats.maxCallsPerSecondPerShard,
                ($c.records / $c.seconds), ($cs.records / $cs.seconds), ($b.records / $b.seconds))
        }
        foreach ($k in $diagnosis.Keys) {
            $p = Invoke-PwshRead 'c16' "ceiling pwsh 16 shards, $k" $diagnosis[$k]
            $diag[$k].Add($p)
            Write-Progress-Line ("2. run {0}/{1} 16 shards, {2}: pwsh {3:N0} rec/s" -f $run, $Runs, $k, ($p.records / $p.seconds))
        }
    }
    $raw['ceiling'] = $ceiling
    $raw['ceilingDiagnosis'] = $diag

    $memory = [ordered]@{ msmall = [System.Collections.Generic.List[object]]::new(); mlarge = [System.Collections.Generic.List[object]]::new() }
    for ($run = 1; $run -le $MemoryRuns; $run++) {
        foreach ($key in 'msmall', 'mlarge') {
            $r = Invoke-PwshRead $key "memory pwsh $key"
            $memory[$key].Add($r)
            Write-Progress-Line ("4. run {0}/{1} {2,-5} VmHWM {3:N0} MiB, {4:N2} s, {5:N0} rec/s" -f $run, $MemoryRuns, $key, ($r.vmhwmKb / 1024), $r.seconds, ($r.records / $r.seconds))
        }
    }
    $raw['memory'] = $memory
}
finally {
    foreach ($s in @($servers)) { Stop-Emulator $s }
    $Http.Dispose()
}
$loadAfter = Get-LoadAverage
$raw | ConvertTo-Json -Depth 8 | Set-Content -LiteralPath $RawPath -Encoding utf8NoBOM

# ---------------------------------------------------------------------------------------------------------
# The report

function Get-Version([scriptblock]$Block) { try { ((& $Block) 2>&1 | Out-String).Trim() } catch { 'unknown' } }
$cpu = ((Get-Content /proc/cpuinfo | Where-Object { $_ -like 'model name*' } | Select-Object -First 1) -replace '^model name\s*:\s*', '').Trim()
$memGiB = [math]::Round(([double](((Get-Content /proc/meminfo | Where-Object { $_ -like 'MemTotal:*' }) -split '\s+')[1]) / 1MB), 1)
$versions = [ordered]@{
    dotnet  = Get-Version { & $Dotnet --version }
    pwsh    = $PSVersionTable.PSVersion.ToString()
    moto    = Get-Version { & $Python -c 'import moto; print(moto.__version__)' }
    boto3   = Get-Version { & $Python -c 'import boto3, botocore; print(boto3.__version__, "/ botocore", botocore.__version__)' }
    awscli  = Get-Version { & aws --version }
    python  = Get-Version { & $Python -c 'import platform; print(platform.python_version())' }
    module  = (Import-PowerShellDataFile (Join-Path $ModulePath 'KinesisXAcct.psd1')).ModuleVersion
    commit  = Get-Version { & git -C $RepoRoot rev-parse --short HEAD }
}

$med = @{}
foreach ($key in $throughput.Keys) { $med[$key] = Get-Median ($throughput[$key] | ForEach-Object { [double]$_.seconds }) }
# Paired ratios: within each round (contenders back to back), then the median over the rounds.
function Get-PairedTimes([string]$Numerator, [string]$Denominator) {
    @(for ($i = 0; $i -lt $throughput[$Numerator].Count; $i++) { [double]$throughput[$Numerator][$i].seconds / [double]$throughput[$Denominator][$i].seconds })
}
$vsBoto3 = @{}; $vsFloor = @{}
foreach ($key in $throughput.Keys) {
    $vsBoto3[$key] = @(Get-PairedTimes 'boto3' $key)
    $vsFloor[$key] = @(Get-PairedTimes $key 'floor')
}
$cliFull = $cli.seconds * ($MotoRecords / [double]$cli.records)
$recordsPerSecond = { param($seconds) $MotoRecords / $seconds }

$lines = [System.Collections.Generic.List[string]]::new()
$lines.Add('# KinesisXAcct benchmark results (issue 4)')
$lines.Add('')
$lines.Add("Generated by ``dotnet pwsh ./build.ps1 -Task Bench`` on $((Get-Date).ToUniversalTime().ToString('yyyy-MM-dd HH:mm')) UTC in $(Format-Number $Started.Elapsed.TotalSeconds 0) s.")
$lines.Add('')
$lines.Add("- Machine: nproc $([Environment]::ProcessorCount), CPU $cpu, memory $memGiB GiB; load average (1/5/15 min) $loadBefore at start, $loadAfterMoto after the moto reads, $loadAfter at the end. The machine is shared: absolute times drift with the load, ratios within a run hold.")
$lines.Add("- Versions: dotnet SDK $($versions.dotnet), pwsh $($versions.pwsh), moto $($versions.moto), boto3 $($versions.boto3), Python $($versions.python), $($versions.awscli); KinesisXAcct $($versions.module) at $($versions.commit)$(if ($dirty) { ' (src/module modified in the work tree)' })")
$lines.Add("- Runs: moto $MotoRuns rounds, ceiling $Runs rounds (a round: one fresh process per contender, back to back, the order rotated on moto); ratios between contenders are medians of the ratios within each round; start-up median of $StartupRuns; memory $MemoryRuns run(s) per size.")
$lines.Add('')
$lines.Add("## 1. Read throughput on moto: 4 shards, $(Format-Number $MotoRecords) records of $RecordSize bytes")
$lines.Add('')
$lines.Add('| Contender | median s | runs (s) | records/s | boto3 time ÷ this (paired) | this ÷ floor time (paired) | reader CPU s | moto CPU s |')
$lines.Add('|---|---:|---|---:|---:|---:|---:|---:|')
foreach ($key in 'pwsh', 'boto3', 'client', 'floor') {
    $c = $contenders[$key]
    $cpu = Get-Median ($throughput[$key] | ForEach-Object { [double]$_.cpuSeconds })
    $motoCpu = Get-Median ($throughput[$key] | ForEach-Object { [double]$_.motoCpuSeconds })
    $lines.Add("| $($c.Label) | $(Format-Number $med[$key] 2) | $(Format-Runs ($throughput[$key] | ForEach-Object { [double]$_.seconds })) | $(Format-Number (& $recordsPerSecond $med[$key])) | $(Format-Number (Get-Median $vsBoto3[$key]) 2)× | $(Format-Number (Get-Median $vsFloor[$key]) 2)× | $(Format-Number $cpu 1) | $(Format-Number $motoCpu 1) |")
}
$lines.Add("| (c) AWS CLI loop, one process per call (extrapolated) | $(Format-Number $cliFull 2) | 1 run: $(Format-Number $cli.seconds 2) s for $(Format-Number $cli.records) records | $(Format-Number (& $recordsPerSecond $cliFull)) | $(Format-Number ($med.boto3 / $cliFull) 2)× | $(Format-Number ($cliFull / $med.floor) 2)× | | |")
$lines.Add('')
$lines.Add("Paired ratios of (a), round by round: boto3 ÷ pwsh $(Format-Runs $vsBoto3.pwsh); pwsh ÷ floor $(Format-Runs $vsFloor.pwsh). The raw times wander with the host (the floor alone: $(Format-Runs ($throughput.floor | ForEach-Object { [double]$_.seconds })) s for the same requests), so a ratio of medians taken from different rounds mixes host speeds; the paired ratio compares contenders that ran a few seconds apart. The CLI row, one run, is compared with the medians.")
$lines.Add('')
$lines.Add("moto answers GetRecords without a Limit (the boto3 loop and the CLI) with the whole shard in one call, and with Limit 10,000 (our reader, the floor) in pages; either way it builds every record in Python on one thread (the GIL), which is the floor. The CLI read $($cli.shardsRead) of $($cli.shardsTotal) shards ($($cli.processes) aws processes, one run) and is extrapolated by records ($(Format-Number $MotoRecords) ÷ $(Format-Number $cli.records)); its one list-shards call is counted in full. CPU columns (medians): the reader process's CPU time during the timed read (all its threads: for pwsh that includes the pipeline thread, the shard readers, the JIT and the GC) and moto's over the whole contender process; with 2 cores and moto needing about one, a reader's own CPU comes out of moto's share.")
$lines.Add('')

$lines.Add("## 2. Client ceiling: prepared-response endpoint, $(Format-Number $CeilingRecords) records of $RecordSize bytes per stream")
$lines.Add('')
$steadyReads = if ($SteadyFrom -eq $CeilingReads) { "read $SteadyFrom" } else { "reads $SteadyFrom–$CeilingReads" }
$lines.Add("| Shards | pwsh steady ($steadyReads): median s | records/s | payload MB/s | boto3 records/s | pwsh ÷ boto3 (paired) | pwsh vs 1 shard | pwsh first read: records/s | ÷ boto3 (paired) | pwsh second read: records/s | ÷ boto3 (paired) | C# client records/s, steady / first read | CPU s for the read, steady (pwsh / C# / boto3 per the same records) | GetRecords calls | max calls/s on one shard (pwsh / C#) | min gap between calls, ms (pwsh / C#) |")
$lines.Add('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
$ceilingRate = @{}
$rateOf = { param($list) @($list | ForEach-Object { $_.records / [double]$_.seconds }) }
$pairedRate = { param($a, $b) $ra = @(& $rateOf $a); $rb = @(& $rateOf $b); Get-Median @(for ($i = 0; $i -lt $ra.Count; $i++) { $ra[$i] / $rb[$i] }) }
foreach ($n in $shardCounts) {
    $set = $ceiling["$n"]
    $pw = $set.pwshSteady
    $pwSeconds = Get-Median ($pw | ForEach-Object { [double]$_.seconds })
    $ceilingRate["$n"] = @{
        pwsh = Get-Median (& $rateOf $pw); pwshFirst = Get-Median (& $rateOf $set.pwsh); boto3 = Get-Median (& $rateOf $set.boto3)
        client = Get-Median (& $rateOf $set.clientSteady); clientFirst = Get-Median (& $rateOf $set.client)
        vsBoto3 = & $pairedRate $pw $set.boto3; firstVsBoto3 = & $pairedRate $set.pwsh $set.boto3
        pwshSecond = Get-Median (& $rateOf $set.pwshSecond); secondVsBoto3 = if ($set.pwshSecond.Count) { & $pairedRate $set.pwshSecond $set.boto3 } else { [double]::NaN }
    }
    $cr = $ceilingRate["$n"]
    $maxCalls = { param($list) ($list | ForEach-Object { [int]$_.stats.maxCallsPerSecondPerShard } | Measure-Object -Maximum).Maximum }
    $minGap = { param($list) $g = @($list | ForEach-Object { [double]$_.stats.minGapMs } | Where-Object { $_ -ge 0 }); if ($g) { Format-Number ($g | Measure-Object -Minimum).Minimum 0 } else { 'n/a' } }
    $allPwsh = @($pw)   # steady results carry the call rates of every read of their process
    $allClient = @($set.clientSteady) + @($set.client)
    $lines.Add("| $n | $(Format-Number $pwSeconds 2) | $(Format-Number $cr.pwsh) | $(Format-Number ($cr.pwsh * $RecordSize / 1e6) 1) | $(Format-Number $cr.boto3) | $(Format-Number $cr.vsBoto3 2)× | $(Format-Number ($cr.pwsh / $ceilingRate['1'].pwsh) 2)× | $(Format-Number $cr.pwshFirst) | $(Format-Number $cr.firstVsBoto3 2)× | $(Format-Number $cr.pwshSecond) | $(Format-Number $cr.secondVsBoto3 2)× | $(Format-Number $cr.client) / $(Format-Number $cr.clientFirst) | $(Format-Number (Get-Median ($pw | ForEach-Object { [double]$_.cpuSeconds })) 2) / $(Format-Number (Get-Median ($set.clientSteady | ForEach-Object { [double]$_.cpuSeconds })) 2) / $(Format-Number (Get-Median ($set.boto3 | ForEach-Object { $_.cpuSeconds * $pw[0].records / [double]$_.records })) 2) | $($pw[0].stats.calls) | $(& $maxCalls $allPwsh) / $(& $maxCalls $allClient) | $(& $minGap $allPwsh) / $(& $minGap $allClient) |")
}
$lines.Add('')
$lines.Add("How a pwsh process warms up: its $CeilingReads reads of 16 shards one after the other (medians over the rounds; JIT: compilation time and methods compiled during the read, all threads; GC: collections of generations 0/1/2 and the time the process was paused for them):")
$lines.Add('')
$lines.Add('| Read in the process | records/s | ÷ boto3 (paired) | CPU s | JIT ms | methods jitted | GC gen 0 / 1 / 2 | GC pause ms |')
$lines.Add('|---:|---:|---:|---:|---:|---:|---:|---:|')
$processes16 = @($ceiling['16'].pwshProcess)
for ($k = 0; $k -lt $CeilingReads; $k++) {
    $reads = @($processes16 | ForEach-Object { $_.reads[$k] })
    $medianOf = { param($f) Get-Median @($reads | ForEach-Object $f) }
    $paired = & $pairedRate $reads $ceiling['16'].boto3
    $gcText = (0..2 | ForEach-Object { $g = $_; Format-Number (& $medianOf { [double]$_.gcCounts[$g] }) }) -join ' / '
    $lines.Add("| $($k + 1)$(if ($k + 1 -ge $SteadyFrom) { ' (steady)' }) | $(Format-Number (Get-Median (& $rateOf $reads))) | $(Format-Number $paired 2)× | $(Format-Number (& $medianOf { [double]$_.cpuSeconds }) 2) | $(Format-Number (& $medianOf { [double]$_.jitMs })) | $(Format-Number (& $medianOf { [double]$_.jitMethods })) | $gcText | $(Format-Number (& $medianOf { [double]$_.gcPauseMs })) |")
}
$lines.Add('')
$lines.Add('Why the first read is slower: the 16-shard first read again with the .NET JIT''s tiering changed through the environment (not a fix the module can ship; it locates the cost):')
$lines.Add('')
$lines.Add('| pwsh, 16 shards | median records/s | runs (records/s) | vs default |')
$lines.Add('|---|---:|---|---:|')
$lines.Add("| default | $(Format-Number $ceilingRate['16'].pwshFirst) | $(Format-Runs (& $rateOf $ceiling['16'].pwsh) 0) | 1.00× |")
foreach ($k in $diag.Keys) {
    $rates = $diag[$k] | ForEach-Object { $_.records / [double]$_.seconds }
    $lines.Add("| $k | $(Format-Number (Get-Median $rates)) | $(Format-Runs $rates 0) | $(Format-Number ((Get-Median $rates) / $ceilingRate['16'].pwshFirst) 2)× |")
}
$lines.Add('')
$lines.Add("pwsh: ``Read-KinesisRecord -StartingPosition TrimHorizon | Out-Null`` in a fresh process. First read: after a 10,000-record warm-up read (assemblies loaded, connections open), so the read itself runs while the JIT is still moving PowerShell's and our methods from tier 0 to optimized code. The same process then reads $CeilingReads streams of the same shape one after the other (one stream per read, so the endpoint counts each read's calls on its own), each timed on its own; steady state is the median of $steadyReads, after $(Format-Number (($SteadyFrom - 1) * $CeilingRecords)) records: the rate a long read or a -Follow sustains, and the one the ceiling targets are judged on. The climb from the first read to steady state is JIT warm-up (see the table above: the JIT is still compiling hundreds of methods during the second read): PowerShell's own assembly in the pinned dotnet tool carries no ReadyToRun code (an installed PowerShell package does), so every binding method starts in tier 0 and is recompiled twice (instrumented, then optimized) before it runs at full speed. boto3: the seed loop on the same endpoint, stopped after $(Format-Number $Boto3CeilingRecords) records (shard after shard, so its rate does not depend on the shard count). C# client: bench/KinesisXAcct.Bench ``client`` (KinesisHttpClient + StreamRecordReader into a channel, no PowerShell), first read after the 10,000-record warm-up, steady after a full read of a twin stream (a fresh process each). The endpoint counts every GetRecords call per shard: ""max calls/s"" is the most calls any shard received within one second (arrival times at the server), over all runs; ""min gap"" the shortest time between two calls on one shard (n/a: one call per shard).")
$lines.Add('')

$lines.Add('## 3. Start-up on moto: cold process to the first record printed')
$lines.Add('')
$lines.Add('| Contender | median ms | runs (ms) |')
$lines.Add('|---|---:|---|')
$startMed = @{}
foreach ($key in $startupCases.Keys) {
    $values = if ($key -eq 'import') { $startup[$key] | ForEach-Object { [double]$_.importMs } } else { $startup[$key] | ForEach-Object { [double]$_.firstMs } }
    $startMed[$key] = Get-Median $values
    $label = if ($key -eq 'import') { 'pwsh: Import-Module alone (stopwatch inside the process)' } else { $startupCases[$key].Label }
    $lines.Add("| $label | $(Format-Number $startMed[$key]) | $(Format-Runs $values 0) |")
}
$lines.Add('')
$lines.Add("Role $SeedRoleArn (ExternalId $SeedExternalId), a 1-shard stream in that account; source keys, region and AWS_ENDPOINT_URL from the environment. pwsh is started as ``dotnet pwsh.dll -NoProfile -NonInteractive -Command ...`` (the pinned tool), the record printed with the default view; the CLI job is a bash script of three ``aws`` calls; the boto3 job is one Python process.")
$lines.Add('')

$lines.Add('## 4. Memory: peak resident set of the pwsh process, Read-KinesisRecord | Out-Null on the prepared-response endpoint (4 shards)')
$lines.Add('')
$lines.Add('| Records | VmHWM MiB (median) | runs (MiB) | GC heap after the read MiB | read s | records/s |')
$lines.Add('|---:|---:|---|---:|---:|---:|')
$memMed = @{}
foreach ($key in 'msmall', 'mlarge') {
    $values = $memory[$key] | ForEach-Object { $_.vmhwmKb / 1024.0 }
    $memMed[$key] = Get-Median $values
    $m = $memory[$key][0]
    $heap = Get-Median ($memory[$key] | ForEach-Object { [double]$_.gcHeapBytes / 1MB })
    $seconds = Get-Median ($memory[$key] | ForEach-Object { [double]$_.seconds })
    $lines.Add("| $(Format-Number $m.records) | $(Format-Number $memMed[$key]) | $(Format-Runs $values 0) | $(Format-Number $heap) | $(Format-Number $seconds 2) | $(Format-Number ($m.records / $seconds)) |")
}
$lines.Add('')

# Targets
function Get-Verdict([bool]$Ok) { if ($Ok) { 'met' } else { '**missed**' } }
$t16 = $ceilingRate['16']
$pwBoto3 = Get-Median $vsBoto3.pwsh
$pwFloor = Get-Median $vsFloor.pwsh
$maxCallsAll = ($ceiling.Values | ForEach-Object { @($_.pwshSteady) } | ForEach-Object { [int]$_.stats.maxCallsPerSecondPerShard } | Measure-Object -Maximum).Maximum
$first = " (first read in a process: {0}; second: {1})"
$targets = @(
    ,@('Throughput on moto ≥ 1.3× the boto3 loop (paired)', "$(Format-Number $pwBoto3 2)× (ratio of medians: $(Format-Number ($med.boto3 / $med.pwsh) 2)×)", ($pwBoto3 -ge 1.3))
    ,@('Throughput on moto within 1.15× of the floor (paired)', "$(Format-Number $pwFloor 2)× (ratio of medians: $(Format-Number ($med.pwsh / $med.floor) 2)×)", ($pwFloor -le 1.15))
    ,@('Ceiling, 16 shards ≥ 5× the boto3 loop (steady state, paired)', "$(Format-Number $t16.vsBoto3 2)×$($first -f "$(Format-Number $t16.firstVsBoto3 2)×", "$(Format-Number $t16.secondVsBoto3 2)×")", ($t16.vsBoto3 -ge 5))
    ,@('Ceiling, 16 shards ≥ 40 MB/s of payload (steady state)', "$(Format-Number ($t16.pwsh * $RecordSize / 1e6) 1) MB/s$($first -f "$(Format-Number ($t16.pwshFirst * $RecordSize / 1e6) 1) MB/s", "$(Format-Number ($t16.pwshSecond * $RecordSize / 1e6) 1) MB/s")", ($t16.pwsh * $RecordSize / 1e6 -ge 40))
    ,@('Ceiling, 16 shards ≥ 1.5× 1 shard (steady state)', "$(Format-Number ($t16.pwsh / $ceilingRate['1'].pwsh) 2)×$($first -f "$(Format-Number ($t16.pwshFirst / $ceilingRate['1'].pwshFirst) 2)×", "$(Format-Number ($t16.pwshSecond / $ceilingRate['1'].pwshSecond) 2)×")", ($t16.pwsh / $ceilingRate['1'].pwsh -ge 1.5))
    ,@('Never more than 5 GetRecords/s on a shard', "max $maxCallsAll", ($maxCallsAll -le 5))
    ,@('Import-Module < 300 ms', "$(Format-Number $startMed.import) ms", ($startMed.import -lt 300))
    ,@('Cold start to first record faster than the AWS CLI', "$(Format-Number $startMed.pwsh) ms vs $(Format-Number $startMed.cli) ms", ($startMed.pwsh -lt $startMed.cli))
    ,@("Peak memory < 300 MB at $(Format-Number $MemoryRecords) records", "$(Format-Number $memMed.mlarge) MiB", ($memMed.mlarge * 1MB / 1e6 -lt 300))
    ,@("Peak memory at $(Format-Number $MemoryRecords) within 1.3× of $(Format-Number ($MemoryRecords / 10))", "$(Format-Number ($memMed.mlarge / $memMed.msmall) 2)×", ($memMed.mlarge / $memMed.msmall -le 1.3))
)
$lines.Add('## Targets')
$lines.Add('')
$lines.Add('| Target | Measured | |')
$lines.Add('|---|---:|---|')
foreach ($t in $targets) { $lines.Add("| $($t[0]) | $($t[1]) | $(Get-Verdict $t[2]) |") }
$lines.Add('')
$lines.Add("Raw results: $([System.IO.Path]::GetRelativePath($RepoRoot, $RawPath)).")

$text = $lines -join "`n"
Set-Content -LiteralPath $ResultsPath -Value $text -Encoding utf8NoBOM
Write-Host ''
Write-Host $text
Write-Host ''
Write-Host "Written to $ResultsPath"
Remove-Item -LiteralPath $Scratch -Recurse -Force -ErrorAction SilentlyContinue
