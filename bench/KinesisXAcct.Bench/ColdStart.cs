using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Threading.Tasks;

namespace KinesisXAcct.Bench
{
    /// <summary>
    /// Cold start: starts FILE ARGS (environment inherited), and measures the wall time from just before
    /// Process.Start to the first stdout line containing --marker, and to the process's exit.
    /// </summary>
    internal static class ColdStart
    {
        public static async Task<int> RunAsync(Options o)
        {
            string marker = o.Get("marker");
            int timeoutSeconds = int.Parse(o.Opt("timeout", "120"), CultureInfo.InvariantCulture);
            if (o.Rest.Count == 0) throw new ArgumentException("coldstart needs -- FILE ARGS...");

            var psi = new ProcessStartInfo(o.Rest[0])
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
            };
            for (int i = 1; i < o.Rest.Count; i++) psi.ArgumentList.Add(o.Rest[i]);

            var firstSeen = new TaskCompletionSource<(double Ms, string Line)>(TaskCreationOptions.RunContinuationsAsynchronously);
            var tail = new List<string>();
            var stopwatch = new Stopwatch();
            using (var process = new Process { StartInfo = psi })
            {
                process.OutputDataReceived += (_, e) =>
                {
                    if (e.Data == null) return;
                    double at = stopwatch.Elapsed.TotalMilliseconds;
                    lock (tail)
                    {
                        tail.Add(e.Data);
                        if (tail.Count > 20) tail.RemoveAt(0);
                    }

                    if (e.Data.Contains(marker, StringComparison.Ordinal)) firstSeen.TrySetResult((at, e.Data));
                };
                process.ErrorDataReceived += (_, e) =>
                {
                    if (e.Data == null) return;
                    lock (tail)
                    {
                        tail.Add("stderr: " + e.Data);
                        if (tail.Count > 20) tail.RemoveAt(0);
                    }
                };

                stopwatch.Start();
                process.Start();
                process.StandardInput.Close();
                process.BeginOutputReadLine();
                process.BeginErrorReadLine();
                bool exited = process.WaitForExit(timeoutSeconds * 1000);
                if (!exited) process.Kill(entireProcessTree: true);
                process.WaitForExit();
                double exitMs = stopwatch.Elapsed.TotalMilliseconds;
                await Task.Yield();

                bool seen = firstSeen.Task.IsCompleted;
                var result = new Dictionary<string, object>
                {
                    ["firstMs"] = seen ? Math.Round(firstSeen.Task.Result.Ms, 1) : (object)null,
                    ["line"] = seen ? firstSeen.Task.Result.Line : null,
                    ["exitMs"] = Math.Round(exitMs, 1),
                    ["exitCode"] = exited ? process.ExitCode : -1,
                };
                if (!seen || !exited || process.ExitCode != 0)
                {
                    lock (tail) result["tail"] = string.Join("\n", tail);
                }

                Program.WriteResult(result);
                return 0;
            }
        }
    }
}
