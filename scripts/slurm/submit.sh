#!/usr/bin/env bash
# Submits a split theradose run to Slurm: an array of JOBS tasks (run-array.sbatch) and the
# merge job (merge.sbatch) that waits for all of them (--dependency=afterok). Prints the two
# job ids. Usage:
#   scripts/slurm/submit.sh RUN_FILE OUT JOBS [extra sbatch options, e.g. --partition=short]
# A sweep instead: scripts/slurm/submit.sh --sweep STUDY OUT [sbatch options]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
THERADOSE=${THERADOSE:-theradose}
export THERADOSE
if [ "${1:-}" = "--sweep" ]; then
    STUDY=$2 OUT=$3
    shift 3
    points=$("$THERADOSE" study "$STUDY" --sweep-points)
    export STUDY OUT
    array=$(sbatch --parsable --array=0-$((points - 1)) --export=ALL "$@" "$here/sweep-array.sbatch")
    collect=$(sbatch --parsable --dependency=afterok:"$array" --export=ALL "$@" "$here/sweep-collect.sbatch")
    echo "$array $collect"
    exit 0
fi
RUN_FILE=$1 OUT=$2 JOBS=$3
shift 3
export RUN_FILE OUT JOBS
mkdir -p "$OUT"
array=$(sbatch --parsable --array=0-$((JOBS - 1)) --export=ALL "$@" "$here/run-array.sbatch")
merge=$(sbatch --parsable --dependency=afterok:"$array" --export=ALL "$@" "$here/merge.sbatch")
echo "$array $merge"
