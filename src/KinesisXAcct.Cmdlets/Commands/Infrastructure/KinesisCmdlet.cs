using System.Linq;
using System.Management.Automation;
using KinesisXAcct.Commands.Completion;
using KinesisXAcct.Errors;
using KinesisXAcct.Kinesis;
using KinesisXAcct.Sessions;

namespace KinesisXAcct.Commands.Infrastructure
{
    /// <summary>
    /// Base of the cmdlets that call Kinesis: the connection parameters of the contract and their
    /// resolution (explicit session, named session, current session, else the default credentials).
    /// </summary>
    public abstract class KinesisCmdlet : KinesisXAcctCmdlet
    {
        /// <summary>The session to use (from Connect-KinesisRole). Default: the current session of this runspace.</summary>
        [Parameter]
        public KinesisRoleSession Session { get; set; }

        /// <summary>The name of a session of this runspace to use (see Get-KinesisRoleSession).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(SessionNameCompleter))]
        public string SessionName { get; set; }

        /// <summary>With no session: the AWS profile whose credentials to use.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string ProfileName { get; set; }

        /// <summary>The AWS region (default: the session's, else AWS_REGION, AWS_DEFAULT_REGION or the profile's).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(RegionCompleter))]
        public string Region { get; set; }

        /// <summary>A Kinesis endpoint to call instead of the regional one (VPC endpoint, local emulator).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string EndpointUrl { get; set; }

        /// <summary>The session these parameters select, or null for the default credentials.</summary>
        protected KinesisRoleSession ResolveSession()
        {
            if (Session != null && SessionName != null)
            {
                throw KinesisXAcctException.InvalidArgument(
                    "SessionAndSessionNameConflict", "Pass either -Session or -SessionName, not both.");
            }

            SessionRegistry registry = RunspaceSessions.Current;
            KinesisRoleSession session = Session;
            if (SessionName != null)
            {
                session = registry.Find(SessionName);
                if (session == null)
                {
                    string known = string.Join(", ", registry.All().Select(s => s.Name));
                    throw new KinesisXAcctException(
                        "SessionNotFound",
                        FailureKind.NotFound,
                        $"There is no session named '{SessionName}' in this runspace ({(known.Length == 0 ? "none is connected" : "sessions: " + known)}). " +
                        $"Run Connect-KinesisRole -Name {SessionName} first.") { Target = SessionName };
                }
            }

            session = session ?? (ProfileName == null ? registry.Current : null);
            if (session != null && ProfileName != null)
            {
                throw KinesisXAcctException.InvalidArgument(
                    "ProfileNameWithSession",
                    "-ProfileName selects default credentials and cannot be combined with a session. Use Connect-KinesisRole -ProfileName to assume a role with a profile.");
            }

            return session;
        }

        /// <summary>A Kinesis connection for these parameters; its calls report to -Verbose.</summary>
        protected KinesisConnection OpenConnection() =>
            ConnectionFactory.Create(new ConnectionRequest
            {
                Session = ResolveSession(),
                ProfileName = ProfileName,
                Region = Region,
                EndpointUrl = EndpointUrl,
                Observer = Messages,
            });

        /// <summary>Waits for a Kinesis call; a service failure is explained with account, region and principal.</summary>
        protected T Call<T>(KinesisConnection connection, StreamIdentity stream, System.Func<System.Threading.CancellationToken, System.Threading.Tasks.Task<T>> call)
        {
            try
            {
                return Await(call(CancellationToken));
            }
            catch (KinesisServiceException e)
            {
                throw Await(connection.ExplainAsync(e, stream, CancellationToken));
            }
        }

        /// <summary>A stream identity from the -StreamName/-StreamArn pair, checked before any call.</summary>
        protected static StreamIdentity StreamFrom(string name, string arn)
        {
            if (arn != null)
            {
                string fromArn = StreamIdentity.ArnStreamName(arn);
                // The whole shape, not just "arn:...:stream/": an empty name, a short account or another service must
                // fail here, as bad input, not as StreamNotFound after a call.
                if (fromArn == null || !System.Text.RegularExpressions.Regex.IsMatch(
                        arn, @"^arn:aws(-[a-z]+)*:kinesis:[a-z0-9-]+:[0-9]{12}:stream/[a-zA-Z0-9_.-]{1,128}\z"))
                {
                    throw KinesisXAcctException.InvalidArgument(
                        "InvalidStreamArn",
                        $"'{arn}' is not a Kinesis stream ARN (arn:aws:kinesis:<region>:<account>:stream/<name>).", arn);
                }

                return new StreamIdentity(name ?? fromArn, arn);
            }

            if (name == null)
                throw KinesisXAcctException.InvalidArgument("StreamNotSpecified", "Name the stream: -StreamName <name> or -StreamArn <arn>.");

            if (name.Length == 0 || name.Length > 128 || !System.Text.RegularExpressions.Regex.IsMatch(name, @"^[a-zA-Z0-9_.-]+$"))
            {
                throw KinesisXAcctException.InvalidArgument(
                    "InvalidStreamName",
                    $"'{name}' is not a Kinesis stream name: 1 to 128 characters of letters, digits, _ . and -.", name);
            }

            return StreamIdentity.FromName(name);
        }
    }
}
