// The largest reply the agent writes. A reply is serialized into a buffer that refuses to grow past the limit, so
// an answer that would be too large costs the limit in memory, not its full size, and becomes an error that tells
// the user to ask for less. HEAPLENS_AGENT_MAX_REPLY_MB changes the limit (the CLI and tests pass it).
namespace HeapLens.Agent.Rpc;

public static class ReplyLimit
{
    public const string Variable = "HEAPLENS_AGENT_MAX_REPLY_MB";
    private const int DefaultMegabytes = 64;

    public static long Bytes { get; } = ReadLimit();

    private static long ReadLimit()
    {
        string? text = Environment.GetEnvironmentVariable(Variable);
        return (int.TryParse(text, out int mb) && mb > 0 ? mb : DefaultMegabytes) * 1024L * 1024L;
    }
}

/// <summary>Thrown by <see cref="CappedBuffer"/> when a reply outgrows the limit.</summary>
public sealed class ReplyTooLargeException : Exception
{
    public ReplyTooLargeException(long limit)
        : base($"more than {limit / (1024 * 1024)} MB")
    {
        Limit = limit;
    }

    public long Limit { get; }
}

/// <summary>A memory stream that throws instead of growing past its capacity limit.</summary>
public sealed class CappedBuffer : MemoryStream
{
    private readonly long _limit;

    public CappedBuffer(long limit) => _limit = limit;

    public override void Write(byte[] buffer, int offset, int count)
    {
        Check(count);
        base.Write(buffer, offset, count);
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Check(buffer.Length);
        base.Write(buffer);
    }

    public override void WriteByte(byte value)
    {
        Check(1);
        base.WriteByte(value);
    }

    private void Check(int more)
    {
        if (Length + more > _limit) throw new ReplyTooLargeException(_limit);
    }
}
