#Requires -Version 7.0
# Helpers for the Pester suites: emulator worlds, the AWS environment a user would have, the
# built module, and independent reference tools (aws CLI v1, boto3) that share no code with
# the module, so a test never checks the module against itself.
#
#   BeforeAll {
#       Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1') -Force
#       Import-BuiltModule
#       $world = New-MotoWorld -Scenario test -Records 50 -EnableIamEnforcement
#       $saved = Use-OperatorEnvironment -World $world
#   }
#   AfterAll { Restore-AwsEnvironment $saved; Remove-TestWorld $world }

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
$script:BuildWorldScript = Join-Path $script:RepoRoot 'tests/Fixtures/build_world.py'
$script:DumpStreamScript = Join-Path $script:RepoRoot 'tests/Fixtures/dump_stream.py'
# A path that never exists: pointing the shared config/credentials files here keeps the
# developer's ~/.aws out of every test.
$script:NoAwsFile = Join-Path ([System.IO.Path]::GetTempPath()) 'kxa-tests-no-such-aws-file'

# -Global: the suites call Start-KinesisLocal etc. directly, not only through these helpers.
Import-Module (Join-Path $script:RepoRoot 'tests/Support/Emulators.psm1') -Global

function Get-RepoRoot { $script:RepoRoot }

function Get-BuiltModulePath {
    # The module folder as shipped (./out/KinesisXAcct), never the bin folder: the manifest, exports
    # and formats are part of what is tested. KXA_MODULE_PATH names another build (a folder or
    # its .psd1), for every suite alike.
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

function Import-BuiltModule {
    # Get-BuiltModulePath, imported -Global so the test script sees the cmdlets.
    [CmdletBinding()]
    param()
    Import-Module (Get-BuiltModulePath) -Global -Force -PassThru
}

function New-ExternalStartInfo {
    # How every test starts a program: redirected streams, the repository as working folder
    # (unless told otherwise), and an exact environment (the inherited AWS_* variables and the
    # -RemoveEnvironment patterns dropped, only $Environment applied).
    [CmdletBinding()]
    [OutputType([System.Diagnostics.ProcessStartInfo])]
    param(
        [Parameter(Mandatory)][string]$FilePath,
        [string[]]$ArgumentList = @(),
        [hashtable]$Environment = @{},
        [string[]]$RemoveEnvironment = @(),
        [string]$WorkingDirectory = $script:RepoRoot
    )
    $psi = [System.Diagnostics.ProcessStartInfo]::new($FilePath)
    $psi.UseShellExecute = $false
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.RedirectStandardInput = $true
    $psi.WorkingDirectory = $WorkingDirectory
    foreach ($a in $ArgumentList) { $psi.ArgumentList.Add([string]$a) }
    foreach ($pattern in @('AWS_*') + $RemoveEnvironment) {
        foreach ($key in @($psi.Environment.Keys | Where-Object { $_ -like $pattern })) { $null = $psi.Environment.Remove($key) }
    }
    foreach ($key in $Environment.Keys) { $psi.Environment[$key] = [string]$Environment[$key] }
    $psi
}

function Start-ExternalProcess {
    # Starts a program without waiting (New-ExternalStartInfo's environment rules), optionally with
    # a text on stdin (records can be too long for a command line). Both output pipes are drained
    # from the start, so a chatty child never blocks on a full one. Finish it with
    # Wait-ExternalProcess, or Stop-ChildProcess.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][string]$FilePath,
        [string[]]$ArgumentList = @(),
        [hashtable]$Environment = @{},
        [string[]]$RemoveEnvironment = @(),
        [string]$WorkingDirectory = $script:RepoRoot,
        [string]$InputText
    )
    $psi = New-ExternalStartInfo -FilePath $FilePath -ArgumentList $ArgumentList -Environment $Environment -RemoveEnvironment $RemoveEnvironment -WorkingDirectory $WorkingDirectory
    $process = [System.Diagnostics.Process]::Start($psi)
    $started = [pscustomobject]@{
        Process = $process
        StdOut  = $process.StandardOutput.ReadToEndAsync()
        StdErr  = $process.StandardError.ReadToEndAsync()
        Command = "$FilePath $($ArgumentList -join ' ')"
    }
    if ($InputText) { $process.StandardInput.Write($InputText) }
    $process.StandardInput.Close()
    $started
}

