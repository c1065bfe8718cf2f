#Requires -Version 7.0
# Bad input, table-driven (issue 6): every cmdlet, every parameter, malformed values. Each case
# asserts the documented error id (the FullyQualifiedErrorId before the comma) and category, and
# whether the network may be used: AWS_ENDPOINT_URL points at FaultProxy.py in front of moto, which
# logs every request, so "no network call" means the proxy saw nothing during the case.
#
# Decisions recorded here:
#   - Values PowerShell's parameter binder refuses (ValidateRange, ValidateNotNullOrEmpty, enum
#     conversion, a null or empty mandatory argument) keep PowerShell's own error ids
#     (ParameterArgumentValidationError*, CannotConvertArgumentNoMessage) and categories
#     (InvalidData / InvalidArgument): they fail before the cmdlet runs, so still without a call.
#   - Write-KinesisRecord reports a bad record (too large, bad partition key) as its own
#     non-terminating error and writes the others; Connect-KinesisRole leaves the sessions of the
#     runspace exactly as they were when it fails.
#   - Names that are well-formed but do not exist (stream, shard, region) need a call to find out:
#     ObjectNotFound after the call.

BeforeDiscovery {
    # Cmdlet, Case, Id (error id), Category, Net ($true: a call is expected), Action (param($c); $c = context).
    $Cases = @(
        # ---------------------------------------------------------------- Connect-KinesisRole
        @{ Cmdlet = 'Connect-KinesisRole'; Case = '-RoleArn not-an-arn'; Id = 'InvalidRoleArn'; Category = 'InvalidArgument'; Action = { Connect-KinesisRole -RoleArn not-an-arn } }
        @{ Cmdlet = 'Connect-KinesisRole'; Case = '-RoleArn with a 5-digit account'; Id = 'InvalidRoleArn'; Category = 'InvalidArgument'; Action = { Connect-KinesisRole -RoleArn 'arn:aws:iam::12345:role/r' } }
        @{ Cmdlet = 'Connect-KinesisRole'; Case = '-RoleArn of a user'; Id = 'InvalidRoleArn'; Category = 'InvalidArgument'; Action = { Connect-KinesisRole -RoleArn 'arn:aws:iam::123456789012:user/alice' } }
        @{ Cmdlet = 'Connect-KinesisRole'; Case = '-RoleArn of an S3 bucket'; Id = 'InvalidRoleArn'; Category = 'InvalidArgument'; Action = { Connect-KinesisRole -RoleArn 'arn:aws:s3:::bucket' } }
        @{ Cmdlet = 'Connect-KinesisRole'; Case = '-RoleArn in an unknown partition'; Id = 'InvalidRoleArn'; Category = 'InvalidArgument'; Action = { Connect-KinesisRole -RoleArn 'arn:aws-mars:iam::123456789012:role/r' } }
        @{ Cmdlet = 'Connect-KinesisRole'; Case = '-RoleArn with a space in the name'; Id = 'InvalidRoleArn'; Category = 'InvalidArgument'; Action = { Connect-KinesisRole -RoleArn 'arn:aws:iam::123456789012:role/bad name' } }
        @{ Cmdlet = 'Connect-KinesisRole'; Case = '-RoleArn with a role name of 65 characters'; Id = 'InvalidRoleArn'; Category = 'InvalidArgument'; Action = { Connect-KinesisRole -RoleArn ('arn:aws:iam::123456789012:role/' + 'r' * 65) } }
        @{ Cmdlet = 'Connect-KinesisRole'; Case = '-RoleArn empty'; Id = 'ParameterArgumentValidationErrorEmptyStringNotAllowed'; Category = 'InvalidData'; Action = { Connect-KinesisRole -RoleArn '' } }
        @{ Cmdlet = 'Connect-KinesisRole'; Case = '-RoleSessionName of 1 character'; Id = 'InvalidRoleSessionName'; Category = 'InvalidArgument'; Action = { Connect-KinesisRole -RoleArn arn:aws:iam::210987654321:role/kinesis-reader -RoleSessionName a } }
        @{ Cmdlet = 'Connect-KinesisRole'; Case = '-RoleSessionName with a space'; Id = 'InvalidRoleSessionName'; Category = 'InvalidArgument'; Action = { Connect-KinesisRole -RoleArn arn:aws:iam::210987654321:role/kinesis-reader -RoleSessionName 'a b' } }
        @{ Cmdlet = 'Connect-KinesisRole'; Case = '-RoleSessionName of 65 characters'; Id = 'InvalidRoleSessionName'; Category = 'InvalidArgument'; Action = { Connect-KinesisRole -RoleArn arn:aws:iam::210987654321:role/kinesis-reader -RoleSessionName ('s' * 65) } }
        @{ Cmdlet = 'Connect-KinesisRole'; Case = '-RoleSessionName with a non-ASCII letter'; Id = 'InvalidRoleSessionName'; Category = 'InvalidArgument'; Action = { Connect-KinesisRole -RoleArn arn:aws:iam::210987654321:role/kinesis-reader -RoleSessionName "Jos$([char]0xE9)" } }
        @{ Cmdlet = 'Connect-KinesisRole'; Case = '-RoleSessionName ending in a newline'; Id = 'InvalidRoleSessionName'; Category = 'InvalidArgument'; Action = { Connect-KinesisRole -RoleArn arn:aws:iam::210987654321:role/kinesis-reader -RoleSessionName "name`n" } }
        @{ Cmdlet = 'Connect-KinesisRole'; Case = '-RoleSessionName with a slash'; Id = 'InvalidRoleSessionName'; Category = 'InvalidArgument'; Action = { Connect-KinesisRole -RoleArn arn:aws:iam::210987654321:role/kinesis-reader -RoleSessionName 'a/b' } }
        @{ Cmdlet = 'Connect-KinesisRole'; Case = '-ExternalId of 1 character'; Id = 'InvalidExternalId'; Category = 'InvalidArgument'; Action = { Connect-KinesisRole -RoleArn arn:aws:iam::210987654321:role/kinesis-reader -ExternalId x } }
        @{ Cmdlet = 'Connect-KinesisRole'; Case = '-ExternalId with a space and !'; Id = 'InvalidExternalId'; Category = 'InvalidArgument'; Action = { Connect-KinesisRole -RoleArn arn:aws:iam::210987654321:role/kinesis-reader -ExternalId 'ext id!' } }
        @{ Cmdlet = 'Connect-KinesisRole'; Case = '-ExternalId of 1225 characters'; Id = 'InvalidExternalId'; Category = 'InvalidArgument'; Action = { Connect-KinesisRole -RoleArn arn:aws:iam::210987654321:role/kinesis-reader -ExternalId ('e' * 1225) } }
        @{ Cmdlet = 'Connect-KinesisRole'; Case = '-DurationSeconds 899'; Id = 'DurationOutOfRange'; Category = 'InvalidArgument'; Action = { Connect-KinesisRole -RoleArn arn:aws:iam::210987654321:role/kinesis-reader -DurationSeconds 899 } }
        @{ Cmdlet = 'Connect-KinesisRole'; Case = '-DurationSeconds 43201'; Id = 'DurationOutOfRange'; Category = 'InvalidArgument'; Action = { Connect-KinesisRole -RoleArn arn:aws:iam::210987654321:role/kinesis-reader -DurationSeconds 43201 } }
        @{ Cmdlet = 'Connect-KinesisRole'; Case = '-DurationSeconds -1'; Id = 'DurationOutOfRange'; Category = 'InvalidArgument'; Action = { Connect-KinesisRole -RoleArn arn:aws:iam::210987654321:role/kinesis-reader -DurationSeconds -1 } }
        @{ Cmdlet = 'Connect-KinesisRole'; Case = '-DurationSeconds not a number'; Id = 'CannotConvertArgumentNoMessage'; Category = 'InvalidArgument'; Action = { Connect-KinesisRole -RoleArn arn:aws:iam::210987654321:role/kinesis-reader -DurationSeconds 'an hour' } }
        @{ Cmdlet = 'Connect-KinesisRole'; Case = '-TokenCode without -SerialNumber'; Id = 'MfaSerialAndTokenCodeGoTogether'; Category = 'InvalidArgument'; Action = { Connect-KinesisRole -RoleArn arn:aws:iam::210987654321:role/kinesis-reader -TokenCode 123456 } }
        @{ Cmdlet = 'Connect-KinesisRole'; Case = '-SerialNumber without -TokenCode'; Id = 'MfaSerialAndTokenCodeGoTogether'; Category = 'InvalidArgument'; Action = { Connect-KinesisRole -RoleArn arn:aws:iam::210987654321:role/kinesis-reader -SerialNumber arn:aws:iam::123456789012:mfa/alice } }
        @{ Cmdlet = 'Connect-KinesisRole'; Case = '-TokenCode of 5 digits'; Id = 'InvalidTokenCode'; Category = 'InvalidArgument'; Action = { Connect-KinesisRole -RoleArn arn:aws:iam::210987654321:role/kinesis-reader -SerialNumber arn:aws:iam::123456789012:mfa/alice -TokenCode 12345 } }
        @{ Cmdlet = 'Connect-KinesisRole'; Case = '-TokenCode of letters'; Id = 'InvalidTokenCode'; Category = 'InvalidArgument'; Action = { Connect-KinesisRole -RoleArn arn:aws:iam::210987654321:role/kinesis-reader -SerialNumber arn:aws:iam::123456789012:mfa/alice -TokenCode abcdef } }
        @{ Cmdlet = 'Connect-KinesisRole'; Case = '-SerialNumber too short'; Id = 'InvalidSerialNumber'; Category = 'InvalidArgument'; Action = { Connect-KinesisRole -RoleArn arn:aws:iam::210987654321:role/kinesis-reader -SerialNumber short -TokenCode 123456 } }
        @{ Cmdlet = 'Connect-KinesisRole'; Case = '-PolicyArn not an ARN'; Id = 'InvalidPolicyArn'; Category = 'InvalidArgument'; Action = { Connect-KinesisRole -RoleArn arn:aws:iam::210987654321:role/kinesis-reader -PolicyArn not-an-arn } }
        @{ Cmdlet = 'Connect-KinesisRole'; Case = '-PolicyArn of a role'; Id = 'InvalidPolicyArn'; Category = 'InvalidArgument'; Action = { Connect-KinesisRole -RoleArn arn:aws:iam::210987654321:role/kinesis-reader -PolicyArn arn:aws:iam::210987654321:role/kinesis-reader } }
        @{ Cmdlet = 'Connect-KinesisRole'; Case = '-PolicyArn 11 times'; Id = 'TooManyPolicyArns'; Category = 'InvalidArgument'; Action = { Connect-KinesisRole -RoleArn arn:aws:iam::210987654321:role/kinesis-reader -PolicyArn (1..11 | ForEach-Object { "arn:aws:iam::aws:policy/P$_" }) } }
        @{ Cmdlet = 'Connect-KinesisRole'; Case = '-Policy of 2049 characters'; Id = 'InvalidPolicy'; Category = 'InvalidArgument'; Action = { Connect-KinesisRole -RoleArn arn:aws:iam::210987654321:role/kinesis-reader -Policy ('p' * 2049) } }
        @{ Cmdlet = 'Connect-KinesisRole'; Case = '-Tag with ! in a key'; Id = 'InvalidSessionTag'; Category = 'InvalidArgument'; Action = { Connect-KinesisRole -RoleArn arn:aws:iam::210987654321:role/kinesis-reader -Tag @{ 'bad key!' = 'v' } } }
        @{ Cmdlet = 'Connect-KinesisRole'; Case = '-Tag with 51 tags'; Id = 'TooManyTags'; Category = 'InvalidArgument'; Action = { $t = @{}; 1..51 | ForEach-Object { $t["k$_"] = 'v' }; Connect-KinesisRole -RoleArn arn:aws:iam::210987654321:role/kinesis-reader -Tag $t } }
        @{ Cmdlet = 'Connect-KinesisRole'; Case = '-Region mars-north'; Id = 'InvalidRegion'; Category = 'InvalidArgument'; Action = { Connect-KinesisRole -RoleArn arn:aws:iam::210987654321:role/kinesis-reader -Region mars-north } }
        @{ Cmdlet = 'Connect-KinesisRole'; Case = '-Region in capitals'; Id = 'InvalidRegion'; Category = 'InvalidArgument'; Action = { Connect-KinesisRole -RoleArn arn:aws:iam::210987654321:role/kinesis-reader -Region US-EAST-1 } }
        @{ Cmdlet = 'Connect-KinesisRole'; Case = '-ProfileName that does not exist'; Id = 'ProfileNotFound'; Category = 'InvalidArgument'; Action = { Connect-KinesisRole -RoleArn arn:aws:iam::210987654321:role/kinesis-reader -ProfileName no-such-profile } }
        @{ Cmdlet = 'Connect-KinesisRole'; Case = '-AccessKey without -SecretKey'; Id = 'AccessKeyAndSecretKeyGoTogether'; Category = 'InvalidArgument'; Action = { Connect-KinesisRole -RoleArn arn:aws:iam::210987654321:role/kinesis-reader -AccessKey AKIAIOSFODNN7EXAMPLE } }
        @{ Cmdlet = 'Connect-KinesisRole'; Case = '-SessionToken alone'; Id = 'AccessKeyAndSecretKeyGoTogether'; Category = 'InvalidArgument'; Action = { Connect-KinesisRole -RoleArn arn:aws:iam::210987654321:role/kinesis-reader -SessionToken token } }
        @{ Cmdlet = 'Connect-KinesisRole'; Case = '-AccessKey/-SecretKey with -ProfileName'; Id = 'ConflictingCredentialSources'; Category = 'InvalidArgument'; Action = { Connect-KinesisRole -RoleArn arn:aws:iam::210987654321:role/kinesis-reader -AccessKey AKIAIOSFODNN7EXAMPLE -SecretKey s -ProfileName p } }
        @{ Cmdlet = 'Connect-KinesisRole'; Case = '-SourceSession with -AccessKey'; Id = 'ConflictingCredentialSources'; Category = 'InvalidArgument'; Action = { param($c) Connect-KinesisRole -RoleArn arn:aws:iam::210987654321:role/kinesis-reader -SourceSession $c.Reader -AccessKey AKIAIOSFODNN7EXAMPLE -SecretKey s } }
        @{ Cmdlet = 'Connect-KinesisRole'; Case = '-SourceSession with -DurationSeconds 7200 (chaining allows 1 h)'; Id = 'ChainedSessionDurationTooLong'; Category = 'InvalidArgument'; Action = { param($c) Connect-KinesisRole -RoleArn arn:aws:iam::210987654321:role/kinesis-reader -SourceSession $c.Reader -DurationSeconds 7200 } }
        @{ Cmdlet = 'Connect-KinesisRole'; Case = '-EndpointUrl ftp://'; Id = 'InvalidEndpointUrl'; Category = 'InvalidArgument'; Action = { Connect-KinesisRole -RoleArn arn:aws:iam::210987654321:role/kinesis-reader -EndpointUrl 'ftp://127.0.0.1/' } }
        @{ Cmdlet = 'Connect-KinesisRole'; Case = '-EndpointUrl not a URL'; Id = 'InvalidEndpointUrl'; Category = 'InvalidArgument'; Action = { Connect-KinesisRole -RoleArn arn:aws:iam::210987654321:role/kinesis-reader -EndpointUrl 'not a url' } }
        @{ Cmdlet = 'Connect-KinesisRole'; Case = '-StsEndpointUrl relative'; Id = 'InvalidEndpointUrl'; Category = 'InvalidArgument'; Action = { Connect-KinesisRole -RoleArn arn:aws:iam::210987654321:role/kinesis-reader -StsEndpointUrl '/sts' } }
        @{ Cmdlet = 'Connect-KinesisRole'; Case = '-KinesisEndpointUrl file://'; Id = 'InvalidEndpointUrl'; Category = 'InvalidArgument'; Action = { Connect-KinesisRole -RoleArn arn:aws:iam::210987654321:role/kinesis-reader -KinesisEndpointUrl 'file:///etc/passwd' } }
        @{ Cmdlet = 'Connect-KinesisRole'; Case = '-Name empty'; Id = 'ParameterArgumentValidationError'; Category = 'InvalidData'; Action = { Connect-KinesisRole -RoleArn arn:aws:iam::210987654321:role/kinesis-reader -Name '' } }

        # ---------------------------------------------------------------- Get-KinesisRoleSession / Disconnect-KinesisRole
        @{ Cmdlet = 'Get-KinesisRoleSession'; Case = '-Name that is not connected'; Id = 'SessionNotFound'; Category = 'ObjectNotFound'; Action = { Get-KinesisRoleSession -Name no-such-session } }
        @{ Cmdlet = 'Disconnect-KinesisRole'; Case = '-Name that is not connected'; Id = 'SessionNotFound'; Category = 'ObjectNotFound'; Action = { Disconnect-KinesisRole -Name no-such-session } }
        @{ Cmdlet = 'Disconnect-KinesisRole'; Case = '-Name empty'; Id = 'ParameterArgumentValidationError'; Category = 'InvalidData'; Action = { Disconnect-KinesisRole -Name '' } }

        # ---------------------------------------------------------------- Get-KinesisStream
        @{ Cmdlet = 'Get-KinesisStream'; Case = '-StreamName with a slash'; Id = 'InvalidStreamName'; Category = 'InvalidArgument'; Action = { Get-KinesisStream -StreamName 'bad/name' } }
        @{ Cmdlet = 'Get-KinesisStream'; Case = '-StreamName of 129 characters'; Id = 'InvalidStreamName'; Category = 'InvalidArgument'; Action = { Get-KinesisStream -StreamName ('s' * 129) } }
        @{ Cmdlet = 'Get-KinesisStream'; Case = '-StreamArn of a table'; Id = 'InvalidStreamArn'; Category = 'InvalidArgument'; Action = { Get-KinesisStream -StreamArn 'arn:aws:kinesis:us-east-1:123456789012:table/x' } }
        @{ Cmdlet = 'Get-KinesisStream'; Case = '-StreamArn a bare name'; Id = 'InvalidStreamArn'; Category = 'InvalidArgument'; Action = { Get-KinesisStream -StreamArn orders } }
        @{ Cmdlet = 'Get-KinesisStream'; Case = '-StreamArn with an empty stream name'; Id = 'InvalidStreamArn'; Category = 'InvalidArgument'; Action = { Get-KinesisStream -StreamArn 'arn:aws:kinesis:us-east-1:123456789012:stream/' } }
        @{ Cmdlet = 'Get-KinesisStream'; Case = '-StreamArn with a 2-digit account'; Id = 'InvalidStreamArn'; Category = 'InvalidArgument'; Action = { Get-KinesisStream -StreamArn 'arn:aws:kinesis:us-east-1:12:stream/orders' } }
        @{ Cmdlet = 'Get-KinesisStream'; Case = '-StreamArn of another service'; Id = 'InvalidStreamArn'; Category = 'InvalidArgument'; Action = { Get-KinesisStream -StreamArn 'arn:aws:sqs:us-east-1:123456789012:stream/orders' } }
        @{ Cmdlet = 'Get-KinesisStream'; Case = '-Region nowhere'; Id = 'InvalidRegion'; Category = 'InvalidArgument'; Action = { Get-KinesisStream -Region nowhere } }
        @{ Cmdlet = 'Get-KinesisStream'; Case = '-EndpointUrl ftp://'; Id = 'InvalidEndpointUrl'; Category = 'InvalidArgument'; Action = { Get-KinesisStream -EndpointUrl 'ftp://127.0.0.1/' } }
        @{ Cmdlet = 'Get-KinesisStream'; Case = '-SessionName that is not connected'; Id = 'SessionNotFound'; Category = 'ObjectNotFound'; Action = { Get-KinesisStream -SessionName no-such-session } }
        @{ Cmdlet = 'Get-KinesisStream'; Case = '-Session with -SessionName'; Id = 'SessionAndSessionNameConflict'; Category = 'InvalidArgument'; Action = { param($c) Get-KinesisStream -Session $c.Reader -SessionName other } }
        @{ Cmdlet = 'Get-KinesisStream'; Case = '-ProfileName that does not exist'; Id = 'ProfileNotFound'; Category = 'InvalidArgument'; Action = { Get-KinesisStream -ProfileName no-such-profile } }
        @{ Cmdlet = 'Get-KinesisStream'; Case = '-Session with -ProfileName'; Id = 'ProfileNameWithSession'; Category = 'InvalidArgument'; Action = { param($c) Get-KinesisStream -Session $c.Reader -ProfileName p } }
        @{ Cmdlet = 'Get-KinesisStream'; Case = 'unknown stream'; Id = 'StreamNotFound'; Category = 'ObjectNotFound'; Net = $true; Action = { param($c) Get-KinesisStream -Session $c.Reader -StreamName no-such-stream } }
        @{ Cmdlet = 'Get-KinesisStream'; Case = 'a stream of another region'; Id = 'StreamNotFound'; Category = 'ObjectNotFound'; Net = $true; Action = { param($c) Get-KinesisStream -Session $c.Reader -StreamName orders -Region eu-west-1 } }

        # ---------------------------------------------------------------- Get-KinesisShard
        @{ Cmdlet = 'Get-KinesisShard'; Case = 'no stream named'; Id = 'StreamNotSpecified'; Category = 'InvalidArgument'; Action = { Get-KinesisShard } }
        @{ Cmdlet = 'Get-KinesisShard'; Case = '-StreamName with a space'; Id = 'InvalidStreamName'; Category = 'InvalidArgument'; Action = { Get-KinesisShard -StreamName 'my stream' } }
        @{ Cmdlet = 'Get-KinesisShard'; Case = '-StreamArn of a role'; Id = 'InvalidStreamArn'; Category = 'InvalidArgument'; Action = { Get-KinesisShard -StreamArn arn:aws:iam::210987654321:role/kinesis-reader } }
        @{ Cmdlet = 'Get-KinesisShard'; Case = '-ShardId empty'; Id = 'ParameterArgumentValidationError'; Category = 'InvalidData'; Action = { Get-KinesisShard -StreamName orders -ShardId '' } }
        @{ Cmdlet = 'Get-KinesisShard'; Case = '-Region nowhere'; Id = 'InvalidRegion'; Category = 'InvalidArgument'; Action = { Get-KinesisShard -StreamName orders -Region nowhere } }
        @{ Cmdlet = 'Get-KinesisShard'; Case = '-EndpointUrl not a URL'; Id = 'InvalidEndpointUrl'; Category = 'InvalidArgument'; Action = { Get-KinesisShard -StreamName orders -EndpointUrl 'kinesis' } }
        @{ Cmdlet = 'Get-KinesisShard'; Case = '-SessionName that is not connected'; Id = 'SessionNotFound'; Category = 'ObjectNotFound'; Action = { Get-KinesisShard -StreamName orders -SessionName no-such-session } }
        @{ Cmdlet = 'Get-KinesisShard'; Case = 'unknown stream'; Id = 'StreamNotFound'; Category = 'ObjectNotFound'; Net = $true; Action = { param($c) Get-KinesisShard -Session $c.Reader -StreamName no-such-stream } }
        @{ Cmdlet = 'Get-KinesisShard'; Case = 'unknown shard'; Id = 'ShardNotFound'; Category = 'ObjectNotFound'; Net = $true; Action = { param($c) Get-KinesisShard -Session $c.Reader -StreamName orders -ShardId shardId-000000000999 } }
        @{ Cmdlet = 'Get-KinesisShard'; Case = 'a stream of another region'; Id = 'StreamNotFound'; Category = 'ObjectNotFound'; Net = $true; Action = { param($c) Get-KinesisShard -Session $c.Reader -StreamName orders -Region eu-west-1 } }

        # ---------------------------------------------------------------- Read-KinesisRecord
        @{ Cmdlet = 'Read-KinesisRecord'; Case = '-StreamName with a slash'; Id = 'InvalidStreamName'; Category = 'InvalidArgument'; Action = { Read-KinesisRecord -StreamName 'no such/name' } }
        @{ Cmdlet = 'Read-KinesisRecord'; Case = '-StreamArn without a stream part'; Id = 'InvalidStreamArn'; Category = 'InvalidArgument'; Action = { Read-KinesisRecord -StreamArn 'arn:aws:kinesis:us-east-1:123456789012:nostream' } }
        @{ Cmdlet = 'Read-KinesisRecord'; Case = '-StreamArn with a 2-digit account'; Id = 'InvalidStreamArn'; Category = 'InvalidArgument'; Action = { Read-KinesisRecord -StreamArn 'arn:aws:kinesis:us-east-1:12:stream/orders' } }
        @{ Cmdlet = 'Read-KinesisRecord'; Case = '-Since one hour ahead'; Id = 'SinceIsInTheFuture'; Category = 'InvalidArgument'; Action = { Read-KinesisRecord -StreamName orders -Since (Get-Date).AddHours(1) } }
        @{ Cmdlet = 'Read-KinesisRecord'; Case = '-Since not a time'; Id = 'InvalidSince'; Category = 'InvalidArgument'; Action = { Read-KinesisRecord -StreamName orders -Since 'yesterday-ish' } }
        @{ Cmdlet = 'Read-KinesisRecord'; Case = '-Until before -Since'; Id = 'UntilBeforeSince'; Category = 'InvalidArgument'; Action = { Read-KinesisRecord -StreamName orders -Since (Get-Date).AddHours(-1) -Until (Get-Date).AddHours(-2) } }
        @{ Cmdlet = 'Read-KinesisRecord'; Case = '-IdleTimeout 0'; Id = 'InvalidIdleTimeout'; Category = 'InvalidArgument'; Action = { Read-KinesisRecord -StreamName orders -Follow -IdleTimeout 0 } }
        @{ Cmdlet = 'Read-KinesisRecord'; Case = '-IdleTimeout negative'; Id = 'InvalidIdleTimeout'; Category = 'InvalidArgument'; Action = { Read-KinesisRecord -StreamName orders -Follow -IdleTimeout '-00:00:05' } }
        @{ Cmdlet = 'Read-KinesisRecord'; Case = '-First 0'; Id = 'ParameterArgumentValidationError'; Category = 'InvalidData'; Action = { Read-KinesisRecord -StreamName orders -First 0 } }
        @{ Cmdlet = 'Read-KinesisRecord'; Case = '-First -5'; Id = 'ParameterArgumentValidationError'; Category = 'InvalidData'; Action = { Read-KinesisRecord -StreamName orders -First -5 } }
        @{ Cmdlet = 'Read-KinesisRecord'; Case = '-SequenceNumber of letters'; Id = 'InvalidSequenceNumber'; Category = 'InvalidArgument'; Action = { Read-KinesisRecord -StreamName orders -ShardId shardId-000000000000 -SequenceNumber abc } }
        @{ Cmdlet = 'Read-KinesisRecord'; Case = '-SequenceNumber without -ShardId'; Id = 'SequenceNumberNeedsOneShard'; Category = 'InvalidArgument'; Action = { Read-KinesisRecord -StreamName orders -SequenceNumber 49590338271490256608559692538361571095921575989136588898 } }
        @{ Cmdlet = 'Read-KinesisRecord'; Case = '-StartingPosition AtSequenceNumber without -SequenceNumber'; Id = 'SequenceNumberRequired'; Category = 'InvalidArgument'; Action = { Read-KinesisRecord -StreamName orders -StartingPosition AtSequenceNumber } }
        @{ Cmdlet = 'Read-KinesisRecord'; Case = '-StartingPosition AtTimestamp without -Since'; Id = 'TimestampRequired'; Category = 'InvalidArgument'; Action = { Read-KinesisRecord -StreamName orders -StartingPosition AtTimestamp } }
        @{ Cmdlet = 'Read-KinesisRecord'; Case = '-StartingPosition Latest with -Since'; Id = 'ConflictingStartingPosition'; Category = 'InvalidArgument'; Action = { Read-KinesisRecord -StreamName orders -StartingPosition Latest -Since (New-TimeSpan -Minutes 5) } }
        @{ Cmdlet = 'Read-KinesisRecord'; Case = '-Since with -SequenceNumber'; Id = 'ConflictingStartingPosition'; Category = 'InvalidArgument'; Action = { Read-KinesisRecord -StreamName orders -ShardId shardId-000000000000 -Since (New-TimeSpan -Minutes 5) -SequenceNumber 1 } }
        @{ Cmdlet = 'Read-KinesisRecord'; Case = '-StartingPosition Sideways'; Id = 'CannotConvertArgumentNoMessage'; Category = 'InvalidArgument'; Action = { Read-KinesisRecord -StreamName orders -StartingPosition Sideways } }
        @{ Cmdlet = 'Read-KinesisRecord'; Case = '-As Xml'; Id = 'CannotConvertArgumentNoMessage'; Category = 'InvalidArgument'; Action = { Read-KinesisRecord -StreamName orders -As Xml } }
        @{ Cmdlet = 'Read-KinesisRecord'; Case = '-CheckpointPath a folder'; Id = 'CheckpointPathIsFolder'; Category = 'InvalidArgument'; Action = { param($c) Read-KinesisRecord -StreamName orders -CheckpointPath $c.TempDir } }
        @{ Cmdlet = 'Read-KinesisRecord'; Case = '-CheckpointPath in a missing folder'; Id = 'CheckpointDirectoryMissing'; Category = 'InvalidArgument'; Action = { param($c) Read-KinesisRecord -StreamName orders -CheckpointPath (Join-Path $c.TempDir 'no/such/dir/cp.json') } }
        @{ Cmdlet = 'Read-KinesisRecord'; Case = '-CheckpointPath a file that is not a checkpoint'; Id = 'CheckpointUnreadable'; Category = 'InvalidArgument'; Action = { param($c) Read-KinesisRecord -StreamName orders -CheckpointPath $c.GarbageCheckpoint } }
        @{ Cmdlet = 'Read-KinesisRecord'; Case = '-CheckpointPath locked by another run'; Id = 'CheckpointInUse'; Category = 'ResourceBusy'; Action = { param($c) Read-KinesisRecord -StreamName orders -CheckpointPath $c.LockedCheckpoint } }
        @{ Cmdlet = 'Read-KinesisRecord'; Case = '-CheckpointPath empty'; Id = 'ParameterArgumentValidationError'; Category = 'InvalidData'; Action = { Read-KinesisRecord -StreamName orders -CheckpointPath '' } }
        @{ Cmdlet = 'Read-KinesisRecord'; Case = '-Region nowhere'; Id = 'InvalidRegion'; Category = 'InvalidArgument'; Action = { Read-KinesisRecord -StreamName orders -Region nowhere } }
        @{ Cmdlet = 'Read-KinesisRecord'; Case = '-EndpointUrl ftp://'; Id = 'InvalidEndpointUrl'; Category = 'InvalidArgument'; Action = { Read-KinesisRecord -StreamName orders -EndpointUrl 'ftp://127.0.0.1/' } }
        @{ Cmdlet = 'Read-KinesisRecord'; Case = '-SessionName that is not connected'; Id = 'SessionNotFound'; Category = 'ObjectNotFound'; Action = { Read-KinesisRecord -StreamName orders -SessionName no-such-session } }
        @{ Cmdlet = 'Read-KinesisRecord'; Case = 'unknown stream'; Id = 'StreamNotFound'; Category = 'ObjectNotFound'; Net = $true; Action = { param($c) Read-KinesisRecord -Session $c.Reader -StreamName no-such-stream } }
        @{ Cmdlet = 'Read-KinesisRecord'; Case = 'unknown shard'; Id = 'ShardNotFound'; Category = 'ObjectNotFound'; Net = $true; Action = { param($c) Read-KinesisRecord -Session $c.Reader -StreamName orders -ShardId shardId-000000000999 } }
        @{ Cmdlet = 'Read-KinesisRecord'; Case = 'a stream of another region'; Id = 'StreamNotFound'; Category = 'ObjectNotFound'; Net = $true; Action = { param($c) Read-KinesisRecord -Session $c.Reader -StreamName orders -Region eu-west-1 } }

        # ---------------------------------------------------------------- Write-KinesisRecord
        @{ Cmdlet = 'Write-KinesisRecord'; Case = '-StreamName with a slash'; Id = 'InvalidStreamName'; Category = 'InvalidArgument'; Action = { 'x' | Write-KinesisRecord -StreamName 'bad/name' } }
        @{ Cmdlet = 'Write-KinesisRecord'; Case = '-StreamArn a bare name'; Id = 'InvalidStreamArn'; Category = 'InvalidArgument'; Action = { 'x' | Write-KinesisRecord -StreamArn orders } }
        @{ Cmdlet = 'Write-KinesisRecord'; Case = '-PartitionKey with -PartitionKeyProperty'; Id = 'PartitionKeyConflict'; Category = 'InvalidArgument'; Action = { 'x' | Write-KinesisRecord -StreamName orders -PartitionKey k -PartitionKeyProperty id } }
        @{ Cmdlet = 'Write-KinesisRecord'; Case = '-PartitionKey of 257 characters'; Id = 'InvalidPartitionKey'; Category = 'InvalidArgument'; Action = { 'x' | Write-KinesisRecord -StreamName orders -PartitionKey ('k' * 257) } }
        @{ Cmdlet = 'Write-KinesisRecord'; Case = '-PartitionKey empty'; Id = 'ParameterArgumentValidationError'; Category = 'InvalidData'; Action = { 'x' | Write-KinesisRecord -StreamName orders -PartitionKey '' } }
        @{ Cmdlet = 'Write-KinesisRecord'; Case = '-PartitionKeyProperty the object lacks'; Id = 'PartitionKeyPropertyMissing'; Category = 'InvalidArgument'; Action = { [pscustomobject]@{ a = 1 } | Write-KinesisRecord -StreamName orders -PartitionKeyProperty id } }
        @{ Cmdlet = 'Write-KinesisRecord'; Case = 'a payload over 1 MiB'; Id = 'RecordTooLarge'; Category = 'InvalidArgument'; Action = { Write-KinesisRecord -StreamName orders -PartitionKey k -InputObject ([byte[]]::new(1MB + 1)) } }
        @{ Cmdlet = 'Write-KinesisRecord'; Case = '-InputObject $null'; Id = 'ParameterArgumentValidationErrorNullNotAllowed'; Category = 'InvalidData'; Action = { Write-KinesisRecord -StreamName orders -InputObject $null } }
        @{ Cmdlet = 'Write-KinesisRecord'; Case = '-Region nowhere'; Id = 'InvalidRegion'; Category = 'InvalidArgument'; Action = { 'x' | Write-KinesisRecord -StreamName orders -Region nowhere } }
        @{ Cmdlet = 'Write-KinesisRecord'; Case = '-EndpointUrl not a URL'; Id = 'InvalidEndpointUrl'; Category = 'InvalidArgument'; Action = { 'x' | Write-KinesisRecord -StreamName orders -EndpointUrl 'not a url' } }
        @{ Cmdlet = 'Write-KinesisRecord'; Case = '-SessionName that is not connected'; Id = 'SessionNotFound'; Category = 'ObjectNotFound'; Action = { 'x' | Write-KinesisRecord -StreamName orders -SessionName no-such-session } }
        @{ Cmdlet = 'Write-KinesisRecord'; Case = 'unknown stream'; Id = 'StreamNotFound'; Category = 'ObjectNotFound'; Net = $true; Action = { param($c) 'x' | Write-KinesisRecord -Session $c.Writer -StreamName no-such-stream } }
    )
    foreach ($case in $Cases) { if (-not $case.ContainsKey('Net')) { $case.Net = $false } }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'Faults.Support.psm1') -Force
    $ModulePath = Import-ModuleUnderTest
    $Moto = New-MotoWorld -Scenario test -Records 20
    $World = $Moto.World
    # Every call of the module, STS and Kinesis, goes through the counting proxy.
    $Proxy = Start-FaultProxy -Upstream $Moto.Endpoint
    $SavedEnvironment = Use-OperatorEnvironment -World $Moto
    $env:AWS_ENDPOINT_URL = $Proxy.Endpoint
    Disconnect-KinesisRole -All

    $TempDir = Join-Path ([System.IO.Path]::GetTempPath()) ('kxa-badinput-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    $null = New-Item -ItemType Directory -Path $TempDir
    $garbage = Join-Path $TempDir 'garbage.json'
    Set-Content -LiteralPath $garbage -Value 'this is not a checkpoint' -Encoding utf8
    $locked = Join-Path $TempDir 'locked.json'
    # Another run holds the lock file of this checkpoint.
    $LockHolder = [System.IO.FileStream]::new("$locked.lock", 'OpenOrCreate', 'ReadWrite', 'None')

    # Sessions made with Connect-KinesisRole but not left current: local cases run with no session,
    # as a user who has not connected yet (the default credential chain, through the proxy).
    $Reader = Connect-KinesisRole -RoleArn $World.readerRoleArn -ExternalId $World.externalId -Name bad-input-reader
    $Writer = Connect-KinesisRole -RoleArn $World.writerRoleArn -Name bad-input-writer
    Disconnect-KinesisRole -All
    $Context = @{ Reader = $Reader; Writer = $Writer; TempDir = $TempDir; GarbageCheckpoint = $garbage; LockedCheckpoint = $locked }

    function Get-RequestCount { Get-FaultRequestCount $Proxy }
}

