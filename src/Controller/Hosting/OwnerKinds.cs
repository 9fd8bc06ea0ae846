namespace VmNet.Controller.Hosting;

/// <summary>Owner kinds written into Northbound rows' ownership (<c>vmnet.io/owner-kind</c>).</summary>
public static class OwnerKinds
{
    /// <summary>Rows of a Subnet (key = subnet name): its Logical_Switch and router port pair.</summary>
    public const string Subnet = "Subnet";

    /// <summary>Rows of a Vpc (key = vpc name): its Logical_Router.</summary>
    public const string Vpc = "Vpc";

    /// <summary>Rows of a Node (key = node name): its join port <c>node-&lt;node&gt;</c> and its reroute policies.</summary>
    public const string Node = "Node";

    /// <summary>The priority-31000 <c>allow</c> policy of a default-VPC Subnet on the cluster router (key = subnet name).</summary>
    public const string SubnetRoute = "SubnetRoute";

    /// <summary>A distributed-gateway Subnet's per-node port groups and priority-29000 policies (key = subnet name).</summary>
    public const string SubnetGateway = "SubnetGateway";

    /// <summary>The cluster router's default routes toward the join gateway (key = router name).</summary>
    public const string JoinGatewayRoute = "JoinGatewayRoute";
}
