using System.Net.Http;
using Amazon.Runtime;
using Amazon.SecurityToken;
using KinesisXAcct.Errors;
using KinesisXAcct.Sessions;
using KinesisXAcct.Tests.Unit.Fakes;
using Xunit;

namespace KinesisXAcct.Tests.Unit.Sessions;

/// <summary>
/// Connecting with explicit keys, region and endpoint, so nothing comes from the environment or
/// profiles; STS is the fake the injected factory hands out.
/// </summary>
public class RoleConnectorTests
{
    private const string Role = "arn:aws:iam::239641032376:role/hmh_kinesis_consumer_role";
    private const string Caller = "arn:aws:iam::111122223333:user/alice";

    private sealed class Factory
    {
        public FakeSts Sts { get; } = new();
        public List<(AWSCredentials Credentials, string Region, Uri Endpoint)> Calls { get; } = new();

        public IAmazonSecurityTokenService Create(AWSCredentials credentials, string region, Uri endpoint)
        {
            Calls.Add((credentials, region, endpoint));
            return Sts;
        }
    }

    private static ConnectRequest Request(Action<ConnectRequest> tweak = null)
    {
        var request = new ConnectRequest
        {
            Name = "prod",
            Role = new AssumeRoleSpec { RoleArn = RoleArn.Parse(Role), RoleSessionName = "kxa-alice-test" },
            Source = new SourceRequest { AccessKey = "AKIAEXAMPLEKEY1234", SecretKey = "wJalrXUtnFEMI/K7MDENG" },
            Region = "eu-west-1",
            EndpointUrl = "http://127.0.0.1:4566",
        };
        tweak?.Invoke(request);
        return request;
    }

    [Fact]
    public async Task Connecting_assumes_the_role_once_and_returns_a_session_in_the_roles_account()
    {
        var factory = new Factory();
        factory.Sts.CallerArn = Caller;

        KinesisRoleSession session = await new RoleConnector(factory.Create).ConnectAsync(Request(), CancellationToken.None);

        Assert.Equal("prod", session.Name);
        Assert.Equal(Role, session.RoleArn);
        Assert.Equal("239641032376", session.AccountId);
        Assert.Equal("kxa-alice-test", session.RoleSessionName);
        Assert.Equal("eu-west-1", session.Region);
        Assert.Equal("arn:aws:sts::239641032376:assumed-role/hmh_kinesis_consumer_role/kxa-alice-test", session.AssumedRoleArn);
        Assert.Equal(Caller, session.SourceArn);
        Assert.NotNull(session.Expiration);
        Assert.Equal(new Uri("http://127.0.0.1:4566"), session.KinesisEndpoint);
        Assert.Equal(new Uri("http://127.0.0.1:4566"), session.StsEndpoint);
        Assert.Single(factory.Sts.AssumeRoleRequests);
        Assert.Equal(1, factory.Sts.Calls.Count(c => c == "GetCallerIdentity"));
        Assert.Equal("ASIAFAKE0001", session.Credentials.GetCredentials().AccessKey);
    }

    [Fact]
    public async Task STS_is_built_for_the_region_and_endpoint_with_the_explicit_keys()
    {
        var factory = new Factory();

        KinesisRoleSession session = await new RoleConnector(factory.Create).ConnectAsync(Request(), CancellationToken.None);

        var (credentials, region, endpoint) = Assert.Single(factory.Calls);
        Assert.Equal("eu-west-1", region);
        Assert.Equal(new Uri("http://127.0.0.1:4566"), endpoint);
        ImmutableCredentials keys = credentials.GetCredentials();
        Assert.Equal("AKIAEXAMPLEKEY1234", keys.AccessKey);
        Assert.Equal("wJalrXUtnFEMI/K7MDENG", keys.SecretKey);
        Assert.Contains("****1234", session.SourceDescription);
        Assert.DoesNotContain("AKIAEXAMPLEKEY1234", session.SourceDescription);
        Assert.DoesNotContain("wJalrXUtnFEMI", session.ToString());
    }

    [Fact]
    public async Task A_session_token_makes_session_credentials_for_STS()
    {
        var factory = new Factory();

        await new RoleConnector(factory.Create).ConnectAsync(Request(r => r.Source.SessionToken = "tok"), CancellationToken.None);

        Assert.Equal("tok", factory.Calls.Single().Credentials.GetCredentials().Token);
    }

