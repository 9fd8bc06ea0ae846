namespace VmNet.Controller.Hosting;

/// <summary>Owner kinds written into Northbound rows' ownership (<c>vmnet.io/owner-kind</c>).</summary>
public static class OwnerKinds
{
    /// <summary>Rows of a Subnet (key = subnet name): its Logical_Switch and router port pair.</summary>
    public const string Subnet = "Subnet";

    /// <summary>Rows of a Vpc (key = vpc name): its Logical_Router.</summary>
    public const string Vpc = "Vpc";
}
