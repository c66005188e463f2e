#if canImport(Glibc)
import Glibc
#endif

/// Writes a kubeconfig whose current context points kubectl and client libraries at this server.
enum Kubeconfig {
    static func contents(server: String) -> String {
        """
        apiVersion: v1
        kind: Config
        clusters:
        - cluster:
            server: \(server)
          name: serviceplane
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
          user: {}

        """
    }

    /// Writes atomically (temp file + rename) so a reader never sees half a file.
    static func write(server: String, to path: String) throws {
        let temporary = path + ".tmp"
        guard let file = fopen(temporary, "w") else { throw KubeconfigError(path: path, errno: errno) }
        let text = contents(server: server)
        let written = fputs(text, file)
        fclose(file)
        guard written >= 0, rename(temporary, path) == 0 else { throw KubeconfigError(path: path, errno: errno) }
    }
}

/// Writing the kubeconfig failed.
struct KubeconfigError: Error, CustomStringConvertible {
    let path: String
    let errno: Int32
    var description: String { "cannot write kubeconfig to \(path): \(String(cString: strerror(errno)))" }
}
