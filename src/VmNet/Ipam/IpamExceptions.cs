namespace VmNet.Ipam;

/// <summary>
/// Base of every IPAM error. <see cref="Field"/> names the input at fault (an annotation, a spec field
/// such as <c>excludeIps[2]</c>, or a NIC key) and <see cref="Value"/> the offending value, so callers can
/// surface them in events and conditions without parsing the message.
/// </summary>
public abstract class IpamException : Exception
{
    protected IpamException(string field, string value, string problem)
        : base($"{field}: \"{value}\" {problem}")
    {
        Field = field;
        Value = value;
    }

    public string Field { get; }

    public string Value { get; }
}

/// <summary>Malformed input: an address, range, CIDR, MAC or gateway that cannot be used at all.</summary>
public sealed class InvalidIpamInputException(string field, string value, string problem)
    : IpamException(field, value, problem);

/// <summary>A requested address lies outside the subnet (or pool) it was requested from.</summary>
public sealed class AddressOutOfRangeException(string field, string value, string problem)
    : IpamException(field, value, problem);

/// <summary>A requested address or MAC is already held by another owner, or is the gateway's.</summary>
public sealed class AddressConflictException(string field, string value, string problem, string? currentOwner)
    : IpamException(field, value, problem)
{
    /// <summary>Owner key (<c>ns/name</c>) that holds the address, or null for the gateway.</summary>
    public string? CurrentOwner { get; } = currentOwner;
}

/// <summary>The subnet or pool has no address left of the requested family.</summary>
public sealed class NoAvailableAddressException(string field, string value, string problem)
    : IpamException(field, value, problem);

/// <summary>A subnet or IP pool named by a request is not registered.</summary>
public sealed class IpamNotFoundException(string field, string value, string problem)
    : IpamException(field, value, problem);
