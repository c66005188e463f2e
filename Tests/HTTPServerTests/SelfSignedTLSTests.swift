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

    @Test func generatedCredentialsValidate() throws {
        try SelfSignedTLS.generate(hosts: ["127.0.0.1"]).serving.validate()
    }

    @Test func mismatchedOrMalformedCredentialsAreRefusedBeforeTheDaemonStarts() throws {
        let first = try SelfSignedTLS.generate(hosts: ["127.0.0.1"]).serving
        let second = try SelfSignedTLS.generate(hosts: ["127.0.0.1"]).serving
        let mismatched = TLSCredentials(
            certificateChainPEM: first.certificateChainPEM, privateKeyPEM: second.privateKeyPEM)
        let garbage = TLSCredentials(certificateChainPEM: "garbage", privateKeyPEM: first.privateKeyPEM)
        for credentials in [mismatched, garbage] {
            #expect(throws: HTTPServerError.self) { try credentials.validate() }
            let server = HTTPServer(configuration: .init(port: 0, tls: credentials), handler: NoHandler())
            do {
                _ = try server.start()
                Issue.record("a server with unusable TLS credentials started")
            } catch {
                #expect((error as? HTTPServerError)?.message.hasPrefix("the TLS certificate and key cannot be used: ") == true)
            }
        }
    }
}

/// A handler that is never called.
private struct NoHandler: HTTPHandler {
    func handle(_ request: HTTPRequest) -> HTTPReply { .buffered(HTTPResponse(status: 500)) }
}
