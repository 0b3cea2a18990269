#!/usr/bin/env bash
# Prints a snapshot of everything a test could leak: mounts, our cgroups, veths, nft tables,
# our processes. tests/run.sh compares it before and after each bats file.
# The first `ip netns add` on a machine makes /run/netns a shared bind mount of itself and
# iproute2 never removes it: a property of the host from then on, not a leak of one file (on a
# fresh machine it appeared after 60-net-lib and was counted). The netns mounts beneath it
# (/run/netns/NAME) still count, and are listed by name below.
echo "mounts $(findmnt -rn -o TARGET | grep -cvx /run/netns)"
# cgroups below our parents (the parents themselves may stay)
for h in /sys/fs/cgroup /sys/fs/cgroup/*; do
  find "$h" -mindepth 1 -maxdepth 1 -type d \( -name 'tinydocker*' -o -name 'tinyrun*' -o -name 'td-test*' \) \
    -exec find {} -mindepth 1 -type d \; 2>/dev/null
done | sort
ip -o link show type veth 2>/dev/null | awk -F': ' '{print "veth", $2}' | sed 's/@.*//' | sort
ip -o link show type bridge 2>/dev/null | awk -F': ' '{print "bridge", $2}' | grep -E 'td|tinydocker' | sort
nft list tables 2>/dev/null | sort
# our long-lived processes (monitors, detached runtimes), zombies and the test runner excluded
ps -eo pid=,stat=,comm= | awk '$2 !~ /^Z/ && $3 ~ /^(tinydocker|tinyrun|td-)/ {print "proc", $1, $3}' | sort
ls /run/netns 2>/dev/null | sed 's/^/netns /' | sort
