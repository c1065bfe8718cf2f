using Amazon.Runtime;
using Amazon.SecurityToken.Model;
using KinesisXAcct.Errors;
using KinesisXAcct.Sessions;
using KinesisXAcct.Tests.Unit.Fakes;
using Xunit;

namespace KinesisXAcct.Tests.Unit.Sessions;

public class AssumedRoleCredentialsTests
{
    private static AssumeRoleSpec Spec() => new()
    {
        RoleArn = RoleArn.Parse("arn:aws:iam::239641032376:role/reader"),
        RoleSessionName = "kxa-test",
    };

    [Fact]
    public async Task Assuming_calls_STS_once_with_every_field_of_the_spec()
    {
        var sts = new FakeSts();
        AssumeRoleSpec spec = Spec();
        spec.ExternalId = "partner:42";
        spec.DurationSeconds = 1800;
        spec.SerialNumber = "arn:aws:iam::111122223333:mfa/alice";
        spec.TokenCode = "123456";
        spec.Policy = "{\"Version\":\"2012-10-17\"}";
        spec.PolicyArns.Add("arn:aws:iam::aws:policy/AmazonKinesisReadOnlyAccess");
        spec.PolicyArns.Add("arn:aws:iam::111122223333:policy/extra");
        spec.Tags["team"] = "data";
        spec.Tags["env"] = "prod";
        var credentials = new AssumedRoleCredentials(sts, spec);

        await credentials.AssumeAsync(CancellationToken.None);

        AssumeRoleRequest request = Assert.Single(sts.AssumeRoleRequests);
        Assert.Equal("arn:aws:iam::239641032376:role/reader", request.RoleArn);
        Assert.Equal("kxa-test", request.RoleSessionName);
        Assert.Equal("partner:42", request.ExternalId);
        Assert.Equal(1800, request.DurationSeconds);
        Assert.Equal("arn:aws:iam::111122223333:mfa/alice", request.SerialNumber);
        Assert.Equal("123456", request.TokenCode);
        Assert.Equal("{\"Version\":\"2012-10-17\"}", request.Policy);
        Assert.Equal(spec.PolicyArns, request.PolicyArns.Select(p => p.Arn));
        Assert.Equal(new[] { ("env", "prod"), ("team", "data") }, request.Tags.Select(t => (t.Key, t.Value)).OrderBy(t => t.Key));
        Assert.Equal(1, credentials.AssumeCount);
    }

    [Fact]
    public async Task Without_optional_fields_the_request_carries_none()
    {
        var sts = new FakeSts();

        await new AssumedRoleCredentials(sts, Spec()).AssumeAsync(CancellationToken.None);

        AssumeRoleRequest request = Assert.Single(sts.AssumeRoleRequests);
        Assert.Null(request.ExternalId);
        Assert.Null(request.SerialNumber);
        Assert.Null(request.TokenCode);
        Assert.Null(request.Policy);
        Assert.True(request.PolicyArns == null || request.PolicyArns.Count == 0);
        Assert.True(request.Tags == null || request.Tags.Count == 0);
        Assert.Equal(3600, request.DurationSeconds);
    }

    [Fact]
    public async Task After_assuming_the_credentials_in_hand_are_used_without_calling_STS_again()
    {
        var sts = new FakeSts();
        var credentials = new AssumedRoleCredentials(sts, Spec());

        await credentials.AssumeAsync(CancellationToken.None);
        ImmutableCredentials keys = credentials.GetCredentials();
        ImmutableCredentials again = await credentials.GetCredentialsAsync();

        Assert.Equal("ASIAFAKE0001", keys.AccessKey);
        Assert.Equal("secret-1", keys.SecretKey);
        Assert.Equal("token-1", keys.Token);
        Assert.Equal("ASIAFAKE0001", again.AccessKey);
        Assert.Equal(1, sts.AssumeRoleCount);
        Assert.Equal("arn:aws:sts::239641032376:assumed-role/reader/kxa-test", credentials.AssumedRoleArn);
        Assert.InRange(credentials.CurrentExpiration.Value, DateTime.UtcNow.AddMinutes(59), DateTime.UtcNow.AddMinutes(61));
        Assert.Equal(DateTimeKind.Utc, credentials.CurrentExpiration.Value.Kind);
    }

