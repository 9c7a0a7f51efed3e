#!/usr/bin/env bash
# aarch64 smoke check by emulation: builds an arm64 Java 17 runtime (Debian's OpenJDK, unpacked
# into a private sysroot; the host's packages are untouched), resolves the linux-aarch64 natives
# (Maven profile linux-aarch64: pytorch-native-cpu:2.7.1:linux-aarch64; ONNX Runtime's jar carries
# aarch64 natives) and runs org.attnzoo.cli.PlatformSmoke under qemu-user twice:
#   1. QEMU_CPU=neoverse-n1 (ARMv8.2): os.arch must be aarch64, --engine auto must pick PyTorch,
#      PyTorch and ONNX Runtime must agree on vit_micro_patch4_32 within 1e-4 (batch 1 and 2).
#   2. QEMU_CPU=cortex-a72 (ARMv8.0, Raspberry Pi 4 class; DJL's PyTorch dies there with SIGILL):
#      --engine auto must pick ONNX Runtime, which must reproduce run 1's PyTorch outputs.
# Emulation is 150-450x slower than native code: the check uses the tiny test variant only.
#   scripts/arm64_smoke.sh            (Debian/Ubuntu host with apt; root or sudo for qemu-user-static)
# Env: ARM_DIR (runtime + work folder, default target/arm64; the runtime is reused if present).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ARM="$(realpath -m "${ARM_DIR:-$ROOT/target/arm64}")"
START=$(date +%s)

# --- qemu-user ---------------------------------------------------------------------------------
if ! command -v qemu-aarch64-static > /dev/null; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq qemu-user-static > /dev/null
fi

# --- aarch64 Java runtime: Debian's openjdk-17-jre-headless in a private sysroot ---------------
JAVA="$ARM/jre/bin/java"
if [ ! -x "$JAVA" ]; then
  D="$ARM/jre"; A="$D/apt"; S="$D/sysroot"
  rm -rf "$D"
  mkdir -p "$A/etc/apt/apt.conf.d" "$A/etc/apt/preferences.d" "$A/etc/apt/sources.list.d" \
    "$A/var/lib/apt/lists/partial" "$A/var/cache/apt/archives/partial" "$A/var/lib/dpkg" "$S" "$D/bin"
  : > "$A/var/lib/dpkg/status"
  # The host's own Debian sources (same mirror and suites), read for arm64.
  cp /etc/apt/sources.list.d/*.sources "$A/etc/apt/sources.list.d/" 2> /dev/null || true
  [ -f /etc/apt/sources.list ] && cp /etc/apt/sources.list "$A/etc/apt/"
  cat > "$A/apt.conf" << CONF
Dir "$A/";
Dir::State::status "$A/var/lib/dpkg/status";
APT::Architecture "arm64";
APT::Architectures { "arm64"; };
APT::Install-Recommends "false";
APT::Sandbox::User "root";
CONF
  export APT_CONFIG="$A/apt.conf"
  apt-get -qq update
  # The JVM needs these; ONNX Runtime and libtorch need libstdc++ and libgcc_s too.
  (cd "$A/var/cache/apt/archives" &&
    apt-get -qq download libc6 libgcc-s1 libstdc++6 gcc-12-base zlib1g openjdk-17-jre-headless)
  for f in "$A"/var/cache/apt/archives/*.deb; do dpkg-deb -x "$f" "$S"; done
  rm -rf "$A"
  unset APT_CONFIG
  # Absolute links inside the sysroot would point at the host's files: make them relative.
  find "$S" -type l -lname '/*' | while read -r l; do
    ln -sfn "$(realpath -m --relative-to="$(dirname "$l")" "$S$(readlink "$l")")" "$l"
  done
  cat > "$D/bin/java" << WRAP
#!/bin/sh
exec qemu-aarch64-static -cpu "\${QEMU_CPU:-neoverse-n1}" -L "$S" "$S/usr/lib/jvm/java-17-openjdk-arm64/bin/java" "\$@"
WRAP
  chmod +x "$D/bin/java"
fi
"$JAVA" -version 2>&1 | head -1

# --- classes (host build) and linux-aarch64 dependency jars -------------------------------------
cd "$ROOT"
rm -rf "$ARM/lib"
mvn -B -q -ntp -Plinux-aarch64,!linux-x86_64 -DskipTests -Dspotless.check.skip=true -pl cli -am compile \
  dependency:copy-dependencies -DincludeScope=runtime -DexcludeGroupIds=org.attnzoo \
  -DoutputDirectory="$ARM/lib"
ls "$ARM/lib" | grep -q 'pytorch-native-cpu-.*-linux-aarch64.jar' ||
  { echo "arm64_smoke: no linux-aarch64 PyTorch natives resolved" >&2; exit 1; }
CP="$ROOT/blocks/target/classes:$ROOT/zoo/target/classes:$ROOT/training/target/classes:$ROOT/cli/target/classes:$ARM/lib/*"
BUILT=$(date +%s)

jvm() { # QEMU_CPU MAIN ARGS...
  local cpu="$1"; shift
  QEMU_CPU="$cpu" DJL_OFFLINE=true "$JAVA" -Xmx1g -XX:TieredStopAtLevel=1 \
    -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
    -Dorg.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils=error \
    -Dorg.slf4j.simpleLogger.log.ai.djl.onnxruntime.engine.OrtEngine=error \
    -cp "$CP" "$@"
}
smoke() { # QEMU_CPU EXPECTED_ENGINE
  local t0=$(date +%s)
  jvm "$1" org.attnzoo.cli.PlatformSmoke aarch64 "$2" "$W"
  echo "arm64_smoke: QEMU_CPU=$1 passed in $(($(date +%s) - t0)) s"
}
W="$ARM/work"
rm -rf "$W"
smoke neoverse-n1 PyTorch
smoke cortex-a72 OnnxRuntime
# The user's path on ARMv8.0: `attnzoo run --engine pytorch` switches to ONNX Runtime, no SIGILL.
T0=$(date +%s)
jvm cortex-a72 org.attnzoo.cli.AttnZooCli run --variant vit_micro_patch4_32 --engine pytorch \
  --weights "$W/vit_micro_patch4_32.onnx" --input "$W/input_b2.npy" --output "$W/cli_b2.npy"
[ -s "$W/cli_b2.npy" ] || { echo "arm64_smoke: attnzoo run wrote nothing" >&2; exit 1; }
echo "arm64_smoke: QEMU_CPU=cortex-a72 attnzoo run passed in $(($(date +%s) - T0)) s"
echo "arm64_smoke: OK (setup $((BUILT - START)) s, emulated runs $(($(date +%s) - BUILT)) s)"
