#!/bin/busybox sh
# PID 1 of the migration test guest (busybox initramfs on the Debian cloud kernel).
# Kernel command line: vmip=<ip/prefix> [vmgw=<gateway>] [vmmtu=<mtu>].
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev 2>/dev/null
# The .deb ships no modules.dep (depmod runs at install time): load in dependency order.
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci failover net_failover virtio_net; do
  insmod /lib/modules/$m.ko || echo "insmod $m failed"
done
ip=; gw=; mtu=1400
for a in $(cat /proc/cmdline); do
  case $a in vmip=*) ip=${a#vmip=};; vmgw=*) gw=${a#vmgw=};; vmmtu=*) mtu=${a#vmmtu=};; esac
done
for i in $(seq 1 100); do [ -e /sys/class/net/eth0 ] && break; sleep 0.1; done
ip link set lo up
ip link set eth0 mtu $mtu up
[ -n "$ip" ] && ip addr add $ip dev eth0
[ -n "$gw" ] && ip route add default via $gw
# 5000: TCP echo (one cat per connection); 5001: one line describing the guest's network identity.
nc -ll -p 5000 -e cat &
nc -ll -p 5001 -e /bin/netinfo &
echo "GUEST-READY $(/bin/netinfo)"
while true; do sleep 3600; done
