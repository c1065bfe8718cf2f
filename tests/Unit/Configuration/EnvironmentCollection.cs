using Xunit;

namespace KinesisXAcct.Tests.Unit.Configuration;

/// <summary>Tests that change process environment variables: run one at a time, apart from all others.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EnvironmentCollection
{
    public const string Name = "Process environment";
}

/// <summary>Clears the AWS variables that steer region and endpoint resolution, sets the given ones, and restores all on dispose.</summary>
internal sealed class EnvironmentScope : IDisposable
{
    private static readonly string[] Steering =
    {
        "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE",
        "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_KINESIS", "AWS_ENDPOINT_URL_STS",
    };

    private readonly Dictionary<string, string> _saved = new();

    public EnvironmentScope(params (string Name, string Value)[] variables)
    {
        foreach (string name in Steering.Concat(variables.Select(v => v.Name)).Distinct())
        {
            _saved[name] = Environment.GetEnvironmentVariable(name);
            Environment.SetEnvironmentVariable(name, null);
        }

        foreach ((string name, string value) in variables)
            Environment.SetEnvironmentVariable(name, value);
    }

    public void Dispose()
    {
        foreach (KeyValuePair<string, string> saved in _saved)
            Environment.SetEnvironmentVariable(saved.Key, saved.Value);
    }
}
