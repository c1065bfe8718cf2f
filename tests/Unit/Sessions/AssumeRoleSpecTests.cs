using System.Text.RegularExpressions;
using KinesisXAcct.Errors;
using KinesisXAcct.Sessions;
using Xunit;

namespace KinesisXAcct.Tests.Unit.Sessions;

public class AssumeRoleSpecTests
{
    /// <summary>STS's documented pattern for RoleSessionName; its \w is ASCII (Java regex).</summary>
    private static readonly Regex StsSessionName = new(@"^[A-Za-z0-9_+=,.@-]{2,64}$");

    private static AssumeRoleSpec Valid() => new()
    {
        RoleArn = RoleArn.Parse("arn:aws:iam::239641032376:role/reader"),
        RoleSessionName = "kxa-test",
    };

    private static void AssertRejected(AssumeRoleSpec spec, string errorId)
    {
        var e = Assert.Throws<KinesisXAcctException>(spec.Validate);
        Assert.Equal(errorId, e.ErrorId);
        Assert.Equal(FailureKind.InvalidArgument, e.Kind);
        Assert.False(string.IsNullOrWhiteSpace(e.Message));
    }

    [Fact]
    public void A_spec_with_a_role_and_a_session_name_is_valid_and_asks_for_one_hour()
    {
        AssumeRoleSpec spec = Valid();

        spec.Validate();

        Assert.Equal(3600, spec.DurationSeconds);
    }

    [Fact]
    public void A_role_ARN_is_required()
    {
        AssumeRoleSpec spec = Valid();
        spec.RoleArn = null;

        AssertRejected(spec, "InvalidRoleArn");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("a")]                                                                  // too short
    [InlineData("12345678901234567890123456789012345678901234567890123456789012345")] // 65 characters
    [InlineData("has space")]
    [InlineData("star*")]
    [InlineData("slash/")]
    [InlineData("colon:")]
    [InlineData("séssion")]                                                            // STS's \w is ASCII
    [InlineData("日本語")]
    [InlineData("kxa-test\n")]
    public void Session_names_outside_STS_rules_are_rejected(string name)
    {
        AssumeRoleSpec spec = Valid();
        spec.RoleSessionName = name;

        AssertRejected(spec, "InvalidRoleSessionName");
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("1234567890123456789012345678901234567890123456789012345678901234")] // 64 characters
    [InlineData("a+b=c,d.e@f-g_h")]
    [InlineData("kxa-alice-20240501T120000")]
    public void Session_names_of_2_to_64_letters_digits_and_plus_equals_comma_dot_at_dash_underscore_are_accepted(string name)
    {
        AssumeRoleSpec spec = Valid();
        spec.RoleSessionName = name;

        spec.Validate();
    }

    [Theory]
    [InlineData(1, 'x', "InvalidExternalId")]
    [InlineData(2, 'x', null)]
    [InlineData(1224, 'x', null)]
    [InlineData(1225, 'x', "InvalidExternalId")]
    public void An_external_id_must_be_2_to_1224_characters(int length, char c, string errorId)
    {
        AssumeRoleSpec spec = Valid();
        spec.ExternalId = new string(c, length);

        if (errorId == null) spec.Validate();
        else AssertRejected(spec, errorId);
    }

    [Theory]
    [InlineData("has space", false)]
    [InlineData("star*", false)]
    [InlineData("hash#", false)]
    [InlineData("ünïcode", false)]
    [InlineData("partner-42\n", false)]
    [InlineData("urn:partner/tenant:42", true)]
    [InlineData("a+b=c,d.e@f-g_h", true)]
    public void An_external_id_may_hold_letters_digits_and_plus_equals_comma_dot_at_colon_slash_dash_underscore(string externalId, bool valid)
    {
        AssumeRoleSpec spec = Valid();
        spec.ExternalId = externalId;

        if (valid) spec.Validate();
        else AssertRejected(spec, "InvalidExternalId");
    }

    [Theory]
    [InlineData(899, false, "DurationOutOfRange")]
    [InlineData(900, false, null)]
    [InlineData(43200, false, null)]
    [InlineData(43201, false, "DurationOutOfRange")]
    [InlineData(0, false, "DurationOutOfRange")]
    [InlineData(899, true, "ChainedSessionDurationTooLong")]
    [InlineData(3600, true, null)]
    [InlineData(3601, true, "ChainedSessionDurationTooLong")]
    [InlineData(43200, true, "ChainedSessionDurationTooLong")]
    public void Durations_run_from_900_seconds_to_12_hours_and_to_1_hour_when_chained(int seconds, bool chained, string errorId)
    {
        AssumeRoleSpec spec = Valid();
        spec.DurationSeconds = seconds;
        spec.IsChained = chained;

        if (errorId == null) spec.Validate();
        else AssertRejected(spec, errorId);
    }

