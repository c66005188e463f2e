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
}