function Wait-ExternalProcess {
    # Waits for a process from Start-ExternalProcess (or Start-ChildPwsh); returns ExitCode, StdOut,
    # StdErr. One still running after the timeout is killed (by its own id) and reported as an error.
    [CmdletBinding()]
    param([Parameter(Mandatory)]$Started, [int]$TimeoutSeconds = 60)
    $p = $Started.Process
    try {
        if (-not $p.WaitForExit($TimeoutSeconds * 1000)) {
            try { $p.Kill($true) } catch { }
            throw "$($Started.Command) did not finish within $TimeoutSeconds s."
        }
        $p.WaitForExit()
        [pscustomobject]@{ ExitCode = $p.ExitCode; StdOut = $Started.StdOut.GetAwaiter().GetResult(); StdErr = $Started.StdErr.GetAwaiter().GetResult() }
    }
    finally { $p.Dispose() }
}

function Stop-ChildProcess {
    # Kills a started child by its own process id (and its descendants), if it still runs.
    [CmdletBinding()]
    param([AllowNull()]$Started)
    if ($null -eq $Started) { return }
    try {
        if (-not $Started.Process.HasExited) { $Started.Process.Kill($true); $null = $Started.Process.WaitForExit(10000) }
    }
    catch [System.InvalidOperationException] { }
}

function Get-PwshLauncher {
    # The pwsh running this process, as a child command line. Under `dotnet pwsh` the process is
    # dotnet itself: the child needs pwsh.dll as its first argument (as build.ps1 does).
    $self = (Get-Process -Id $PID).Path
    if ([System.IO.Path]::GetFileNameWithoutExtension($self) -eq 'dotnet') {
        return [pscustomobject]@{ FilePath = $self; Prefix = @(Join-Path $PSHOME 'pwsh.dll') }
    }
    [pscustomobject]@{ FilePath = $self; Prefix = @() }
}

function Start-ChildPwsh {
    # A fresh pwsh (the one running the tests) on a script file (-File) or on script text (-Script,
    # written to a temporary file the caller removes: .ScriptFile), with New-ExternalStartInfo's
    # environment rules and plain-text output (an escape character in a child's stderr that ends up
    # in a failure message breaks Pester's NUnit report). Finish it with Wait-ExternalProcess or
    # Stop-ChildProcess; several may run at once.
    [CmdletBinding(DefaultParameterSetName = 'File')]
    param(
        [Parameter(Mandatory, ParameterSetName = 'File')][string]$File,
        [Parameter(Mandatory, ParameterSetName = 'Script')][string]$Script,
        [string[]]$ArgumentList = @(),
        [hashtable]$Environment = @{},
        [string[]]$RemoveEnvironment = @(),
        [string]$WorkingDirectory = $script:RepoRoot
    )
    if ($PSCmdlet.ParameterSetName -eq 'Script') {
        $File = Join-Path ([System.IO.Path]::GetTempPath()) ("kxa-child-" + [guid]::NewGuid().ToString('N').Substring(0, 8) + '.ps1')
        Set-Content -LiteralPath $File -Value $Script -Encoding utf8
    }
    $childEnvironment = @{ NO_COLOR = '1' }
    foreach ($key in $Environment.Keys) { $childEnvironment[$key] = $Environment[$key] }
    $launcher = Get-PwshLauncher
    $started = Start-ExternalProcess -FilePath $launcher.FilePath -Environment $childEnvironment -RemoveEnvironment $RemoveEnvironment -WorkingDirectory $WorkingDirectory `
        -ArgumentList (@($launcher.Prefix) + @('-NoProfile', '-NonInteractive', '-File', $File) + $ArgumentList)
    if ($PSCmdlet.ParameterSetName -eq 'Script') { $started | Add-Member -NotePropertyName ScriptFile -NotePropertyValue $File }
    $started
}

function Invoke-External {
    # Start-ExternalProcess, then Wait-ExternalProcess: ExitCode, StdOut, StdErr.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][string]$FilePath,
        [string[]]$ArgumentList = @(),
        [hashtable]$Environment = @{},
        [string]$InputText,
        [int]$TimeoutSeconds = 120
    )
    $started = Start-ExternalProcess -FilePath $FilePath -ArgumentList $ArgumentList -Environment $Environment -InputText $InputText
    Wait-ExternalProcess -Started $started -TimeoutSeconds $TimeoutSeconds
}

function New-MotoWorld {
    # Starts a moto_server and builds a two-account world on it (tests/Fixtures/build_world.py).
    # Returns Moto (emulator object for Stop-Emulator), Endpoint, World (the parsed JSON:
    # operator keys, readerRoleArn, writerRoleArn, externalId, streams with their records)
    # and IamEnforced.
    [CmdletBinding()]
    param(
        [ValidateSet('test', 'seed')][string]$Scenario = 'test',
        # Records per stream; without it, build_world.py's default for the scenario.
        [ValidateRange(0, 100000)][int]$Records,
        # Switch moto's IAM enforcement on after the world is built (signatures and identity
        # policies are checked from then on, as on AWS).
        [switch]$EnableIamEnforcement
    )
    $moto = Start-MotoServer
    try {
        $arguments = @($script:BuildWorldScript, '--endpoint', $moto.Endpoint, '--scenario', $Scenario)
        if ($PSBoundParameters.ContainsKey('Records')) { $arguments += @('--records', $Records) }
        $run = Invoke-External -FilePath 'python3' -ArgumentList $arguments -TimeoutSeconds 300
        if ($run.ExitCode -ne 0) { throw "build_world.py failed (exit $($run.ExitCode)):`n$($run.StdErr)" }
        $world = $run.StdOut | ConvertFrom-Json
        if ($EnableIamEnforcement) { Enable-MotoIamEnforcement -Endpoint $moto.Endpoint }
        [pscustomobject]@{
            PSTypeName  = 'KinesisXAcct.Tests.MotoWorld'
            Moto        = $moto
            Endpoint    = $moto.Endpoint
            World       = $world
            IamEnforced = [bool]$EnableIamEnforcement
        }
    }
    catch {
        Stop-Emulator $moto
        throw
    }
}

