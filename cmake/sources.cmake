# Every source file of kiln, listed once, by the layer it belongs to
# (ARCHITECTURE.md).  One file a line: moving a file into its layer's
# folder (src/buf.c to src/core/buf.c) changes its one line here.  A .c
# file under src/ or tests/unit/ that is in no list stops cmake (see
# kiln_check_sources in cmake/kiln.cmake), so a new module cannot be left
# out of the build by mistake.

# core: errors, buffers, files, randomness, time, JSON, the thread pool.
set(KILN_SOURCES_CORE
	src/buf.c
	src/civil.c
	src/duration.c
	src/err.c
	src/esc.c
	src/file.c
	src/json.c
	src/pool.c
	src/rng.c
	src/strs.c
)
# asn1: DER and PEM, read and written.
set(KILN_SOURCES_ASN1
	src/der.c
	src/derread.c
	src/pem.c
	src/x509.c
)
# x509: keys, names, extensions, certificates, CSRs and CRLs.
set(KILN_SOURCES_X509
	src/cert.c
	src/crl.c
	src/csr.c
	src/key.c
	src/name.c
	src/rsagen.c
	src/san.c
	src/x509ext.c
)
# cfssl: cfssl's JSON (ca-config.json, CSR requests, cfssljson).
set(KILN_SOURCES_CFSSL
	src/cfssljson.c
	src/config.c
	src/gen.c
	src/request.c
)
# pki: issuing, signing and renewing.
set(KILN_SOURCES_PKI
	src/issue.c
	src/renew.c
	src/sign.c
	src/signcsr.c
	src/signer.c
)
# inspect: decoding, checking and verifying what exists.
set(KILN_SOURCES_INSPECT
	src/check.c
	src/inspect.c
	src/tls.c
	src/verify.c
)
# report: output formats (JSON, tables, text, HTML).
set(KILN_SOURCES_REPORT
	src/out.c
	src/render.c
	src/report.c
)
# etcd: the manifest and the cluster it describes.
set(KILN_SOURCES_ETCD
	src/etcd.c
	src/manifest.c
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
)

# cli: the front ends' shared code (flag parser, output, the commands);
# the two programs differ only in their main().
set(KILN_SOURCES_CLI
	src/cli/cmd_certinfo.c
	src/cli/cmd_check.c
	src/cli/cmd_etcd.c
	src/cli/cmd_gencert.c
	src/cli/cmd_gencrl.c
	src/cli/cmd_gencsr.c
	src/cli/cmd_genkey.c
	src/cli/cmd_json.c
	src/cli/cmd_print_defaults.c
	src/cli/cmd_renew.c
	src/cli/cmd_selfsign.c
	src/cli/cmd_sign.c
	src/cli/cmd_verify.c
	src/cli/cmd_version.c
	src/cli/flags.c
	src/cli/output.c
)
set(KILN_SOURCES_MAIN src/cli/main.c)
set(KILN_SOURCES_CERTINFO_MAIN src/cli/certinfo_main.c)

# The unit tests: one Criterion suite per module.
set(KILN_SOURCES_UNIT
	tests/unit/test_cfssljson.c
	tests/unit/test_civil.c
	tests/unit/test_check.c
	tests/unit/test_config.c
	tests/unit/test_crl.c
	tests/unit/test_der.c
	tests/unit/test_derread.c
	tests/unit/test_duration.c
	tests/unit/test_err.c
	tests/unit/test_errcontract.c
	tests/unit/test_esc.c
	tests/unit/test_etcd.c
	tests/unit/test_file.c
	tests/unit/test_gen.c
	tests/unit/test_inspect.c
	tests/unit/test_issue.c
	tests/unit/test_json.c
	tests/unit/test_key.c
	tests/unit/test_pem.c
	tests/unit/test_pool.c
	tests/unit/test_renew.c
	tests/unit/test_request.c
	tests/unit/test_rng.c
	tests/unit/test_rsagen.c
	tests/unit/test_sign.c
	tests/unit/test_signer.c
	tests/unit/test_strs.c
	tests/unit/test_tls.c
	tests/unit/test_verify.c
)
