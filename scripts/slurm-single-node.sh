# A throw-away single-node Slurm cluster for testing scripts/slurm-attack.sh: sourced by
# .ci/slurm-check and scripts/slurm-requeue-check.sh. Needs root and Debian's slurmctld, slurmd,
# slurm-client and munge. Everything (MUNGE key and socket, configuration, state, spool, logs) lives
# under one folder; the daemons run in the foreground of background jobs, so they stop by PID.
#
#   slurm_start DIR    start munged, slurmctld and slurmd with a configuration in DIR (one node,
#                      2 CPUs, proctrack/linuxproc, task/none, no accounting, ports of its own);
#                      exports SLURM_CONF; returns 1 with a reason on stderr if the node is not idle
#   slurm_stop         stop the daemons by PID
#   slurm_state JOB    the job's state (PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, ...)
#   slurm_wait JOB S   poll until the job has ended (at most S seconds); print its final state
#   slurm_logs         the daemons' last log lines, for a failure report

slurm_pids=()
slurm_dir=

slurm_start() {
    local dir=$1 node port
    node=$(hostname -s)
    port=$((20000 + RANDOM % 20000))
    mkdir -p "$dir/ctld" "$dir/spool"
    slurm_dir=$dir
    dd if=/dev/urandom of="$dir/munge.key" bs=1024 count=1 status=none && chmod 600 "$dir/munge.key"
    munged --foreground --force --key-file="$dir/munge.key" --socket="$dir/munge.socket" \
        --pid-file="$dir/munged.pid" --log-file="$dir/munged.log" --seed-file="$dir/munged.seed" >"$dir/munged.out" 2>&1 &
    slurm_pids+=($!)
    cat >"$dir/slurm.conf" <<CONF
ClusterName=blindspots-test
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge.socket
StateSaveLocation=$dir/ctld
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmdParameters=config_overrides
ReturnToService=2
MpiDefault=none
NodeName=$node NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=test Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF
    export SLURM_CONF=$dir/slurm.conf
    for _ in $(seq 50); do [[ -S $dir/munge.socket ]] && break; sleep 0.1; done
    [[ -S $dir/munge.socket ]] || { echo "munged did not start: $(tail -n 2 "$dir/munged.log" 2>/dev/null)" >&2; return 1; }
    slurmctld -D -i -f "$SLURM_CONF" >"$dir/slurmctld.out" 2>&1 &
    slurm_pids+=($!)
    slurmd -D -f "$SLURM_CONF" -N "$node" >"$dir/slurmd.out" 2>&1 &
    slurm_pids+=($!)
    for _ in $(seq 100); do
        [[ $(sinfo -h -n "$node" -o %t 2>/dev/null) == idle ]] && return 0
        sleep 0.2
    done
    echo "the node is not idle after 20 s: $(sinfo -h -o '%t %E' 2>&1 | head -n 1)" >&2
    return 1
}

slurm_stop() {
    local pid
    for pid in "${slurm_pids[@]}"; do kill "$pid" 2>/dev/null; done
    for pid in "${slurm_pids[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null
    done
    slurm_pids=()
}

slurm_state() { scontrol -o show job "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | head -n 1; }

slurm_wait() {
    local job=$1 deadline=$((SECONDS + $2)) s
    while :; do
        s=$(slurm_state "$job")
        case $s in
            PENDING|CONFIGURING|RUNNING|COMPLETING|REQUEUED|RESIZING|SUSPENDED|"") ;;
            *) echo "$s"; return 0 ;;
        esac
        (( SECONDS < deadline )) || { echo "still ${s:-unknown} after $2 s"; return 1; }
        sleep 0.5
    done
}

slurm_logs() {
    local f
    for f in "$slurm_dir"/slurmctld.log "$slurm_dir"/slurmd.log; do
        [[ -f $f ]] && { echo "--- $f"; tail -n 15 "$f"; }
    done
}
