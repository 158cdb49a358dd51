#!/bin/sh
# Install the Debian 12 packages kiln needs to build, test and benchmark,
# only those that are missing.  Runs apt-get as root, through sudo
# otherwise.
set -eu

build="gcc make cmake pkg-config libmbedtls-dev libcjson-dev libcriterion-dev
	dpkg-dev"	# dpkg-shlibdeps: the .deb's Depends (cpack)
# libyaml: the kubeconfig reader (src/inspect/kubeconfig.c).
build="$build libyaml-dev"
# SQLite and libpq: the certificate database (src/certdb/); libpq-dev
# brings libpq5, which kiln opens at run time for PostgreSQL.
build="$build libsqlite3-dev libpq-dev libpq5"
# libmicrohttpd and GnuTLS: kiln serve's HTTP layer (src/serve/http*.c).
build="$build libmicrohttpd-dev libgnutls28-dev"
# chromium and python3: tests/integration/check_html.sh renders kiln
# check's HTML page and reads the screenshot.
# strace: tests/integration/renew_attack.sh delays an fsync to swap a file
# under kiln renew.
test="openssl golang-cfssl etcd-server etcd-client gnutls-bin mandoc jq curl
	clang valgrind chromium python3 strace
	ca-certificates"
# iproute2 (ss): tests/integration/serve_http.sh checks the address
# kiln serve's HTTP layer listens on.
test="$test iproute2"
# kubectl writes the kubeconfigs of tests/integration/kubeconfig*.sh
# (Debian's kubernetes-client, unless a kubectl is there already).
command -v kubectl >/dev/null 2>&1 || test="$test kubernetes-client"
# postgresql: tests/integration/certdb_pg.sh runs a PostgreSQL 15 server;
# sqlite3: the certdb tests read the rows kiln wrote.
test="$test postgresql sqlite3"
# bench/run.sh compares kiln with cfssl (above), openssl and easy-rsa, and
# takes peak RSS from GNU time's %M.
bench="easy-rsa time"
# apache2-utils (ab): scenario 7 of bench/run.sh loads kiln serve and
# cfssl serve with the same ab command line.
bench="$bench apache2-utils"

missing=
for pkg in $build $test $bench; do
	status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
	case $status in
	"install ok installed") ;;
	*) missing="$missing $pkg" ;;
	esac
done
# kubectl: tests/integration/k8s_kubectl.sh runs it with the kubeconfigs
# kiln k8s writes.  Debian's kubernetes-client, unless a kubectl is there
# already (the Kubernetes project's own "kubectl" package has the same
# /usr/bin/kubectl, and the two cannot both be installed).
command -v kubectl >/dev/null 2>&1 || missing="$missing kubernetes-client"
[ -z "$missing" ] && exit 0

echo "setup: installing$missing"
sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086 # one word per package
$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
