#!/bin/busybox sh
# One line: the identity a live migration must preserve (boot_id proves no reboot happened).
set -- $(ip -4 addr show dev eth0 | grep inet)
echo "mac=$(cat /sys/class/net/eth0/address) ip=$2 boot=$(cat /proc/sys/kernel/random/boot_id) uptime=$(cut -d' ' -f1 /proc/uptime)"
