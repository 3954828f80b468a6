#!/usr/bin/env bash
# Installs what evod needs on Debian 12 that the Swift toolchain does not bring: the C libraries
# (ZeroMQ, SQLite, OpenBLAS, libcurl), pkg-config, iproute2 (`ip netns` for the multi-host test),
# g++ (llama.cpp's server is built from source by scripts/llm-setup.sh), curl (demo-llm waits for the
# server with it), Slurm and munge (the Slurm launcher's test starts a one-node Slurm) and numpy for
# the side-by-side benchmarks.
# Idempotent and quiet when everything is already there.
set -euo pipefail

packages=(libzmq3-dev libsqlite3-dev libopenblas-dev libcurl4-openssl-dev pkg-config iproute2 g++ curl slurmctld slurmd slurm-client munge)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "installing Debian packages: ${missing[*]}"
    sudo_cmd=""
    [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! python3 -c 'import numpy' 2>/dev/null; then
    echo "installing numpy (for the side-by-side benchmarks)"
    python3 -m pip install --quiet numpy
fi
