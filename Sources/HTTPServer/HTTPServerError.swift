/// An error starting or running an `HTTPServer` (bad bind address, port in use, daemon failed to start).
public struct HTTPServerError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, for logs and operators.
    public let message: String

    /// Creates an error with a message.
    public init(_ message: String) {
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
