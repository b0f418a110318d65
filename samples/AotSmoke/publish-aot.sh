#!/usr/bin/env bash
# Publishes the AOT smoke console and fails on any trim/AOT warning or a wrong run. Needs the NativeAOT prerequisites
# (clang or gcc as the linker, zlib). Usage: samples/AotSmoke/publish-aot.sh [extra dotnet publish arguments]
set -euo pipefail
cd "$(dirname "$0")"
out=$(mktemp -d)
log="$out/publish.log"
dotnet publish -c Release -r linux-x64 -p:PublishAot=true -o "$out/bin" "$@" 2>&1 | tee "$log"
if grep -E "warning (IL|CS)[0-9]+" "$log"; then echo "FAIL: trim/AOT warnings above"; exit 1; fi
"$out/bin/AotSmoke"
