using Amazon;
using Amazon.Runtime.CredentialManagement;
using KinesisXAcct.Configuration;
using KinesisXAcct.Errors;
using KinesisXAcct.Tests.Unit.Fakes;
using KinesisXAcct.Sessions;
using Xunit;

namespace KinesisXAcct.Tests.Unit.Configuration;

[Collection(EnvironmentCollection.Name)]
public class AwsSettingsTests
{
    private static CredentialProfile Profile(string region = null, string endpointUrl = null)
    {
        var profile = new CredentialProfile("test", new CredentialProfileOptions { AccessKey = "AKIA", SecretKey = "s" });
        if (region != null) profile.Region = RegionEndpoint.GetBySystemName(region);
        if (endpointUrl != null) profile.EndpointUrl = endpointUrl;
        return profile;
    }

    private static (string, string)[] Vars(string regionEnv, string defaultRegionEnv)
    {
        var vars = new List<(string, string)>();
        if (regionEnv != null) vars.Add(("AWS_REGION", regionEnv));
        if (defaultRegionEnv != null) vars.Add(("AWS_DEFAULT_REGION", defaultRegionEnv));
        return vars.ToArray();
    }

    // ---- region -------------------------------------------------------------------------

    [Theory]
    // explicit      AWS_REGION     AWS_DEFAULT_REGION  profile        → region
    [InlineData("us-east-1", "eu-west-1", "ap-south-1", "sa-east-1", "us-east-1")]
    [InlineData(null, "eu-west-1", "ap-south-1", "sa-east-1", "eu-west-1")]
    [InlineData(null, null, "ap-south-1", "sa-east-1", "ap-south-1")]
    [InlineData(null, null, null, "sa-east-1", "sa-east-1")]
    [InlineData(null, "   ", "ap-south-1", null, "ap-south-1")]    // a blank variable counts as unset
    [InlineData(null, " eu-west-2 ", null, null, "eu-west-2")]     // and a padded one is trimmed
    public void The_region_comes_from_the_parameter_then_AWS_REGION_then_AWS_DEFAULT_REGION_then_the_profile(
        string explicitRegion, string regionEnv, string defaultRegionEnv, string profileRegion, string expected)
    {
        using var env = new EnvironmentScope(Vars(regionEnv, defaultRegionEnv));

        Assert.Equal(expected, AwsSettings.ResolveRegion(explicitRegion, profileRegion == null ? null : Profile(profileRegion)));
    }

    [Fact]
    public void Without_any_region_the_error_says_how_to_set_one()
    {
        using var env = new EnvironmentScope();

        var e = Assert.Throws<KinesisXAcctException>(() => AwsSettings.ResolveRegion(null, null));

        Assert.Equal("RegionNotSpecified", e.ErrorId);
        Assert.Equal(FailureKind.InvalidArgument, e.Kind);
        Assert.Contains("-Region", e.Message);
        Assert.Contains("AWS_REGION", e.Message);
    }

    [Theory]
    [InlineData("us-east-1")]
    [InlineData("eu-central-2")]
    [InlineData("ap-southeast-4")]
    [InlineData("us-gov-west-1")]
    [InlineData("cn-northwest-1")]
    [InlineData("il-central-1")]
    [InlineData("us-isob-east-1")]
    public void Region_names_shaped_like_AWS_regions_are_accepted(string region)
    {
        using var env = new EnvironmentScope();

        Assert.Equal(region, AwsSettings.ResolveRegion(region, null));
    }

    [Theory]
    [InlineData("")]
    [InlineData("Mars")]
    [InlineData("US-EAST-1")]
    [InlineData("useast1")]
    [InlineData("us-east")]
    [InlineData("us-east-100")]
    [InlineData(" us-east-1")]
    [InlineData("https://kinesis.us-east-1.amazonaws.com")]
    public void Anything_else_is_refused_as_an_invalid_region(string region)
    {
        using var env = new EnvironmentScope();

        var e = Assert.Throws<KinesisXAcctException>(() => AwsSettings.ResolveRegion(region, null));

        Assert.Equal("InvalidRegion", e.ErrorId);
        Assert.Equal(FailureKind.InvalidArgument, e.Kind);
        Assert.Equal(region, e.Target);
    }

    [Fact]
    public void A_malformed_region_from_the_environment_is_refused_too()
    {
        using var env = new EnvironmentScope(("AWS_REGION", "Europe"));

        Assert.Equal("InvalidRegion", Assert.Throws<KinesisXAcctException>(() => AwsSettings.ResolveRegion(null, null)).ErrorId);
    }

