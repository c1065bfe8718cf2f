using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using System.Runtime.Loader;

namespace KinesisXAcct.LoadContext
{
    /// <summary>
    /// The AssemblyLoadContext "KinesisXAcct": holds the cmdlet assembly and every dependency
    /// found next to it, so another module's AWSSDK.Core (any version) and ours coexist.
    /// Assemblies the runtime or PowerShell itself provides (System.*, netstandard,
    /// System.Management.Automation, ...) come from the default context instead: one
    /// <c>Runspace</c> or <c>Span&lt;T&gt;</c> type for everyone.
    /// </summary>
    public sealed class ModuleLoadContext : AssemblyLoadContext
    {
        /// <summary>The name every context of the module carries (as seen in <c>AssemblyLoadContext.All</c>).</summary>
        public const string ContextName = "KinesisXAcct";

        // One context per cmdlet assembly path, for the life of the process: PowerShell cannot
        // unload a binary module, so Remove-Module then Import-Module must get the very same
        // assembly (same types, same per-runspace session registry) back.
        private static readonly Dictionary<string, ModuleLoadContext> Contexts = new Dictionary<string, ModuleLoadContext>(StringComparer.Ordinal);
        private static readonly object Sync = new object();

        // Simple name -> path of the trusted platform assemblies (the runtime's and PowerShell's).
        private static readonly Lazy<Dictionary<string, string>> PlatformAssemblies = new Lazy<Dictionary<string, string>>(ReadPlatformAssemblies);

        private readonly string _directory;

        private ModuleLoadContext(string directory)
            : base(ContextName, isCollectible: false)
        {
            _directory = directory;
        }

        /// <summary>
        /// Loads the cmdlet assembly at <paramref name="cmdletAssemblyPath"/> into the module's
        /// context (created on first use, then reused) and returns it, for <c>Import-Module -Assembly</c>.
        /// </summary>
        public static Assembly LoadCmdletAssembly(string cmdletAssemblyPath)
        {
            if (string.IsNullOrEmpty(cmdletAssemblyPath)) throw new ArgumentException("A path is required.", nameof(cmdletAssemblyPath));
            string fullPath = Path.GetFullPath(cmdletAssemblyPath);
            lock (Sync)
            {
                if (!Contexts.TryGetValue(fullPath, out ModuleLoadContext? context))
                {
                    context = new ModuleLoadContext(Path.GetDirectoryName(fullPath) ?? ".");
                    Contexts.Add(fullPath, context);
                }
                // Loading the same path twice into one context returns the assembly already loaded.
                return context.LoadFromAssemblyPath(fullPath);
            }
        }

        /// <inheritdoc />
        protected override Assembly? Load(AssemblyName assemblyName)
        {
            string? name = assemblyName.Name;
            if (string.IsNullOrEmpty(name)) return null;

            // The platform's copy wins when it is at least the version asked for: our
            // netstandard2.0 copies of System.Memory, System.Text.Json, ... are only there for
            // Windows PowerShell, and a second System.Memory would mean a second Span<T>.
            if (PlatformAssemblies.Value.TryGetValue(name, out string? platformPath) && Satisfies(platformPath, assemblyName.Version))
            {
                return null;
            }

            string candidate = Path.Combine(_directory, name + ".dll");
            if (File.Exists(candidate)) return LoadFromAssemblyPath(candidate);

            // Not ours: the default context resolves it (or reports it missing).
            return null;
        }

        private static bool Satisfies(string path, Version? requested)
        {
            if (requested == null) return true;
            try
            {
                Version? available = AssemblyName.GetAssemblyName(path).Version;
                return available != null && available >= requested;
            }
            catch (Exception e) when (e is IOException || e is BadImageFormatException || e is UnauthorizedAccessException)
            {
                return false;
            }
        }

        private static Dictionary<string, string> ReadPlatformAssemblies()
        {
            var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            if (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") is string list)
            {
                foreach (string path in list.Split(new[] { Path.PathSeparator }, StringSplitOptions.RemoveEmptyEntries))
                {
                    string simpleName = Path.GetFileNameWithoutExtension(path);
                    if (!result.ContainsKey(simpleName)) result.Add(simpleName, path);
                }
            }
            return result;
        }
    }
}
