import Testing

@testable import HTTPServer

/// `--tls-self-signed`: a CA and a serving certificate minted with GnuTLS.
@Suite struct SelfSignedTLSTests {
    @Test func generatesPEMCertificatesAndKeyQuickly() throws {
        let clock = ContinuousClock()
        var generated: SelfSignedTLS?
        let elapsed = try clock.measure { generated = try SelfSignedTLS.generate(hosts: ["127.0.0.1", "localhost", "::1"]) }
        let tls = try #require(generated)
        #expect(tls.certificateAuthorityPEM.hasPrefix("-----BEGIN CERTIFICATE-----"))
        #expect(tls.serving.certificateChainPEM.hasPrefix("-----BEGIN CERTIFICATE-----"))
        #expect(tls.serving.privateKeyPEM.contains("PRIVATE KEY-----"))
        #expect(tls.certificateAuthorityPEM != tls.serving.certificateChainPEM)
        #expect(elapsed < .seconds(1))
    }

    @Test func everyRunMintsANewAuthority() throws {
        let first = try SelfSignedTLS.generate(hosts: ["localhost"])
        let second = try SelfSignedTLS.generate(hosts: ["localhost"])
        #expect(first.certificateAuthorityPEM != second.certificateAuthorityPEM)
    }
}
