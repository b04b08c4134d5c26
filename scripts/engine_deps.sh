#!/usr/bin/env bash
# System packages the Spark and Postgres builds need, installed from Debian where
# missing: a Java 17+ runtime for pyspark (openjdk-17-jre-headless) and the PostgreSQL
# server binaries (postgresql; the tests run a throwaway server of their own, see
# python/k12ews/engines/postgres_server.py). Needs root (CI runs as root) or sudo.
set -euo pipefail

need=()
java_ok() {
    local java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
    command -v "$java" >/dev/null 2>&1 || java=$(ls /usr/lib/jvm/*/bin/java 2>/dev/null | head -n1)
    [ -n "$java" ] || return 1
    local major
    major=$("$java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1)
    [ -n "$major" ] && [ "$major" -ge 17 ]
}
java_ok || need+=(openjdk-17-jre-headless)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 \
    || need+=(postgresql)

if [ ${#need[@]} -eq 0 ]; then
    echo "engine dependencies present (Java 17+, PostgreSQL server)"
    exit 0
fi
echo "installing ${need[*]} (apt-get)"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
# Debian's postgresql package creates and starts a default cluster; the tests use
# their own throwaway server, so stop the package's one if it was just installed.
if [[ " ${need[*]} " == *" postgresql "* ]] && command -v pg_lsclusters >/dev/null 2>&1; then
    pg_lsclusters -h 2>/dev/null | while read -r version name _; do
        $sudo pg_ctlcluster "$version" "$name" stop 2>/dev/null || true
    done
fi
