using System;
using System.Collections.Generic;
using System.Text.Json;
using System.Threading.Tasks;

namespace KinesisXAcct.Bench
{
    /// <summary>
    /// The C# side of the benchmark (bench/Bench.ps1 runs it), one mode per process:
    /// <list type="bullet">
    /// <item><c>client --endpoint URL --stream NAME [--warm NAME]</c>: our KinesisHttpClient + StreamRecordReader, no PowerShell.</item>
    /// <item><c>floor --endpoint URL --stream NAME [--warm NAME]</c>: GetRecords over raw HTTP, shard after shard, no decoding.</item>
    /// <item><c>serve --port N --size 200 --stream NAME:SHARDS:RECORDS_PER_SHARD ...</c>: the prepared-response Kinesis endpoint.</item>
    /// <item><c>coldstart --marker TEXT [--timeout S] -- FILE ARGS...</c>: time from process start to the first output line containing TEXT.</item>
    /// </list>
    /// Results are one line on stdout: <c>RESULT {json}</c>.
    /// </summary>
    public static class Program
    {
        public static async Task<int> Main(string[] args)
        {
            if (args.Length == 0)
            {
                Console.Error.WriteLine("usage: KinesisXAcct.Bench client|floor|serve|coldstart [--option value ...]");
                return 2;
            }

            var options = Options.Parse(args, 1);
            try
            {
                switch (args[0])
                {
                    case "client": return await ClientRun.RunAsync(options);
                    case "floor": return await FloorRun.RunAsync(options);
                    case "serve": return await PreparedServer.RunAsync(options);
                    case "coldstart": return await ColdStart.RunAsync(options);
                    default:
                        Console.Error.WriteLine($"unknown mode '{args[0]}'");
                        return 2;
                }
            }
            catch (Exception e)
            {
                Console.Error.WriteLine($"{args[0]} failed: {e}");
                return 1;
            }
        }

        public static void WriteResult(Dictionary<string, object> result) =>
            Console.WriteLine("RESULT " + JsonSerializer.Serialize(result));
    }

    /// <summary>--name value pairs; everything after a bare "--" is kept as <see cref="Rest"/>.</summary>
    public sealed class Options
    {
        private readonly Dictionary<string, List<string>> _values = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);

        public List<string> Rest { get; } = new List<string>();

        public static Options Parse(string[] args, int start)
        {
            var o = new Options();
            for (int i = start; i < args.Length; i++)
            {
                if (args[i] == "--")
                {
                    for (int j = i + 1; j < args.Length; j++) o.Rest.Add(args[j]);
                    break;
                }

                if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
                    throw new ArgumentException($"expected --name value at '{args[i]}'");
                string name = args[i].Substring(2);
                if (!o._values.TryGetValue(name, out var list)) o._values[name] = list = new List<string>();
                list.Add(args[++i]);
            }

            return o;
        }

        public string Get(string name) =>
            _values.TryGetValue(name, out var list) ? list[list.Count - 1] : throw new ArgumentException($"--{name} is required");

        public string Opt(string name, string fallback = null) =>
            _values.TryGetValue(name, out var list) ? list[list.Count - 1] : fallback;

        public IReadOnlyList<string> All(string name) =>
            _values.TryGetValue(name, out var list) ? list : (IReadOnlyList<string>)Array.Empty<string>();
    }
}
