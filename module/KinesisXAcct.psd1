@{
    # The single source of the module's version: build.ps1 passes it to the assembly.
    ModuleVersion        = '0.1.0'
    GUID                 = '5f1f3a52-8c0e-4d3b-9a4e-2b7c1d6e9f40'
    RootModule           = 'KinesisXAcct.Cmdlets.dll'
    FormatsToProcess     = @('KinesisXAcct.Format.ps1xml')
    Author               = 'KinesisXAcct contributors'
    CompanyName          = 'KinesisXAcct'
    Copyright            = '(c) KinesisXAcct contributors. Apache-2.0.'
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
            Tags = @('AWS', 'Kinesis', 'STS', 'AssumeRole', 'CrossAccount', 'Streaming')
        }
    }
}
