# kubeadm's facts for every certificate of a node, sourced by k8s.sh and
# k8s_sign_csrs.sh: written from kubeadm 1.31's sources (certlist.go,
# pki_helpers.go, kubeconfig.go), not from kiln's own table.  The SANs
# are those of k8s.sh's manifest (cp-1 10.0.0.1, cp-2 10.0.0.2 with
# cp-2.kiln.test, endpoint api.kiln.test:8443, service 10.96.0.0/12,
# domain cluster.test, extra SANs 10.0.0.100 and *.api.kiln.test).
# Needs lib.sh's helpers; leaves facts.txt in the current folder.

# facts CERT: "issuer|subject|keyUsage|extendedKeyUsage|SANs", as openssl
# prints them (RFC 2253 names), on one line.
facts() {
	openssl x509 -in "$1" -noout -issuer -subject -nameopt RFC2253 \
	    -ext keyUsage,extendedKeyUsage,subjectAltName,basicConstraints >facts.txt
	i=$(sed -n 's/^issuer=//p' facts.txt)
	s=$(sed -n 's/^subject=//p' facts.txt)
	ku=$(sed -n '/Key Usage: critical/{n;p}' facts.txt | sed 's/^ *//')
	eku=$(sed -n '/Extended Key Usage/{n;p}' facts.txt | sed 's/^ *//')
	san=$(sed -n '/Subject Alternative Name/{n;p}' facts.txt | sed 's/^ *//')
	bc=$(sed -n '/Basic Constraints/{n;p}' facts.txt | sed 's/^ *//')
	echo "$i|$s|$ku|$eku|$san|$bc"
}
# conf_cert CONF OUT: the client certificate a kubeconfig embeds.
conf_cert() {
	sed -n 's/^    client-certificate-data: //p' "$1" | base64 -d >"$2"
}
S="TLS Web Server Authentication"
C="TLS Web Client Authentication"
LEAF="Digital Signature, Key Encipherment"
CAKU="Digital Signature, Key Encipherment, Certificate Sign"
# The table: kubeadm's facts (the SANs from GetAPIServerAltNames and
# getAltNames: DNS names sorted, then the IPs in kubeadm's order).
api_sans() {	# NODE IP [EXTRA DNS, sorted in]
	case $1 in
	cp-1) d="DNS:*.api.kiln.test, DNS:api.kiln.test, DNS:cp-1" ;;
	cp-2) d="DNS:*.api.kiln.test, DNS:api.kiln.test, DNS:cp-2, DNS:cp-2.kiln.test" ;;
	esac
	echo "$d, DNS:kubernetes, DNS:kubernetes.default, DNS:kubernetes.default.svc, DNS:kubernetes.default.svc.cluster.test, IP Address:10.96.0.1, IP Address:$2, IP Address:10.0.0.100"
}
etcd_sans() {	# NODE IP
	extra=
	[ "$1" != cp-2 ] || extra=", DNS:cp-2.kiln.test"
	echo "DNS:$1$extra, DNS:localhost, IP Address:$2, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1"
}
expected() {	# NODE IP FILE
	n=$1 ip=$2
	case $3 in
	ca.crt) echo "CN=kubernetes|CN=kubernetes|$CAKU|||CA:TRUE" ;;
	front-proxy-ca.crt) echo "CN=front-proxy-ca|CN=front-proxy-ca|$CAKU|||CA:TRUE" ;;
	etcd/ca.crt) echo "CN=etcd-ca|CN=etcd-ca|$CAKU|||CA:TRUE" ;;
	apiserver.crt) echo "CN=kubernetes|CN=kube-apiserver|$LEAF|$S|$(api_sans "$n" "$ip")|CA:FALSE" ;;
	apiserver-kubelet-client.crt) echo "CN=kubernetes|CN=kube-apiserver-kubelet-client,O=kubeadm:cluster-admins|$LEAF|$C||CA:FALSE" ;;
	front-proxy-client.crt) echo "CN=front-proxy-ca|CN=front-proxy-client|$LEAF|$C||CA:FALSE" ;;
	etcd/server.crt | etcd/peer.crt) echo "CN=etcd-ca|CN=$n|$LEAF|$S, $C|$(etcd_sans "$n" "$ip")|CA:FALSE" ;;
	etcd/healthcheck-client.crt) echo "CN=etcd-ca|CN=kube-etcd-healthcheck-client|$LEAF|$C||CA:FALSE" ;;
	apiserver-etcd-client.crt) echo "CN=etcd-ca|CN=kube-apiserver-etcd-client|$LEAF|$C||CA:FALSE" ;;
	kubelet.crt) echo "CN=kubernetes|CN=$n|$LEAF|$S|DNS:$n, IP Address:$ip|CA:FALSE" ;;
	admin.conf) echo "CN=kubernetes|CN=kubernetes-admin,O=kubeadm:cluster-admins|$LEAF|$C||CA:FALSE" ;;
	super-admin.conf) echo "CN=kubernetes|CN=kubernetes-super-admin,O=system:masters|$LEAF|$C||CA:FALSE" ;;
	controller-manager.conf) echo "CN=kubernetes|CN=system:kube-controller-manager|$LEAF|$C||CA:FALSE" ;;
	scheduler.conf) echo "CN=kubernetes|CN=system:kube-scheduler|$LEAF|$C||CA:FALSE" ;;
	kubelet.conf) echo "CN=kubernetes|CN=system:node:$n,O=system:nodes|$LEAF|$C||CA:FALSE" ;;
	esac
}
