using System.Linq;
using System.Management.Automation;
using KinesisXAcct.Commands.Completion;
using KinesisXAcct.Commands.Infrastructure;
using KinesisXAcct.Errors;

namespace KinesisXAcct.Commands
{
    /// <summary>Lists the sessions of this runspace. Secrets are never shown.</summary>
    [Cmdlet(VerbsCommon.Get, "KinesisRoleSession")]
    [OutputType(typeof(KinesisRoleSession))]
    public sealed class GetKinesisRoleSessionCommand : KinesisXAcctCmdlet
    {
        /// <summary>Session names to show; wildcards allowed. Default: all.</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(SessionNameCompleter))]
        public string[] Name { get; set; }

        protected override void ProcessRecord()
        {
            var sessions = RunspaceSessions.Current.All();
            if (Name == null)
            {
                WriteObject(sessions, enumerateCollection: true);
                return;
            }

            foreach (string pattern in Name)
            {
                var wildcard = WildcardPattern.Get(pattern, WildcardOptions.IgnoreCase);
                var matches = sessions.Where(s => wildcard.IsMatch(s.Name)).ToList();
                if (matches.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(pattern))
                {
                    WriteFailure(new KinesisXAcctException(
                        "SessionNotFound", FailureKind.NotFound,
                        $"There is no session named '{pattern}' in this runspace. Run Connect-KinesisRole -Name {pattern} to create it."), pattern);
                }

                WriteObject(matches, enumerateCollection: true);
            }
        }
    }
}
