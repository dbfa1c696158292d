#!/usr/bin/env bash
# Sets icsim up on a Debian 12 machine and runs it:
#   ./setup.sh run  [icsim run options]   install, build (release), run the default city
#   ./setup.sh test [ctest options]       install, build (release), run the whole test suite
# Idempotent: installs only missing Debian packages (needs root for that),
# and rebuilds only what changed. ICSIM_WERROR=ON turns warnings into errors
# (on by default when CI=true).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

packages=(cmake ninja-build g++ pkg-config libtbb-dev doctest-dev libcli11-dev nlohmann-json3-dev
    libtomlplusplus-dev clang libclang-rt-14-dev
    libhdf5-dev zlib1g-dev libisal-dev libxxhash-dev hdf5-tools python3-h5py python3-numpy python3-pandas
    python3-matplotlib jupyter-nbconvert python3-nbclient python3-ipykernel libboost-dev libboost-mpi-dev
    libopenmpi-dev openmpi-bin python3-scipy python3-openturns
    libimgui-dev libglfw3-dev libgl-dev libgl1-mesa-dri libstb-dev fonts-dejavu-core xvfb xauth)

install_missing() {
    local missing=()
    for p in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "setup.sh: installing ${missing[*]}" >&2
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { echo "setup.sh: run as root to install: ${missing[*]}" >&2; exit 1; }
        sudo=sudo
    fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

build() {
    if [ -z "${ICSIM_WERROR:-}" ]; then
        if [ "${CI:-}" = true ]; then export ICSIM_WERROR=ON; else export ICSIM_WERROR=OFF; fi
    fi
    cmake --preset release >/dev/null
    cmake --build --preset release -j "$(nproc)"
}

cmd="${1:-}"
[ $# -gt 0 ] && shift
case "$cmd" in
run)
    install_missing
    build >&2
    # Unless told otherwise, the run's HDF5 output goes to build/release/,
    # replaced on each run (icsim itself never overwrites without --force).
    for a in "$@"; do
        case "$a" in -o | --output | --output=* | --no-output) exec ./build/release/app/icsim run "$@" ;; esac
    done
    exec ./build/release/app/icsim run -o build/release/icsim-out.h5 --force "$@"
    ;;
test)
    install_missing
    build
    exec ctest --preset release -j "$(nproc)" "$@"
    ;;
*)
    echo "usage: ./setup.sh run [icsim run options] | ./setup.sh test [ctest options]" >&2
    exit 2
    ;;
esac