    [Fact]
    public async Task Service_specific_endpoints_win_over_the_shared_one()
    {
        var factory = new Factory();

        KinesisRoleSession session = await new RoleConnector(factory.Create).ConnectAsync(Request(r =>
        {
            r.StsEndpointUrl = "https://sts.vpce.example.com";
            r.KinesisEndpointUrl = "https://kinesis.vpce.example.com";
        }), CancellationToken.None);

        Assert.Equal(new Uri("https://sts.vpce.example.com"), factory.Calls.Single().Endpoint);
        Assert.Equal(new Uri("https://sts.vpce.example.com"), session.StsEndpoint);
        Assert.Equal(new Uri("https://kinesis.vpce.example.com"), session.KinesisEndpoint);
    }

    [Theory]
    [InlineData(null, "requires an ExternalId")]
    [InlineData("partner-42", "does not match the sts:ExternalId condition")]
    public async Task Access_denied_is_explained_with_the_caller_the_role_the_region_and_the_likely_causes(string externalId, string externalIdHint)
    {
        var factory = new Factory();
        factory.Sts.CallerArn = Caller;
        var denied = FakeSts.ServiceError("AccessDenied", "Not authorized to perform sts:AssumeRole"); // names neither caller nor role
        factory.Sts.ThenFail(denied);

        var e = await Assert.ThrowsAsync<KinesisXAcctException>(() =>
            new RoleConnector(factory.Create).ConnectAsync(Request(r => r.Role.ExternalId = externalId), CancellationToken.None));

        Assert.Equal("AssumeRoleAccessDenied", e.ErrorId);
        Assert.Equal(FailureKind.PermissionDenied, e.Kind);
        Assert.Equal(Role, e.Target);
        Assert.Same(denied, e.InnerException);
        Assert.Contains(Caller, e.Message);
        Assert.Contains(Role, e.Message);
        Assert.Contains("eu-west-1", e.Message);
        Assert.Contains("239641032376", e.Message);
        Assert.Contains("trust policy", e.Message);
        Assert.Contains("ExternalId", e.Message);
        Assert.Contains(externalIdHint, e.Message);
        Assert.Contains("Not authorized to perform sts:AssumeRole", e.Message); // STS's own words are kept
    }

    [Fact]
    public async Task Access_denied_names_the_source_credentials_when_GetCallerIdentity_does_not_answer()
    {
        var factory = new Factory();
        factory.Sts.CallerArn = null;
        factory.Sts.ThenFail(FakeSts.ServiceError("AccessDenied", "denied"));

        var e = await Assert.ThrowsAsync<KinesisXAcctException>(() => new RoleConnector(factory.Create).ConnectAsync(Request(), CancellationToken.None));

        Assert.Equal("AssumeRoleAccessDenied", e.ErrorId);
        Assert.Contains("****1234", e.Message);
        Assert.Contains("GetCallerIdentity did not answer", e.Message);
        Assert.DoesNotContain("AKIAEXAMPLEKEY1234", e.Message);
    }

    [Theory]
    [InlineData("AccessDeniedException", "AssumeRoleAccessDenied", FailureKind.PermissionDenied)]
    [InlineData("InvalidClientTokenId", "SourceCredentialsRejected", FailureKind.Authentication)]
    [InlineData("SignatureDoesNotMatch", "SourceCredentialsRejected", FailureKind.Authentication)]
    [InlineData("ExpiredToken", "SourceCredentialsRejected", FailureKind.Authentication)]
    [InlineData("RegionDisabledException", "StsRegionDisabled", FailureKind.PermissionDenied)]
    [InlineData("ValidationError", "AssumeRoleRequestInvalid", FailureKind.InvalidArgument)]
    [InlineData("MalformedPolicyDocument", "AssumeRoleRequestInvalid", FailureKind.InvalidArgument)]
    [InlineData("SomethingNew", "AssumeRoleFailed", FailureKind.Service)]
    public async Task STS_refusals_map_to_an_error_id_and_kind(string code, string errorId, FailureKind kind)
    {
        var factory = new Factory();
        factory.Sts.ThenFail(FakeSts.ServiceError(code, "refused"));

        var e = await Assert.ThrowsAsync<KinesisXAcctException>(() => new RoleConnector(factory.Create).ConnectAsync(Request(), CancellationToken.None));

        Assert.Equal(errorId, e.ErrorId);
        Assert.Equal(kind, e.Kind);
        Assert.NotNull(e.InnerException);
    }

