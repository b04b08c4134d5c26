#!/usr/bin/env bash
# Headless Chromium and its WebDriver for the browser tests of the HTML report and the
# dbt docs site (python/tests/district/test_report_browser.py), installed from Debian where
# missing: chromium (/usr/bin/chromium) and chromium-driver (/usr/bin/chromedriver).
# The tests drive them with selenium and never download a browser of their own.
# Needs root (CI runs as root) or sudo.
set -euo pipefail

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -x /usr/bin/chromedriver ] || need+=(chromium-driver)

if [ ${#need[@]} -eq 0 ]; then
    echo "browser dependencies present (chromium, chromium-driver)"
    exit 0
fi
echo "installing ${need[*]} (apt-get)"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
