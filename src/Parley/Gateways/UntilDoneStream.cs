namespace Parley.Gateways;

/// <summary>
/// A provider's event stream that fails, the way a body cut short does, when it ends before <c>data: [DONE]</c>.
/// OpenAI's streams are close-delimited, so a proxy or load balancer that closes one halfway leaves an end that looks
/// clean; only the missing [DONE] tells. The SDK stops reading at [DONE] without saying whether it saw one, so the
/// check is made here, on the bytes: the stream must end on "[DONE]" (every JSON chunk ends on "}").
/// </summary>
public sealed class UntilDoneStream(Stream inner) : Stream
{
    static ReadOnlySpan<byte> Done => "[DONE]"u8;
    static ReadOnlySpan<byte> LineSpace => " \r\n"u8;

    // The last bytes of the stream before any trailing line breaks, as many as "[DONE]" has.
    readonly byte[] tail = new byte[Done.Length];
    int tailLength;

    public override int Read(Span<byte> buffer) => Seen(inner.Read(buffer), buffer);

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Seen(await inner.ReadAsync(buffer, cancellationToken), buffer.Span);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    int Seen(int read, ReadOnlySpan<byte> buffer)
    {
        if (read == 0)
        {
            if (!tail.AsSpan(0, tailLength).SequenceEqual(Done)) throw new ProviderStreamCutOffException();
            return 0;
        }

        var text = buffer[..read].TrimEnd(LineSpace);
        if (text.Length >= tail.Length)
        {
            text[^tail.Length..].CopyTo(tail);
            tailLength = tail.Length;
        }
        else if (text.Length > 0)
        {
            var keep = Math.Min(tailLength, tail.Length - text.Length);
            tail.AsSpan(tailLength - keep, keep).CopyTo(tail);
            text.CopyTo(tail.AsSpan(keep));
            tailLength = keep + text.Length;
        }
        return read;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>The provider's stream ended before it said the reply was finished.</summary>
public sealed class ProviderStreamCutOffException()
    : IOException("The model provider's stream ended before it said the reply was finished (no [DONE]).");
