namespace VmNet.Sandbox.Rig;

/// <summary>
/// Sends the RARP announcement QEMU emits when a live-migrated VM resumes (ethertype 0x8035, opcode 3,
/// sender = target = the VM's MAC). OVN's activation-strategy=rarp unblocks the migration target on it.
/// .NET cannot open an AF_PACKET socket inside another netns without setns, so a short python3 program
/// runs there instead.
/// </summary>
public static class RarpAnnouncer
{
    private const string Script = """
        import socket, struct, sys, time
        ifc, mac, n = sys.argv[1], bytes.fromhex(sys.argv[2].replace(':', '')), int(sys.argv[3])
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        s.bind((ifc, 0))
        frame = b'\xff' * 6 + mac + struct.pack('!H', 0x8035) + struct.pack('!HHBBH', 1, 0x0800, 6, 4, 3) + mac + b'\0' * 4 + mac + b'\0' * 4
        frame += b'\0' * (60 - len(frame))
        for i in range(n):
            s.send(frame)
            time.sleep(0.05)
        """;

    public static async Task SendAsync(string netns, string interfaceName, string mac, int count, CancellationToken cancellationToken)
    {
        if (RigPrerequisites.FindOnPath("python3") is null)
        {
            throw new RigException("sending a RARP announcement needs python3: apt-get install -y python3");
        }

        await NetworkNamespace.ExecCheckedAsync(
            netns,
            "python3",
            ["-c", Script, interfaceName, mac, count.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            TimeSpan.FromSeconds(10),
            cancellationToken).ConfigureAwait(false);
    }
}
