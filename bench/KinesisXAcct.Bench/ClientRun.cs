using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Amazon.Runtime;
using KinesisXAcct.Kinesis;
using KinesisXAcct.Reading;

namespace KinesisXAcct.Bench
{
    /// <summary>
    /// Contender (d): the module's own engine without PowerShell. KinesisHttpClient (SigV4, retries)
    /// under StreamRecordReader (every shard in parallel, 5 calls/s per shard, KPL decoder) into a
    /// bounded channel of 8 batches, drained by one consumer that touches every record, as the cmdlet's
    /// pipeline thread does, minus WriteObject.
    /// </summary>
    internal static class ClientRun
    {
        public static async Task<int> RunAsync(Options o)
        {
            var endpoint = new Uri(o.Get("endpoint"));
            string stream = o.Get("stream");
            string warm = o.Opt("warm");
            var credentials = new BasicAWSCredentials(
                Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID") ?? "testing",
                Environment.GetEnvironmentVariable("AWS_SECRET_ACCESS_KEY") ?? "testing");

            using (var api = new KinesisHttpClient(new KinesisClientOptions
            {
                Endpoint = endpoint,
                Region = o.Opt("region", "us-east-1"),
                Credentials = credentials,
            }))
            {
                if (warm != null) await ReadAllAsync(api, warm);

                TimeSpan cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
                var stopwatch = Stopwatch.StartNew();
                (long records, long bytes) = await ReadAllAsync(api, stream);
                stopwatch.Stop();
                TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu0;

                Program.WriteResult(new Dictionary<string, object>
                {
                    ["contender"] = "client",
                    ["records"] = records,
                    ["bytes"] = bytes,
                    ["seconds"] = stopwatch.Elapsed.TotalSeconds,
                    ["cpuSeconds"] = cpu.TotalSeconds,
                    ["vmhwmKb"] = Proc.VmHwmKb(),
                });
            }

            return 0;
        }

        private static async Task<(long Records, long Bytes)> ReadAllAsync(IKinesisApi api, string stream)
        {
            var options = new ReadOptions
            {
                Stream = StreamIdentity.FromName(stream),
                Start = StartPosition.TrimHorizon,
                Follow = false,
            };
            var channel = Channel.CreateBounded<RecordBatch>(new BoundedChannelOptions(8)
            {
                SingleReader = true,
                FullMode = BoundedChannelFullMode.Wait,
            });
            var reader = new StreamRecordReader(api, options);
            Task producer = Task.Run(async () =>
            {
                try
                {
                    await reader.RunAsync(channel.Writer, CancellationToken.None);
                    channel.Writer.TryComplete();
                }
                catch (Exception e)
                {
                    channel.Writer.TryComplete(e);
                }
            });

            long records = 0, bytes = 0;
            while (await channel.Reader.WaitToReadAsync())
            {
                while (channel.Reader.TryRead(out RecordBatch batch))
                {
                    foreach (KinesisRecord record in batch.Records)
                    {
                        records++;
                        bytes += record.Data?.Length ?? 0;
                    }
                }
            }

            await producer;
            return (records, bytes);
        }
    }

    internal static class Proc
    {
        /// <summary>Peak resident set size of this process so far (VmHWM), in kB; -1 off Linux.</summary>
        public static long VmHwmKb()
        {
            try
            {
                foreach (string line in System.IO.File.ReadLines("/proc/self/status"))
                {
                    if (!line.StartsWith("VmHWM:", StringComparison.Ordinal)) continue;
                    string digits = line.Substring(6).Trim().Split(' ')[0];
                    return long.Parse(digits, System.Globalization.CultureInfo.InvariantCulture);
                }
            }
            catch (System.IO.IOException)
            {
            }

            return -1;
        }
    }
}
