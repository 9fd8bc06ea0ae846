namespace VmNet.E2E.Chart;

/// <summary>A values file that changes every setting the chart has, each to a value its program accepts.</summary>
public static class ChartOverrides
{
    public const string Yaml = """
        image:
          repository: registry.example.com/vmnet
          tag: "1.2.3"
          pullPolicy: Always
        imagePullSecrets:
          - name: registry-credentials
        ovn:
          northbound: "tcp:192.0.2.11:6641,tcp:192.0.2.12:6641"
          southbound: "ssl:192.0.2.11:6642,ssl:192.0.2.12:6642"
          nodeRemote: "tcp:192.0.2.11:6642,tcp:192.0.2.12:6642"
        network:
          encapType: vxlan
          clusterRouter: vpc-main
          defaultSubnet:
            name: vm-default
            cidr: "10.20.0.0/16,fd00:20::/64"
            gateway: "10.20.0.254,fd00:20::1"
            excludeIps: "10.20.0.1..10.20.0.9"
          joinSubnet:
            name: join-nodes
            cidr: 100.70.0.0/16
            gateway: 100.70.0.1
          serviceCidr: 10.100.0.0/16
        controller:
          replicas: 3
          leaseName: vmnet-leader
          keepVmIp: false
          enableLiveMigrationOptimize: false
          enableLb: false
          workerNum: 8
          gcInterval: 0
          logLevel: Debug
          priorityClassName: ""
          nodeSelector:
            node-role.kubernetes.io/control-plane: ""
        daemon:
          encapIp: 198.51.100.7
          datapathType: netdev
          nodeMtu: 9000
          podMtu: 8900
          prePlug: false
          hwOffload: true
          ovsDb: unix:/var/run/openvswitch/db.sock
          kubeletPodsDir: /var/lib/k0s/kubelet/pods
        cni:
          binDir: /usr/libexec/cni
          confDir: /etc/cni/multus/net.d
          confName: 00-vmnet.conflist
          cniVersion: "0.4.0"
        """;
}
