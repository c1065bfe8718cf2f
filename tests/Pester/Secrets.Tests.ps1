#Requires -Version 7.0
# Secrets never leak (issue 6). A separate pwsh plays the user: with the operator's keys in its
# environment and a transcript on, it runs the main scenarios with -Verbose -Debug, capturing every
# stream (*>&1) and showing it on its host as a user would see it: connect, list sessions, streams,
# shards, a checkpointed read (twice), a write, a forced AccessDenied, forced bad credentials (STS
# and Kinesis), a bad argument carrying a secret. It writes what it saw to files; this process then
# searches them all: the captured streams as text, the transcript, the checkpoint file, each
# error's ToString(), Exception.ToString() (inner exceptions, stack), Format-List * -Force and
# Get-Error, and every view of KinesisRoleSession (Format-List *, Format-Table, ToString(),
# ConvertTo-Json -Depth 5, Export-Clixml, ...).
#
# The secrets looked for: the operator's secret access key, the secret keys and session tokens the
# module's sessions really sign with (read by the child through reflection from the internal
# credentials, after the run), moto's session-token shape, and the property names SecretAccessKey /
# SecretKey / SessionToken / Credentials in the session's views. moto runs with IAM enforcement on,
# so the AccessDenied and bad-signature errors are real ones.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'Faults.Support.psm1') -Force
    $ModulePath = Import-ModuleUnderTest
    $Moto = New-MotoWorld -Scenario test -Records 20 -EnableIamEnforcement
    $World = $Moto.World
    $OperatorSecret = $World.operator.secretAccessKey
    $OutDir = Join-Path ([System.IO.Path]::GetTempPath()) ('kxa-secrets-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    $null = New-Item -ItemType Directory -Path $OutDir

    $userScript = @'
param($ModulePath, $OutDir, $ReaderRoleArn, $WriterRoleArn, $ExternalId, $OperatorKeyId)
$ErrorActionPreference = 'Continue'
Import-Module $ModulePath
$OperatorSecret = $env:AWS_SECRET_ACCESS_KEY
$CheckpointPath = Join-Path $OutDir 'checkpoint.json'
function Invoke-Captured([scriptblock]$Body) { try { & $Body } catch { $_ } }   # a terminating error joins the others
$steps = {
    Invoke-Captured { Connect-KinesisRole -RoleArn $ReaderRoleArn -ExternalId $ExternalId -Name reader -Verbose -Debug }
    Invoke-Captured { Connect-KinesisRole -RoleArn $WriterRoleArn -Name writer -Verbose -Debug }
    Invoke-Captured { Get-KinesisRoleSession -Verbose -Debug | Format-List * -Force }
    Invoke-Captured { Get-KinesisStream -SessionName reader -Verbose -Debug }
    Invoke-Captured { Get-KinesisShard -SessionName reader -StreamName orders -Verbose -Debug }
    Invoke-Captured { Read-KinesisRecord -SessionName reader -StreamName orders -CheckpointPath $CheckpointPath -First 10 -Verbose -Debug }
    Invoke-Captured { Read-KinesisRecord -SessionName reader -StreamName orders -CheckpointPath $CheckpointPath -Verbose -Debug }
    Invoke-Captured { 'secret-test-1', 'secret-test-2' | Write-KinesisRecord -SessionName writer -StreamName orders -PartitionKey s -PassThru -Verbose -Debug }
    # Forced AccessDenied: the read-only role writes; then the operator's own keys read.
    Invoke-Captured { 'denied' | Write-KinesisRecord -SessionName reader -StreamName orders -Verbose -Debug -ErrorAction Stop }
    Invoke-Captured { Disconnect-KinesisRole -All; Get-KinesisShard -StreamName orders -Verbose -Debug -ErrorAction Stop }
    # Forced bad credentials: the real secret with an unknown key id, a wrong secret that starts with the
    # real one, and Kinesis signed with a wrong secret from the environment.
    Invoke-Captured { Connect-KinesisRole -RoleArn $ReaderRoleArn -AccessKey AKIAIOSFODNN7EXAMPLE -SecretKey $OperatorSecret -Name bad1 -Verbose -Debug }
    Invoke-Captured { Connect-KinesisRole -RoleArn $ReaderRoleArn -AccessKey $OperatorKeyId -SecretKey ($OperatorSecret + 'X') -Name bad2 -Verbose -Debug }
    Invoke-Captured {
        $env:AWS_SECRET_ACCESS_KEY = $OperatorSecret.Substring(0, 20) + 'WRONG' + $OperatorSecret.Substring(25)
        try { Get-KinesisStream -Verbose -Debug -ErrorAction Stop } finally { $env:AWS_SECRET_ACCESS_KEY = $OperatorSecret }
    }
    # A bad argument that carries a secret as its value.
    Invoke-Captured { Connect-KinesisRole -RoleArn $ReaderRoleArn -AccessKey $OperatorKeyId -SessionToken $OperatorSecret -Verbose -Debug }
    # The sessions again, for the views.
    Invoke-Captured { Connect-KinesisRole -RoleArn $ReaderRoleArn -ExternalId $ExternalId -Name reader -Verbose -Debug }
    Invoke-Captured { Connect-KinesisRole -RoleArn $WriterRoleArn -Name writer -Verbose -Debug }
}

Start-Transcript -LiteralPath (Join-Path $OutDir 'transcript.txt') -IncludeInvocationHeader | Out-Null
$captured = @(& $steps *>&1)
# Shown on the host as a user would see it (the transcript records it): output formatted together,
# stream records through their own cmdlets.
$objects = [System.Collections.Generic.List[object]]::new()
foreach ($item in @($captured) + @($null)) {
    if ($null -ne $item -and -not ($item -is [System.Management.Automation.VerboseRecord] -or $item -is [System.Management.Automation.DebugRecord] -or
            $item -is [System.Management.Automation.WarningRecord] -or $item -is [System.Management.Automation.ErrorRecord] -or
            $item -is [System.Management.Automation.InformationRecord])) { $objects.Add($item); continue }
    if ($objects.Count) { Write-Host ($objects | Out-String -Width 4096); $objects.Clear() }
    if ($item -is [System.Management.Automation.VerboseRecord]) { Write-Verbose $item.Message -Verbose }
    elseif ($item -is [System.Management.Automation.DebugRecord]) { Write-Debug $item.Message -Debug }
    elseif ($item -is [System.Management.Automation.WarningRecord]) { Write-Warning $item.Message }
    elseif ($item -is [System.Management.Automation.ErrorRecord]) { Write-Host ($item | Out-String -Width 4096) }
    elseif ($item -is [System.Management.Automation.InformationRecord]) { Write-Host "$item" }
}
Stop-Transcript | Out-Null
$captured | Out-File -LiteralPath (Join-Path $OutDir 'all-streams.txt') -Width 4096

$errors = @($captured | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }) + @($Error | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
$texts = foreach ($e in $errors) {
    [pscustomobject]@{
        Id   = $e.FullyQualifiedErrorId
        Text = @(
            $e.ToString()
            $e.Exception.ToString()
            ($e | Format-List * -Force | Out-String -Width 4096)
            ($e.Exception | Format-List * -Force | Out-String -Width 4096)
            ($e | Get-Error | Out-String -Width 4096)
            "$($e.ErrorDetails)"
            "$($e.TargetObject)"
        ) -join "`n"
    }
}
ConvertTo-Json -InputObject @($texts) -Depth 3 | Set-Content -LiteralPath (Join-Path $OutDir 'errors.json') -Encoding utf8

$sessions = @(Get-KinesisRoleSession)
$sessions | Export-Clixml -LiteralPath (Join-Path $OutDir 'session.clixml') -Depth 5
$views = [ordered]@{
    'Format-List *'           = $sessions | Format-List * -Force | Out-String -Width 4096
    'Format-Table'            = $sessions | Format-Table -AutoSize | Out-String -Width 4096
    'Format-Table *'          = $sessions | Format-Table * -AutoSize | Out-String -Width 4096
    'the default view'        = $sessions | Out-String -Width 4096
    'ToString()'              = ($sessions | ForEach-Object { $_.ToString() }) -join "`n"
    'Select-Object *'         = $sessions | Select-Object * | Out-String -Width 4096
    'Get-Member'              = $sessions | Get-Member -Force | Out-String -Width 4096
    'ConvertTo-Json -Depth 5' = $sessions | ConvertTo-Json -Depth 5
    'ConvertTo-Csv'           = ($sessions | ConvertTo-Csv) -join "`n"
    'Export-Clixml'           = Get-Content -LiteralPath (Join-Path $OutDir 'session.clixml') -Raw
}
ConvertTo-Json -InputObject $views | Set-Content -LiteralPath (Join-Path $OutDir 'views.json') -Encoding utf8

# The secrets the sessions sign with, from their internal credentials (test-only reflection).
$used = foreach ($s in $sessions) {
    $creds = [KinesisXAcct.KinesisRoleSession].GetProperty('Credentials', [System.Reflection.BindingFlags]'Instance, NonPublic').GetValue($s).GetCredentials()
    $creds.SecretKey; $creds.Token
}
[ordered]@{
    sessions = @($sessions.Name)
    records  = @($captured | Where-Object { $_ -is [KinesisXAcct.KinesisRecord] }).Count
    verbose  = @($captured | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Count
    debug    = @($captured | Where-Object { $_ -is [System.Management.Automation.DebugRecord] }).Count
    errorIds = @($errors | ForEach-Object { ($_.FullyQualifiedErrorId -split ',')[0] } | Sort-Object -Unique)
    used     = @($used | Where-Object { $_ })
} | ConvertTo-Json | Set-Content -LiteralPath (Join-Path $OutDir 'summary.json') -Encoding utf8
'DONE'
'@
    $environment = @{
        AWS_ACCESS_KEY_ID = $World.operator.accessKeyId; AWS_SECRET_ACCESS_KEY = $OperatorSecret
        AWS_REGION = 'us-east-1'; AWS_ENDPOINT_URL = $Moto.Endpoint
        AWS_CONFIG_FILE = '/nonexistent/kxa-tests'; AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/kxa-tests'; AWS_EC2_METADATA_DISABLED = 'true'
    }
    $child = Start-ChildPwsh -Script $userScript -Environment $environment -ArgumentList @(
        $ModulePath, $OutDir, $World.readerRoleArn, $World.writerRoleArn, $World.externalId, $World.operator.accessKeyId)
    try { $UserRun = Wait-ExternalProcess $child -TimeoutSeconds 120 }
    finally { Remove-Item -LiteralPath $child.ScriptFile -ErrorAction SilentlyContinue }
    if ($UserRun.StdOut -notmatch 'DONE') { throw "The user session did not finish (exit $($UserRun.ExitCode)):`n$($UserRun.StdErr)`n$($UserRun.StdOut)" }
    $Summary = Get-Content -LiteralPath (Join-Path $OutDir 'summary.json') -Raw | ConvertFrom-Json
    $Secrets = @($OperatorSecret) + @($Summary.used)

    function Assert-NoSecret([string]$Where, [string]$Text) {
        $Text | Should -Not -BeNullOrEmpty -Because "$Where must have been produced"
        foreach ($secret in $Secrets) {
            $Text.Contains($secret) | Should -BeFalse -Because "$Where must not contain a secret (...$($secret.Substring($secret.Length - 4)))"
        }
        $Text | Should -Not -Match 'FQoGZXIvYXdzE' -Because "$Where must not contain a session token"
    }
}

AfterAll {
    Remove-TestWorld $Moto
    if ($OutDir) { Remove-Item -LiteralPath $OutDir -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'No secret in any output, stream, file or error (a user session with -Verbose -Debug and a transcript)' {

    It 'the scenario really ran: sessions, records, verbose lines, and the forced errors' {
        $Summary.sessions | Should -Contain 'reader'
        $Summary.sessions | Should -Contain 'writer'
        $Secrets.Count | Should -Be 5 -Because 'the operator secret plus a secret key and a token per session'
        $Summary.records | Should -BeGreaterOrEqual 20
        $Summary.verbose | Should -BeGreaterThan 10
        $Summary.errorIds | Should -Contain 'KinesisAccessDenied'
        $Summary.errorIds | Should -Contain 'SourceCredentialsRejected'
        $Summary.errorIds | Should -Contain 'KinesisCredentialsRejected'
        $Summary.errorIds | Should -Contain 'AccessKeyAndSecretKeyGoTogether'
        Test-Path -LiteralPath (Join-Path $OutDir 'checkpoint.json') | Should -BeTrue
    }

    It 'the process''s own output (stdout, stderr)' {
        Assert-NoSecret 'stdout and stderr' ($UserRun.StdOut + $UserRun.StdErr)
    }

    It 'every captured stream, rendered as text' {
        Assert-NoSecret 'the captured streams' (Get-Content -LiteralPath (Join-Path $OutDir 'all-streams.txt') -Raw)
    }

    It 'the transcript' {
        $text = Get-Content -LiteralPath (Join-Path $OutDir 'transcript.txt') -Raw
        $text | Should -Match 'VERBOSE: ' -Because 'the transcript saw the verbose stream'
        $text | Should -Match 'KinesisAccessDenied|may not call kinesis' -Because 'the transcript saw the errors'
        Assert-NoSecret 'the transcript' $text
    }

    It 'the checkpoint file' {
        Assert-NoSecret 'the checkpoint file' (Get-Content -LiteralPath (Join-Path $OutDir 'checkpoint.json') -Raw)
    }

    It 'each error: ToString(), Exception.ToString(), Format-List * -Force, Get-Error' {
        $errors = @(Get-Content -LiteralPath (Join-Path $OutDir 'errors.json') -Raw | ConvertFrom-Json)
        $errors.Count | Should -BeGreaterOrEqual 5
        foreach ($e in $errors) { Assert-NoSecret "error $($e.Id)" $e.Text }
    }

    It 'KinesisRoleSession in <View>' -TestCases @(
        @{ View = 'Format-List *'; Shows = 'kinesis-reader' }; @{ View = 'Format-Table'; Shows = 'kinesis-reader' }
        @{ View = 'Format-Table *'; Shows = 'kinesis-reader' }; @{ View = 'the default view'; Shows = 'kinesis-reader' }
        @{ View = 'ToString()'; Shows = 'kinesis-reader' }; @{ View = 'Select-Object *'; Shows = 'kinesis-reader' }
        @{ View = 'Get-Member'; Shows = 'AssumedRoleArn' }; @{ View = 'ConvertTo-Json -Depth 5'; Shows = 'kinesis-reader' }
        @{ View = 'ConvertTo-Csv'; Shows = 'kinesis-reader' }; @{ View = 'Export-Clixml'; Shows = 'kinesis-reader' }
    ) {
        $text = (Get-Content -LiteralPath (Join-Path $OutDir 'views.json') -Raw | ConvertFrom-Json).$View
        Assert-NoSecret $View $text
        $text | Should -Not -Match 'SecretAccessKey|SecretKey|SessionToken|Credentials'
        $text | Should -Match $Shows -Because 'the view does show the session'
    }
}
