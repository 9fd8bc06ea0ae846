using VmNet.Ipam;

namespace VmNet.Addressing;

/// <summary>
/// Reads and validates the user-settable addressing annotations of a pod (facts §2.3) before anything is
/// allocated, so a bad value is reported with its annotation key and nothing is half-done.
/// </summary>
public static class AddressRequestParser
{
    public static AddressRequest Parse(IReadOnlyDictionary<string, string>? annotations, string provider = AnnotationKeys.DefaultProvider)
    {
        if (annotations is null)
        {
            return new AddressRequest();
        }

        var ipKey = AnnotationKeys.For(AnnotationKeys.IpAddress, provider);
        var macKey = AnnotationKeys.For(AnnotationKeys.MacAddress, provider);
        var poolKey = AnnotationKeys.For(AnnotationKeys.IpPool, provider);
        var securityKey = AnnotationKeys.For(AnnotationKeys.PortSecurity, provider);
        return new AddressRequest
        {
            StaticIps = annotations.TryGetValue(ipKey, out var ips) ? ParseStaticIps(ipKey, ips) : [],
            StaticMac = annotations.TryGetValue(macKey, out var mac) && !string.IsNullOrWhiteSpace(mac) ? ParseMac(macKey, mac) : null,
            IpPool = annotations.TryGetValue(poolKey, out var pool) && !string.IsNullOrWhiteSpace(pool) ? pool.Trim() : null,
            PortSecurity = annotations.TryGetValue(securityKey, out var security) && security == "true",
        };
    }

    /// <summary><c>v4</c>, <c>v6</c> or <c>v4,v6</c>; one address per family, v6 written lower-case (facts §3.2).</summary>
    public static IReadOnlyList<string> ParseStaticIps(string field, string value)
    {
        var parts = AllocationRequest.SplitIpAnnotation(value);
        var families = new HashSet<IpFamily>();
        var result = new List<string>(parts.Count);
        foreach (var part in parts)
        {
            if (!IpAddr.TryParse(part, out var address, out var problem))
            {
                throw new AddressingException(field, part, problem);
            }

            if (!families.Add(address.Family))
            {
                throw new AddressingException(field, value, $"holds more than one {address.Family.Name()} address");
            }

            result.Add(address.ToString());
        }

        return result;
    }

    public static string ParseMac(string field, string value)
    {
        try
        {
            return MacAddress.Parse(value.Trim(), field).ToString();
        }
        catch (InvalidIpamInputException ex)
        {
            var problemAt = ex.Message.IndexOf("\" ", StringComparison.Ordinal);
            throw new AddressingException(field, value, problemAt < 0 ? ex.Message : ex.Message[(problemAt + 2)..]);
        }
    }
}