    [Theory]
    [InlineData("arn:aws:iam::111122223333:mfa/alice", null, "MfaSerialAndTokenCodeGoTogether")]
    [InlineData(null, "123456", "MfaSerialAndTokenCodeGoTogether")]
    [InlineData("arn:aws:iam::111122223333:mfa/alice", "12345", "InvalidTokenCode")]
    [InlineData("arn:aws:iam::111122223333:mfa/alice", "1234567", "InvalidTokenCode")]
    [InlineData("arn:aws:iam::111122223333:mfa/alice", "12345a", "InvalidTokenCode")]
    [InlineData("arn:aws:iam::111122223333:mfa/alice", "١٢٣٤٥٦", "InvalidTokenCode")]
    [InlineData("arn:aws:iam::111122223333:mfa/alice", "123456\n", "InvalidTokenCode")] // Arabic-Indic digits are not what the device shows
    [InlineData("short", "123456", "InvalidSerialNumber")]
    [InlineData("arn:aws:iam::111122223333:mfa/alice", "123456", null)]
    [InlineData("GAHT12345678", "000000", null)]                                         // a hardware token serial
    public void MFA_needs_both_a_device_serial_and_a_six_digit_code(string serial, string code, string errorId)
    {
        AssumeRoleSpec spec = Valid();
        spec.SerialNumber = serial;
        spec.TokenCode = code;

        if (errorId == null) spec.Validate();
        else AssertRejected(spec, errorId);
    }

    [Theory]
    [InlineData("arn:aws:iam::aws:policy/AmazonKinesisReadOnlyAccess", true)]
    [InlineData("arn:aws:iam::111122223333:policy/team/kinesis-read", true)]
    [InlineData("arn:aws-cn:iam::111122223333:policy/x", true)]
    [InlineData("AmazonKinesisReadOnlyAccess", false)]
    [InlineData("arn:aws:iam::11112222333:policy/x", false)]   // 11-digit account
    [InlineData("arn:aws:iam::111122223333:role/x", false)]
    [InlineData("arn:aws:iam::111122223333:policy/", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Managed_session_policies_must_be_IAM_policy_ARNs(string policyArn, bool valid)
    {
        AssumeRoleSpec spec = Valid();
        spec.PolicyArns.Add(policyArn);

        if (valid) spec.Validate();
        else AssertRejected(spec, "InvalidPolicyArn");
    }

    [Theory]
    [InlineData(10, null)]
    [InlineData(11, "TooManyPolicyArns")]
    public void At_most_ten_managed_session_policies_are_accepted(int count, string errorId)
    {
        AssumeRoleSpec spec = Valid();
        for (int i = 0; i < count; i++) spec.PolicyArns.Add($"arn:aws:iam::111122223333:policy/p{i}");

        if (errorId == null) spec.Validate();
        else AssertRejected(spec, errorId);
    }

    [Theory]
    [InlineData(0, "InvalidPolicy")]
    [InlineData(1, null)]
    [InlineData(2048, null)]
    [InlineData(2049, "InvalidPolicy")]
    public void An_inline_session_policy_is_at_most_2048_characters(int length, string errorId)
    {
        AssumeRoleSpec spec = Valid();
        spec.Policy = new string('x', length);

        if (errorId == null) spec.Validate();
        else AssertRejected(spec, errorId);
    }

    [Theory]
    [InlineData("team", "data-eng", null)]
    [InlineData("cost center", "42 / eu", null)]
    [InlineData("Équipe", "données", null)]     // tags do allow Unicode letters
    [InlineData("team", "", null)]
    [InlineData("", "x", "InvalidSessionTag")]
    [InlineData("star*", "x", "InvalidSessionTag")]
    [InlineData("team", "semi;colon", "InvalidSessionTag")]
    public void Session_tags_follow_STS_rules(string key, string value, string errorId)
    {
        AssumeRoleSpec spec = Valid();
        spec.Tags[key] = value;

        if (errorId == null) spec.Validate();
        else AssertRejected(spec, errorId);
    }

    [Theory]
    [InlineData(50, null)]
    [InlineData(51, "TooManyTags")]
    public void At_most_fifty_session_tags_are_accepted(int count, string errorId)
    {
        AssumeRoleSpec spec = Valid();
        for (int i = 0; i < count; i++) spec.Tags[$"k{i}"] = "v";

        if (errorId == null) spec.Validate();
        else AssertRejected(spec, errorId);
    }

    [Theory]
    [InlineData("alice")]
    [InlineData("Alice Smith")]
    [InlineData("CORP\\alice")]
    [InlineData("José Müller")]
    [InlineData("用户")]
    [InlineData("😀")]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("a-very-long-user-name-that-goes-on-and-on-well-past-what-sts-takes-for-a-session-name")]
    public void The_default_session_name_is_one_STS_accepts_whatever_the_user_name(string userName)
    {
        string name = AssumeRoleSpec.DefaultSessionName(userName, new DateTime(2024, 5, 1, 12, 0, 0, DateTimeKind.Utc));

        Assert.Matches(StsSessionName, name);
        Assert.EndsWith("-20240501T120000", name);
        AssumeRoleSpec spec = Valid();
        spec.RoleSessionName = name;
        spec.Validate();
    }

    [Fact]
    public void The_default_session_name_names_the_tool_and_the_user()
    {
        Assert.Equal("kxa-alice-20240501T120000", AssumeRoleSpec.DefaultSessionName("alice", new DateTime(2024, 5, 1, 12, 0, 0, DateTimeKind.Utc)));
    }
}
