import APIServer
import ArgumentParser
import Foundation
import HTTPServer
import Logging

/// What `serve`'s security flags turn into: the token authenticator, the TLS credentials (from files or
/// generated), the audit log, and what the written kubeconfig needs to get in (CA certificate, token).
struct ServeSecurity {
    var authenticator: TokenAuthenticator?
    var tls: TLSCredentials?
    /// The PEM certificates the kubeconfig trusts: the generated CA, or the contents of `--tls-cert-file`.
    var certificateAuthorityPEM: String?
    /// The token the kubeconfig authenticates with: the first token in the file whose user is not read-only,
    /// else the first token; without `--token-auth-file`, a placeholder over HTTPS and none over HTTP.
    var kubeconfigToken: String?
    var auditLog: AuditLog?

    /// Reads and checks every file the flags name; a bad file stops startup with a ValidationError.
    init(_ serve: Serve, logger: Logger) throws {
        if let path = serve.tokenAuthFile {
            let text = try Self.read(path, what: "--token-auth-file")
            let tokens: StaticTokenFile
            do {
                tokens = try StaticTokenFile(parsing: text, path: path)
            } catch {
                throw ValidationError(error.description)
            }
            for warning in tokens.warnings { logger.warning("\(warning)") }
            authenticator = TokenAuthenticator(tokenFile: tokens, anonymousHealth: serve.anonymousHealth)
            let writer = tokens.entries.first { !ReadOnlyAuthorization.isReadOnly($0.user) } ?? tokens.entries.first
            kubeconfigToken = writer?.token
            logger.info("token authentication on", metadata: ["tokens": "\(tokens.entries.count)",
                                                              "kubeconfigUser": "\(writer?.user.name ?? "")"])
        }
        if let certificateFile = serve.tlsCertFile, let keyFile = serve.tlsPrivateKeyFile {
            let chain = try Self.read(certificateFile, what: "--tls-cert-file")
            let credentials = TLSCredentials(certificateChainPEM: chain,
                                             privateKeyPEM: try Self.read(keyFile, what: "--tls-private-key-file"))
            // Checked here, before the store opens, so a mismatched pair stops startup without touching the database
            // (the daemon checks again when it starts, for other callers of HTTPServer).
            do {
                try credentials.validate()
            } catch {
                throw ValidationError(error.description)
            }
            tls = credentials
            certificateAuthorityPEM = chain
        } else if serve.tlsSelfSigned {
            let started = ContinuousClock.now
            let generated = try SelfSignedTLS.generate(hosts: ["127.0.0.1", "localhost", "::1", serve.bindAddress])
            logger.info("generated a self-signed CA and serving certificate",
                        metadata: ["duration": "\(ContinuousClock.now - started)"])
            tls = generated.serving
            certificateAuthorityPEM = generated.certificateAuthorityPEM
        }
        if tls != nil, kubeconfigToken == nil {
            // kubectl asks for a username on an HTTPS server when the kubeconfig user has no credentials
            // (clientcmd's `canIdentifyUser`); the server ignores this token, as it ignores any without
            // --token-auth-file.
            kubeconfigToken = Self.placeholderToken
        }
        if let path = serve.auditLog {
            do {
                auditLog = try AuditLog(path: path, logger: logger)
            } catch {
                throw ValidationError(error.description)
            }
        }
    }

    /// The kubeconfig token over HTTPS without `--token-auth-file`.
    static let placeholderToken = "serviceplane-unauthenticated"

    /// The whole text of `path`, or a ValidationError naming the flag.
    private static func read(_ path: String, what flag: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("\(flag): cannot read \(path)")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
