#Requires -Version 7.0
<#
.SYNOPSIS
    Generates the module's help from docs/: MAML for the cmdlets, a text topic for about_.
.DESCRIPTION
    platyPS is not available, so the help is kept as markdown under docs/ (the shape is described
    in docs/README.md) and converted here:

      docs/<Cmdlet-Name>.md    -> <cmdlet assembly folder>/en-US/KinesisXAcct.Cmdlets.dll-Help.xml
      docs/about_<Topic>.md    -> <module folder>/en-US/about_<Topic>.help.txt

    The syntax and the metadata of every parameter (type, mandatory, position, pipeline input,
    wildcards, aliases, enum values) are not written in markdown: they are read from the freshly
    built assembly. A CHILD pwsh imports the built module and reports `(Get-Command X).ParameterSets`
    as JSON, so the build process never loads the module's assemblies. The markdown supplies the
    words: synopsis, description, parameter descriptions (and default values), inputs, outputs,
    examples, notes, related links.

    Drift between docs and code is reported as warnings, not failures (the Pester suite
    tests/Pester/Help.Tests.ps1 fails on it): an exported cmdlet without a docs file, a parameter
    without a description, a documented parameter that the cmdlet does not have, an example that
    does not parse. A docs file that cannot be parsed at all (no SYNOPSIS, a heading that does not
    name the cmdlet) is an error.

    The help file is written next to the cmdlet assembly, wherever it lies under the module folder
    (<assembly folder>/en-US/KinesisXAcct.Cmdlets.dll-Help.xml), and, when the assembly is in a
    subfolder such as bin/, also beside the manifest (<module>/en-US/): PowerShell searches the
    module's ModuleBase first and reaches the assembly's folder only through NestedModules, which
    the ALC loader's module no longer lists after `Import-Module -Force`.
.EXAMPLE
    ./build/New-MamlHelp.ps1 -ModulePath ./out/KinesisXAcct
#>
[CmdletBinding()]
param(
    # The built module folder (holds the manifest and, somewhere below it, the cmdlet assembly).
    [Parameter(Mandatory)][string]$ModulePath,
    # The markdown sources.
    [string]$DocsPath = (Join-Path $PSScriptRoot '../docs'),
    [string]$ModuleName = 'KinesisXAcct',
    [string]$AssemblyName = 'KinesisXAcct.Cmdlets.dll',
    [string]$Culture = 'en-US'
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$ModulePath = (Resolve-Path -LiteralPath $ModulePath).Path
$DocsPath = (Resolve-Path -LiteralPath $DocsPath).Path

#region cmdlet metadata (child pwsh)

# Runs in the child: imports the module and writes, per exported cmdlet, the parameter sets and
# the per-parameter facts MAML needs. Common parameters are left out; WhatIf/Confirm are kept.
$MetadataScript = @'
param([string]$ModulePath, [string]$OutFile)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$module = Import-Module $ModulePath -PassThru -Force
$common = [System.Management.Automation.Cmdlet]::CommonParameters
$optional = [System.Management.Automation.Cmdlet]::OptionalCommonParameters

function Get-TypeFacts([type]$Type) {
    $element = if ($Type.IsArray) { $Type.GetElementType() } else { $Type }
    [ordered]@{
        Type      = $Type.FullName
        TypeName  = $Type.Name
        IsSwitch  = $Type -eq [System.Management.Automation.SwitchParameter]
        IsArray   = $Type.IsArray
        Values    = @(if ($element.IsEnum) { [enum]::GetNames($element) })
    }
}

$commands = foreach ($command in Get-Command -Module $module.Name -CommandType Cmdlet) {
    $parameters = foreach ($p in $command.Parameters.Values) {
        if ($p.Name -in $common -or $p.Name -eq 'UseTransaction') { continue }
        $facts = Get-TypeFacts $p.ParameterType
        $validateSet = $p.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] } | Select-Object -First 1
        if ($validateSet) { $facts.Values = @($validateSet.ValidValues) }
        [ordered]@{
            Name      = $p.Name
            Aliases   = @($p.Aliases)
            Globbing  = [bool]($p.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })
            IsOptionalCommon = $p.Name -in $optional
            Type      = $facts
        }
    }
    $sets = foreach ($set in $command.ParameterSets) {
        [ordered]@{
            Name       = $set.Name
            IsDefault  = $set.IsDefault
            Parameters = @(foreach ($p in $set.Parameters) {
                if ($p.Name -in $common -or $p.Name -eq 'UseTransaction') { continue }
                [ordered]@{
                    Name           = $p.Name
                    IsMandatory    = $p.IsMandatory
                    Position       = $p.Position
                    ByValue        = $p.ValueFromPipeline
                    ByPropertyName = $p.ValueFromPipelineByPropertyName
                }
            })
        }
    }
    [ordered]@{
        Name        = $command.Name
        Verb        = $command.Verb
        Noun        = $command.Noun
        DefaultSet  = $command.DefaultParameterSet
        Parameters  = @($parameters)
        Sets        = @($sets)
        OutputTypes = @($command.OutputType | ForEach-Object Name)
    }
}
ConvertTo-Json -InputObject @($commands) -Depth 8 | Set-Content -LiteralPath $OutFile -Encoding utf8
'@

