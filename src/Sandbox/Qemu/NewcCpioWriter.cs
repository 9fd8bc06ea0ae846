using System.Globalization;
using System.Text;

namespace VmNet.Sandbox.Qemu;

/// <summary>
/// Writes the "newc" cpio format the kernel unpacks as an initramfs (see the kernel's
/// Documentation/driver-api/early-userspace/buffer-format.rst): 110-byte ASCII-hex headers,
/// name and data each padded to 4 bytes, closed by a TRAILER!!! entry. Done here so building the
/// guest needs no cpio tool and no shell pipeline.
/// </summary>
public sealed class NewcCpioWriter
{
    private const int DirectoryMode = 0x4000;
    private const int RegularFileMode = 0x8000;
    private const int CharDeviceMode = 0x2000;

    private readonly Stream output;
    private int inode = 1;

    public NewcCpioWriter(Stream output) => this.output = output ?? throw new ArgumentNullException(nameof(output));

    public void AddDirectory(string path, int permissions = 0x1ED) => Write(path, DirectoryMode | permissions, [], 0, 0);

    public void AddFile(string path, byte[] content, int permissions) => Write(path, RegularFileMode | permissions, content, 0, 0);

    public void AddCharDevice(string path, int major, int minor, int permissions) => Write(path, CharDeviceMode | permissions, [], major, minor);

    /// <summary>Writes the trailer entry; the archive is complete afterwards.</summary>
    public void Finish() => Write("TRAILER!!!", 0, [], 0, 0, countInode: false);

    private void Write(string path, int mode, byte[] content, int rdevMajor, int rdevMinor, bool countInode = true)
    {
        var name = path.TrimStart('/');
        if (name.Length == 0)
        {
            throw new ArgumentException($"cpio entry name '{path}' is empty", nameof(path));
        }

        var nameBytes = Encoding.ASCII.GetBytes(name + "\0");
        var fields = new[]
        {
            countInode ? inode++ : 0, mode, 0, 0, (mode & DirectoryMode) != 0 ? 2 : 1, 0, content.Length, 0, 0, rdevMajor, rdevMinor, nameBytes.Length, 0,
        };
        var header = new StringBuilder("070701");
        foreach (var f in fields)
        {
            header.Append(f.ToString("X8", CultureInfo.InvariantCulture));
        }

        var headerBytes = Encoding.ASCII.GetBytes(header.ToString());
        output.Write(headerBytes);
        output.Write(nameBytes);
        Pad(headerBytes.Length + nameBytes.Length);
        output.Write(content);
        Pad(content.Length);
    }

    private void Pad(int length)
    {
        var padding = (4 - (length % 4)) % 4;
        for (var i = 0; i < padding; i++)
        {
            output.WriteByte(0);
        }
    }
}
