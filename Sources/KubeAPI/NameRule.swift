/// Which name format a kind requires: the `ValidateNameFunc`s of `k8s.io/apimachinery/pkg/api/validation/generic.go`.
///
/// Services use `NameIsDNS1035Label` (`ValidateServiceName`), Namespaces `NameIsDNSLabel`
/// (`ValidateNamespaceName`), Pods and EndpointSlices `NameIsDNSSubdomain`.
public enum NameRule: Sendable, Equatable {
    /// `NameIsDNS1035Label`: lower-case alphanumerics and `-`, starting with a letter, ≤63.
    case dns1035Label
    /// `NameIsDNSLabel`: lower-case alphanumerics and `-`, ≤63.
    case dns1123Label
    /// `NameIsDNSSubdomain`: dot-separated DNS-1123 labels, ≤253.
    case dns1123Subdomain

    /// The upstream messages for `name` (empty when valid).
    ///
    /// With `prefix` (a `generateName`, which gets 5 random characters appended) a trailing dash is
    /// accepted: upstream `maskTrailingDash` replaces the last *two* bytes of a name ending in `-` with `a`
    /// before checking, so the prefix is judged as if a suffix followed.
    public func validate(_ name: String, prefix: Bool) -> [String] {
        var bytes = Array(name.utf8)[...]
        if prefix { bytes = Self.maskTrailingDash(bytes) }
        switch self {
        case .dns1035Label: return NameValidation.isDNS1035Label(bytes: bytes)
        case .dns1123Label: return NameValidation.isDNS1123Label(bytes: bytes)
        case .dns1123Subdomain: return NameValidation.isDNS1123Subdomain(bytes: bytes)
        }
    }

    /// `maskTrailingDash`: `name[:len(name)-2] + "a"` when longer than one byte and ending in `-`.
    static func maskTrailingDash(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        guard bytes.count > 1, bytes.last == UInt8(ascii: "-") else { return bytes }
        return (Array(bytes.dropLast(2)) + [UInt8(ascii: "a")])[...]
    }
}
