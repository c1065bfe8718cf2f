#Requires -Version 7.0
<#
.SYNOPSIS
    One process of Isolation.Tests.ps1: another AWSSDK.Core (3.7.x, as an older AWS module would
    bring) and KinesisXAcct in the same session, in the order given; then what happened, as JSON
    at -ResultPath.
.DESCRIPTION
    SdkFirst   : Add-Type the other AWSSDK.Core, use it, then import KinesisXAcct and read.
    ModuleFirst: import KinesisXAcct and read, then Add-Type the other AWSSDK.Core and use it;
                 then Remove-Module + Import-Module and read again with the session made before.
    Each read: one with the default credentials (-EndpointUrl), one through a session from
    Connect-KinesisRole (STS AssumeRole through the module's AWS SDK). Errors are recorded,
    not thrown, so the test can say which step failed.
#>
param(
    [Parameter(Mandatory)][ValidateSet('SdkFirst', 'ModuleFirst')][string]$Order,
    [Parameter(Mandatory)][string]$ModulePath,
    [Parameter(Mandatory)][string]$OtherSdkPath,
    [Parameter(Mandatory)][string]$EndpointUrl,
    [Parameter(Mandatory)][string]$StreamName,
    [Parameter(Mandatory)][string]$RoleArn,
    [Parameter(Mandatory)][string]$ResultPath
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$result = [ordered]@{ Order = $Order; Steps = [System.Collections.Generic.List[string]]::new(); Error = $null }

function Step([string]$Name, [scriptblock]$Action) {
    $result.Steps.Add($Name)
    & $Action
}

function Use-OtherSdk {
    # The other module's SDK, loaded as such a module would (Add-Type into the default context),
    # and used: a credentials object from that very assembly.
    Add-Type -LiteralPath $OtherSdkPath
    $assembly = [System.AppDomain]::CurrentDomain.GetAssemblies() |
        Where-Object { $_.GetName().Name -eq 'AWSSDK.Core' -and -not $_.IsDynamic -and $_.Location -eq $OtherSdkPath }
    $type = @($assembly)[0].GetType('Amazon.Runtime.BasicAWSCredentials', $true)
    $credentials = $type::new('AKIDOTHERMODULE', 'other-secret')
    $result.OtherSdk = [ordered]@{
        AssemblyVersion = $credentials.GetType().Assembly.GetName().Version.ToString()
        Location        = $credentials.GetType().Assembly.Location
        LoadContext     = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($credentials.GetType().Assembly).Name
        AccessKey       = $credentials.GetCredentials().AccessKey
    }
}

function Read-WithModule([string]$Label, $Session) {
    $default = @(Read-KinesisRecord -StreamName $StreamName -EndpointUrl $EndpointUrl -Region us-east-1 | ForEach-Object Text)
    $viaSession = @(Read-KinesisRecord -StreamName $StreamName -Session $Session | ForEach-Object Text)
    $result[$Label] = [ordered]@{ Default = $default; Session = $viaSession }
}

try {
    if ($Order -eq 'SdkFirst') { Step 'other SDK' { Use-OtherSdk } }

    Step 'import' { Import-Module $ModulePath }
    Step 'connect' {
        $script:session = Connect-KinesisRole -RoleArn $RoleArn -EndpointUrl $EndpointUrl -Region us-east-1
        # Sessions are kept per runspace by the cmdlet assembly: another cmdlet sees this one.
        $result.SessionsListed = @(Get-KinesisRoleSession | ForEach-Object Name)
    }
    Step 'read' { Read-WithModule 'Read' $script:session }

    if ($Order -eq 'ModuleFirst') {
        Step 'other SDK' { Use-OtherSdk }
        Step 're-import' {
            Remove-Module KinesisXAcct
            $result.CommandsAfterRemove = @(Get-Command -Module KinesisXAcct -ErrorAction SilentlyContinue).Count
            $module = Import-Module $ModulePath -PassThru
            $result.ExportedAfterReimport = @($module.ExportedCmdlets.Keys | Sort-Object)
            $result.SessionsListedAfterReimport = @(Get-KinesisRoleSession | ForEach-Object Name)
        }
        # The session object from before the re-import still binds: same assembly, same types.
        Step 'read after re-import' { Read-WithModule 'ReadAfterReimport' $script:session }
    }

    $cmdletAssembly = (Get-Command Read-KinesisRecord).ImplementingType.Assembly
    $result.CmdletLoadContext = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($cmdletAssembly).Name
    $result.CmdletAssemblyLocation = $cmdletAssembly.Location
    # Every AWS SDK assembly of the process, with the context that holds it.
    $result.AwsAssemblies = @([System.AppDomain]::CurrentDomain.GetAssemblies() |
            Where-Object { -not $_.IsDynamic -and $_.GetName().Name -like 'AWSSDK.*' } |
            ForEach-Object {
                [ordered]@{
                    Name        = $_.GetName().Name
                    Version     = $_.GetName().Version.ToString()
                    Location    = $_.Location
                    LoadContext = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_).Name
                }
            })
    $result.ModuleContexts = @([System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -eq 'KinesisXAcct').Count
}
catch {
    $result.Error = "$($result.Steps[-1]): $($_.Exception.GetType().FullName): $($_.Exception.Message)`n$($_.ScriptStackTrace)"
}

$result | ConvertTo-Json -Depth 6 | Set-Content -LiteralPath $ResultPath -Encoding utf8
