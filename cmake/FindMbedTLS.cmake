# FindMbedTLS: Debian 12 ships mbedTLS 2.28 without a CMake package or a
# pkg-config file, so find the headers and libraries ourselves.
#
# Sets MbedTLS_FOUND, MbedTLS_VERSION and creates the IMPORTED targets
# MbedTLS::mbedcrypto, MbedTLS::mbedx509 (links mbedcrypto) and
# MbedTLS::mbedtls (links mbedx509).  Set MBEDTLS_ROOT_DIR to use a build
# somewhere else (for example an mbedTLS 3.6 tree under /tmp).

find_path(MBEDTLS_INCLUDE_DIR mbedtls/version.h
	HINTS ${MBEDTLS_ROOT_DIR} PATH_SUFFIXES include)
find_library(MBEDCRYPTO_LIBRARY mbedcrypto
	HINTS ${MBEDTLS_ROOT_DIR} PATH_SUFFIXES lib library)
find_library(MBEDX509_LIBRARY mbedx509
	HINTS ${MBEDTLS_ROOT_DIR} PATH_SUFFIXES lib library)
find_library(MBEDTLS_LIBRARY mbedtls
	HINTS ${MBEDTLS_ROOT_DIR} PATH_SUFFIXES lib library)

if(MBEDTLS_INCLUDE_DIR AND EXISTS "${MBEDTLS_INCLUDE_DIR}/mbedtls/version.h")
	file(STRINGS "${MBEDTLS_INCLUDE_DIR}/mbedtls/version.h" _mbedtls_ver
		REGEX "^#define[ \t]+MBEDTLS_VERSION_STRING[ \t]+\"[0-9.]+\"")
	string(REGEX REPLACE ".*\"([0-9.]+)\".*" "\\1" MbedTLS_VERSION
		"${_mbedtls_ver}")
	unset(_mbedtls_ver)
endif()

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