function Invoke-MetadataChild {
    # The same pwsh as this one; under `dotnet pwsh` the process is dotnet and needs pwsh.dll first.
    $self = (Get-Process -Id $PID).Path
    $prefix = @()
    if ([System.IO.Path]::GetFileNameWithoutExtension($self) -eq 'dotnet') { $prefix = @(Join-Path $PSHOME 'pwsh.dll') }

    $scriptFile = Join-Path ([System.IO.Path]::GetTempPath()) "kxa-help-metadata-$PID.ps1"
    $outFile = Join-Path ([System.IO.Path]::GetTempPath()) "kxa-help-metadata-$PID.json"
    Set-Content -LiteralPath $scriptFile -Value $MetadataScript -Encoding utf8
    try {
        $psi = [System.Diagnostics.ProcessStartInfo]::new($self)
        $psi.UseShellExecute = $false
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        foreach ($a in $prefix + @('-NoProfile', '-NonInteractive', '-File', $scriptFile, $ModulePath, $outFile)) { $psi.ArgumentList.Add([string]$a) }
        $process = [System.Diagnostics.Process]::Start($psi)
        try {
            $stdout = $process.StandardOutput.ReadToEndAsync()
            $stderr = $process.StandardError.ReadToEndAsync()
            if (-not $process.WaitForExit(120000)) { $process.Kill($true); throw 'Reading cmdlet metadata took more than 120 s.' }
            $process.WaitForExit()
            if ($process.ExitCode -ne 0 -or -not (Test-Path -LiteralPath $outFile)) {
                throw "Reading cmdlet metadata from $ModulePath failed (exit $($process.ExitCode)): $($stderr.Result)$($stdout.Result)"
            }
        }
        finally { $process.Dispose() }
        Get-Content -LiteralPath $outFile -Raw | ConvertFrom-Json
    }
    finally {
        Remove-Item -LiteralPath $scriptFile, $outFile -Force -ErrorAction SilentlyContinue
    }
}

#endregion

#region markdown

function Split-MarkdownSection {
    # Splits lines at headings of exactly $Level '#' (outside code fences). Returns the lines
    # before the first heading as Title '' and one object per heading: Title, Lines.
    param([string[]]$Lines, [int]$Level)
    $marker = ('#' * $Level) + ' '
    $sections = [System.Collections.Generic.List[object]]::new()
    $current = [pscustomobject]@{ Title = ''; Lines = [System.Collections.Generic.List[string]]::new() }
    $inFence = $false
    foreach ($line in $Lines) {
        if ($line -match '^\s*```') { $inFence = -not $inFence }
        if (-not $inFence -and $line.StartsWith($marker)) {
            $sections.Add($current)
            $current = [pscustomobject]@{ Title = $line.Substring($marker.Length).Trim(); Lines = [System.Collections.Generic.List[string]]::new() }
            continue
        }
        $current.Lines.Add($line)
    }
    $sections.Add($current)
    $sections
}

function ConvertFrom-InlineMarkdown([string]$Text) {
    # Plain text for Get-Help: links become "text (url)", emphasis and code marks go.
    $t = [regex]::Replace($Text, '\[([^\]]+)\]\(([^)]*)\)', {
            param($m)
            $label = $m.Groups[1].Value; $url = $m.Groups[2].Value
            if (-not $url -or $url -eq $label) { $label } else { "$label ($url)" }
        })
    $t = $t -replace '\*\*([^*]+)\*\*', '$1' -replace '(?<![\w*])\*([^*\s][^*]*)\*(?![\w*])', '$1'
    $t = $t -replace '``\s?(.+?)\s?``', '$1' -replace '`([^`]+)`', '$1'
    $t -replace '<br\s*/?>', ' '
}

