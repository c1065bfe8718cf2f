#Requires -Version 7.0
# Packaging (issue 5, part 5): build.ps1 -Task Package's script (build/Publish-ModulePackage.ps1)
# turns the built module into a .nupkg; a user installs it by name with PSResourceGet from a
# local repository, imports it by name and reads records. Both steps run in child pwsh
# processes whose HOME and XDG_* folders are temporary, so PSResourceGet's repository list and
# the CurrentUser module folder are temporary too: nothing is left in the real user's config.

BeforeDiscovery {
    $Metadata = @(
        @{ Key = 'Description'; Where = 'manifest' }
        @{ Key = 'CompatiblePSEditions'; Where = 'manifest' }
        @{ Key = 'Tags'; Where = 'PSData' }
        @{ Key = 'ProjectUri'; Where = 'PSData' }
        @{ Key = 'LicenseUri'; Where = 'PSData' }
        @{ Key = 'ReleaseNotes'; Where = 'PSData' }
    )
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'Distribution.Support.psm1') -Force
    Add-Type -AssemblyName System.IO.Compression.FileSystem

    $ModulePath = Get-BuiltModulePath
    $Manifest = Import-PowerShellDataFile -LiteralPath (Join-Path $ModulePath 'KinesisXAcct.psd1')
    $Version = $Manifest.ModuleVersion

    $TempRoot = New-TemporaryDirectory -Prefix 'kxa-packaging'
    $TempHome = Join-Path $TempRoot 'home'
    $PackageDir = Join-Path $TempRoot 'package'
    # The folders must exist: .NET answers "" for a special folder that does not, and
    # PSResourceGet would then write its repository list relative to the working directory.
    foreach ($d in '.local/share', '.config', '.cache') { $null = New-Item -ItemType Directory -Path (Join-Path $TempHome $d) -Force }
    $TempEnvironment = @{
        HOME            = $TempHome
        XDG_DATA_HOME   = Join-Path $TempHome '.local/share'
        XDG_CONFIG_HOME = Join-Path $TempHome '.config'
        XDG_CACHE_HOME  = Join-Path $TempHome '.cache'
    }
    # The real user's repository list, to show it is left as it was.
    $RealStore = Join-Path ([Environment]::GetFolderPath('LocalApplicationData')) 'PSResourceGet/PSResourceRepository.xml'
    $RealStoreBefore = if (Test-Path -LiteralPath $RealStore) { Get-Content -LiteralPath $RealStore -Raw }

    # 1. The package step (what build.ps1 -Task Package runs after the build); moto starts meanwhile.
    $packChild = Start-ChildPwsh -File (Join-Path $PSScriptRoot '../../build/Publish-ModulePackage.ps1') -WorkingDirectory $TempRoot `
        -ArgumentList @('-ModulePath', $ModulePath, '-OutputPath', $PackageDir) -Environment $TempEnvironment
    try { $World = New-MotoStream -StreamName 'packaged' -Records 4 }
    finally { $Pack = Wait-ExternalProcess -Started $packChild -TimeoutSeconds 120 }
    $Package = Join-Path $PackageDir "KinesisXAcct.$Version.nupkg"

    # 2. The user: install by name into the (temporary) CurrentUser scope, import by name, read.
    # PSModulePath is dropped so the child computes it from its own HOME, as a fresh login would.
    $resultPath = Join-Path $TempRoot 'install.json'
    $environment = (Get-DefaultAwsEnvironment) + $TempEnvironment
    $Install = Invoke-ChildPwsh -File (Join-Path $PSScriptRoot 'Packaging.Scenario.ps1') -WorkingDirectory $TempRoot `
        -ArgumentList @('-PackageDir', $PackageDir, '-EndpointUrl', $World.Endpoint, '-StreamName', $World.StreamName, '-ResultPath', $resultPath) `
        -Environment $environment -RemoveEnvironment 'PSModulePath'
    $Result = if (Test-Path -LiteralPath $resultPath) { Get-Content -LiteralPath $resultPath -Raw | ConvertFrom-Json }

    function Get-PackageEntry([string]$Path) {
        $zip = [System.IO.Compression.ZipFile]::OpenRead($Path)
        try { @($zip.Entries | ForEach-Object FullName) } finally { $zip.Dispose() }
    }
    function Get-Nuspec([string]$Path) {
        $zip = [System.IO.Compression.ZipFile]::OpenRead($Path)
        try {
            $entry = $zip.Entries | Where-Object FullName -like '*.nuspec' | Select-Object -First 1
            $reader = [System.IO.StreamReader]::new($entry.Open())
            try { ([xml]$reader.ReadToEnd()).package.metadata } finally { $reader.Dispose() }
        }
        finally { $zip.Dispose() }
    }
}

AfterAll {
    if ($World) { Stop-Emulator $World.Moto }
    if ($TempRoot -and (Test-Path -LiteralPath $TempRoot)) { Remove-Item -LiteralPath $TempRoot -Recurse -Force }
}

Describe 'The module manifest carries the gallery metadata' {
    It '<Key> is set (<Where>)' -TestCases $Metadata {
        $value = if ($Where -eq 'manifest') { $Manifest[$Key] } else { $Manifest.PrivateData.PSData[$Key] }
        $value | Should -Not -BeNullOrEmpty
    }

    It 'runs on both editions and points at the project and its licence' {
        $Manifest.CompatiblePSEditions | Should -Be @('Desktop', 'Core')
        $Manifest.PrivateData.PSData.ProjectUri | Should -Match '^https://'
        $Manifest.PrivateData.PSData.LicenseUri | Should -Match '^https://.*LICENSE$'
        Join-Path $ModulePath 'LICENSE' | Should -Exist
    }
}

Describe 'Package step (build/Publish-ModulePackage.ps1, as build.ps1 -Task Package runs it)' {
    It 'publishes KinesisXAcct.<version>.nupkg, the version taken from the manifest' {
        $Pack.ExitCode | Should -Be 0 -Because $Pack.StdErr
        $Package | Should -Exist
        ($Pack.StdOut.Trim() -split "`n")[-1].Trim() | Should -Be $Package
    }

    It 'packs the manifest, root module, formats, licence and every assembly under bin/' {
        $entries = Get-PackageEntry $Package
        foreach ($file in 'KinesisXAcct.psd1', 'KinesisXAcct.psm1', 'KinesisXAcct.Format.ps1xml', 'LICENSE',
            'bin/KinesisXAcct.Cmdlets.dll', 'bin/KinesisXAcct.LoadContext.dll', 'bin/AWSSDK.Core.dll', 'bin/AWSSDK.SecurityToken.dll') {
            $entries | Should -Contain $file
        }
        $entries | Where-Object { $_ -like '*.dll' -and $_ -notlike 'bin/*' } | Should -BeNullOrEmpty -Because 'no assembly beside the manifest'
    }

    It 'writes the manifest''s metadata into the nuspec' {
        $nuspec = Get-Nuspec $Package
        $nuspec.id | Should -Be 'KinesisXAcct'
        $nuspec.version | Should -Be $Version
        $nuspec.description | Should -Be $Manifest.Description
        $nuspec.projectUrl | Should -Be $Manifest.PrivateData.PSData.ProjectUri
        $nuspec.licenseUrl | Should -Be $Manifest.PrivateData.PSData.LicenseUri
        $nuspec.releaseNotes | Should -Not -BeNullOrEmpty
        $nuspec.tags -split ' ' | Should -Contain 'PSModule'
        $nuspec.tags -split ' ' | Should -Contain 'PSEdition_Core'
    }
}

