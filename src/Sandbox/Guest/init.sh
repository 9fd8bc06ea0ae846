#!/bin/busybox sh
# PID 1 of the VM test guest (busybox initramfs on the Debian cloud kernel).
# Kernel command line:
#   vmip=<ip/prefix> [vmgw=<gateway>] [vmmtu=<mtu>]   eth0 (the first NIC); vmgw= is the default route
#   vmnic<N>=<mac>,<ip/prefix>[,<gateway>[,default]]  a further NIC, found by its MAC; with "default" it
#                                                     carries the default route (then vmgw= is absent)
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev 2>/dev/null
# The .deb ships no modules.dep (depmod runs at install time): load in dependency order.
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci failover net_failover virtio_net; do
  insmod /lib/modules/$m.ko || echo "insmod $m failed"
done
ip=; gw=; mtu=1400; nics=
for a in $(cat /proc/cmdline); do
  case $a in
    vmip=*) ip=${a#vmip=};;
    vmgw=*) gw=${a#vmgw=};;
    vmmtu=*) mtu=${a#vmmtu=};;
    vmnic[0-9]*=*) nics="$nics ${a#*=}";;
  esac
done
for i in $(seq 1 100); do [ -e /sys/class/net/eth0 ] && break; sleep 0.1; done
ip link set lo up
ip link set eth0 mtu $mtu up
[ -n "$ip" ] && ip addr add $ip dev eth0
[ -n "$gw" ] && ip route add default via $gw dev eth0
# A further NIC: the interface whose MAC matches (PCI order decides ethN, the MAC is what the VM spec fixes).
for nic in $nics; do
  old=$IFS; IFS=,; set -- $nic; IFS=$old
  mac=$1; addr=$2; nicgw=$3; route=$4; dev=
  for i in $(seq 1 100); do
    for d in /sys/class/net/*; do
      [ "$(cat $d/address)" = "$mac" ] && dev=${d##*/}
    done
    [ -n "$dev" ] && break; sleep 0.1
  done
  if [ -z "$dev" ]; then echo "GUEST-ERROR no interface with MAC $mac"; continue; fi
  ip link set $dev mtu $mtu up
  ip addr add $addr dev $dev
  [ "$route" = default ] && [ -n "$nicgw" ] && ip route add default via $nicgw dev $dev
done
# 5000: TCP echo (one cat per connection); 5001: one line describing the guest's network identity;
# 5002: one validated command per connection (guestctl: ping from inside the guest).
nc -ll -p 5000 -e cat &
nc -ll -p 5001 -e /bin/netinfo &
nc -ll -p 5002 -e /bin/guestctl &
echo "GUEST-READY $(/bin/netinfo)"
while true; do sleep 3600; done