function ConvertTo-Block {
    # Markdown body -> blocks: Para (text), Item (list item text), Code (Lang, Text), Table (Rows).
    param([string[]]$Lines)
    $blocks = [System.Collections.Generic.List[object]]::new()
    $para = [System.Collections.Generic.List[string]]::new()
    $flush = {
        if ($para.Count -gt 0) {
            $text = ($para | ForEach-Object Trim) -join ' '
            $indent = $para[0].Length - $para[0].TrimStart().Length
            if ($text -match '^([-*]|\d+\.)\s+(.*)$') {
                $marker = $Matches[1]; $rest = $Matches[2]
                $bullet = if ($marker.StartsWith('*')) { '-' } else { $marker }
                $blocks.Add([pscustomobject]@{ Kind = 'Item'; Text = "$bullet $rest"; Indent = $indent })
            }
            else { $blocks.Add([pscustomobject]@{ Kind = 'Para'; Text = $text }) }
            $para.Clear()
        }
    }
    $i = 0
    while ($i -lt $Lines.Count) {
        $line = $Lines[$i]
        if ($line -match '^\s*```\s*([\w-]*)') {
            & $flush
            $lang = $Matches[1]
            $code = [System.Collections.Generic.List[string]]::new()
            $i++
            while ($i -lt $Lines.Count -and $Lines[$i] -notmatch '^\s*```\s*$') { $code.Add($Lines[$i]); $i++ }
            $blocks.Add([pscustomobject]@{ Kind = 'Code'; Lang = $lang; Text = ($code -join "`n") })
            $i++
            continue
        }
        if ($line -match '^\s*\|') {
            & $flush
            $rows = [System.Collections.Generic.List[object]]::new()
            while ($i -lt $Lines.Count -and $Lines[$i] -match '^\s*\|') {
                $cells = @($Lines[$i].Trim().Trim('|') -split '(?<!\\)\|' | ForEach-Object { (ConvertFrom-InlineMarkdown $_.Trim()) -replace '\\\|', '|' })
                if (-not ($cells -join '' -match '^[\s:-]*$')) { $rows.Add($cells) }
                $i++
            }
            $blocks.Add([pscustomobject]@{ Kind = 'Table'; Rows = $rows.ToArray() })
            continue
        }
        if (-not $line.Trim()) { & $flush; $i++; continue }
        # A new list item starts a new block even without a blank line before it.
        if ($line -match '^\s*([-*]|\d+\.)\s+' -and $para.Count -gt 0) { & $flush }
        $para.Add($line)
        $i++
    }
    & $flush
    foreach ($b in $blocks) { if ($b.Kind -in 'Para', 'Item') { $b.Text = ConvertFrom-InlineMarkdown $b.Text } }
    $blocks.ToArray()
}

function ConvertTo-ParaText {
    # Blocks -> the strings of maml:para elements. Get-Help trims each para's leading blanks,
    # so code keeps its inner line breaks and indentation only.
    param([object[]]$Blocks)
    foreach ($b in $Blocks) {
        switch ($b.Kind) {
            'Para' { $b.Text }
            'Item' { (' ' * $b.Indent) + $b.Text }
            'Code' { $b.Text }
            'Table' { foreach ($row in $b.Rows) { $row -join ' | ' } }
        }
    }
}

