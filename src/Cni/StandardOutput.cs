using System.Runtime.InteropServices;

namespace VmNet.Cni;

/// <summary>
/// Writes to file descriptor 1 with write(2) at the descriptor's own offset. Console's stream would do the same
/// but sets up terminal and signal handling on its first write (a signal thread, a pipe, four handlers: ~0.2 ms
/// of a ~1.5 ms run), and a FileStream on fd 1 writes at its own offset from 0 when stdout is a regular file,
/// overwriting what the caller's redirection already holds.
/// </summary>
internal sealed partial class StandardOutput : Stream
{
    private const int Fd = 1;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override unsafe void Write(ReadOnlySpan<byte> buffer)
    {
        fixed (byte* start = buffer)
        {
            var written = 0;
            while (written < buffer.Length)
            {
                var n = NativeWrite(Fd, start + written, (nuint)(buffer.Length - written));
                if (n < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == Errno.EINTR)
                    {
                        continue;
                    }

                    throw new IOException("write to stdout failed: " + Errno.Describe(errno));
                }

                written += (int)n;
            }
        }
    }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static unsafe partial nint NativeWrite(int fd, byte* buffer, nuint count);
}