    [Fact]
    public async Task Credentials_within_five_minutes_of_expiry_are_renewed_by_a_new_AssumeRole()
    {
        var sts = new FakeSts().ThenExpiringIn(TimeSpan.FromMinutes(4)).ThenExpiringIn(TimeSpan.FromHours(1));
        var credentials = new AssumedRoleCredentials(sts, Spec());
        await credentials.AssumeAsync(CancellationToken.None);
        DateTime firstExpiry = credentials.CurrentExpiration.Value;

        credentials.GetCredentials();

        Assert.True(await ReadHarness.EventuallyAsync(() => sts.AssumeRoleCount == 2, TimeSpan.FromSeconds(3)), "no renewal within 5 minutes of expiry");
        Assert.True(await ReadHarness.EventuallyAsync(() => credentials.GetCredentials().AccessKey == "ASIAFAKE0002", TimeSpan.FromSeconds(3)));
        Assert.True(credentials.CurrentExpiration > firstExpiry.AddMinutes(50));
        Assert.Equal(2, credentials.AssumeCount);
    }

    [Fact]
    public async Task Credentials_that_already_expired_are_never_handed_out_the_renewed_ones_are()
    {
        var sts = new FakeSts().ThenExpiringIn(TimeSpan.FromMinutes(-1)).ThenExpiringIn(TimeSpan.FromHours(1));
        var credentials = new AssumedRoleCredentials(sts, Spec());
        await credentials.AssumeAsync(CancellationToken.None);

        ImmutableCredentials keys = credentials.GetCredentials();

        Assert.Equal("ASIAFAKE0002", keys.AccessKey);
        Assert.Equal(2, sts.AssumeRoleCount);
    }

    [Theory]
    [InlineData(6)]
    [InlineData(20)]
    [InlineData(60)]
    public async Task Credentials_more_than_five_minutes_from_expiry_are_not_renewed(int minutesLeft)
    {
        var sts = new FakeSts().ThenExpiringIn(TimeSpan.FromMinutes(minutesLeft));
        var credentials = new AssumedRoleCredentials(sts, Spec());
        await credentials.AssumeAsync(CancellationToken.None);

        for (int i = 0; i < 3; i++) credentials.GetCredentials();
        await Task.Delay(100);

        Assert.Equal(1, sts.AssumeRoleCount);
    }

    [Fact]
    public async Task A_session_made_with_an_MFA_code_cannot_refresh_and_says_to_connect_again()
    {
        var sts = new FakeSts();
        AssumeRoleSpec spec = Spec();
        spec.SerialNumber = "arn:aws:iam::111122223333:mfa/alice";
        spec.TokenCode = "123456";
        var credentials = new AssumedRoleCredentials(sts, spec);
        await credentials.AssumeAsync(CancellationToken.None);

        var e = await Assert.ThrowsAsync<KinesisXAcctException>(() => credentials.AssumeAsync(CancellationToken.None));

        Assert.Equal("MfaSessionCannotRefresh", e.ErrorId);
        Assert.Equal(FailureKind.Authentication, e.Kind);
        Assert.Contains("Connect-KinesisRole", e.Message);
        Assert.Contains("arn:aws:iam::239641032376:role/reader", e.Message);
        Assert.Equal(1, sts.AssumeRoleCount);
    }

    [Fact]
    public async Task An_expired_MFA_session_fails_with_MfaSessionCannotRefresh_instead_of_signing_with_dead_keys()
    {
        var sts = new FakeSts().ThenExpiringIn(TimeSpan.FromMinutes(-1));
        AssumeRoleSpec spec = Spec();
        spec.SerialNumber = "arn:aws:iam::111122223333:mfa/alice";
        spec.TokenCode = "123456";
        var credentials = new AssumedRoleCredentials(sts, spec);
        await credentials.AssumeAsync(CancellationToken.None);

        var e = Assert.Throws<KinesisXAcctException>(() => credentials.GetCredentials());

        Assert.Equal("MfaSessionCannotRefresh", e.ErrorId);
        Assert.Equal(1, sts.AssumeRoleCount);
    }

    [Fact]
    public async Task An_STS_failure_while_assuming_propagates_and_counts_no_assume()
    {
        var sts = new FakeSts().ThenFail(FakeSts.ServiceError("AccessDenied", "nope"));
        var credentials = new AssumedRoleCredentials(sts, Spec());

        await Assert.ThrowsAsync<Amazon.SecurityToken.AmazonSecurityTokenServiceException>(() => credentials.AssumeAsync(CancellationToken.None));

        Assert.Equal(0, credentials.AssumeCount);
        Assert.Null(credentials.CurrentExpiration);
    }

    [Fact]
    public void STS_and_the_spec_are_required()
    {
        Assert.Throws<ArgumentNullException>(() => new AssumedRoleCredentials(null, Spec()));
        Assert.Throws<ArgumentNullException>(() => new AssumedRoleCredentials(new FakeSts(), null));
    }
}
