import CGnuTLS

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A throwaway certificate authority and a serving certificate it signed, minted in-process at startup
/// (`serve --tls-self-signed`) so a local server speaks HTTPS without anyone running openssl first.
///
/// Both keys are ECDSA P-256: generating one takes well under a millisecond, where a 2048-bit RSA key can take
/// a noticeable fraction of a second on a loaded machine. The CA certificate is what clients trust
/// (`certificate-authority-data` in the written kubeconfig); its private key is dropped once the serving
/// certificate is signed, so nothing else can ever be signed with it.
public struct SelfSignedTLS: Sendable {
    /// The CA certificate (PEM) clients should trust.
    public let certificateAuthorityPEM: String
    /// The serving certificate (PEM, issued by the CA) and its private key.
    public let serving: TLSCredentials

    /// Generates a CA and a serving certificate valid for `hosts` (IP literals become IP SANs, anything else a DNS
    /// SAN), both valid from a minute ago (tolerating small clock skew) for `validDays` days.
    public static func generate(hosts: [String], validDays: Int = 365) throws(HTTPServerError) -> SelfSignedTLS {
        let now = time(nil)
        let validity = (notBefore: now - 60, notAfter: now + time_t(validDays) * 86_400)
        let caKey = try PrivateKey()
        let ca = try Certificate()
        try ca.describe(commonName: "serviceplane-ca@\(now)", key: caKey, validity: validity)
        try check(gnutls_x509_crt_set_basic_constraints(ca.handle, 1, -1), "set CA basic constraints")
        try check(
            gnutls_x509_crt_set_key_usage(
                ca.handle, UInt32(GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN | GNUTLS_KEY_DIGITAL_SIGNATURE)),
            "set CA key usage")
        try ca.sign(issuer: ca, issuerKey: caKey)

        let servingKey = try PrivateKey()
        let leaf = try Certificate()
        try leaf.describe(commonName: "serviceplane", key: servingKey, validity: validity)
        try check(gnutls_x509_crt_set_basic_constraints(leaf.handle, 0, -1), "set basic constraints")
        try check(
            gnutls_x509_crt_set_key_usage(leaf.handle, UInt32(GNUTLS_KEY_DIGITAL_SIGNATURE)), "set key usage")
        try check(gnutls_x509_crt_set_key_purpose_oid(leaf.handle, GNUTLS_KP_TLS_WWW_SERVER, 0), "set key purpose")
        var seen = Set<String>()
        for host in hosts where !host.isEmpty && seen.insert(host).inserted {
            try leaf.addSubjectAlternativeName(host)
        }
        let caKeyID = try caKey.keyID()
        try check(gnutls_x509_crt_set_authority_key_id(leaf.handle, caKeyID, caKeyID.count), "set authority key id")
        try leaf.sign(issuer: ca, issuerKey: caKey)
        return SelfSignedTLS(
            certificateAuthorityPEM: try ca.pem(),
            serving: TLSCredentials(certificateChainPEM: try leaf.pem(), privateKeyPEM: try servingKey.pem()))
    }

    /// Throws unless `result` is GNUTLS_E_SUCCESS.
    fileprivate static func check(_ result: Int32, _ what: String) throws(HTTPServerError) {
        guard result >= 0 else {
            let reason = String(cString: gnutls_strerror(result))
            throw HTTPServerError("TLS certificate generation failed to \(what): \(reason)")
        }
    }

    /// PEM text from a GnuTLS export call that allocates its output.
    fileprivate static func exportPEM(
        _ what: String, _ export: (UnsafeMutablePointer<gnutls_datum_t>) -> Int32
    ) throws(HTTPServerError) -> String {
        var datum = gnutls_datum_t()
        try check(export(&datum), "export \(what)")
        defer { sp_gnutls_free_datum(&datum) }
        return String(decoding: UnsafeBufferPointer(start: datum.data, count: Int(datum.size)), as: UTF8.self)
    }
}

/// An ECDSA P-256 private key owned by GnuTLS; freed on deinit. Not thread-safe (used by one thread at startup).
private final class PrivateKey {
    let handle: gnutls_x509_privkey_t

    init() throws(HTTPServerError) {
        var key: gnutls_x509_privkey_t?
        try SelfSignedTLS.check(gnutls_x509_privkey_init(&key), "allocate a private key")
        handle = key!
        try SelfSignedTLS.check(
            gnutls_x509_privkey_generate(handle, GNUTLS_PK_ECDSA, sp_gnutls_bits_p256(), 0), "generate a P-256 key")
    }