AfterAll {
    if ($LockHolder) { $LockHolder.Dispose() }
    if (Get-Command Disconnect-KinesisRole -ErrorAction SilentlyContinue) { Disconnect-KinesisRole -All }
    if ($SavedEnvironment) { Restore-AwsEnvironment $SavedEnvironment }
    Stop-FaultProxy $Proxy
    Remove-TestWorld $Moto
    if ($TempDir) { Remove-Item -LiteralPath $TempDir -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe "Bad input: $($Cases.Count) cases over $(@($Cases.Cmdlet | Sort-Object -Unique).Count) cmdlets" {

    It '<Cmdlet> <Case>: <Id> (<Category>)' -TestCases $Cases {
        $before = Get-RequestCount
        $e = $null
        $ErrorActionPreference = 'Stop'   # non-terminating errors (per record, per shard) are caught too
        try { $null = & $Action $Context }
        catch { $e = $_ }
        $ErrorActionPreference = 'Continue'
        $after = Get-RequestCount

        $e | Should -Not -BeNullOrEmpty -Because "$Cmdlet $Case must fail"
        $e.FullyQualifiedErrorId | Should -BeLike "$Id,*"
        $e.CategoryInfo.Category | Should -Be $Category
        if ($Net) {
            $after | Should -BeGreaterThan $before -Because 'only a call can tell that the name does not exist'
        }
        else {
            $after | Should -Be $before -Because 'the input alone is wrong: no call may be made'
        }
        # A message a user can act on, never a stack trace or a secret.
        $e.Exception.Message | Should -Not -BeNullOrEmpty
        $e.Exception.Message | Should -Not -Match ([regex]::Escape($World.operator.secretAccessKey))
    }
}

Describe 'Bad input has no partial side effects' {

    It 'Write-KinesisRecord: a record over 1 MiB is reported on its own and the records around it are written' {
        $before = @(Get-FaultLog $Proxy).Count
        $big = 'B' * (1MB + 10)
        $errors = $null
        $written = @('small-before', $big, 'small-after') |
            Write-KinesisRecord -Session $Writer -StreamName empty -PartitionKey k -PassThru -ErrorAction SilentlyContinue -ErrorVariable errors
        $errors | Should -HaveCount 1
        $errors[0].FullyQualifiedErrorId | Should -Be 'RecordTooLarge,KinesisXAcct.Commands.WriteKinesisRecordCommand'
        $errors[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $errors[0].TargetObject | Should -Be $big
        $written | Should -HaveCount 2
        $puts = @(Get-FaultLog $Proxy | Select-Object -Skip $before | Where-Object op -eq 'PutRecords')
        $puts | Should -HaveCount 1
        $puts[0].entries | Should -Be 2
        $stored = @(Read-KinesisRecord -Session $Reader -StreamName empty -As Text)
        $stored | Should -Be @('small-before', 'small-after')
    }

    It 'Connect-KinesisRole that fails leaves Get-KinesisRoleSession exactly as it was (<Why>)' -TestCases @(
        @{ Why = 'bad argument'; Id = 'DurationOutOfRange'; Category = 'InvalidArgument'; Rules = @()
            Action = { param($w) Connect-KinesisRole -RoleArn $w.readerRoleArn -ExternalId $w.externalId -Name keep -DurationSeconds 60 } }
        @{ Why = 'STS refuses (403 AccessDenied XML)'; Id = 'AssumeRoleAccessDenied'; Category = 'PermissionDenied'
            Rules = @(@{ op = 'AssumeRole'; fault = 'status'; status = 403; contentType = 'text/xml'
                    body = '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:iam::123456789012:user/kinesis-operator is not authorized to perform: sts:AssumeRole</Message></Error><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ErrorResponse>' })
            Action = { param($w) Connect-KinesisRole -RoleArn $w.readerRoleArn -ExternalId $w.externalId -Name keep } }
        @{ Why = 'STS unreachable'; Id = 'StsEndpointUnreachable'; Category = 'ConnectionError'; Rules = @()
            Action = { param($w) Connect-KinesisRole -RoleArn $w.readerRoleArn -ExternalId $w.externalId -Name keep -StsEndpointUrl "http://127.0.0.1:$(Get-FreeTcpPort)" } }
    ) {
        Disconnect-KinesisRole -All
        $kept = Connect-KinesisRole -RoleArn $World.readerRoleArn -ExternalId $World.externalId -Name keep
        $other = Connect-KinesisRole -RoleArn $World.writerRoleArn -Name other
        $snapshot = { Get-KinesisRoleSession | Sort-Object Name | ForEach-Object { "$($_.Name)|$($_.AssumedRoleArn)|$($_.Expiration.ToString('o'))|$($_.RoleSessionName)" } }
        $beforeSessions = & $snapshot
        Set-FaultRule $Proxy -Rules $Rules
        try {
            $e = $null
            $ErrorActionPreference = 'Stop'
            try { $null = & $Action $World } catch { $e = $_ }
            $ErrorActionPreference = 'Continue'
        }
        finally { Set-FaultRule $Proxy -Rules @() }
        $e | Should -Not -BeNullOrEmpty
        $e.FullyQualifiedErrorId | Should -Be "$Id,KinesisXAcct.Commands.ConnectKinesisRoleCommand"
        $e.CategoryInfo.Category | Should -Be $Category
        & $snapshot | Should -Be $beforeSessions
        # The current session is still the last one that connected: calls without -Session use it
        # (the proxy logs each call's access key id: the current session's must be other's, not keep's).
        $logged = @(Get-FaultLog $Proxy).Count
        $null = Get-KinesisShard -Session $other -StreamName orders -Region us-east-1
        @(Get-KinesisShard -StreamName orders -Region us-east-1) | Should -HaveCount 4
        $null = Get-KinesisShard -Session $kept -StreamName orders -Region us-east-1
        $keys = @(Get-FaultLog $Proxy | Select-Object -Skip $logged | Where-Object op -eq 'ListShards' | ForEach-Object key)
        $keys | Should -HaveCount 3
        $keys[1] | Should -Be $keys[0]
        $keys[1] | Should -Not -Be $keys[2]
        $other.Name | Should -Be 'other'
        $kept.Name | Should -Be 'keep'
        Disconnect-KinesisRole -All
    }
}
