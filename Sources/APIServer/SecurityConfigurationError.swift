/// A security flag's file (`--token-auth-file`, `--audit-log`) could not be read, parsed or opened; the server
/// refuses to start with this message.
public struct SecurityConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
