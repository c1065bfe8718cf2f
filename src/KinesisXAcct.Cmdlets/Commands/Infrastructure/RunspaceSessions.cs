using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;
using KinesisXAcct.Sessions;

namespace KinesisXAcct.Commands.Infrastructure
{
    /// <summary>One session registry per runspace, gone with the runspace.</summary>
    internal static class RunspaceSessions
    {
        private static readonly ConditionalWeakTable<Runspace, SessionRegistry> Registries = new ConditionalWeakTable<Runspace, SessionRegistry>();

        public static SessionRegistry Current => Registries.GetValue(Runspace.DefaultRunspace, _ => new SessionRegistry());
    }
}
