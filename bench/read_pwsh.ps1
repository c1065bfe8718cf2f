#Requires -Version 7.0
<#
.SYNOPSIS
    Contender (a): Read-KinesisRecord -StartingPosition TrimHorizon | Out-Null in this pwsh process.
.DESCRIPTION
    Imports the built module, reads -Warm once (assemblies loaded, connections open), then times each
    read of -StreamName: several names are read one after the other in this process, each timed on its
    own (how the rate climbs while the JIT moves PowerShell's and our methods to optimized code). Credentials and region come from the environment, the endpoint from
    -EndpointUrl. With -CountRecords the record count is taken from the cmdlet's own verbose lines (one
    per GetRecords call, redirected to a file) so the records themselves go straight to Out-Null; that
    redirection costs about 1.5 ms per call on the pipeline thread (Out-File formats each line), so
    the prepared-response endpoint, which counts what it serves, is read without it (records -1). Prints
    RESULT {json} with the seconds, the records, the CPU time this process used during the (first) read
    (every thread: pipeline, shard readers, JIT, GC), the peak resident set (VmHWM) of this process, and
    per read: seconds, CPU seconds, the JIT's compilation time and methods compiled, GC counts and pause.
#>
param(
    [Parameter(Mandatory)][string]$ModulePath,
    [Parameter(Mandatory)][string[]]$StreamName,
    [Parameter(Mandatory)][string]$EndpointUrl,
    [string]$Warm,
    [switch]$CountRecords
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

Import-Module $ModulePath
if ($Warm) { Read-KinesisRecord -StreamName $Warm -StartingPosition TrimHorizon -EndpointUrl $EndpointUrl | Out-Null }

$StreamName = @($StreamName -split ',')   # -File passes "a,b" as one string
if ($CountRecords -and $StreamName.Count -ne 1) { throw '-CountRecords counts one read: give one -StreamName.' }
$verboseLog = [System.IO.Path]::GetTempFileName()
$reads = [System.Collections.Generic.List[object]]::new()
try {
    $self = [System.Diagnostics.Process]::GetCurrentProcess()
    foreach ($stream in $StreamName) {
        $self.Refresh()
        $cpu0 = $self.TotalProcessorTime
        $jit0 = [System.Runtime.JitInfo]::GetCompilationTime(); $methods0 = [System.Runtime.JitInfo]::GetCompiledMethodCount()
        $gc0 = @([GC]::CollectionCount(0), [GC]::CollectionCount(1), [GC]::CollectionCount(2)); $pause0 = [GC]::GetTotalPauseDuration()
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        if ($CountRecords) {
            Read-KinesisRecord -StreamName $stream -StartingPosition TrimHorizon -EndpointUrl $EndpointUrl -Verbose 4> $verboseLog | Out-Null
        }
        else {
            Read-KinesisRecord -StreamName $stream -StartingPosition TrimHorizon -EndpointUrl $EndpointUrl | Out-Null
        }
        $watch.Stop()
        $self.Refresh()
        $reads.Add([ordered]@{
            stream = $stream; seconds = $watch.Elapsed.TotalSeconds; cpuSeconds = ($self.TotalProcessorTime - $cpu0).TotalSeconds
            jitMs = ([System.Runtime.JitInfo]::GetCompilationTime() - $jit0).TotalMilliseconds
            jitMethods = [System.Runtime.JitInfo]::GetCompiledMethodCount() - $methods0
            gcCounts = @(([GC]::CollectionCount(0) - $gc0[0]), ([GC]::CollectionCount(1) - $gc0[1]), ([GC]::CollectionCount(2) - $gc0[2])); gcPauseMs = ([GC]::GetTotalPauseDuration() - $pause0).TotalMilliseconds
        })
    }

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
    contender = 'pwsh'; records = $records; calls = $calls; seconds = $reads[0].seconds; cpuSeconds = $reads[0].cpuSeconds
    vmhwmKb = $hwm; gcHeapBytes = [GC]::GetGCMemoryInfo().HeapSizeBytes; reads = $reads
} | ConvertTo-Json -Compress -Depth 4)
