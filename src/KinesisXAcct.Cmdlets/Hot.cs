using System.Runtime.CompilerServices;

namespace KinesisXAcct
{
    /// <summary>
    /// Method options for the per-record hot paths. AggressiveOptimization (not in netstandard2.0's
    /// enum, honoured by .NET Core 3.0+) JIT-compiles them fully optimized at once instead of
    /// starting in tier 0: the benchmark found a read spends its first seconds in unoptimized code.
    /// </summary>
    internal static class Hot
    {
        public const MethodImplOptions Path = (MethodImplOptions)512;
    }
}