    // ---- Kinesis endpoint ---------------------------------------------------------------

    [Theory]
    // explicit               AWS_ENDPOINT_URL_KINESIS  AWS_ENDPOINT_URL        profile                 → endpoint
    [InlineData("http://explicit:1", "http://kinesis-env:2", "http://shared-env:3", "http://profile:4", "http://explicit:1")]
    [InlineData(null, "http://kinesis-env:2", "http://shared-env:3", "http://profile:4", "http://kinesis-env:2")]
    [InlineData(null, null, "http://shared-env:3", "http://profile:4", "http://shared-env:3")]
    [InlineData(null, null, null, "http://profile:4", "http://profile:4")]
    [InlineData(null, null, null, null, "https://kinesis.eu-west-1.amazonaws.com")]
    [InlineData(null, " ", "http://shared-env:3", null, "http://shared-env:3")]
    public void The_Kinesis_endpoint_comes_from_the_parameter_then_the_Kinesis_variable_then_the_shared_one_then_the_profile_then_the_region(
        string explicitUrl, string kinesisEnv, string sharedEnv, string profileUrl, string expected)
    {
        var vars = new List<(string, string)>();
        if (kinesisEnv != null) vars.Add(("AWS_ENDPOINT_URL_KINESIS", kinesisEnv));
        if (sharedEnv != null) vars.Add(("AWS_ENDPOINT_URL", sharedEnv));
        using var env = new EnvironmentScope(vars.ToArray());

        Uri endpoint = AwsSettings.ResolveKinesisEndpoint(explicitUrl, profileUrl == null ? null : Profile(endpointUrl: profileUrl), "eu-west-1");

        Assert.Equal(new Uri(expected), endpoint);
    }

    [Theory]
    [InlineData("us-east-1", "https://kinesis.us-east-1.amazonaws.com/")]
    [InlineData("cn-north-1", "https://kinesis.cn-north-1.amazonaws.com.cn/")]
    [InlineData("cn-northwest-1", "https://kinesis.cn-northwest-1.amazonaws.com.cn/")]
    [InlineData("us-gov-west-1", "https://kinesis.us-gov-west-1.amazonaws.com/")]
    public void The_default_endpoint_is_the_regional_one_in_the_regions_DNS_domain(string region, string expected)
    {
        using var env = new EnvironmentScope();

        Assert.Equal(expected, AwsSettings.ResolveKinesisEndpoint(null, null, region).ToString());
    }

    [Fact]
    public void The_STS_variable_does_not_steer_Kinesis_nor_the_Kinesis_variable_STS()
    {
        using var env = new EnvironmentScope(("AWS_ENDPOINT_URL_STS", "http://sts-env:1"), ("AWS_ENDPOINT_URL_KINESIS", "http://kinesis-env:2"));

        Assert.Equal(new Uri("http://kinesis-env:2"), AwsSettings.ResolveKinesisEndpoint(null, null, "us-east-1"));
        Assert.Equal(new Uri("http://sts-env:1"), AwsSettings.ResolveStsEndpoint(null, null));
    }

    [Theory]
    [InlineData("http://explicit:1", "http://sts-env:2", "http://shared-env:3", "http://explicit:1")]
    [InlineData(null, "http://sts-env:2", "http://shared-env:3", "http://sts-env:2")]
    [InlineData(null, null, "http://shared-env:3", "http://shared-env:3")]
    [InlineData(null, null, null, null)]                  // null: the SDK's regional default
    public void The_STS_endpoint_override_comes_from_the_parameter_then_the_STS_variable_then_the_shared_one(
        string explicitUrl, string stsEnv, string sharedEnv, string expected)
    {
        var vars = new List<(string, string)>();
        if (stsEnv != null) vars.Add(("AWS_ENDPOINT_URL_STS", stsEnv));
        if (sharedEnv != null) vars.Add(("AWS_ENDPOINT_URL", sharedEnv));
        using var env = new EnvironmentScope(vars.ToArray());

        Assert.Equal(expected == null ? null : new Uri(expected), AwsSettings.ResolveStsEndpoint(explicitUrl, null));
    }