function Read-CommandDoc {
    # Parses docs/<Cmdlet>.md (see docs/README.md for the shape).
    param([string]$Path, [string]$CommandName)
    $lines = @(Get-Content -LiteralPath $Path -Encoding utf8)
    $top = @(Split-MarkdownSection -Lines $lines -Level 1)
    if ($top.Count -lt 2 -or $top[1].Title -ne $CommandName) {
        throw "${Path}: the first line must be '# $CommandName'."
    }
    $doc = [ordered]@{
        Name = $CommandName; Synopsis = $null; Description = @(); Parameters = [ordered]@{}
        Inputs = @(); Outputs = @(); Examples = @(); Notes = @(); Links = @()
    }
    foreach ($section in Split-MarkdownSection -Lines $top[1].Lines -Level 2) {
        switch ($section.Title.ToUpperInvariant()) {
            '' { }
            'SYNOPSIS' { $doc.Synopsis = (ConvertTo-ParaText (ConvertTo-Block $section.Lines)) -join ' ' }
            'SYNTAX' { }   # generated from the assembly; a SYNTAX section in markdown is ignored
            'DESCRIPTION' { $doc.Description = @(ConvertTo-ParaText (ConvertTo-Block $section.Lines)) }
            'NOTES' { $doc.Notes = @(ConvertTo-ParaText (ConvertTo-Block $section.Lines)) }
            'PARAMETERS' {
                foreach ($p in Split-MarkdownSection -Lines $section.Lines -Level 3) {
                    if (-not $p.Title) { continue }
                    if ($p.Title -notmatch '^-(\w+)$') { throw "${Path}: parameter heading '### $($p.Title)' must be '### -Name'." }
                    $name = $Matches[1]
                    $default = $null
                    $body = foreach ($l in $p.Lines) {
                        if ($l -match '^\s*Default value:\s*(.+?)\s*$') { $default = ConvertFrom-InlineMarkdown $Matches[1] } else { $l }
                    }
                    $doc.Parameters[$name] = [pscustomobject]@{ Description = @(ConvertTo-ParaText (ConvertTo-Block @($body))); Default = $default }
                }
            }
            { $_ -in 'INPUTS', 'OUTPUTS' } {
                $entries = foreach ($t in Split-MarkdownSection -Lines $section.Lines -Level 3) {
                    if (-not $t.Title) { continue }
                    [pscustomobject]@{ Type = ConvertFrom-InlineMarkdown $t.Title; Description = @(ConvertTo-ParaText (ConvertTo-Block $t.Lines)) }
                }
                if ($_ -eq 'INPUTS') { $doc.Inputs = @($entries) } else { $doc.Outputs = @($entries) }
            }
            'EXAMPLES' {
                $doc.Examples = @(foreach ($e in Split-MarkdownSection -Lines $section.Lines -Level 3) {
                        if (-not $e.Title) { continue }
                        $blocks = @(ConvertTo-Block $e.Lines)
                        $code = $blocks | Where-Object { $_.Kind -eq 'Code' -and $_.Lang -in 'powershell', 'pwsh', 'ps1', '' } | Select-Object -First 1
                        if (-not $code) { throw "${Path}: example '$($e.Title)' has no ```powershell code block." }
                        [pscustomobject]@{
                            Title   = ConvertFrom-InlineMarkdown $e.Title
                            Code    = $code.Text
                            Remarks = @(ConvertTo-ParaText ($blocks | Where-Object { $_ -ne $code }))
                        }
                    })
            }
            'RELATED LINKS' {
                # One list item per link: '- [text](url)' keeps its URL, '- Name' is a help topic.
                $doc.Links = @(foreach ($l in $section.Lines) {
                        if ($l -match '^\s*[-*]\s+\[([^\]]+)\]\(([^)]*)\)') { [pscustomobject]@{ Text = $Matches[1]; Uri = $Matches[2] } }
                        elseif ($l -match '^\s*[-*]\s+(.+?)\s*$') { [pscustomobject]@{ Text = ConvertFrom-InlineMarkdown $Matches[1]; Uri = '' } }
                    })
            }
            default { Write-Warning "${Path}: unknown section '## $($section.Title)' is ignored." }
        }
    }
    if (-not $doc.Synopsis) { throw "${Path}: '## SYNOPSIS' is missing or empty." }
    [pscustomobject]$doc
}

#endregion

#region MAML

$NsMaml = 'http://schemas.microsoft.com/maml/2004/10'
$NsCommand = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$NsDev = 'http://schemas.microsoft.com/maml/dev/2004/10'

function Write-Paras([System.Xml.XmlWriter]$W, [string[]]$Paras) {
    if (-not $Paras) { $W.WriteElementString('para', $NsMaml, ''); return }
    foreach ($p in $Paras) { $W.WriteElementString('para', $NsMaml, $p) }
}

function Write-Description([System.Xml.XmlWriter]$W, [string[]]$Paras) {
    $W.WriteStartElement('maml', 'description', $NsMaml)
    Write-Paras $W $Paras
    $W.WriteEndElement()
}

function Get-ParameterFacts {
    # Per-parameter facts over all sets: required, position, pipeline input.
    param($Meta, [string]$Name)
    $inSets = @($Meta.Sets | ForEach-Object { $_.Parameters | Where-Object Name -eq $Name })
    $mandatory = @($inSets | Where-Object IsMandatory)
    $required = if ($inSets.Count -gt 0 -and $mandatory.Count -eq $inSets.Count) { 'true' } elseif ($mandatory.Count -eq 0) { 'false' }
    else {
        $names = @($Meta.Sets | Where-Object { $_.Parameters | Where-Object { $_.Name -eq $Name -and $_.IsMandatory } } | ForEach-Object Name)
        "true ($($names -join ', ')), false (other sets)"
    }
    $positions = @($inSets | Where-Object { $_.Position -ge 0 } | ForEach-Object Position | Sort-Object -Unique)
    $position = if ($positions.Count -gt 0) { [string]$positions[0] } else { 'named' }
    $kinds = @()
    if ($inSets | Where-Object ByValue) { $kinds += 'ByValue' }
    if ($inSets | Where-Object ByPropertyName) { $kinds += 'ByPropertyName' }
    $pipeline = if ($kinds) { "True ($($kinds -join ', '))" } else { 'False' }
    [pscustomobject]@{ Required = $required; Position = $position; PipelineInput = $pipeline; Sets = @($Meta.Sets | Where-Object { $_.Parameters.Name -contains $Name } | ForEach-Object Name) }
}

