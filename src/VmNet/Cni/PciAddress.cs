namespace VmNet.Cni;

/// <summary>PCI address syntax as sysfs names devices: <c>DDDD:BB:DD.F</c> (domain, bus, device, function).</summary>
public static class PciAddress
{
    public static bool IsValid(string? text)
    {
        if (text is null || text.Length != 12 || text[4] != ':' || text[7] != ':' || text[10] != '.')
        {
            return false;
        }

        for (var i = 0; i < 10; i++)
        {
            if (i is 4 or 7)
            {
                continue;
            }

            if (!char.IsAsciiHexDigit(text[i]))
            {
                return false;
            }
        }

        // Device is 5 bits (00-1f), function 3 bits (0-7).
        return text[11] is >= '0' and <= '7' && Convert.ToInt32(text.Substring(8, 2), 16) <= 0x1f;
    }
}
