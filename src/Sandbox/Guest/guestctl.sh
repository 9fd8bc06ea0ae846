#!/bin/busybox sh
# The guest's command port (TCP 5002): one line "ping <IPv4> [count]" per connection; anything else is refused.
# Arguments never reach a shell unquoted: the address must be four decimal octets, the count 1..20.
set -f
read -r line
line=$(echo "$line" | tr -d '\r')
set -- $line
valid_ipv4() {
  case $1 in ''|*[!0-9.]*|*..*|.*|*.) return 1;; esac
  old=$IFS; IFS=.; set -- $1; IFS=$old
  [ $# -eq 4 ] || return 1
  for o in "$@"; do
    [ ${#o} -le 3 ] && [ "$o" -le 255 ] || return 1
  done
}
if [ "$1" != ping ] || [ $# -lt 2 ] || [ $# -gt 3 ]; then
  echo "guestctl: usage: ping <IPv4> [count 1..20]"; exit 2
fi
if ! valid_ipv4 "$2"; then
  echo "guestctl: '$2' is not an IPv4 address"; exit 2
fi
count=${3:-3}
case $count in ''|*[!0-9]*) echo "guestctl: count '$count' is not a number"; exit 2;; esac
if [ ${#count} -gt 2 ] || [ "$count" -lt 1 ] || [ "$count" -gt 20 ]; then
  echo "guestctl: count $count is outside 1..20"; exit 2
fi
ping -c "$count" -W 2 "$2" 2>&1
echo "guestctl-exit=$?"