    [Theory]
    [InlineData("not a url")]
    [InlineData("ftp://kinesis.example.com")]
    [InlineData("kinesis.us-east-1.amazonaws.com")]
    [InlineData("file:///etc/passwd")]
    [InlineData("http//missing-colon")]
    public void An_endpoint_that_is_not_an_http_URL_is_refused(string url)
    {
        using var env = new EnvironmentScope();

        var e = Assert.Throws<KinesisXAcctException>(() => AwsSettings.ResolveKinesisEndpoint(url, null, "us-east-1"));

        Assert.Equal("InvalidEndpointUrl", e.ErrorId);
        Assert.Equal(FailureKind.InvalidArgument, e.Kind);
        Assert.Equal(url, e.Target);
        Assert.Contains("http", e.Message);
    }

    [Theory]
    [InlineData("AWS_ENDPOINT_URL_KINESIS")]
    [InlineData("AWS_ENDPOINT_URL")]
    public void A_malformed_endpoint_variable_is_refused_rather_than_ignored(string variable)
    {
        using var env = new EnvironmentScope((variable, "localhost:4566"));

        Assert.Equal("InvalidEndpointUrl", Assert.Throws<KinesisXAcctException>(() => AwsSettings.ResolveKinesisEndpoint(null, null, "us-east-1")).ErrorId);
    }

    [Theory]
    [InlineData("us-east-1", "aws")]
    [InlineData("cn-north-1", "aws-cn")]
    [InlineData("us-gov-east-1", "aws-us-gov")]
    [InlineData("eu-west-1", "aws")]
    public void The_partition_follows_the_region(string region, string partition)
    {
        Assert.Equal(partition, AwsSettings.Partition(region));
    }

    [Fact]
    public void Without_a_profile_parameter_AWS_PROFILE_names_the_profile()
    {
        using (new EnvironmentScope(("AWS_PROFILE", "ops")))
        {
            Assert.Equal("ops", AwsSettings.ProfileName(null));
            Assert.Equal("dev", AwsSettings.ProfileName("dev"));
        }

        using (new EnvironmentScope())
            Assert.Null(AwsSettings.ProfileName(null));
    }

    [Fact]
    public void The_scope_restores_the_environment_it_changed()
    {
        string before = Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL_KINESIS");
        using (new EnvironmentScope(("AWS_ENDPOINT_URL_KINESIS", "http://x:1")))
            Assert.Equal("http://x:1", Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL_KINESIS"));

        Assert.Equal(before, Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL_KINESIS"));
    }
}

/// <summary>Connecting from another session: endpoints are inherited unless the environment says otherwise.</summary>
[Collection(EnvironmentCollection.Name)]
public class ChainedConnectEnvironmentTests
{
    private static ConnectRequest Chained(KinesisRoleSession source) => new()
    {
        Name = "spoke",
        Role = new AssumeRoleSpec { RoleArn = RoleArn.Parse("arn:aws:iam::239641032376:role/reader"), RoleSessionName = "kxa-test" },
        Source = new SourceRequest { SourceSession = source },
    };

    [Fact]
    public async Task A_chained_session_inherits_the_source_sessions_region_and_endpoints()
    {
        using var env = new EnvironmentScope();
        var sts = new FakeSts();
        Uri stsUsed = null;
        KinesisRoleSession source = TestSessions.Make("hub", "arn:aws:iam::111122223333:role/hub", region: "eu-north-1",
            kinesisEndpoint: new Uri("http://localhost:4566"), stsEndpoint: new Uri("http://localhost:4566"));

        KinesisRoleSession session = await new RoleConnector((c, r, e) => { stsUsed = e; return sts; }).ConnectAsync(Chained(source), CancellationToken.None);

        Assert.Equal("eu-north-1", session.Region);
        Assert.Equal(new Uri("http://localhost:4566"), session.KinesisEndpoint);
        Assert.Equal(new Uri("http://localhost:4566"), stsUsed);
    }

    [Fact]
    public async Task A_Kinesis_endpoint_variable_wins_over_the_source_sessions_endpoint()
    {
        using var env = new EnvironmentScope(("AWS_ENDPOINT_URL_KINESIS", "http://kinesis-env:2"));
        KinesisRoleSession source = TestSessions.Make("hub", "arn:aws:iam::111122223333:role/hub", region: "eu-north-1",
            kinesisEndpoint: new Uri("http://localhost:4566"));

        KinesisRoleSession session = await new RoleConnector((c, r, e) => new FakeSts()).ConnectAsync(Chained(source), CancellationToken.None);

        Assert.Equal(new Uri("http://kinesis-env:2"), session.KinesisEndpoint);
    }
}