function Remove-TestWorld {
    # Stops the world's emulator. Accepts $null so an AfterAll after a failed BeforeAll is quiet.
    [CmdletBinding()]
    param([Parameter(ValueFromPipeline)][AllowNull()]$World)
    process {
        if ($null -eq $World) { return }
        $emulator = if ($World.PSObject.Properties['Moto']) { $World.Moto } else { $World }
        Stop-Emulator $emulator
    }
}

function Get-AwsEnvironment {
    # The AWS_* variables of this process, to restore later.
    $saved = @{}
    foreach ($item in Get-ChildItem Env: | Where-Object Name -like 'AWS_*') { $saved[$item.Name] = $item.Value }
    $saved
}

function Use-AwsEnvironment {
    # Replaces every AWS_* variable of this process with $Variables (plus isolation defaults:
    # no shared config/credentials files, no instance metadata probing). Returns the previous
    # AWS_* set for Restore-AwsEnvironment.
    [CmdletBinding()]
    param([hashtable]$Variables = @{})
    $previous = Get-AwsEnvironment
    $new = @{
        AWS_CONFIG_FILE             = $script:NoAwsFile
        AWS_SHARED_CREDENTIALS_FILE = $script:NoAwsFile
        AWS_EC2_METADATA_DISABLED   = 'true'
    }
    foreach ($key in $Variables.Keys) { $new[$key] = $Variables[$key] }
    Set-AwsEnvironment $new
    $previous
}

function Restore-AwsEnvironment {
    [CmdletBinding()]
    param([Parameter(Mandatory)][AllowNull()][hashtable]$Saved)
    if ($null -eq $Saved) { return }
    Set-AwsEnvironment $Saved
}

function Set-AwsEnvironment([hashtable]$Variables) {
    foreach ($name in @((Get-AwsEnvironment).Keys)) { Remove-Item -LiteralPath "Env:$name" }
    foreach ($key in $Variables.Keys) {
        if ($null -ne $Variables[$key]) { Set-Item -LiteralPath "Env:$key" -Value ([string]$Variables[$key]) }
    }
}

function Get-OperatorVariables($World) {
    $w = $World.World
    @{
        AWS_ACCESS_KEY_ID     = $w.operator.accessKeyId
        AWS_SECRET_ACCESS_KEY = $w.operator.secretAccessKey
        AWS_REGION            = $w.region
        AWS_ENDPOINT_URL      = $World.Endpoint
    }
}

