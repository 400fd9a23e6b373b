#!/usr/bin/env bash
# CI test of the Slurm scripts on a one-node cluster started on this machine (needs root):
# installs Debian's slurm-wlm and munge, writes a minimal slurm.conf (slurmctld and slurmd on
# this host), submits a 3-task array of `theradose run --jobs 3 --job-index $SLURM_ARRAY_TASK_ID`
# plus the merge job (--dependency=afterok), and checks that the merged tally and dose are
# bit-identical to a single-process run. Fails (never skips) when anything is missing.
# Usage: scripts/slurm/test-local-cluster.sh [path/to/theradose]   (default target/release)
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=$(realpath "${1:-target/release/theradose}")
[ -x "$bin" ] || { echo "FAIL: no theradose binary at $bin (cargo build --release)"; exit 1; }
[ "$(id -u)" = 0 ] || { echo "FAIL: needs root to install and start Slurm"; exit 1; }

if ! command -v slurmctld > /dev/null || ! command -v munged > /dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge > /dev/null
fi
for c in slurmctld slurmd munged sbatch squeue scontrol; do
    command -v "$c" > /dev/null || { echo "FAIL: $c not installed"; exit 1; }
done

work=$(mktemp -d /tmp/theradose-slurm.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done
    # slurmctld and slurmd daemonise: stop them by the pid files this script configured
    for f in "$work/slurmctld.pid" "$work/slurmd.pid" /run/munge/theradose-ci.pid; do
        [ -f "$f" ] && kill "$(cat "$f")" 2> /dev/null || true
    done
}
trap cleanup EXIT

# munge: a key, its folders, the daemon as user munge
mkdir -p /etc/munge /run/munge /var/lib/munge /var/log/munge
[ -s /etc/munge/munge.key ] || dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2> /dev/null
chown -R munge: /etc/munge /run/munge /var/lib/munge /var/log/munge
chmod 400 /etc/munge/munge.key
chmod 755 /run/munge
if ! munge -n > /dev/null 2>&1; then
    # (the pid file where user munge may write it; removed when munged is stopped)
    su -s /bin/sh munge -c "munged --pid-file=/run/munge/theradose-ci.pid" || {
        echo "FAIL: munged did not start"
        exit 1
    }
fi

host=$(hostname -s)
cpus=$(nproc)
mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd
cat > /etc/slurm/slurm.conf << CONF
ClusterName=theradose-ci
SlurmctldHost=$host
SlurmUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
ReturnToService=2
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
NodeName=$host CPUs=$cpus State=UNKNOWN
PartitionName=ci Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
cat > /etc/slurm/cgroup.conf << CONF
CgroupPlugin=cgroup/v1
IgnoreSystemd=yes
CONF
slurmctld -c -i
slurmd -c
ok=0
for _ in $(seq 60); do
    if scontrol ping 2> /dev/null | grep -q UP && sinfo -h -o %T 2> /dev/null | grep -qE "idle|mix"; then
        ok=1
        break
    fi
    sleep 1
done
if [ "$ok" != 1 ]; then
    echo "FAIL: the Slurm cluster did not come up"
    tail -20 "$work/slurmctld.log" "$work/slurmd.log" 2> /dev/null || true
    exit 1
fi

# a small run: 0.662 MeV photons in a 20 cm water cube at 20 mm voxels
cat > "$work/run.toml" << RUN
name = "slurm-ci"
[phantom]
builtin = "water-cube"
voxel_mm = 20.0
[source]
particle = "photon"
kind = "point"
position_mm = [10.0, -10.0, 30.0]
energy_mev = 0.662
emitted_particles = 1e9
[run]
histories = 90000
seed = 7
RUN
export THERADOSE_NO_PROGRESS=1 THERADOSE="$bin"
"$bin" run "$work/run.toml" --out "$work/single" --threads 2 > /dev/null
read -r array merge < <(cd "$work" && scripts_dir="$OLDPWD/scripts/slurm" && \
    "$scripts_dir/submit.sh" "$work/run.toml" "$work/split" 3)
echo "submitted array $array and merge $merge (afterok)"
for _ in $(seq 150); do
    state=$(scontrol show job "$merge" 2> /dev/null | grep -o 'JobState=[A-Z_]*' | cut -d= -f2)
    case "$state" in
        COMPLETED) break ;;
        FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY)
            echo "FAIL: merge job $state"
            cat "$work"/theradose-*.log 2> /dev/null || true
            exit 1
            ;;
    esac
    sleep 1
done
[ "${state:-}" = COMPLETED ] || { echo "FAIL: merge job not done (state ${state:-unknown})"; exit 1; }
for f in tally.bin dose.nii.gz uncertainty.nii.gz regions.csv; do
    cmp "$work/single/$f" "$work/split/merged/$f" || {
        echo "FAIL: $f of the Slurm array + merge differs from the single-process run"
        exit 1
    }
done
for i in 0 1 2; do
    [ -f "$work/split/part$i/tally.bin" ] || { echo "FAIL: part $i missing"; exit 1; }
done
echo "OK: 3-task Slurm array + merge bit-identical to one process ($work)"
