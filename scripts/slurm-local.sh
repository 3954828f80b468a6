#!/usr/bin/env bash
# A one-node Slurm in a directory, started by hand as root without systemd: for the Slurm
# launcher's test (Tests/DaemonTests/SlurmTests.swift) and for trying `evoctl up --launcher slurm`
# on one machine. Debian 12's slurmctld, slurmd, slurm-client and munge (scripts/install-deps.sh).
#
#   scripts/slurm-local.sh start DIR   # prints SLURM_CONF=DIR/slurm.conf once a job can run
#   scripts/slurm-local.sh stop DIR    # stops slurmd, slurmctld and munged
#
# A private munge key and socket (munged --force), slurmctld -D and slurmd -D in the background,
# proctrack/linuxproc and task/none (no cgroups), select/cons_tres with CR_Core, and
# SlurmdParameters=config_overrides so that the node declares more CPUs (64) than it has: the
# cluster's processes mostly wait. Ports are chosen free; the node is this host.
set -euo pipefail

command=${1:?usage: slurm-local.sh start|stop DIR}
dir=$(realpath -m "${2:?usage: slurm-local.sh start|stop DIR}")

stop() {
    # Jobs first (their processes would outlive slurmd), then the daemons.
    if [ -f "$dir/slurm.conf" ] && [ -f "$dir/slurmctld.pid" ]; then
        export SLURM_CONF="$dir/slurm.conf"
        scancel --user="$(id -un)" 2> /dev/null || true
        for _ in $(seq 100); do [ -z "$(squeue --noheader 2> /dev/null)" ] && break; sleep 0.1; done
    fi
    for name in slurmd slurmctld munged; do
        [ -f "$dir/$name.pid" ] || continue
        pid=$(cat "$dir/$name.pid")
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        rm -f "$dir/$name.pid"
    done
}

# The daemons must hold none of the descriptors we inherited beyond 0-2: a caller that waits for
# our end (Foundation's Process watches a descriptor it gives its child) would wait for them too.
close_inherited_descriptors() {
    for fd in /proc/$BASHPID/fd/*; do
        fd=${fd##*/}
        if [ "$fd" -gt 2 ]; then eval "exec $fd>&-" 2> /dev/null || true; fi
    done
}

# Runs "$@" in the background (one process: the subshell execs it), its output in the log $1.
start_detached() {
    local log=$1
    shift
    {
        close_inherited_descriptors
        exec "$@" < /dev/null > "$log" 2>&1
    } &
}

if [ "$command" = stop ]; then
    stop
    exit 0
fi
[ "$command" = start ] || { echo "usage: slurm-local.sh start|stop DIR" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "slurm-local.sh: needs root (slurmd runs jobs as their users)" >&2; exit 1; }
for tool in munged slurmctld slurmd sinfo; do
    command -v "$tool" > /dev/null || { echo "slurm-local.sh: $tool is not installed (scripts/install-deps.sh installs Slurm and munge)" >&2; exit 1; }
done

mkdir -p "$dir"/{munge,spool,state,log}
chmod 0700 "$dir/munge"
[ -f "$dir/munge/munge.key" ] || { head -c 1024 /dev/urandom > "$dir/munge/munge.key"; chmod 0400 "$dir/munge/munge.key"; }
(close_inherited_descriptors; exec munged --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
    --pid-file="$dir/munged.pid" --log-file="$dir/log/munged.log" --seed-file="$dir/munge/munged.seed" \
    < /dev/null > "$dir/log/munged.out" 2>&1)

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
host=$(hostname -s)
cat > "$dir/slurm.conf" <<CONF
ClusterName=evod-local
SlurmctldHost=$host
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmdParameters=config_overrides
ReturnToService=2
MpiDefault=none
SchedulerType=sched/backfill
KillWait=10
InactiveLimit=0
MinJobAge=30
NodeName=$host CPUs=64 RealMemory=4096 State=UNKNOWN
PartitionName=evod Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$dir/slurm.conf"
start_detached "$dir/log/slurmctld.out" slurmctld -D -f "$SLURM_CONF"
start_detached "$dir/log/slurmd.out" slurmd -D -f "$SLURM_CONF"
for _ in $(seq 300); do
    if sinfo -h -o %t 2>/dev/null | grep -qx idle; then
        echo "SLURM_CONF=$SLURM_CONF"
        exit 0
    fi
    sleep 0.1
done
echo "slurm-local.sh: the node did not become idle in 30 s; see $dir/log/" >&2
tail -5 "$dir"/log/*.log >&2 || true
stop
exit 1
