using System.Collections.Concurrent;
using System.Net;
using Amazon.Runtime;
using Amazon.Runtime.Endpoints;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;

namespace KinesisXAcct.Tests.Unit.Fakes;

/// <summary>
/// STS for tests: AssumeRole and GetCallerIdentity answer from scripts and record their requests;
/// every other member throws. Implements the interface directly (its static members included).
/// </summary>
internal sealed class FakeSts : IAmazonSecurityTokenService
{
    private readonly ConcurrentQueue<Func<AssumeRoleRequest, AssumeRoleResponse>> _assumeScript = new();
    private int _keyCounter;

    public ConcurrentQueue<AssumeRoleRequest> AssumeRoleRequests { get; } = new();
    public ConcurrentQueue<string> Calls { get; } = new();

    /// <summary>The credentials' lifetime from the moment AssumeRole answers, when no script step says otherwise.</summary>
    public TimeSpan DefaultLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The caller ARN GetCallerIdentity returns; null makes it fail.</summary>
    public string CallerArn { get; set; } = "arn:aws:iam::111122223333:user/alice";

    public int AssumeRoleCount => AssumeRoleRequests.Count;

    /// <summary>The next AssumeRole answers with credentials that expire after <paramref name="lifetime"/>.</summary>
    public FakeSts ThenExpiringIn(TimeSpan lifetime)
    {
        _assumeScript.Enqueue(r => Answer(r, DateTime.UtcNow + lifetime));
        return this;
    }

    /// <summary>The next AssumeRole fails with this exception.</summary>
    public FakeSts ThenFail(Exception e)
    {
        _assumeScript.Enqueue(_ => throw e);
        return this;
    }

    public static AmazonSecurityTokenServiceException ServiceError(string code, string message, HttpStatusCode status = HttpStatusCode.Forbidden) =>
        new(message, ErrorType.Sender, code, "req-1", status);

    public Task<AssumeRoleResponse> AssumeRoleAsync(AssumeRoleRequest request, CancellationToken cancellationToken = default)
    {
        Calls.Enqueue("AssumeRole");
        AssumeRoleRequests.Enqueue(request);
        cancellationToken.ThrowIfCancellationRequested();
        AssumeRoleResponse response = _assumeScript.TryDequeue(out var step) ? step(request) : Answer(request, DateTime.UtcNow + DefaultLifetime);
        return Task.FromResult(response);
    }

    private AssumeRoleResponse Answer(AssumeRoleRequest request, DateTime expiration)
    {
        int n = Interlocked.Increment(ref _keyCounter);
        string account = request.RoleArn.Split(':')[4];
        string role = request.RoleArn.Substring(request.RoleArn.LastIndexOf('/') + 1);
        return new AssumeRoleResponse
        {
            Credentials = new Credentials($"ASIAFAKE{n:D4}", $"secret-{n}", $"token-{n}", expiration),
            AssumedRoleUser = new AssumedRoleUser { Arn = $"arn:aws:sts::{account}:assumed-role/{role}/{request.RoleSessionName}", AssumedRoleId = "AROAFAKE:" + request.RoleSessionName },
        };
    }

    public Task<GetCallerIdentityResponse> GetCallerIdentityAsync(GetCallerIdentityRequest request, CancellationToken cancellationToken = default)
    {
        Calls.Enqueue("GetCallerIdentity");
        if (CallerArn == null) throw ServiceError("AccessDenied", "not allowed");
        return Task.FromResult(new GetCallerIdentityResponse { Arn = CallerArn, Account = CallerArn.Split(':')[4], UserId = "AIDAFAKE" });
    }

    public bool Disposed { get; private set; }

    public void Dispose() => Disposed = true;

    // ---- the rest of the interface: not used by the module ------------------------------

    private static NotImplementedException Unused() => new("FakeSts implements AssumeRole and GetCallerIdentity only.");

    public IClientConfig Config => throw Unused();
    public static ClientConfig CreateDefaultClientConfig() => throw Unused();
    public static IAmazonService CreateDefaultServiceClient(AWSCredentials awsCredentials, ClientConfig clientConfig) => throw Unused();
    public Endpoint DetermineServiceOperationEndpoint(AmazonWebServiceRequest request) => throw Unused();
    public Task<AssumeRoleWithSAMLResponse> AssumeRoleWithSAMLAsync(AssumeRoleWithSAMLRequest request, CancellationToken cancellationToken = default) => throw Unused();
    public Task<AssumeRoleWithWebIdentityResponse> AssumeRoleWithWebIdentityAsync(AssumeRoleWithWebIdentityRequest request, CancellationToken cancellationToken = default) => throw Unused();
    public Task<AssumeRootResponse> AssumeRootAsync(AssumeRootRequest request, CancellationToken cancellationToken = default) => throw Unused();
    public Task<DecodeAuthorizationMessageResponse> DecodeAuthorizationMessageAsync(DecodeAuthorizationMessageRequest request, CancellationToken cancellationToken = default) => throw Unused();
    public Task<GetAccessKeyInfoResponse> GetAccessKeyInfoAsync(GetAccessKeyInfoRequest request, CancellationToken cancellationToken = default) => throw Unused();
    public Task<GetDelegatedAccessTokenResponse> GetDelegatedAccessTokenAsync(GetDelegatedAccessTokenRequest request, CancellationToken cancellationToken = default) => throw Unused();
    public Task<GetFederationTokenResponse> GetFederationTokenAsync(GetFederationTokenRequest request, CancellationToken cancellationToken = default) => throw Unused();
    public Task<GetSessionTokenResponse> GetSessionTokenAsync(GetSessionTokenRequest request, CancellationToken cancellationToken = default) => throw Unused();
    public Task<GetSessionTokenResponse> GetSessionTokenAsync(CancellationToken cancellationToken = default) => throw Unused();
    public Task<GetWebIdentityTokenResponse> GetWebIdentityTokenAsync(GetWebIdentityTokenRequest request, CancellationToken cancellationToken = default) => throw Unused();
    public AssumeRoleImmutableCredentials CredentialsFromAssumeRoleAuthentication(string roleArn, string roleSessionName, AssumeRoleAWSCredentialsOptions options) => throw Unused();
    public Task<AssumeRoleImmutableCredentials> CredentialsFromAssumeRoleAuthenticationAsync(string roleArn, string roleSessionName, AssumeRoleAWSCredentialsOptions options) => throw Unused();
    public SAMLImmutableCredentials CredentialsFromSAMLAuthentication(string endpoint, string authenticationType, string roleArn, TimeSpan credentialDuration, ICredentials userCredential) => throw Unused();
    public Task<SAMLImmutableCredentials> CredentialsFromSAMLAuthenticationAsync(string endpoint, string authenticationType, string roleArn, TimeSpan credentialDuration, ICredentials userCredential) => throw Unused();
    public AssumeRoleImmutableCredentials CredentialsFromAssumeRoleWithWebIdentityAuthentication(string webIdentityToken, string roleArn, string roleSessionName, AssumeRoleWithWebIdentityCredentialsOptions options) => throw Unused();
    public Task<AssumeRoleImmutableCredentials> CredentialsFromAssumeRoleWithWebIdentityAuthenticationAsync(string webIdentityToken, string roleArn, string roleSessionName, AssumeRoleWithWebIdentityCredentialsOptions options) => throw Unused();
}
