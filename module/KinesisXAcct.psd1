@{
    # The single source of the module's version: build.ps1 passes it to the assembly.
    ModuleVersion        = '0.1.0'
    GUID                 = '5f1f3a52-8c0e-4d3b-9a4e-2b7c1d6e9f40'
    # The .psm1 loads bin/KinesisXAcct.Cmdlets.dll: on PowerShell 7 into an AssemblyLoadContext
    # of its own (isolated from other modules' AWSSDK assemblies), on Windows PowerShell directly.
    RootModule           = 'KinesisXAcct.psm1'
    FormatsToProcess     = @('KinesisXAcct.Format.ps1xml')
    Author               = 'KinesisXAcct contributors'
    CompanyName          = 'KinesisXAcct'
    Copyright            = '(c) KinesisXAcct contributors. MIT License.'
    Description          = 'Read and write Amazon Kinesis data streams in another AWS account through an assumed IAM role: refreshing sessions, every shard in parallel, resharding, throttling and expired iterators handled, records as objects.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Desktop', 'Core')
    CmdletsToExport      = @(
        'Connect-KinesisRole'
        'Get-KinesisRoleSession'
        'Disconnect-KinesisRole'
        'Get-KinesisStream'
        'Get-KinesisShard'
        'Read-KinesisRecord'
        'Write-KinesisRecord'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('AWS', 'Kinesis', 'STS', 'AssumeRole', 'CrossAccount', 'Streaming',
                'PSEdition_Core', 'PSEdition_Desktop', 'Windows', 'Linux', 'MacOS')
            ProjectUri   = 'https://github.com/kinesisxacct/KinesisXAcct'
            LicenseUri   = 'https://github.com/kinesisxacct/KinesisXAcct/blob/main/LICENSE'
            ReleaseNotes = @'
- Connect-KinesisRole, Get-KinesisRoleSession, Disconnect-KinesisRole: cross-account sessions
  through STS AssumeRole that renew themselves.
- Get-KinesisStream, Get-KinesisShard, Read-KinesisRecord, Write-KinesisRecord: every shard in
  parallel, resharding, throttling and expired iterators handled, checkpoints, KPL de-aggregation.
- On PowerShell 7 the module loads its AWS SDK and other dependencies into an
  AssemblyLoadContext of its own: no clash with other modules' AWSSDK assemblies.
'@
        }
    }
}
