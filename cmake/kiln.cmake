# The one definition of libkiln and of the front ends' shared code, and
# the check that every source file is listed in cmake/sources.cmake.

# kiln_add_library(NAME [CLI CLI_NAME] [COMPILE flags...] [LINK flags...])
#
# libkiln from KILN_SOURCES as the static library NAME and, with CLI, the
# front ends' shared code (KILN_SOURCES_CLI) as CLI_NAME linked to it.
# COMPILE flags go on their sources and on everything that links them
# (sanitizers, coverage), LINK flags on every program that links them.
# The plain build (kiln, kiln_cli_common), the ASan copy of
# kiln-certinfo in tests/ and the fuzz build in tests/fuzz all come from
# here, so a source, a definition or a dependency is set once.
# mbedTLS and Threads are PUBLIC (kiln's public headers include mbedTLS);
# cJSON is PRIVATE: no header of include/kiln uses it, and what includes
# src/core/json.h (the unit tests) links it itself.  libyaml is PRIVATE
# too: only src/inspect/kubeconfig.c includes yaml.h.  So is SQLite: only
# src/certdb/ includes its header.  libpq is not linked at all.
function(kiln_add_library name)
	cmake_parse_arguments(PARSE_ARGV 1 arg "" "CLI" "COMPILE;LINK")
	# The lists are relative to the top: callable from any folder.
	list(TRANSFORM KILN_SOURCES PREPEND ${PROJECT_SOURCE_DIR}/)
	list(TRANSFORM KILN_SOURCES_CLI PREPEND ${PROJECT_SOURCE_DIR}/)
	add_library(${name} STATIC ${KILN_SOURCES})
	target_include_directories(${name}
		PUBLIC ${PROJECT_SOURCE_DIR}/include
		PRIVATE ${PROJECT_SOURCE_DIR}/src)
	target_compile_definitions(${name}
		PRIVATE KILN_VERSION="${PROJECT_VERSION}")
	target_compile_options(${name} PUBLIC ${arg_COMPILE})
	target_link_options(${name} INTERFACE ${arg_LINK})
	# Threads: src/x509/rsagen.c builds its prime table once (pthread_once)
	# and searches for the two primes of an RSA key at the same time.
	target_link_libraries(${name}
		PUBLIC MbedTLS::mbedtls MbedTLS::mbedx509 Threads::Threads
		PRIVATE cjson PkgConfig::YAML kiln_flags m
		PkgConfig::SQLITE3 ${CMAKE_DL_LIBS})
	# libpq: its headers only; src/certdb/pqlib.c opens the library
	# when a PostgreSQL database is first used, so nothing else maps it.
	target_include_directories(${name} PRIVATE ${PQ_INCLUDE_DIRS})
	# libmicrohttpd and GnuTLS: only src/serve/http*.c include them,
	# and nothing links them: src/serve/httplib.c opens libmicrohttpd
	# (and GnuTLS with it) when a server starts (src/core/dynlib.h).
	target_include_directories(${name} PRIVATE
		${MHD_INCLUDE_DIRS} ${GNUTLS_INCLUDE_DIRS})
	target_compile_options(${name} PRIVATE
		${MHD_CFLAGS_OTHER} ${GNUTLS_CFLAGS_OTHER})
	if(arg_CLI)
		add_library(${arg_CLI} STATIC ${KILN_SOURCES_CLI})
		# src: cmd_serve.c runs serve/api.h's API on serve/http.h.
		target_include_directories(${arg_CLI}
			PUBLIC ${PROJECT_SOURCE_DIR}/src/cli
			PRIVATE ${PROJECT_SOURCE_DIR}/src)
		target_compile_definitions(${arg_CLI}
			PRIVATE KILN_VERSION="${PROJECT_VERSION}")
		target_link_libraries(${arg_CLI}
			PUBLIC ${name} PRIVATE kiln_flags)
	endif()
endfunction()

# Stop if a .c file under src/ or tests/unit/ is in no list of
# cmake/sources.cmake: the build would leave it out without a word.
function(kiln_check_sources)
	file(GLOB_RECURSE found RELATIVE ${PROJECT_SOURCE_DIR}
		CONFIGURE_DEPENDS
		${PROJECT_SOURCE_DIR}/src/*.c
		${PROJECT_SOURCE_DIR}/tests/unit/*.c)
	set(listed ${KILN_SOURCES} ${KILN_SOURCES_CLI} ${KILN_SOURCES_MAIN}
		${KILN_SOURCES_CERTINFO_MAIN} ${KILN_SOURCES_UNIT})
	set(missing)
	foreach(f IN LISTS found)
		if(NOT f IN_LIST listed)
			list(APPEND missing ${f})
		endif()
	endforeach()
	if(missing)
		list(JOIN missing ", " missing)
		message(FATAL_ERROR "${missing}: not in cmake/sources.cmake; "
			"add each to the list of its layer")
	endif()
endfunction()
