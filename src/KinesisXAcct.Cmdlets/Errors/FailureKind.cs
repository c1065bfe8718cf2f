namespace KinesisXAcct.Errors
{
    /// <summary>
    /// What went wrong, in terms a caller can act on. The cmdlet layer maps each kind to a
    /// PowerShell ErrorCategory; the engine never mentions PowerShell.
    /// </summary>
    public enum FailureKind
    {
        /// <summary>The input alone is wrong; no call was made.</summary>
        InvalidArgument,
        /// <summary>The stream, shard or profile does not exist where we looked.</summary>
        NotFound,
        /// <summary>The principal is not allowed to do this (IAM, trust policy, ExternalId).</summary>
        PermissionDenied,
        /// <summary>Credentials are missing, invalid or expired.</summary>
        Authentication,
        /// <summary>Throttled past every retry.</summary>
        LimitsExceeded,
        /// <summary>The endpoint could not be reached or kept failing.</summary>
        Connection,
        /// <summary>Something this needs is held by another run (a checkpoint file's lock).</summary>
        ResourceBusy,
        /// <summary>The service refused the request for another reason.</summary>
        Service,
    }
}
