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

find_path(MBEDTLS_INCLUDE_DIR mbedtls/version.h
	HINTS ${MBEDTLS_ROOT_DIR} PATH_SUFFIXES include)
find_library(MBEDCRYPTO_LIBRARY mbedcrypto
	HINTS ${MBEDTLS_ROOT_DIR} PATH_SUFFIXES lib library)
find_library(MBEDX509_LIBRARY mbedx509
	HINTS ${MBEDTLS_ROOT_DIR} PATH_SUFFIXES lib library)
find_library(MBEDTLS_LIBRARY mbedtls
	HINTS ${MBEDTLS_ROOT_DIR} PATH_SUFFIXES lib library)

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
endif()
mark_as_advanced(MBEDTLS_INCLUDE_DIR MBEDCRYPTO_LIBRARY MBEDX509_LIBRARY
	MBEDTLS_LIBRARY)
