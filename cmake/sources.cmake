# Every source file of kiln, listed once, by the layer it belongs to
# (ARCHITECTURE.md), which is also its folder under src/ (and its unit
# test's under tests/unit/).  One file a line.  A .c file under src/ or
# tests/unit/ that is in no list stops cmake (see
# kiln_check_sources in cmake/kiln.cmake), so a new module cannot be left
# out of the build by mistake.

# core: errors, buffers, files, randomness, time, JSON.
set(KILN_SOURCES_CORE
	src/core/buf.c
	src/core/civil.c
	src/core/duration.c
	src/core/dynlib.c
	src/core/ecwarm.c
	src/core/err.c
	src/core/esc.c
	src/core/file.c
	src/core/json.c
	src/core/rng.c
	src/core/strs.c
)
# asn1: DER and PEM, read and written.
set(KILN_SOURCES_ASN1
	src/asn1/der.c
	src/asn1/derread.c
	src/asn1/dersign.c
	src/asn1/pem.c
	src/asn1/x509.c
)
# x509: keys, names, extensions, certificates, CSRs and CRLs.
set(KILN_SOURCES_X509
	src/x509/cert.c
	src/x509/crl.c
	src/x509/csr.c
	src/x509/key.c
	src/x509/millerrabin.c
	src/x509/name.c
	src/x509/rsagen.c
	src/x509/san.c
	src/x509/sieve.c
	src/x509/x509ext.c
)
# cfssl: cfssl's JSON (ca-config.json, CSR requests, cfssljson).
set(KILN_SOURCES_CFSSL
	src/cfssl/cfssljson.c
	src/cfssl/config.c
	src/cfssl/gen.c
	src/cfssl/profile.c
	src/cfssl/request.c
	src/cfssl/whitelist.c
)
# pki: issuing, signing and renewing.
set(KILN_SOURCES_PKI
	src/pki/issue.c
	src/pki/leafpool.c
	src/pki/manifestjson.c
	src/pki/pool.c
	src/pki/renew.c
	src/pki/renewcommit.c
	src/pki/renewkc.c
	src/pki/renewkey.c
	src/pki/renewops.c
	src/pki/renewtree.c
	src/pki/renewplan.c
	src/pki/rotate.c
	src/pki/rotateplan.c
	src/pki/rotateconf.c
	src/pki/sign.c
	src/pki/signsubject.c
	src/pki/signer.c
	src/pki/tree.c
	src/pki/treeca.c
	src/pki/treewrite.c
)
# inspect: decoding, checking and verifying what exists.
set(KILN_SOURCES_INSPECT
	src/inspect/check.c
	src/inspect/checkchain.c
	src/inspect/checkkc.c
	src/inspect/decode_cert.c
	src/inspect/decode_csr.c
	src/inspect/decode_key.c
	src/inspect/inspect.c
	src/inspect/kubeconfig.c
	src/inspect/kubeconfigedit.c
	src/inspect/kubeconfigyaml.c
	src/inspect/tls.c
	src/inspect/tlsrecord.c
	src/inspect/verify.c
	src/inspect/walk.c
)
# report: output formats (JSON, tables, text, HTML).
set(KILN_SOURCES_REPORT
	src/report/certjson.c
	src/report/certtable.c
	src/report/certtext.c
	src/report/checkhtml.c
	src/report/checkjson.c
	src/report/checkkubeadm.c
	src/report/checksvg.c
	src/report/checktable.c
	src/report/format.c
	src/report/render.c
)
# etcd: the manifest and the cluster it describes.
set(KILN_SOURCES_ETCD
	src/etcd/etcd.c
	src/etcd/etcdca.c
	src/etcd/etcdplan.c
	src/etcd/etcdrender.c
	src/etcd/etcdrotate.c
	src/etcd/manifest.c
	src/etcd/manifestrules.c
)
# k8s: the Kubernetes manifest and the PKI it describes.
set(KILN_SOURCES_K8S
	src/k8s/k8s.c
	src/k8s/k8scerts.c
	src/k8s/k8scsr.c
	src/k8s/k8sconf.c
	src/k8s/k8sleft.c
	src/k8s/k8smanifest.c
	src/k8s/k8splan.c
	src/k8s/k8srotate.c
	src/k8s/k8ssign.c
	src/k8s/k8ssignconf.c
)
# certdb: cfssl's certificate database on SQLite or PostgreSQL.
set(KILN_SOURCES_CERTDB
	src/certdb/certdb.c
	src/certdb/dbconfig.c
	src/certdb/pg.c
	src/certdb/pqlib.c
	src/certdb/row.c
	src/certdb/sqlite.c
	src/certdb/sqlschema.c
	src/certdb/sqlwriter.c
)
# serve: kiln serve's HTTP layer and cfssl's API on it.
set(KILN_SOURCES_SERVE
	src/serve/api.c
	src/serve/apidb.c
	src/serve/apigen.c
	src/serve/apireq.c
	src/serve/apisign.c
	src/serve/audit.c
	src/serve/auth.c
	src/serve/http.c
	src/serve/httplib.c
	src/serve/httpreq.c
	src/serve/httptls.c
	src/serve/metrics.c
	src/serve/reply.c
)
# libkiln: all of the above.
set(KILN_SOURCES
	${KILN_SOURCES_CORE}
	${KILN_SOURCES_ASN1}
	${KILN_SOURCES_X509}
	${KILN_SOURCES_CFSSL}
	${KILN_SOURCES_PKI}
	${KILN_SOURCES_INSPECT}
	${KILN_SOURCES_REPORT}
	${KILN_SOURCES_ETCD}
	${KILN_SOURCES_K8S}
	${KILN_SOURCES_CERTDB}
	${KILN_SOURCES_SERVE}
)

