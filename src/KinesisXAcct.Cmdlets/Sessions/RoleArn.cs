using System.Text.RegularExpressions;
using KinesisXAcct.Errors;

namespace KinesisXAcct.Sessions
{
    /// <summary>An IAM role ARN taken apart: <c>arn:aws:iam::111122223333:role/path/name</c>.</summary>
    public sealed class RoleArn
    {
        private static readonly Regex Shape = new Regex(
            @"^arn:(?<partition>aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b|aws-iso-e|aws-iso-f|aws-eusc):iam::(?<account>[0-9]{12}):role/(?<path>(?:[\x21-\x7e]+/)*)(?<name>[A-Za-z0-9_+=,.@-]{1,64})\z",
            RegexOptions.CultureInvariant);

        private RoleArn(string value, string partition, string accountId, string roleName)
        {
            Value = value;
            Partition = partition;
            AccountId = accountId;
            RoleName = roleName;
        }

        public string Value { get; }
        public string Partition { get; }
        public string AccountId { get; }
        public string RoleName { get; }

        public static bool TryParse(string value, out RoleArn arn)
        {
            arn = null;
            if (value == null || value.Length > 2048) return false;
            Match m = Shape.Match(value);
            if (!m.Success) return false;
            arn = new RoleArn(value, m.Groups["partition"].Value, m.Groups["account"].Value, m.Groups["name"].Value);
            return true;
        }

        public static RoleArn Parse(string value)
        {
            if (TryParse(value, out RoleArn arn)) return arn;
            throw KinesisXAcctException.InvalidArgument(
                "InvalidRoleArn",
                $"'{value}' is not an IAM role ARN. Expected arn:aws:iam::<12-digit account>:role/<name>, " +
                "e.g. arn:aws:iam::239641032376:role/hmh_kinesis_consumer_role.",
                value);
        }

        public override string ToString() => Value;
    }
}
