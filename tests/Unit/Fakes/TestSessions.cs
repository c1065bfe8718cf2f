using KinesisXAcct.Sessions;

namespace KinesisXAcct.Tests.Unit.Fakes;

internal static class TestSessions
{
    /// <summary>A connected-looking session (no STS call is made to build it).</summary>
    public static KinesisRoleSession Make(string name, string roleArn = "arn:aws:iam::239641032376:role/reader", string region = "us-east-1",
        Uri kinesisEndpoint = null, Uri stsEndpoint = null)
    {
        RoleArn arn = RoleArn.Parse(roleArn);
        var spec = new AssumeRoleSpec { RoleArn = arn, RoleSessionName = "kxa-" + name };
        var credentials = new AssumedRoleCredentials(new FakeSts(), spec);
        return new KinesisRoleSession(name, arn.Value, arn.AccountId, spec.RoleSessionName, region, "arn:aws:iam::111122223333:user/alice",
            credentials, kinesisEndpoint ?? new Uri($"https://kinesis.{region}.amazonaws.com"), stsEndpoint, "test keys");
    }
}