    deinit { gnutls_x509_privkey_deinit(handle) }

    /// The key's SHA-1 key identifier (RFC 5280 method 1), used for subject and authority key IDs.
    func keyID() throws(HTTPServerError) -> [UInt8] {
        var id = [UInt8](repeating: 0, count: 64)
        var size = id.count
        try SelfSignedTLS.check(gnutls_x509_privkey_get_key_id(handle, 0, &id, &size), "compute a key id")
        return Array(id[..<size])
    }

    func pem() throws(HTTPServerError) -> String {
        try SelfSignedTLS.exportPEM("the private key") { gnutls_x509_privkey_export2(handle, GNUTLS_X509_FMT_PEM, $0) }
    }
}

/// An X.509 certificate being built; freed on deinit. Not thread-safe (used by one thread at startup).
private final class Certificate {
    let handle: gnutls_x509_crt_t

    init() throws(HTTPServerError) {
        var certificate: gnutls_x509_crt_t?
        try SelfSignedTLS.check(gnutls_x509_crt_init(&certificate), "allocate a certificate")
        handle = certificate!
    }

    deinit { gnutls_x509_crt_deinit(handle) }

    /// Version 3, a random positive 128-bit serial, subject CN, validity, public key and subject key id.
    func describe(commonName: String, key: PrivateKey, validity: (notBefore: time_t, notAfter: time_t))
        throws(HTTPServerError)
    {
        try SelfSignedTLS.check(gnutls_x509_crt_set_version(handle, 3), "set the version")
        var serial = (0..<16).map { _ in UInt8.random(in: 0...255) }
        serial[0] &= 0x7F  // DER INTEGER serials must be positive
        serial[0] |= 0x01  // and not start with a zero byte that DER would strip
        try SelfSignedTLS.check(gnutls_x509_crt_set_serial(handle, serial, serial.count), "set the serial")
        try SelfSignedTLS.check(gnutls_x509_crt_set_activation_time(handle, validity.notBefore), "set notBefore")
        try SelfSignedTLS.check(gnutls_x509_crt_set_expiration_time(handle, validity.notAfter), "set notAfter")
        let name = Array(commonName.utf8)
        try SelfSignedTLS.check(
            gnutls_x509_crt_set_dn_by_oid(handle, GNUTLS_OID_X520_COMMON_NAME, 0, name, UInt32(name.count)),
            "set the common name")
        try SelfSignedTLS.check(gnutls_x509_crt_set_key(handle, key.handle), "set the public key")
        let id = try key.keyID()
        try SelfSignedTLS.check(gnutls_x509_crt_set_subject_key_id(handle, id, id.count), "set the subject key id")
    }

    /// Adds `host` as an IP address SAN when it is an IPv4/IPv6 literal, else as a DNS name SAN.
    func addSubjectAlternativeName(_ host: String) throws(HTTPServerError) {
        var v4 = in_addr()
        var v6 = in6_addr()
        let result: Int32
        if inet_pton(AF_INET, host, &v4) == 1 {
            result = withUnsafeBytes(of: &v4) { bytes in
                gnutls_x509_crt_set_subject_alt_name(
                    handle, GNUTLS_SAN_IPADDRESS, bytes.baseAddress, UInt32(bytes.count), UInt32(GNUTLS_FSAN_APPEND))
            }
        } else if inet_pton(AF_INET6, host, &v6) == 1 {
            result = withUnsafeBytes(of: &v6) { bytes in
                gnutls_x509_crt_set_subject_alt_name(
                    handle, GNUTLS_SAN_IPADDRESS, bytes.baseAddress, UInt32(bytes.count), UInt32(GNUTLS_FSAN_APPEND))
            }
        } else {
            let name = Array(host.utf8)
            result = gnutls_x509_crt_set_subject_alt_name(
                handle, GNUTLS_SAN_DNSNAME, name, UInt32(name.count), UInt32(GNUTLS_FSAN_APPEND))
        }
        try SelfSignedTLS.check(result, "add the subject alternative name \(host)")
    }

    func sign(issuer: Certificate, issuerKey: PrivateKey) throws(HTTPServerError) {
        try SelfSignedTLS.check(
            gnutls_x509_crt_sign2(handle, issuer.handle, issuerKey.handle, GNUTLS_DIG_SHA256, 0), "sign")
    }

    func pem() throws(HTTPServerError) -> String {
        try SelfSignedTLS.exportPEM("a certificate") { gnutls_x509_crt_export2(handle, GNUTLS_X509_FMT_PEM, $0) }
    }
}
