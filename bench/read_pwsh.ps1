#Requires -Version 7.0
<#
.SYNOPSIS
    Contender (a): Read-KinesisRecord -StartingPosition TrimHorizon | Out-Null in this pwsh process.
.DESCRIPTION
    Imports the built module, reads -Warm once (assemblies loaded, code jitted), then times only the
    read of -StreamName. Credentials and region come from the environment, the endpoint from
    -EndpointUrl. With -CountRecords the record count is taken from the cmdlet's own verbose lines (one
    per GetRecords call, redirected to a file) so the records themselves go straight to Out-Null; that
    redirection costs about 1.5 ms per call on the pipeline thread (Out-File formats each line), so
    the prepared-response endpoint, which counts what it serves, is read without it (records -1). Prints
    RESULT {json} with the seconds, the records, the CPU time this process used during the read
    (every thread: pipeline, shard readers, JIT, GC), and the peak resident set (VmHWM) of this process.
#>
param(
    [Parameter(Mandatory)][string]$ModulePath,
    [Parameter(Mandatory)][string]$StreamName,
    [Parameter(Mandatory)][string]$EndpointUrl,
    [string]$Warm,
    [switch]$CountRecords
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

Import-Module $ModulePath
if ($Warm) { Read-KinesisRecord -StreamName $Warm -StartingPosition TrimHorizon -EndpointUrl $EndpointUrl | Out-Null }

$verboseLog = [System.IO.Path]::GetTempFileName()
try {
    $self = [System.Diagnostics.Process]::GetCurrentProcess()
    $cpu0 = $self.TotalProcessorTime
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    if ($CountRecords) {
        Read-KinesisRecord -StreamName $StreamName -StartingPosition TrimHorizon -EndpointUrl $EndpointUrl -Verbose 4> $verboseLog | Out-Null
    }
    else {
        Read-KinesisRecord -StreamName $StreamName -StartingPosition TrimHorizon -EndpointUrl $EndpointUrl | Out-Null
    }
    $watch.Stop()
    $self.Refresh()
    $cpuSeconds = ($self.TotalProcessorTime - $cpu0).TotalSeconds

    $records = if ($CountRecords) { 0 } else { -1 }
    $calls = if ($CountRecords) { 0 } else { -1 }
    foreach ($line in [System.IO.File]::ReadLines($verboseLog)) {
        if ($line -match '^GetRecords .*, (\d+) records: HTTP') { $records += [long]$Matches[1]; $calls++ }
    }
}
finally { Remove-Item -LiteralPath $verboseLog -ErrorAction SilentlyContinue }

$hwm = -1
foreach ($line in [System.IO.File]::ReadLines('/proc/self/status')) {
    if ($line -match '^VmHWM:\s+(\d+)') { $hwm = [long]$Matches[1] }
}
'RESULT ' + (@{
    contender = 'pwsh'; records = $records; calls = $calls; seconds = $watch.Elapsed.TotalSeconds; cpuSeconds = $cpuSeconds
    vmhwmKb = $hwm; gcHeapBytes = [GC]::GetGCMemoryInfo().HeapSizeBytes
} | ConvertTo-Json -Compress)
