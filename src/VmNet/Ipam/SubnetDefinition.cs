namespace VmNet.Ipam;

/// <summary>One family of a validated subnet.</summary>
public sealed record FamilyDefinition(Cidr Cidr, IpAddr Gateway, IReadOnlyList<IpRange> Excluded)
{
    public IpFamily Family => Cidr.Family;
}

/// <summary>A validated, normalised <see cref="SubnetSpec"/>.</summary>
public sealed class SubnetDefinition
{
    private SubnetDefinition(string name, IReadOnlyList<FamilyDefinition> families, MacAddress? gatewayMac, IReadOnlyList<string> droppedExcludeIps)
    {
        Name = name;
        Families = families;
        GatewayMac = gatewayMac;
        DroppedExcludeIps = droppedExcludeIps;
    }

    public string Name { get; }

    /// <summary>In <c>cidrBlock</c> order.</summary>
    public IReadOnlyList<FamilyDefinition> Families { get; }

    public MacAddress? GatewayMac { get; }

    /// <summary>excludeIps entries that matched no CIDR of the subnet (Kube-OVN logs and ignores them).</summary>
    public IReadOnlyList<string> DroppedExcludeIps { get; }

    /// <summary><c>IPv4</c>, <c>IPv6</c>, <c>Dual</c> or <c>Mac</c>, as in the Subnet's <c>spec.protocol</c>.</summary>
    public string Protocol => Families.Count switch
    {
        0 => "Mac",
        2 => "Dual",
        _ => Families[0].Family.Name(),
    };

    /// <summary>Normalised <c>cidrBlock</c>.</summary>
    public string CidrBlock => string.Join(',', Families.Select(f => f.Cidr.ToString()));

    /// <summary>Normalised <c>gateway</c>.</summary>
    public string Gateway => string.Join(',', Families.Select(f => f.Gateway.ToString()));

    public FamilyDefinition? this[IpFamily family] => Families.FirstOrDefault(f => f.Family == family);

    public static SubnetDefinition Parse(SubnetSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (string.IsNullOrWhiteSpace(spec.Name))
        {
            throw new InvalidIpamInputException("name", spec.Name ?? string.Empty, "is not a valid subnet name");
        }

        var cidrs = ParseCidrs(spec.CidrBlock ?? string.Empty);
        var gateways = ParseGateways(spec.Gateway, cidrs);
        var excluded = IpRangeListParser.ParseExcludeIps(spec.ExcludeIps ?? [], cidrs, out var dropped);
        var gatewayMac = string.IsNullOrEmpty(spec.GatewayMac) ? (MacAddress?)null : MacAddress.Parse(spec.GatewayMac, "gatewayMac");
        var families = cidrs
            .Select((cidr, i) => new FamilyDefinition(cidr, gateways[i], excluded.Where(r => r.Family == cidr.Family).ToList()))
            .ToList();
        return new SubnetDefinition(spec.Name, families, gatewayMac, dropped);
    }

    private static List<Cidr> ParseCidrs(string cidrBlock)
    {
        var cidrs = new List<Cidr>();
        if (cidrBlock.Length == 0)
        {
            return cidrs;
        }

        foreach (var part in cidrBlock.Split(','))
        {
            var cidr = Cidr.Parse(part.Trim(), "cidrBlock");
            if (cidrs.Any(c => c.Family == cidr.Family))
            {
                throw new InvalidIpamInputException("cidrBlock", cidrBlock, $"has more than one {cidr.Family.Name()} CIDR");
            }

            cidrs.Add(cidr);
        }

        return cidrs;
    }

    private static List<IpAddr> ParseGateways(string? gateway, List<Cidr> cidrs)
    {
        if (string.IsNullOrWhiteSpace(gateway))
        {
            return cidrs.Select(c => c.Usable.First).ToList();
        }

        var given = gateway.Split(',').Select(g => IpAddr.Parse(g.Trim(), "gateway")).ToList();
        var result = new List<IpAddr>(cidrs.Count);
        foreach (var cidr in cidrs)
        {
            var matching = given.Where(g => g.Family == cidr.Family).ToList();
            if (matching.Count != 1)
            {
                throw new InvalidIpamInputException("gateway", gateway, $"must hold exactly one {cidr.Family.Name()} address for cidr {cidr}");
            }

            var address = matching[0];
            if (!cidr.Contains(address))
            {
                throw new InvalidIpamInputException("gateway", address.ToString(), $"is not in cidr {cidr}");
            }

            if (cidr.IsNetworkOrBroadcast(address))
            {
                var what = address.Value == cidr.Network ? "network number" : "broadcast";
                throw new InvalidIpamInputException("gateway", address.ToString(), $"is the {what} ip in cidr {cidr}");
            }

            result.Add(address);
        }

        if (given.Count != cidrs.Count)
        {
            throw new InvalidIpamInputException("gateway", gateway, "has an address of a family the cidrBlock lacks");
        }

        return result;
    }
}
