#!/usr/bin/env bash
# Makes sure the Debian packages the tests need are present (run by `npm test` before the tests).
# As root it installs what is missing; otherwise it stops with the exact apt-get line to run.
# `ensure-test-packages.sh --for "the bench" wrk=/usr/bin/wrk …` checks that list instead (package=probe file).
set -euo pipefail

who="the tests"
if [ "${1:-}" = "--for" ]; then who="$2"; shift 2; fi

# package -> a file that package installs
declare -A probes=()
if [ $# -gt 0 ]; then
  for pair in "$@"; do probes[${pair%%=*}]=${pair#*=}; done
else probes=(
  [chromium]=/usr/bin/chromium                       # browser tests (playwright-core drives it)
  [fonts-noto-cjk]=/usr/share/fonts/opentype/noto     # Chinese text in screenshots
  [php-cli]=/usr/bin/php                              # phpCAS interop tests
  [php-cas]=/usr/share/php/CAS.php
  [php-curl]=/usr/share/php8.2-curl                   # phpCAS validates tickets over curl
  [php-xml]=/usr/share/php8.2-xml                     # phpCAS parses responses with DOM
  [nginx-light]=/usr/sbin/nginx                       # the load balancer of the cluster tests
  [redis-server]=/usr/bin/redis-server                # the cluster tests' own Redis, stopped and restarted
  [openssl]=/usr/bin/openssl                          # self-signed certificates for HTTPS tests
  [slapd]=/usr/sbin/slapd                             # the LDAP directory's tests run their own OpenLDAP (never the service)
  [ldap-utils]=/usr/bin/ldapsearch                    # (slapadd ships with slapd; ldapsearch to look into a failing test)
)
fi

missing=()
for pkg in "${!probes[@]}"; do
  [ -e "${probes[$pkg]}" ] || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

IFS=$'\n' sorted=($(sort <<<"${missing[*]}")); unset IFS
line="apt-get install -y ${sorted[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "Debian packages for ${who} are missing. Run as root:" >&2
  echo "  apt-get update && $line" >&2
  exit 1
fi
echo "Installing the Debian packages for ${who}: ${sorted[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${sorted[@]}" >/dev/null
echo "Installed: ${sorted[*]}"
