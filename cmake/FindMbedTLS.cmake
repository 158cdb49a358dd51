# FindMbedTLS: Debian 12 ships mbedTLS 2.28 without a CMake package or a
# pkg-config file, so find the headers and libraries ourselves.
#
# Sets MbedTLS_FOUND, MbedTLS_VERSION and creates the IMPORTED targets
# MbedTLS::mbedcrypto, MbedTLS::mbedx509 (links mbedcrypto) and
# MbedTLS::mbedtls (links mbedx509).  To use an mbedTLS installed
# somewhere else (for example 3.6 under /tmp), give its prefix as
# -DMbedTLS_ROOT=..., in CMAKE_PREFIX_PATH or as -DMBEDTLS_ROOT_DIR=...;
# each is searched before the system directories.  The version is a
# minimum: find_package(MbedTLS 2.28) accepts 2.28 and 3.x.
#
# -DMBEDTLS_USE_STATIC_LIBS=ON (in a fresh build folder) links the static
# archives instead, and keeps their symbols out of the programs' dynamic
# symbol tables.  That is what lets a test binary use a private mbedTLS
# 3.6 while Debian's Criterion loads libgit2 and with it the system's
# mbedTLS 2.28: with shared 3.6 libraries, libgit2's calls bind to 3.6
# and crash in criterion_initialize.

if(MBEDTLS_USE_STATIC_LIBS)
	set(_mbedtls_suffixes ${CMAKE_FIND_LIBRARY_SUFFIXES})
	set(CMAKE_FIND_LIBRARY_SUFFIXES .a)
endif()
find_path(MBEDTLS_INCLUDE_DIR mbedtls/version.h
	HINTS ${MBEDTLS_ROOT_DIR} PATH_SUFFIXES include)
find_library(MBEDCRYPTO_LIBRARY mbedcrypto
	HINTS ${MBEDTLS_ROOT_DIR} PATH_SUFFIXES lib library)
find_library(MBEDX509_LIBRARY mbedx509
	HINTS ${MBEDTLS_ROOT_DIR} PATH_SUFFIXES lib library)
find_library(MBEDTLS_LIBRARY mbedtls
	HINTS ${MBEDTLS_ROOT_DIR} PATH_SUFFIXES lib library)
if(MBEDTLS_USE_STATIC_LIBS)
	set(CMAKE_FIND_LIBRARY_SUFFIXES ${_mbedtls_suffixes})
	unset(_mbedtls_suffixes)
endif()

# 2.28 defines its version in version.h, 3.x in build_info.h.
set(_mbedtls_verfile "${MBEDTLS_INCLUDE_DIR}/mbedtls/build_info.h")
if(NOT EXISTS "${_mbedtls_verfile}")
	set(_mbedtls_verfile "${MBEDTLS_INCLUDE_DIR}/mbedtls/version.h")
endif()
if(MBEDTLS_INCLUDE_DIR AND EXISTS "${_mbedtls_verfile}")
	file(STRINGS "${_mbedtls_verfile}" _mbedtls_ver
		REGEX "^#define[ \t]+MBEDTLS_VERSION_STRING[ \t]+\"[0-9.]+\"")
	string(REGEX REPLACE ".*\"([0-9.]+)\".*" "\\1" MbedTLS_VERSION
		"${_mbedtls_ver}")
	unset(_mbedtls_ver)
endif()
unset(_mbedtls_verfile)

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(MbedTLS
	REQUIRED_VARS MBEDTLS_INCLUDE_DIR MBEDCRYPTO_LIBRARY MBEDX509_LIBRARY
	    MBEDTLS_LIBRARY
	VERSION_VAR MbedTLS_VERSION)

if(MbedTLS_FOUND AND NOT TARGET MbedTLS::mbedcrypto)
	add_library(MbedTLS::mbedcrypto UNKNOWN IMPORTED)
	set_target_properties(MbedTLS::mbedcrypto PROPERTIES
		IMPORTED_LOCATION "${MBEDCRYPTO_LIBRARY}"
		INTERFACE_INCLUDE_DIRECTORIES "${MBEDTLS_INCLUDE_DIR}")
	add_library(MbedTLS::mbedx509 UNKNOWN IMPORTED)
	set_target_properties(MbedTLS::mbedx509 PROPERTIES
		IMPORTED_LOCATION "${MBEDX509_LIBRARY}"
		INTERFACE_LINK_LIBRARIES MbedTLS::mbedcrypto)
	add_library(MbedTLS::mbedtls UNKNOWN IMPORTED)
	set_target_properties(MbedTLS::mbedtls PROPERTIES
		IMPORTED_LOCATION "${MBEDTLS_LIBRARY}"
		INTERFACE_LINK_LIBRARIES MbedTLS::mbedx509)
	# A static archive's symbols stay private to the program that links
	# it, so that no shared library in the process binds to them.
	foreach(_lib mbedcrypto mbedx509 mbedtls)
		string(TOUPPER "${_lib}" _var)
		get_filename_component(_file "${${_var}_LIBRARY}" NAME)
		if(_file MATCHES "\\.a$")
			set_property(TARGET MbedTLS::${_lib} APPEND PROPERTY
				INTERFACE_LINK_OPTIONS
				"LINKER:--exclude-libs,${_file}")
		endif()
	endforeach()
	unset(_lib)
	unset(_var)
	unset(_file)
endif()
mark_as_advanced(MBEDTLS_INCLUDE_DIR MBEDCRYPTO_LIBRARY MBEDX509_LIBRARY
	MBEDTLS_LIBRARY)
