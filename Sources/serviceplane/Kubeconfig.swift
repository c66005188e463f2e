import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Writes a kubeconfig whose current context points kubectl and client libraries at this server.
enum Kubeconfig {
    /// The kubeconfig text; `certificateAuthorityPEM` becomes `certificate-authority-data` (HTTPS) and `token`
    /// the user's bearer token (`--token-auth-file`).
    static func contents(server: String, certificateAuthorityPEM: String? = nil, token: String? = nil) -> String {
        var cluster = "    server: \(server)\n"
        if let certificateAuthorityPEM {
            cluster += "    certificate-authority-data: \(Data(certificateAuthorityPEM.utf8).base64EncodedString())\n"
        }
        // A JSON string is a valid YAML double-quoted scalar, so any token text survives.
        let user = token.map { "\n    token: \(jsonQuoted($0))\n" } ?? " {}\n"
        return """
        apiVersion: v1
        kind: Config
        clusters:
        - cluster:
        \(cluster)  name: serviceplane
        contexts:
        - context:
            cluster: serviceplane
            namespace: default
            user: serviceplane
          name: serviceplane
        current-context: serviceplane
        preferences: {}
        users:
        - name: serviceplane
          user:\(user)
        """
    }

    /// Writes atomically (temp file + rename) so a reader never sees half a file; mode 0600 because it may hold
    /// a token.
    static func write(server: String, certificateAuthorityPEM: String? = nil, token: String? = nil,
                      to path: String) throws {
        let temporary = path + ".tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard descriptor >= 0, let file = fdopen(descriptor, "w") else {
            throw KubeconfigError(path: path, errno: errno)
        }
        let text = contents(server: server, certificateAuthorityPEM: certificateAuthorityPEM, token: token)
        let written = fputs(text, file)
        fclose(file)
        guard written >= 0, rename(temporary, path) == 0 else { throw KubeconfigError(path: path, errno: errno) }
    }

    private static func jsonQuoted(_ text: String) -> String {
        let data = try? JSONSerialization.data(withJSONObject: [text], options: [.withoutEscapingSlashes])
        return data.map { String(decoding: $0.dropFirst().dropLast(), as: UTF8.self) } ?? "\"\""
    }
}

/// Writing the kubeconfig failed.
struct KubeconfigError: Error, CustomStringConvertible {
    let path: String
    let errno: Int32
    var description: String { "cannot write kubeconfig to \(path): \(String(cString: strerror(errno)))" }
}