function Write-ParameterValue([System.Xml.XmlWriter]$W, $Param, [bool]$InSyntax) {
    $type = $Param.Type
    if ($type.IsSwitch) {
        if (-not $InSyntax) {
            $W.WriteStartElement('command', 'parameterValue', $NsCommand)
            $W.WriteAttributeString('required', 'false'); $W.WriteAttributeString('variableLength', 'false')
            $W.WriteString('SwitchParameter'); $W.WriteEndElement()
        }
        return
    }
    if ($InSyntax -and @($type.Values).Count -gt 0) {
        $W.WriteStartElement('command', 'parameterValueGroup', $NsCommand)
        foreach ($v in $type.Values) {
            $W.WriteStartElement('command', 'parameterValue', $NsCommand)
            $W.WriteAttributeString('required', 'false'); $W.WriteAttributeString('variableLength', 'false')
            $W.WriteString($v); $W.WriteEndElement()
        }
        $W.WriteEndElement()
    }
    $W.WriteStartElement('command', 'parameterValue', $NsCommand)
    $W.WriteAttributeString('required', 'true'); $W.WriteAttributeString('variableLength', ([string]$type.IsArray).ToLowerInvariant())
    $W.WriteString($type.TypeName); $W.WriteEndElement()
}

function Write-ParameterStart([System.Xml.XmlWriter]$W, $Param, [string]$Required, [string]$Position, [string]$PipelineInput) {
    $W.WriteStartElement('command', 'parameter', $NsCommand)
    $W.WriteAttributeString('required', $Required)
    $W.WriteAttributeString('variableLength', ([string][bool]$Param.Type.IsArray).ToLowerInvariant())
    $W.WriteAttributeString('globbing', ([string][bool]$Param.Globbing).ToLowerInvariant())
    $W.WriteAttributeString('pipelineInput', $PipelineInput)
    $W.WriteAttributeString('position', $Position)
    $W.WriteAttributeString('aliases', $(if (@($Param.Aliases).Count) { $Param.Aliases -join ', ' } else { 'none' }))
    $W.WriteElementString('name', $NsMaml, $Param.Name)
}

function Write-DevType([System.Xml.XmlWriter]$W, [string]$TypeName) {
    $W.WriteStartElement('dev', 'type', $NsDev)
    $W.WriteElementString('name', $NsMaml, $TypeName)
    $W.WriteElementString('uri', $NsMaml, '')
    $W.WriteEndElement()
}