# cli: the front ends' shared code (flag parser, output, the commands);
# the two programs differ only in their main().
set(KILN_SOURCES_CLI
	src/cli/certdb.c
	src/cli/cmd_certinfo.c
	src/cli/cmd_check.c
	src/cli/cmd_etcd.c
	src/cli/cmd_gencert.c
	src/cli/cmd_gencrl.c
	src/cli/cmd_gencsr.c
	src/cli/cmd_genkey.c
	src/cli/cmd_json.c
	src/cli/cmd_k8s.c
	src/cli/cmd_print_defaults.c
	src/cli/cmd_renew.c
	src/cli/cmd_revoke.c
	src/cli/cmd_rotate_ca.c
	src/cli/cmd_selfsign.c
	src/cli/cmd_serve.c
	src/cli/cmd_sign.c
	src/cli/cmd_verify.c
	src/cli/cmd_version.c
	src/cli/flags.c
	src/cli/output.c
	src/cli/treeout.c
)
set(KILN_SOURCES_MAIN src/cli/main.c)
set(KILN_SOURCES_CERTINFO_MAIN src/cli/certinfo_main.c)

# The unit tests: one Criterion suite per module.
set(KILN_SOURCES_UNIT
	tests/unit/asn1/test_der.c
	tests/unit/asn1/test_derread.c
	tests/unit/asn1/test_oid.c
	tests/unit/asn1/test_pem.c
	tests/unit/asn1/test_x509.c
	tests/unit/certdb/test_certdb.c
	tests/unit/cfssl/test_cfssljson.c
	tests/unit/cfssl/test_config.c
	tests/unit/cfssl/test_gen.c
	tests/unit/cfssl/test_request.c
	tests/unit/core/test_civil.c
	tests/unit/core/test_duration.c
	tests/unit/core/test_dynlib.c
	tests/unit/core/test_ecwarm.c
	tests/unit/core/test_err.c
	tests/unit/core/test_errcontract.c
	tests/unit/core/test_errcontract_inspect.c
	tests/unit/core/test_errcontract_pki.c
	tests/unit/core/test_errcontract_x509.c
	tests/unit/core/test_esc.c
	tests/unit/core/test_file.c
	tests/unit/core/test_json.c
	tests/unit/core/test_rng.c
	tests/unit/core/test_strs.c
	tests/unit/etcd/test_etcd.c
	tests/unit/etcd/test_etcdplan.c
	tests/unit/etcd/test_etcdrotate.c
	tests/unit/inspect/test_check.c
	tests/unit/k8s/test_k8smanifest.c
	tests/unit/k8s/test_k8splan.c
	tests/unit/inspect/test_inspect.c
	tests/unit/inspect/test_kubeconfig.c
	tests/unit/inspect/test_kubeconfigedit.c
	tests/unit/inspect/test_tls.c
	tests/unit/inspect/test_verify.c
	tests/unit/pki/test_issue.c
	tests/unit/serve/test_api.c
	tests/unit/pki/test_pool.c
	tests/unit/pki/test_renew.c
	tests/unit/pki/test_renewplan.c
	tests/unit/pki/test_rotate.c
	tests/unit/pki/test_sign.c
	tests/unit/pki/test_signer.c
	tests/unit/pki/test_tree.c
	tests/unit/serve/test_http.c
	tests/unit/x509/test_cert.c
	tests/unit/x509/test_crl.c
	tests/unit/x509/test_key.c
	tests/unit/x509/test_rsagen.c
)