Describe 'Install-PSResource from a temporary repository, then Import-Module by name' {
    It 'runs every step without an error' {
        $Result | Should -Not -BeNullOrEmpty -Because "the child wrote no result (exit $($Install.ExitCode)): $($Install.StdErr)"
        $Result.Error | Should -BeNullOrEmpty
    }

    It 'finds and installs the manifest''s version into the temporary CurrentUser scope' {
        $Result.Found | Should -Be $Version
        $Result.InstalledVersion | Should -Be $Version
        $Result.InstalledLocation | Should -BeLike "$TempHome*"
    }

    It 'imports the installed copy by name, with the seven cmdlets, isolated in its load context' {
        $Result.ModuleBase | Should -BeLike "$TempHome*"
        $Result.ModuleVersion | Should -Be $Version
        $Result.Exported | Should -Be @($Manifest.CmdletsToExport | Sort-Object)
        $Result.CmdletAssemblyLocation | Should -BeLike "$($Result.ModuleBase)*bin*KinesisXAcct.Cmdlets.dll"
        $Result.CmdletLoadContext | Should -Be 'KinesisXAcct'
    }

    It 'reads every record from moto with the default credentials and -EndpointUrl' {
        $Result.Texts | Should -Be $World.Texts
    }

    It 'leaves no repository behind, neither in the temporary config nor in the real user''s' {
        $Result.RepositoryStore | Should -BeLike "$TempHome*"
        $Result.RepositoriesAfter | Should -Not -Contain $Result.Repository
        $realNow = if (Test-Path -LiteralPath $RealStore) { Get-Content -LiteralPath $RealStore -Raw }
        $realNow | Should -Be $RealStoreBefore
    }
}
