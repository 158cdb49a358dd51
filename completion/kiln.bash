# bash completion for kiln and kiln-certinfo.
#
# Installed as share/bash-completion/completions/kiln (and a link named
# kiln-certinfo), where bash-completion loads it on first use; or source
# it.  Commands, each command's flags, the values of -format, -role and
# print-defaults, profile names from the -config file, and files or
# folders where a flag or operand takes one.  tests/integration/install.sh
# checks these lists against "kiln COMMAND -h".

_kiln_commands="certinfo check etcd gencert gencrl gencsr genkey json k8s
	print-defaults renew revoke rotate-ca selfsign serve sign verify version"

# _kiln_flags COMMAND: its flags, without the dash.
_kiln_flags() {
	case $1 in
	certinfo) echo cert csr domain key format serial aki db-config ;;
	check) echo within critical ca format exclude ;;
	etcd) echo manifest out force j n q ;;
	gencert) echo initca ca ca-key config profile hostname cn renewca out \
		force loglevel db-config ;;
	gencrl) echo out db-config ;;
	gencsr) echo key cert hostname ;;
	genkey) echo initca config out force ;;
	json) echo bare f stdout force version ;;
	k8s) echo manifest out force j n q sign-csrs ca-dir expiry ;;
	renew) echo ca ca-key config profile expiry rekey key within backup \
		backup-dir follow-links n j ;;
	revoke) echo db-config serial aki reason ;;
	rotate-ca) echo dir ca-name n q j ;;
	selfsign) echo config profile hostname out force ;;
	serve) echo address port ca ca-key config db-config tls-cert tls-key \
		mutual-tls-ca mutual-tls-cn audit threads auth-window max-body \
		max-header max-conns idle-timeout drain-timeout ;;
	sign) echo ca ca-key config profile hostname csr out db-config ;;
	verify) echo ca role host key ;;
	esac
	echo h
}

# _kiln_profiles CONFIG: the profile names of a ca-config.json (no jq at
# completion time): the keys directly inside "profiles" whose value is an
# object, read with awk keeping count of braces, so the objects nested in
# a profile ("ca_constraint", "auth_key") are not offered.
_kiln_profiles() {
	[ -r "$1" ] || return 0
	tr -d '\n' <"$1" 2>/dev/null | awk '{
		p = match($0, /"profiles"[ \t\r]*:[ \t\r]*[{]/)
		if (p == 0)
			exit
		s = substr($0, p + RLENGTH)
		n = length(s)
		d = 1
		key = ""
		pend = ""
		for (i = 1; i <= n && d > 0; i++) {
			c = substr(s, i, 1)
			if (c == "\"") {
				key = ""
				for (j = i + 1; j <= n; j++) {
					c = substr(s, j, 1)
					if (c == "\\") {
						key = key substr(s, j, 2)
						j++
					} else if (c == "\"")
						break
					else
						key = key c
				}
				i = j
			} else if (c == ":")
				pend = d == 1 ? key : ""
			else if (c == "{") {
				if (d == 1 && pend != "")
					print pend
				pend = ""
				d++
			} else if (c == "}")
				d--
			else if (c != " " && c != "\t" && c != "\r")
				pend = ""
		}
	}'
}

