using System;
using System.Collections;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Threading;
using System.Threading.Tasks;
using Amazon;
using KinesisXAcct.Commands.Infrastructure;
using KinesisXAcct.Kinesis;
using KinesisXAcct.Reading;
using KinesisXAcct.Sessions;

namespace KinesisXAcct.Commands.Completion
{
    /// <summary>
    /// Shared plumbing of the Tab completers: match by prefix, quote when needed, and never throw or
    /// hang — a completer that fails (offline, no credentials) offers nothing, within two seconds.
    /// </summary>
    internal static class CompletionSupport
    {
        public static readonly TimeSpan RemoteBudget = TimeSpan.FromSeconds(2);
        private static readonly TimeSpan CacheLifetime = TimeSpan.FromSeconds(60);
        private static readonly ConcurrentDictionary<string, (DateTime At, string[] Values)> Cache = new ConcurrentDictionary<string, (DateTime, string[])>();

        public static IEnumerable<CompletionResult> Matching(IEnumerable<string> values, string wordToComplete, string tooltip = null)
        {
            string prefix = (wordToComplete ?? string.Empty).Trim('\'', '"');
            return values
                .Where(v => !string.IsNullOrEmpty(v) && v.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                .Distinct(StringComparer.Ordinal)
                .OrderBy(v => v, StringComparer.OrdinalIgnoreCase)
                .Select(v => new CompletionResult(Quote(v), v, CompletionResultType.ParameterValue, tooltip ?? v));
        }

        /// <summary>Values fetched from AWS for a key, remembered for a minute so Tab stays fast.</summary>
        public static string[] Remote(string key, Func<KinesisConnection, CancellationToken, Task<string[]>> fetch, IDictionary fakeBoundParameters)
        {
            if (Cache.TryGetValue(key, out var cached) && DateTime.UtcNow - cached.At < CacheLifetime) return cached.Values;
            try
            {
                using (var budget = new CancellationTokenSource(RemoteBudget))
                using (KinesisConnection connection = Open(fakeBoundParameters))
                {
                    Task<string[]> task = fetch(connection, budget.Token);
                    if (!task.Wait(RemoteBudget)) return Array.Empty<string>();
                    Cache[key] = (DateTime.UtcNow, task.Result);
                    return task.Result;
                }
            }
            catch (Exception)
            {
                return Array.Empty<string>();
            }
        }

        /// <summary>The connection the command being typed would use (its -Session/-SessionName/-Region/... so far).</summary>
        public static KinesisConnection Open(IDictionary bound)
        {
            KinesisRoleSession session = Value(bound, "Session") as KinesisRoleSession;
            if (session == null && Value(bound, "SessionName") is string name) session = RunspaceSessions.Current.Find(name);
            string profile = Value(bound, "ProfileName") as string;
            if (session == null && profile == null) session = RunspaceSessions.Current.Current;
            return ConnectionFactory.Create(new ConnectionRequest
            {
                Session = session,
                ProfileName = profile,
                Region = Value(bound, "Region") as string,
                EndpointUrl = Value(bound, "EndpointUrl") as string,
                Retry = new RetryOptions { MaxRetries = 0 },
                AttemptTimeout = RemoteBudget,
            });
        }

        public static string CacheKey(string what, IDictionary bound) =>
            string.Join("|", what, RunspaceSessions.Current.Current?.Name, Value(bound, "SessionName"), Value(bound, "ProfileName"),
                Value(bound, "Region"), Value(bound, "EndpointUrl"), Value(bound, "StreamName"), Value(bound, "StreamArn"));

        public static object Value(IDictionary bound, string name)
        {
            object value = bound != null && bound.Contains(name) ? bound[name] : null;
            return value is PSObject ps ? ps.BaseObject : value;
        }

        private static string Quote(string value) =>
            value.IndexOfAny(new[] { ' ', '\'', '"', '$', '`', ';', '(', ')', '{', '}', ',', '@', '#' }) >= 0
                ? "'" + value.Replace("'", "''") + "'"
                : value;
    }

    /// <summary>Stream names of the account the command would read (current session or default credentials).</summary>
    public sealed class StreamNameCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            string[] names = CompletionSupport.Remote(
                CompletionSupport.CacheKey("streams", fakeBoundParameters),
                async (connection, ct) => (await connection.Api.ListStreamsAsync(new ListStreamsRequest { Limit = 1000 }, ct).ConfigureAwait(false))
                    .Streams.Select(s => s.StreamName).ToArray(),
                fakeBoundParameters);
            return CompletionSupport.Matching(names, wordToComplete);
        }
    }

    /// <summary>Shard ids of the stream named so far on the command line.</summary>
    public sealed class ShardIdCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            string name = CompletionSupport.Value(fakeBoundParameters, "StreamName") as string;
            string arn = CompletionSupport.Value(fakeBoundParameters, "StreamArn") as string;
            if (name == null && arn == null) return Enumerable.Empty<CompletionResult>();
            var stream = new StreamIdentity(name ?? StreamIdentity.ArnStreamName(arn), arn);
            string[] shards = CompletionSupport.Remote(
                CompletionSupport.CacheKey("shards", fakeBoundParameters),
                async (connection, ct) => (await StreamRecordReader.ListAllShardsAsync(connection.Api, stream, ct).ConfigureAwait(false))
                    .Select(s => s.ShardId).ToArray(),
                fakeBoundParameters);
            return CompletionSupport.Matching(shards, wordToComplete);
        }
    }

    /// <summary>Role ARNs from role profiles in the AWS config file and from this runspace's sessions.</summary>
    public sealed class RoleArnCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var arns = new List<string>(RunspaceSessions.Current.All().Select(s => s.RoleArn));
            try
            {
                arns.AddRange(Configuration.AwsSettings.RoleArnsInConfigFile());
            }
            catch (Exception)
            {
                // An unreadable config file offers no profiles; completion must not fail.
            }

            return CompletionSupport.Matching(arns, wordToComplete);
        }
    }

    /// <summary>The AWS regions the SDK knows.</summary>
    public sealed class RegionCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters) =>
            CompletionSupport.Matching(RegionEndpoint.EnumerableAllRegions.Select(r => r.SystemName), wordToComplete);
    }

    /// <summary>The names of this runspace's sessions.</summary>
    public sealed class SessionNameCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters) =>
            CompletionSupport.Matching(RunspaceSessions.Current.All().Select(s => s.Name), wordToComplete);
    }
}