function Use-OperatorEnvironment {
    # What a user in the consumer account has: the operator's keys, a region and (for the
    # emulator) an endpoint; no session token, no profile. Returns the previous AWS_* set:
    #   $saved = Use-OperatorEnvironment -World $w; ...; Restore-AwsEnvironment $saved
    [CmdletBinding()]
    param([Parameter(Mandatory)]$World)
    Use-AwsEnvironment -Variables (Get-OperatorVariables $World)
}

function Get-CliEnvironment($World, [hashtable]$Credential) {
    # Environment for the reference tools: the given credentials (default: the operator's).
    $vars = Get-OperatorVariables $World
    $vars['AWS_DEFAULT_REGION'] = $vars['AWS_REGION']
    $vars['AWS_CONFIG_FILE'] = $script:NoAwsFile
    $vars['AWS_SHARED_CREDENTIALS_FILE'] = $script:NoAwsFile
    $vars['AWS_EC2_METADATA_DISABLED'] = 'true'
    if ($Credential) {
        $vars['AWS_ACCESS_KEY_ID'] = $Credential.AccessKeyId
        $vars['AWS_SECRET_ACCESS_KEY'] = $Credential.SecretAccessKey
        if ($Credential['SessionToken']) { $vars['AWS_SESSION_TOKEN'] = $Credential.SessionToken }
    }
    $vars
}

function Invoke-AwsCli {
    # Runs `aws <args> --output json` against the world's endpoint. Returns the parsed JSON
    # (or $null for no output); throws with the CLI's error text on failure, or with
    # -AllowFailure returns ExitCode/StdOut/StdErr instead.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)]$World,
        [Parameter(Mandatory)][string[]]$Arguments,
        # AccessKeyId, SecretAccessKey, SessionToken; default: the operator's keys.
        [hashtable]$Credential,
        [switch]$AllowFailure
    )
    $run = Invoke-External -FilePath 'aws' -ArgumentList ($Arguments + @('--endpoint-url', $World.Endpoint, '--output', 'json')) `
        -Environment (Get-CliEnvironment $World $Credential)
    if ($AllowFailure) { return $run }
    if ($run.ExitCode -ne 0) { throw "aws $($Arguments -join ' ') failed (exit $($run.ExitCode)): $($run.StdErr.Trim())" }
    if ($run.StdOut.Trim()) { $run.StdOut | ConvertFrom-Json }
}

function Get-RoleCredential {
    # AssumeRole with the operator's keys through the aws CLI; returns a credential hashtable
    # for -Credential. Typical: the writer role, to put records without the module.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)]$World,
        [Parameter(Mandatory)][string]$RoleArn,
        [string]$ExternalId
    )
    $arguments = @('sts', 'assume-role', '--role-arn', $RoleArn, '--role-session-name', 'kxa-tests')
    if ($ExternalId) { $arguments += @('--external-id', $ExternalId) }
    $c = (Invoke-AwsCli -World $World -Arguments $arguments).Credentials
    @{ AccessKeyId = $c.AccessKeyId; SecretAccessKey = $c.SecretAccessKey; SessionToken = $c.SessionToken }
}

function Read-ReferenceStream {
    # Every record of a stream as boto3 sees it (tests/Fixtures/dump_stream.py): shardId,
    # sequenceNumber, partitionKey, data, base64, arrival; ordered by shard and sequence.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)]$World,
        [Parameter(Mandatory)][string]$StreamName,
        [Parameter(Mandatory)][hashtable]$Credential
    )
    $run = Invoke-External -FilePath 'python3' -ArgumentList @($script:DumpStreamScript, '--endpoint', $World.Endpoint, '--stream', $StreamName) `
        -Environment (Get-CliEnvironment $World $Credential)
    if ($run.ExitCode -ne 0) { throw "dump_stream.py $StreamName failed (exit $($run.ExitCode)):`n$($run.StdErr)" }
    # One object per record (none for an empty stream): collect with @(Read-ReferenceStream ...).
    $run.StdOut | ConvertFrom-Json
}

Export-ModuleMember -Function Get-RepoRoot, Get-BuiltModulePath, Import-BuiltModule, New-ExternalStartInfo, Start-ExternalProcess, Wait-ExternalProcess,
    Stop-ChildProcess, Get-PwshLauncher, Start-ChildPwsh, Invoke-External, New-MotoWorld, Remove-TestWorld, Get-AwsEnvironment,
    Use-AwsEnvironment, Restore-AwsEnvironment, Use-OperatorEnvironment, Invoke-AwsCli, Get-RoleCredential,
    Read-ReferenceStream