# _kiln_complete COMMAND: complete the current word of COMMAND's line.
_kiln_complete() {
	local cmd=$1 cur prev i config=
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	[ "$prev" != = ] || prev=${COMP_WORDS[COMP_CWORD - 2]} # "-flag=value"
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-config | --config)
			# bash splits "-config=FILE" at the "=" (COMP_WORDBREAKS).
			config=${COMP_WORDS[i + 1]}
			[ "$config" != = ] || config=${COMP_WORDS[i + 2]}
			;;
		-config=* | --config=*) config=${COMP_WORDS[i]#*=} ;;
		esac
	done
	config=${config/#\~/$HOME}

	# A flag's value.
	case $prev in
	-format | --format)
		case $cmd in
		check) COMPREPLY=($(compgen -W "table json html kubeadm" -- "$cur")) ;;
		*) COMPREPLY=($(compgen -W "json table text" -- "$cur")) ;;
		esac
		return 0
		;;
	-role | --role)
		COMPREPLY=($(compgen -W "server peer client" -- "$cur"))
		return 0
		;;
	-ca-name | --ca-name)
		COMPREPLY=($(compgen -W "ca front-proxy-ca etcd-ca" -- "$cur"))
		return 0
		;;
	-profile | --profile)
		COMPREPLY=($(compgen -W "$(_kiln_profiles "$config")" -- "$cur"))
		return 0
		;;
	-out | --out)
		if [ "$cmd" = etcd ] || [ "$cmd" = k8s ]; then
			COMPREPLY=($(compgen -d -- "$cur"))
		else
			COMPREPLY=($(compgen -f -- "$cur"))
		fi
		return 0
		;;
	-ca | --ca | -ca-key | --ca-key | -config | --config | -cert | --cert | \
	    -csr | --csr | -key | --key | -manifest | --manifest | -f | --f | \
	    -tls-cert | --tls-cert | -tls-key | --tls-key | -mutual-tls-ca | \
	    --mutual-tls-ca | -audit | --audit)
		COMPREPLY=($(compgen -f -- "$cur"))
		return 0
		;;
	-backup-dir | --backup-dir | -dir | --dir | -sign-csrs | --sign-csrs | \
	    -ca-dir | --ca-dir)
		COMPREPLY=($(compgen -d -- "$cur"))
		return 0
		;;
	-exclude | --exclude)
		return 0 # a glob
		;;
	-hostname | --hostname | -cn | --cn | -domain | --domain | -host | \
	    --host | -within | --within | -critical | --critical | -expiry | \
	    --expiry | -j | --j | -loglevel | --loglevel | -serial | --serial | \
	    -aki | --aki | -reason | --reason | -address | --address | -port | \
	    --port | -mutual-tls-cn | --mutual-tls-cn | -threads | --threads | \
	    -auth-window | --auth-window | -max-body | --max-body | \
	    -max-header | --max-header | -max-conns | --max-conns | \
	    -idle-timeout | --idle-timeout | -drain-timeout | --drain-timeout)
		return 0 # free text
		;;
	esac

	case $cur in
	-*)
		COMPREPLY=($(compgen -W "$(_kiln_flags "$cmd" | sed 's/[^ ]*/-&/g')" \
		    -- "$cur"))
		;;
	*)
		if [ "$cmd" = print-defaults ]; then
			COMPREPLY=($(compgen -W "config csr list" -- "$cur"))
		elif [ "$cmd" = rotate-ca ]; then
			COMPREPLY=($(compgen -W "1 2 3" -- "$cur"))
		elif [ "$cmd" != version ]; then
			COMPREPLY=($(compgen -f -- "$cur"))
		fi
		;;
	esac
}

_kiln() {
	local w
	COMPREPLY=()
	if [ "$COMP_CWORD" -eq 1 ]; then
		w=${COMP_WORDS[1]}
		case $w in
		-*) COMPREPLY=($(compgen -W "-h" -- "$w")) ;;
		*) COMPREPLY=($(compgen -W "$_kiln_commands" -- "$w")) ;;
		esac
		return 0
	fi
	# Shift the command name off: "kiln gencert -ca" is gencert's "-ca".
	local COMP_WORDS=("${COMP_WORDS[@]:1}") COMP_CWORD=$((COMP_CWORD - 1))
	_kiln_complete "${COMP_WORDS[0]}"
}

_kiln_certinfo() {
	COMPREPLY=()
	_kiln_complete certinfo
}

complete -o filenames -F _kiln kiln
complete -o filenames -F _kiln_certinfo kiln-certinfo
