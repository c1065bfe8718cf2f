using System.Globalization;
using KinesisXAcct.Checkpoints;
using KinesisXAcct.Kinesis;
using KinesisXAcct.Reading;

namespace KinesisXAcct.Tests.Unit.Checkpoints;

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
