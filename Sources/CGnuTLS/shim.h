/*
 * CGnuTLS shim: the GnuTLS x509 entry points the HTTPServer target uses to mint a throwaway CA and serving
 * certificate (`--tls-self-signed`). libmicrohttpd itself links GnuTLS for HTTPS; this module is only for
 * certificate generation. Macros and the `gnutls_free` function-pointer variable get fixed-signature wrappers
 * here because Swift cannot import them usefully. Only the HTTPServer target imports this module.
 */
#ifndef SERVICEPLANE_CGNUTLS_SHIM_H
#define SERVICEPLANE_CGNUTLS_SHIM_H

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

/* The `bits` argument of gnutls_x509_privkey_generate that selects the NIST P-256 curve. */
static inline unsigned int sp_gnutls_bits_p256(void) {
    return GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1);
}

/* Frees the data of a datum GnuTLS allocated (e.g. by an *_export2 call) and empties the datum. */
static inline void sp_gnutls_free_datum(gnutls_datum_t *datum) {
    gnutls_free(datum->data);
    datum->data = NULL;
    datum->size = 0;
}

#endif /* SERVICEPLANE_CGNUTLS_SHIM_H */