    [Fact]
    public async Task An_unreachable_STS_endpoint_is_a_connection_failure_that_names_the_endpoint()
    {
        var factory = new Factory();
        factory.Sts.ThenFail(new HttpRequestException("Connection refused (127.0.0.1:4566)"));

        var e = await Assert.ThrowsAsync<KinesisXAcctException>(() => new RoleConnector(factory.Create).ConnectAsync(Request(), CancellationToken.None));

        Assert.Equal("StsEndpointUnreachable", e.ErrorId);
        Assert.Equal(FailureKind.Connection, e.Kind);
        Assert.Contains("http://127.0.0.1:4566", e.Message);
    }

    [Theory]
    [InlineData("session name", "InvalidRoleSessionName")]
    [InlineData("duration", "DurationOutOfRange")]
    [InlineData("external id", "InvalidExternalId")]
    [InlineData("mfa", "MfaSerialAndTokenCodeGoTogether")]
    [InlineData("region", "InvalidRegion")]
    [InlineData("endpoint", "InvalidEndpointUrl")]
    [InlineData("sts endpoint", "InvalidEndpointUrl")]
    [InlineData("kinesis endpoint", "InvalidEndpointUrl")]
    [InlineData("secret key missing", "AccessKeyAndSecretKeyGoTogether")]
    public async Task Invalid_input_fails_as_an_invalid_argument_before_any_STS_call(string what, string errorId)
    {
        var factory = new Factory();
        ConnectRequest request = Request(r =>
        {
            switch (what)
            {
                case "session name": r.Role.RoleSessionName = "has space"; break;
                case "duration": r.Role.DurationSeconds = 100; break;
                case "external id": r.Role.ExternalId = "x"; break;
                case "mfa": r.Role.TokenCode = "123456"; break;
                case "region": r.Region = "Mars"; break;
                case "endpoint": r.EndpointUrl = "ftp://example.com"; break;
                case "sts endpoint": r.StsEndpointUrl = "not a url"; break;
                case "kinesis endpoint": r.KinesisEndpointUrl = "kinesis.example.com"; break;
                case "secret key missing": r.Source.SecretKey = null; break;
            }
        });

        var e = await Assert.ThrowsAsync<KinesisXAcctException>(() => new RoleConnector(factory.Create).ConnectAsync(request, CancellationToken.None));

        Assert.Equal(errorId, e.ErrorId);
        Assert.Equal(FailureKind.InvalidArgument, e.Kind);
        Assert.Empty(factory.Calls);
        Assert.Empty(factory.Sts.Calls);
    }

    [Fact]
    public async Task A_role_assumed_from_another_session_is_chained_and_over_an_hour_is_refused_before_any_call()
    {
        var factory = new Factory();
        KinesisRoleSession source = TestSessions.Make("hub", "arn:aws:iam::111122223333:role/hub");
        ConnectRequest request = Request(r =>
        {
            r.Source = new SourceRequest { SourceSession = source };
            r.Role.DurationSeconds = 3601;
        });

        var e = await Assert.ThrowsAsync<KinesisXAcctException>(() => new RoleConnector(factory.Create).ConnectAsync(request, CancellationToken.None));

        Assert.Equal("ChainedSessionDurationTooLong", e.ErrorId);
        Assert.Empty(factory.Calls);
    }

    [Fact]
    public async Task A_role_assumed_from_another_session_uses_that_sessions_credentials_and_region()
    {
        var factory = new Factory();
        KinesisRoleSession source = TestSessions.Make("hub", "arn:aws:iam::111122223333:role/hub", region: "ap-southeast-2");
        ConnectRequest request = Request(r =>
        {
            r.Source = new SourceRequest { SourceSession = source };
            r.Region = null;
        });

        KinesisRoleSession session = await new RoleConnector(factory.Create).ConnectAsync(request, CancellationToken.None);

        var call = Assert.Single(factory.Calls);
        Assert.Same(source.Credentials, call.Credentials);
        Assert.Equal("ap-southeast-2", call.Region);
        Assert.Equal("ap-southeast-2", session.Region);
        Assert.Contains("hub", session.SourceDescription);
    }

    [Fact]
    public async Task Cancelling_a_connect_surfaces_as_a_cancellation_not_as_an_STS_failure()
    {
        var factory = new Factory();
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new RoleConnector(factory.Create).ConnectAsync(Request(), cts.Token));
    }
}
