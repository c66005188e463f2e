import CGnuTLS

/// A serving certificate (chain) and its private key, PEM-encoded: what `HTTPServer` needs to speak HTTPS.
///
/// libmicrohttpd hands both to GnuTLS when the daemon starts; any key type GnuTLS reads (RSA, ECDSA, Ed25519)
/// works, unencrypted only.
public struct TLSCredentials: Sendable, Equatable {
    /// The serving certificate first, then any intermediates (PEM `CERTIFICATE` blocks).
    public var certificateChainPEM: String
    /// The private key of the first certificate (PEM, PKCS#1, SEC1 or PKCS#8, unencrypted).
    public var privateKeyPEM: String

    /// Creates credentials from PEM text.
    public init(certificateChainPEM: String, privateKeyPEM: String) {
        self.certificateChainPEM = certificateChainPEM
        self.privateKeyPEM = privateKeyPEM
    }

    /// Checks that GnuTLS can load the pair (PEM syntax, a supported unencrypted key, the key matching the first
    /// certificate), so a bad file is reported in GnuTLS's words rather than as libmicrohttpd's bare
    /// "Failed to initialize TLS support".
    public func validate() throws(HTTPServerError) {
        var credentials: gnutls_certificate_credentials_t?
        guard gnutls_certificate_allocate_credentials(&credentials) >= 0, let credentials else {
            throw HTTPServerError("cannot allocate GnuTLS credentials")
        }
        defer { gnutls_certificate_free_credentials(credentials) }
        var certificate = Array(certificateChainPEM.utf8)
        var key = Array(privateKeyPEM.utf8)
        let result = certificate.withUnsafeMutableBufferPointer { certificateBytes in
            key.withUnsafeMutableBufferPointer { keyBytes in
                var certificateDatum = gnutls_datum_t(
                    data: certificateBytes.baseAddress, size: UInt32(certificateBytes.count))
                var keyDatum = gnutls_datum_t(data: keyBytes.baseAddress, size: UInt32(keyBytes.count))
                return gnutls_certificate_set_x509_key_mem2(
                    credentials, &certificateDatum, &keyDatum, GNUTLS_X509_FMT_PEM, nil, 0)
            }
        }
        guard result >= 0 else {
            let reason = String(cString: gnutls_strerror(result))
            throw HTTPServerError("the TLS certificate and key cannot be used: \(reason)")
        }
    }
}