function Write-CommandHelp {
    param([System.Xml.XmlWriter]$W, $Meta, $Doc)
    $W.WriteStartElement('command', 'command', $NsCommand)
    $W.WriteAttributeString('xmlns', 'maml', $null, $NsMaml)
    $W.WriteAttributeString('xmlns', 'command', $null, $NsCommand)
    $W.WriteAttributeString('xmlns', 'dev', $null, $NsDev)

    $W.WriteStartElement('command', 'details', $NsCommand)
    $W.WriteElementString('name', $NsCommand, $Meta.Name)
    Write-Description $W @($Doc.Synopsis)
    $W.WriteElementString('verb', $NsCommand, $Meta.Verb)
    $W.WriteElementString('noun', $NsCommand, $Meta.Noun)
    $W.WriteEndElement()

    Write-Description $W $Doc.Description

    # Syntax: one item per parameter set (default set first), positional parameters by position,
    # then mandatory, then optional named ones, WhatIf/Confirm last.
    $byName = @{}
    foreach ($p in $Meta.Parameters) { $byName[$p.Name] = $p }
    $W.WriteStartElement('command', 'syntax', $NsCommand)
    $sets = @($Meta.Sets | Sort-Object { -not $_.IsDefault })
    foreach ($set in $sets) {
        $W.WriteStartElement('command', 'syntaxItem', $NsCommand)
        $W.WriteElementString('name', $NsMaml, $Meta.Name)
        $index = 0
        $ordered = $set.Parameters | ForEach-Object { $index++; $_ | Add-Member -NotePropertyName Order -NotePropertyValue $index -PassThru -Force } |
            Sort-Object @{ Expression = { if ($byName[$_.Name].IsOptionalCommon) { 3 } elseif ($_.Position -ge 0) { 0 } elseif ($_.IsMandatory) { 1 } else { 2 } } },
                        @{ Expression = { if ($_.Position -ge 0) { $_.Position } else { 0 } } }, Order
        foreach ($sp in $ordered) {
            $param = $byName[$sp.Name]
            $kinds = @(if ($sp.ByValue) { 'ByValue' }; if ($sp.ByPropertyName) { 'ByPropertyName' })
            Write-ParameterStart $W $param ([string]$sp.IsMandatory).ToLowerInvariant() $(if ($sp.Position -ge 0) { [string]$sp.Position } else { 'named' }) $(if ($kinds) { "True ($($kinds -join ', '))" } else { 'False' })
            Write-ParameterValue $W $param $true
            Write-DevType $W $param.Type.TypeName
            $W.WriteEndElement()
        }
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    # Parameters, in the order of the docs (then any undocumented ones).
    $names = @(@($Doc.Parameters.Keys | Where-Object { $byName.ContainsKey($_) }) + @($Meta.Parameters.Name | Where-Object { -not $Doc.Parameters.Contains($_) }))
    $W.WriteStartElement('command', 'parameters', $NsCommand)
    foreach ($name in $names) {
        $param = $byName[$name]
        $facts = Get-ParameterFacts $Meta $name
        $text = if ($Doc.Parameters.Contains($name)) { $Doc.Parameters[$name] } else { [pscustomobject]@{ Description = @(); Default = $null } }
        Write-ParameterStart $W $param $facts.Required $facts.Position $facts.PipelineInput
        Write-Description $W $text.Description
        Write-ParameterValue $W $param $false
        Write-DevType $W $param.Type.TypeName
        $W.WriteElementString('defaultValue', $NsDev, $(if ($text.Default) { $text.Default } elseif ($param.Type.IsSwitch) { 'False' } else { 'None' }))
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    $W.WriteStartElement('command', 'inputTypes', $NsCommand)
    foreach ($in in $Doc.Inputs) {
        $W.WriteStartElement('command', 'inputType', $NsCommand)
        Write-DevType $W $in.Type
        Write-Description $W $in.Description
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    $W.WriteStartElement('command', 'returnValues', $NsCommand)
    foreach ($out in $Doc.Outputs) {
        $W.WriteStartElement('command', 'returnValue', $NsCommand)
        Write-DevType $W $out.Type
        Write-Description $W $out.Description
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    $W.WriteStartElement('maml', 'alertSet', $NsMaml)
    $W.WriteStartElement('maml', 'alert', $NsMaml)
    Write-Paras $W $Doc.Notes
    $W.WriteEndElement()
    $W.WriteEndElement()

    $W.WriteStartElement('command', 'examples', $NsCommand)
    foreach ($e in $Doc.Examples) {
        $W.WriteStartElement('command', 'example', $NsCommand)
        # PowerShell's own style, '---- Example 1: title ----', kept within 76 columns where the title allows.
        $dashes = '-' * [math]::Max(2, [math]::Min(26, [math]::Floor((76 - $e.Title.Length - 2) / 2)))
        $W.WriteElementString('title', $NsMaml, "$dashes $($e.Title) $dashes")
        $W.WriteElementString('code', $NsDev, $e.Code)
        $W.WriteStartElement('dev', 'remarks', $NsDev)
        # The trailing empty para leaves a blank line before the next example's title.
        Write-Paras $W @($e.Remarks + '')
        $W.WriteEndElement()
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    $W.WriteStartElement('command', 'relatedLinks', $NsCommand)
    foreach ($link in $Doc.Links) {
        $W.WriteStartElement('maml', 'navigationLink', $NsMaml)
        $W.WriteElementString('linkText', $NsMaml, $link.Text)
        $W.WriteElementString('uri', $NsMaml, $link.Uri)
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    $W.WriteEndElement()   # command:command
}

function Test-DocAgainstMetadata($Meta, $Doc, [string]$Path) {
    # Warnings only: Help.Tests.ps1 is where drift fails.
    foreach ($p in $Meta.Parameters) {
        if (-not $Doc.Parameters.Contains($p.Name) -or -not ($Doc.Parameters[$p.Name].Description -join '').Trim()) {
            Write-Warning "${Path}: parameter -$($p.Name) of $($Meta.Name) has no description."
        }
    }
    foreach ($name in $Doc.Parameters.Keys) {
        if (-not ($Meta.Parameters.Name -contains $name)) { Write-Warning "${Path}: documents -$name, which $($Meta.Name) does not have; it is left out." }
    }
    if (@($Doc.Examples).Count -lt 2) { Write-Warning "${Path}: $($Meta.Name) has fewer than two examples." }
    foreach ($e in $Doc.Examples) {
        $errors = $null
        $null = [System.Management.Automation.Language.Parser]::ParseInput($e.Code, [ref]$null, [ref]$errors)
        if ($errors) { Write-Warning "${Path}: '$($e.Title)' does not parse: $($errors[0].Message)" }
    }
}

#endregion

#region about topic

function ConvertTo-WrappedLine([string]$Text, [int]$Indent, [int]$Hanging = $Indent, [int]$Width = 80) {
    # Word-wraps to $Width; the first line at $Indent, the rest at $Hanging.
    $lines = [System.Collections.Generic.List[string]]::new()
    $line = ' ' * $Indent
    $empty = $true
    foreach ($word in ($Text -split '\s+' | Where-Object { $_ })) {
        if (-not $empty -and $line.Length + 1 + $word.Length -gt $Width) {
            $lines.Add($line)
            $line = (' ' * $Hanging) + $word
        }
        else { $line = if ($empty) { $line + $word } else { "$line $word" } }
        $empty = $false
    }
    if (-not $empty) { $lines.Add($line) }
    $lines
}

function ConvertTo-AboutText {
    # docs/about_X.md -> about_X.help.txt, in the classic layout Get-Help shows as it is:
    # '# about_X' -> TOPIC; '## Title' -> TITLE at column 0; '### Title' at column 2; text at 4,
    # code at 8, tables as aligned columns; prose wrapped at 80 columns.
    param([string]$Path)
    $lines = @(Get-Content -LiteralPath $Path -Encoding utf8)
    $top = @(Split-MarkdownSection -Lines $lines -Level 1)
    if ($top.Count -lt 2 -or $top[1].Title -notmatch '^about_\w+$') { throw "${Path}: the first line must be '# about_<Topic>'." }
    $out = [System.Collections.Generic.List[string]]::new()
    $out.Add('TOPIC'); $out.Add("    $($top[1].Title)"); $out.Add('')

    $emit = {
        param([string[]]$Body)
        foreach ($b in ConvertTo-Block $Body) {
            switch ($b.Kind) {
                'Para' { $out.AddRange([string[]]@(ConvertTo-WrappedLine $b.Text 4)) }
                'Item' {
                    # Continuation lines hang under the item's text: '- ' or '1. ' wide.
                    $hang = 4 + $b.Indent + ($b.Text.IndexOf(' ') + 1)
                    $out.AddRange([string[]]@(ConvertTo-WrappedLine $b.Text (4 + $b.Indent) $hang))
                }
                'Code' { foreach ($c in $b.Text -split "`n") { $out.Add(("        $c").TrimEnd()) } }
                'Table' {
                    $widths = @(for ($c = 0; $c -lt $b.Rows[0].Count; $c++) { ($b.Rows | ForEach-Object { if ($c -lt $_.Count) { $_[$c].Length } else { 0 } } | Measure-Object -Maximum).Maximum })
                    if (4 + ($widths | Measure-Object -Sum).Sum + 2 * ($widths.Count - 1) -gt 80) {
                        # Too wide for 80 columns: each row as its first cell, then the other cells wrapped below it.
                        $header = $b.Rows[0]
                        foreach ($row in @($b.Rows | Select-Object -Skip 1)) {
                            $out.Add("    $($row[0])")
                            $rest = for ($c = 1; $c -lt $row.Count; $c++) { if ($header.Count -gt 2) { "$($header[$c]): $($row[$c])" } else { $row[$c] } }
                            $out.AddRange([string[]]@(ConvertTo-WrappedLine ($rest -join '; ') 8))
                        }
                        break
                    }
                    $first = $true
                    foreach ($row in $b.Rows) {
                        $cells = for ($c = 0; $c -lt $widths.Count; $c++) { $(if ($c -lt $row.Count) { $row[$c] } else { '' }).PadRight($widths[$c]) }
                        $out.Add(('    ' + ($cells -join '  ')).TrimEnd())
                        if ($first) { $out.Add(('    ' + (($widths | ForEach-Object { '-' * $_ }) -join '  '))); $first = $false }
                    }
                }
            }
            # Consecutive list items stay together; everything else is followed by a blank line.
            $out.Add('')
        }
    }

    foreach ($section in Split-MarkdownSection -Lines $top[1].Lines -Level 2) {
        if ($section.Title) { $out.Add($section.Title.ToUpperInvariant()) }
        foreach ($sub in Split-MarkdownSection -Lines $section.Lines -Level 3) {
            if ($sub.Title) { $out.Add("  $(ConvertFrom-InlineMarkdown $sub.Title)"); $out.Add('') }
            & $emit $sub.Lines
        }
    }
    # Collapse runs of blank lines; keep list items of one list together.
    $text = ($out -join "`n") -replace "(?m)^(    [ ]*(?:-|\d+\.) .*)\n\n(?=    [ ]*(?:-|\d+\.) )", "`$1`n"
    $text = [regex]::Replace($text, "(?m)^(    [ ]*(?:-|\d+\.) .*(?:\n      .*)*)\n\n(?=    [ ]*(?:-|\d+\.) )", "`$1`n")
    ($text -replace "\n{3,}", "`n`n").TrimEnd() + "`n"
}

#endregion

$manifest = Join-Path $ModulePath "$ModuleName.psd1"
if (-not (Test-Path -LiteralPath $manifest)) { throw "No module manifest at $manifest." }
$exported = @((Import-PowerShellDataFile -LiteralPath $manifest).CmdletsToExport)
$assembly = Get-ChildItem -LiteralPath $ModulePath -Filter $AssemblyName -File -Recurse | Sort-Object { $_.FullName.Length } | Select-Object -First 1
if (-not $assembly) { throw "No $AssemblyName under $ModulePath." }

$metadata = @(Invoke-MetadataChild)
$helpDir = Join-Path $assembly.DirectoryName $Culture
$null = New-Item -ItemType Directory -Path $helpDir -Force
$helpFile = Join-Path $helpDir "$AssemblyName-Help.xml"

$settings = [System.Xml.XmlWriterSettings]::new()
$settings.Indent = $true
$settings.Encoding = [System.Text.UTF8Encoding]::new($false)
$settings.NewLineChars = "`n"
$writer = [System.Xml.XmlWriter]::Create($helpFile, $settings)
$count = 0; $parameters = 0; $examples = 0
try {
    $writer.WriteStartDocument()
    $writer.WriteStartElement('helpItems', 'http://msh')
    $writer.WriteAttributeString('schema', 'maml')
    foreach ($name in $exported) {
        $meta = $metadata | Where-Object Name -eq $name
        if (-not $meta) { Write-Warning "$name is in CmdletsToExport but the built module has no such cmdlet."; continue }
        $path = Join-Path $DocsPath "$name.md"
        if (-not (Test-Path -LiteralPath $path)) { Write-Warning "No help for ${name}: $path is missing."; continue }
        $doc = Read-CommandDoc -Path $path -CommandName $name
        Test-DocAgainstMetadata $meta $doc $path
        Write-CommandHelp -W $writer -Meta $meta -Doc $doc
        $count++; $parameters += @($meta.Parameters).Count; $examples += @($doc.Examples).Count
    }
    $writer.WriteEndElement()
    $writer.WriteEndDocument()
}
finally { $writer.Dispose() }
$null = [xml](Get-Content -LiteralPath $helpFile -Raw)   # well-formed, or fail here
Write-Host "Help: $count cmdlets, $parameters parameters, $examples examples -> $helpFile"

# A copy beside the manifest as well, when the assembly lives in a subfolder (bin/, the ALC
# loader layout). PowerShell looks for a cmdlet's help file in its module's ModuleBase (the .psm1
# folder); it finds bin/en-US only through the module's NestedModules, and after
# `Import-Module -Force` the loader's cached assembly module is no longer listed there.
if ($assembly.DirectoryName -ne $ModulePath) {
    $rootHelpDir = Join-Path $ModulePath $Culture
    $null = New-Item -ItemType Directory -Path $rootHelpDir -Force
    Copy-Item -LiteralPath $helpFile -Destination $rootHelpDir -Force
    Write-Host "Help: copied to $(Join-Path $rootHelpDir (Split-Path $helpFile -Leaf))"
}

$aboutDir = Join-Path $ModulePath $Culture
$null = New-Item -ItemType Directory -Path $aboutDir -Force
foreach ($about in Get-ChildItem -LiteralPath $DocsPath -Filter 'about_*.md' -File) {
    $target = Join-Path $aboutDir ($about.BaseName + '.help.txt')
    Set-Content -LiteralPath $target -Value (ConvertTo-AboutText -Path $about.FullName) -Encoding utf8 -NoNewline
    Write-Host "Help: $($about.Name) -> $target"
}
