using System.Management.Automation;
using KinesisXAcct.Commands.Completion;
using KinesisXAcct.Commands.Infrastructure;
using KinesisXAcct.Errors;
using KinesisXAcct.Sessions;

namespace KinesisXAcct.Commands
{
    /// <summary>Forgets a session of this runspace (by default the current one), or all of them.</summary>
    [Cmdlet(VerbsCommunications.Disconnect, "KinesisRole", SupportsShouldProcess = true, DefaultParameterSetName = "ByName")]
    [OutputType(typeof(void))]
    public sealed class DisconnectKinesisRoleCommand : KinesisXAcctCmdlet
    {
        /// <summary>The sessions to forget. Default: the current session.</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = "ByName")]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(SessionNameCompleter))]
        public string[] Name { get; set; }

        /// <summary>Forget every session of this runspace.</summary>
        [Parameter(Mandatory = true, ParameterSetName = "All")]
        public SwitchParameter All { get; set; }

        protected override void ProcessRecord()
        {
            SessionRegistry registry = RunspaceSessions.Current;
            if (All)
            {
                if (ShouldProcess("all Kinesis role sessions of this runspace", "Disconnect")) registry.Clear();
                return;
            }

            string[] names = Name ?? (registry.Current != null ? new[] { registry.Current.Name } : null);
            if (names == null)
            {
                WriteFailure(new KinesisXAcctException(
                    "NoCurrentSession", FailureKind.NotFound,
                    "No session is current in this runspace; name one with -Name (Get-KinesisRoleSession lists them)."));
                return;
            }

            foreach (string name in names)
            {
                if (registry.Find(name) == null)
                {
                    WriteFailure(new KinesisXAcctException(
                        "SessionNotFound", FailureKind.NotFound,
                        $"There is no session named '{name}' in this runspace (Get-KinesisRoleSession lists them)."), name);
                    continue;
                }

                if (ShouldProcess($"Kinesis role session '{name}'", "Disconnect")) registry.Remove(name);
            }
        }
    }
}
