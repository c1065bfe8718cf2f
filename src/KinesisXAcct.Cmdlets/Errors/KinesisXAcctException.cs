using System;

namespace KinesisXAcct.Errors
{
    /// <summary>
    /// An expected failure: it carries a stable error id (a sentence in PascalCase), a kind and a
    /// message that already says what to do. Cmdlets turn it into an ErrorRecord without a stack trace.
    /// </summary>
    public class KinesisXAcctException : Exception
    {
        public KinesisXAcctException(string errorId, FailureKind kind, string message, Exception inner = null)
            : base(message, inner)
        {
            ErrorId = errorId;
            Kind = kind;
        }

        /// <summary>Stable identifier, e.g. <c>StreamNotFound</c>; scripts may match on it.</summary>
        public string ErrorId { get; }

        public FailureKind Kind { get; }

        /// <summary>The object the failure is about (stream name, role ARN, …), for the ErrorRecord target.</summary>
        public object Target { get; set; }

        public static KinesisXAcctException InvalidArgument(string errorId, string message, object target = null) =>
            new KinesisXAcctException(errorId, FailureKind.InvalidArgument, message) { Target = target };
    }
}
