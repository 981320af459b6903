// LSP-style framing of JSON-RPC messages on a byte stream: "Content-Length: N\r\n\r\n" then N bytes of UTF-8 JSON.
using System.Text;

namespace HeapLens.Agent.Rpc;

public sealed class FrameReader
{
    // A message larger than this is a broken peer, not a real request.
    private const int MaxContentLength = 64 * 1024 * 1024;
    private readonly Stream _input;
    private readonly byte[] _one = new byte[1];

    public FrameReader(Stream input)
    {
        _input = input;
    }

    /// <summary>The next message body, or null at the end of the stream.</summary>
    public async Task<byte[]?> ReadAsync(CancellationToken token)
    {
        int? length = null;
        while (true)
        {
            string? line = await ReadHeaderLineAsync(token).ConfigureAwait(false);
            if (line is null) return null;
            if (line.Length == 0)
            {
                if (length is null) continue; // stray blank line between messages
                break;
            }
            int colon = line.IndexOf(':');
            if (colon <= 0) throw new InvalidDataException($"Malformed header line \"{line}\".");
            string name = line[..colon].Trim();
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                if (!int.TryParse(line[(colon + 1)..].Trim(), out int n) || n < 0 || n > MaxContentLength)
                    throw new InvalidDataException($"Bad Content-Length in \"{line}\".");
                length = n;
            }
        }

        byte[] body = new byte[length.Value];
        int read = 0;
        while (read < body.Length)
        {
            int n = await _input.ReadAsync(body.AsMemory(read), token).ConfigureAwait(false);
            if (n == 0) return null; // the peer went away mid-message
            read += n;
        }
        return body;
    }

    private async Task<string?> ReadHeaderLineAsync(CancellationToken token)
    {
        var bytes = new List<byte>(32);
        while (true)
        {
            int n = await _input.ReadAsync(_one, token).ConfigureAwait(false);
            if (n == 0) return bytes.Count == 0 ? null : throw new EndOfStreamException("The input ended inside a header.");
            byte b = _one[0];
            if (b == '\n')
            {
                if (bytes.Count > 0 && bytes[^1] == '\r') bytes.RemoveAt(bytes.Count - 1);
                return Encoding.ASCII.GetString(bytes.ToArray());
            }
            if (bytes.Count > 4096) throw new InvalidDataException("A header line is too long.");
            bytes.Add(b);
        }
    }
}

public sealed class FrameWriter
{
    private readonly Stream _output;
    private readonly object _gate = new();

    public FrameWriter(Stream output)
    {
        _output = output;
    }

    /// <summary>Writes one message; safe to call from several threads (messages never interleave).</summary>
    public void Write(byte[] json)
    {
        byte[] header = Encoding.ASCII.GetBytes($"Content-Length: {json.Length}\r\n\r\n");
        lock (_gate)
        {
            _output.Write(header, 0, header.Length);
            _output.Write(json, 0, json.Length);
            _output.Flush();
        }
    }
}
