using System.Globalization;
using KinesisXAcct.Checkpoints;
using KinesisXAcct.Kinesis;
using KinesisXAcct.Reading;

namespace KinesisXAcct.Tests.Unit.Checkpoints;

/// <summary>The streams, shards, sequence numbers and times the checkpoint tests share.</summary>
internal static class CheckpointFixtures
{
    public const string Orders = "arn:aws:kinesis:us-east-1:111122223333:stream/orders";
    public const string Audit = "arn:aws:kinesis:eu-west-1:444455556666:stream/audit";
    public const string Shard0 = "shardId-000000000000";
    public const string Shard1 = "shardId-000000000001";
    public const string Seq1 = "49590338271490256608559692538361571095921575989136588898";
    public const string Seq2 = "49590338271490256608559692540925702759324208523137515618";
    public const string Seq3 = "49590338271490256608559692543489834422726841057138442338";
    public static readonly DateTimeOffset Earlier = new(2026, 12, 4, 9, 30, 15, 250, TimeSpan.Zero);
}

/// <summary>A fresh folder per test, deleted afterwards.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "kxa-checkpoint-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A lock still held by a failed test; the OS temp cleaner gets it.
        }
    }
}

internal static class Describe
{
    /// <summary>Every field that is set, so two checkpoints compare equal only when they are.</summary>
    public static string Of(ShardCheckpoint c)
    {
        if (c == null) return "(none)";
        var parts = new List<string>();
        if (c.Finished) parts.Add("finished");
        if (c.SequenceNumber != null) parts.Add((c.IsAtSequence ? "at " : "after ") + c.SequenceNumber);
        else if (c.IsAtSequence) parts.Add("at (no sequence number)");
        if (c.SubSequenceNumber.HasValue) parts.Add("sub " + c.SubSequenceNumber.Value.ToString(CultureInfo.InvariantCulture));
        if (c.Timestamp.HasValue) parts.Add("time " + c.Timestamp.Value.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
        if (c.TrimHorizon) parts.Add("trimHorizon");
        return string.Join(", ", parts);
    }

    public static string Of(StartPosition p)
    {
        if (p == null) return "(none)";
        string text = p.Type switch
        {
            ShardIteratorType.AtTimestamp => "AT_TIMESTAMP " + p.Timestamp.Value.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
            ShardIteratorType.AtSequenceNumber => "AT_SEQUENCE_NUMBER " + p.SequenceNumber,
            ShardIteratorType.AfterSequenceNumber => "AFTER_SEQUENCE_NUMBER " + p.SequenceNumber,
            ShardIteratorType.Latest => "LATEST",
            _ => "TRIM_HORIZON",
        };
        if (p.Type != ShardIteratorType.AtTimestamp && p.Timestamp.HasValue) text += " (timestamp set)";
        if (p.Type is ShardIteratorType.TrimHorizon or ShardIteratorType.Latest && p.SequenceNumber != null) text += " (sequence number set)";
        if (p.SkipThroughSubSequence.HasValue) text += " skipping through " + p.SkipThroughSubSequence.Value.ToString(CultureInfo.InvariantCulture);
        return text;
    }
}

/// <summary>A clock the test moves by hand.</summary>
internal sealed class ManualClock
{
    public ManualClock(DateTimeOffset start) => Now = start;

    public DateTimeOffset Now { get; set; }

    public void Advance(TimeSpan by) => Now += by;

    public Func<DateTimeOffset> Func => () => Now;
}
