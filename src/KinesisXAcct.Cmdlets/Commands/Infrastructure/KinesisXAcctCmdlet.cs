using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using KinesisXAcct.Errors;
using KinesisXAcct.Reading;

namespace KinesisXAcct.Commands.Infrastructure
{
    /// <summary>
    /// Base of every cmdlet: a cancellation token that Ctrl+C (StopProcessing) cancels, a way to wait
    /// for engine tasks while writing their messages on the pipeline thread, and the mapping of
    /// engine failures to ErrorRecords with stable ids and true categories.
    /// </summary>
    public abstract class KinesisXAcctCmdlet : PSCmdlet, IDisposable
    {
        private readonly CancellationTokenSource _cancellation = new CancellationTokenSource();

        internal MessagePump Messages { get; } = new MessagePump();

        protected CancellationToken CancellationToken => _cancellation.Token;

        protected override void StopProcessing() => _cancellation.Cancel();

        /// <summary>Cancels work still in flight (e.g. when Select-Object -First stops the pipeline).</summary>
        protected void CancelInFlight() => _cancellation.Cancel();

        /// <summary>Waits for a task, writing queued messages meanwhile; Ctrl+C ends it as a stopped pipeline.</summary>
        protected T Await<T>(Task<T> task)
        {
            WaitPumping(task);
            try
            {
                return task.GetAwaiter().GetResult();
            }
            catch (OperationCanceledException) when (_cancellation.IsCancellationRequested)
            {
                throw new PipelineStoppedException();
            }
        }

        protected void Await(Task task)
        {
            WaitPumping(task);
            try
            {
                task.GetAwaiter().GetResult();
            }
            catch (OperationCanceledException) when (_cancellation.IsCancellationRequested)
            {
                throw new PipelineStoppedException();
            }
        }

        private void WaitPumping(Task task)
        {
            while (!((IAsyncResult)task).AsyncWaitHandle.WaitOne(100))
                WriteMessages();
            WriteMessages();
        }

        /// <summary>Writes what worker threads queued: verbose call lines and warnings.</summary>
        protected void WriteMessages()
        {
            while (Messages.TryDequeue(out ReadNoticeLevel level, out string text))
            {
                if (level == ReadNoticeLevel.Warning) WriteWarning(text);
                else WriteVerbose(text);
            }
        }

        /// <summary>An ErrorRecord for a failure: our own exceptions keep their id and category; anything else is unexpected.</summary>
        internal static ErrorRecord ToErrorRecord(Exception e, object target = null)
        {
            if (e is AggregateException aggregate && aggregate.InnerExceptions.Count == 1) e = aggregate.InnerException;
            if (e is KinesisXAcctException known)
            {
                var record = new ErrorRecord(known, known.ErrorId, CategoryFor(known.Kind), target ?? known.Target);
                record.ErrorDetails = new ErrorDetails(known.Message);
                return record;
            }

            return new ErrorRecord(e, "UnexpectedFailure", ErrorCategory.NotSpecified, target);
        }

        internal static ErrorCategory CategoryFor(FailureKind kind)
        {
            switch (kind)
            {
                case FailureKind.InvalidArgument: return ErrorCategory.InvalidArgument;
                case FailureKind.NotFound: return ErrorCategory.ObjectNotFound;
                case FailureKind.PermissionDenied: return ErrorCategory.PermissionDenied;
                case FailureKind.Authentication: return ErrorCategory.AuthenticationError;
                case FailureKind.LimitsExceeded: return ErrorCategory.LimitsExceeded;
                case FailureKind.Connection: return ErrorCategory.ConnectionError;
                case FailureKind.ResourceBusy: return ErrorCategory.ResourceBusy;
                default: return ErrorCategory.InvalidOperation;
            }
        }

        /// <summary>Runs a cmdlet body; an expected failure becomes a terminating error without a stack trace.</summary>
        protected void Run(Action body)
        {
            try
            {
                body();
            }
            catch (KinesisXAcctException e)
            {
                ThrowFailure(e);
            }
        }

        protected void ThrowFailure(Exception e, object target = null) => ThrowTerminatingError(ToErrorRecord(e, target));

        protected void WriteFailure(Exception e, object target = null) => WriteError(ToErrorRecord(e, target));

        public void Dispose()
        {
            _cancellation.Dispose();
            GC.SuppressFinalize(this);
        }
    }
}
