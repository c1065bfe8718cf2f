using System;
using System.Collections.Generic;
using System.Text.RegularExpressions;
using KinesisXAcct.Errors;

namespace KinesisXAcct.Sessions
{
    /// <summary>
    /// What to ask STS AssumeRole for. <see cref="Validate"/> applies STS's own rules locally, so
    /// bad input fails before any network call with a message that says what is allowed.
    /// </summary>
    public sealed class AssumeRoleSpec
    {
        public const int MinDurationSeconds = 900;
        public const int MaxDurationSeconds = 43200;
        public const int DefaultDurationSeconds = 3600;

        /// <summary>AWS caps a session assumed with another assumed-role session (role chaining) at one hour.</summary>
        public const int ChainedMaxDurationSeconds = 3600;

        // STS's patterns are Java regexes, where \w and \d are ASCII; .NET's match any Unicode letter or digit,
        // so the classes are spelled out (a name like "José" would pass here and then be refused by STS). \z, not $,
        // which would also match before a final newline.
        private static readonly Regex SessionNameShape = new Regex(@"^[A-Za-z0-9_+=,.@-]{2,64}\z", RegexOptions.CultureInvariant);
        private static readonly Regex ExternalIdShape = new Regex(@"^[A-Za-z0-9_+=,.@:/-]{2,1224}\z", RegexOptions.CultureInvariant);
        private static readonly Regex TokenCodeShape = new Regex(@"^[0-9]{6}\z", RegexOptions.CultureInvariant);
        private static readonly Regex SerialShape = new Regex(@"^[A-Za-z0-9_+=/:,.@-]{9,256}\z", RegexOptions.CultureInvariant);
        private static readonly Regex PolicyArnShape = new Regex(@"^arn:[A-Za-z0-9_-]+:iam::(aws|[0-9]{12}):policy/[\x21-\x7e]+\z", RegexOptions.CultureInvariant);
        private static readonly Regex TagKeyShape = new Regex(@"^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}\z", RegexOptions.CultureInvariant);
        private static readonly Regex TagValueShape = new Regex(@"^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}\z", RegexOptions.CultureInvariant);

        public RoleArn RoleArn { get; set; }
        public string RoleSessionName { get; set; }
        public string ExternalId { get; set; }
        public int DurationSeconds { get; set; } = DefaultDurationSeconds;
        public string SerialNumber { get; set; }
        public string TokenCode { get; set; }
        /// <summary>An inline session policy (JSON) that narrows the role's permissions.</summary>
        public string Policy { get; set; }
        public IList<string> PolicyArns { get; } = new List<string>();
        public IDictionary<string, string> Tags { get; } = new Dictionary<string, string>(StringComparer.Ordinal);
        /// <summary>True when the source is itself an assumed-role session (the 1-hour cap applies).</summary>
        public bool IsChained { get; set; }

        /// <summary>A default session name STS accepts: <c>kxa-&lt;user&gt;-&lt;utc time&gt;</c>.</summary>
        public static string DefaultSessionName(string userName, DateTime utcNow)
        {
            string user = Regex.Replace(userName ?? "user", @"[^A-Za-z0-9_+=,.@-]", "-");
            string name = $"kxa-{user}-{utcNow:yyyyMMddTHHmmss}";
            return name.Length <= 64 ? name : name.Substring(name.Length - 64);
        }

        public void Validate()
        {
            if (RoleArn == null) throw KinesisXAcctException.InvalidArgument("InvalidRoleArn", "A role ARN is required (-RoleArn).");

            if (RoleSessionName == null || !SessionNameShape.IsMatch(RoleSessionName))
            {
                throw KinesisXAcctException.InvalidArgument(
                    "InvalidRoleSessionName",
                    $"The role session name '{RoleSessionName}' is not valid: STS wants 2 to 64 characters of letters, digits and + = , . @ _ -.",
                    RoleSessionName);
            }

            if (ExternalId != null && !ExternalIdShape.IsMatch(ExternalId))
            {
                throw KinesisXAcctException.InvalidArgument(
                    "InvalidExternalId",
                    $"The external ID is not valid: STS wants 2 to 1224 characters of letters, digits and + = , . @ : / _ - (it has {ExternalId.Length}).",
                    "ExternalId");
            }

            int max = IsChained ? ChainedMaxDurationSeconds : MaxDurationSeconds;
            if (DurationSeconds < MinDurationSeconds || DurationSeconds > max)
            {
                string why = IsChained
                    ? "AWS limits a session assumed from another assumed-role session (role chaining) to 3600 seconds."
                    : "STS accepts 900 to 43200 seconds, and no more than the role's maximum session duration.";
                throw KinesisXAcctException.InvalidArgument(
                    IsChained ? "ChainedSessionDurationTooLong" : "DurationOutOfRange",
                    $"-DurationSeconds {DurationSeconds} is out of range. {why}",
                    DurationSeconds);
            }

            if ((SerialNumber == null) != (TokenCode == null))
            {
                throw KinesisXAcctException.InvalidArgument(
                    "MfaSerialAndTokenCodeGoTogether",
                    SerialNumber == null
                        ? "-TokenCode needs -SerialNumber: pass the ARN (or serial) of the MFA device that produced the code."
                        : "-SerialNumber needs -TokenCode: pass the 6-digit code the MFA device shows now.");
            }

            if (TokenCode != null && !TokenCodeShape.IsMatch(TokenCode))
                throw KinesisXAcctException.InvalidArgument("InvalidTokenCode", "-TokenCode must be the 6 digits the MFA device shows.");

            if (SerialNumber != null && !SerialShape.IsMatch(SerialNumber))
            {
                throw KinesisXAcctException.InvalidArgument(
                    "InvalidSerialNumber",
                    $"'{SerialNumber}' is not an MFA device serial number or ARN (e.g. arn:aws:iam::111122223333:mfa/alice).",
                    SerialNumber);
            }

            foreach (string policyArn in PolicyArns)
            {
                if (!PolicyArnShape.IsMatch(policyArn ?? string.Empty))
                {
                    throw KinesisXAcctException.InvalidArgument(
                        "InvalidPolicyArn",
                        $"'{policyArn}' is not an IAM policy ARN (e.g. arn:aws:iam::aws:policy/AmazonKinesisReadOnlyAccess).",
                        policyArn);
                }
            }

            if (PolicyArns.Count > 10)
                throw KinesisXAcctException.InvalidArgument("TooManyPolicyArns", "STS accepts at most 10 managed session policies (-PolicyArn).");

            if (Policy != null && (Policy.Length < 1 || Policy.Length > 2048))
                throw KinesisXAcctException.InvalidArgument("InvalidPolicy", "-Policy must be a JSON policy document of at most 2048 characters.");

            if (Tags.Count > 50)
                throw KinesisXAcctException.InvalidArgument("TooManyTags", "STS accepts at most 50 session tags (-Tag).");

            foreach (KeyValuePair<string, string> tag in Tags)
            {
                if (!TagKeyShape.IsMatch(tag.Key ?? string.Empty) || !TagValueShape.IsMatch(tag.Value ?? string.Empty))
                {
                    throw KinesisXAcctException.InvalidArgument(
                        "InvalidSessionTag",
                        $"The session tag '{tag.Key}' is not valid: keys are 1-128 and values 0-256 characters of letters, digits, spaces and _ . : / = + - @.",
                        tag.Key);
                }
            }
        }
    }
}
