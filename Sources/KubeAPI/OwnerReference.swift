/// One `metav1.OwnerReference` (`k8s.io/apimachinery/pkg/apis/meta/v1/types.go`) as read from JSON, for
/// validation messages.
struct OwnerReference {
    var apiVersion: String
    var kind: String
    var name: String
    var uid: String
    var controller: Bool?
    var blockOwnerDeletion: Bool?

    /// `schema.ParseGroupVersion` as `FromAPIVersionAndKind` uses it: `v1` → ("", "v1"), `apps/v1` → ("apps", "v1"),
    /// `""` or `/` → ("", ""), and more than one `/` is unparsable, which also leaves both empty.
    var groupVersion: (String, String) {
        if apiVersion.isEmpty || apiVersion == "/" { return ("", "") }
        let parts = apiVersion.split(separator: "/", omittingEmptySubsequences: false)
        switch parts.count {
        case 1: return ("", apiVersion)
        case 2: return (String(parts[0]), String(parts[1]))
        default: return ("", "")
        }
    }

    /// Go's `%#v` of the struct. Upstream prints a set `*bool` as its heap address, which varies per request;
    /// a fixed stand-in address is printed instead.
    var goSyntax: String {
        func pointer(_ value: Bool?) -> String { value == nil ? "(*bool)(nil)" : "(*bool)(0xc000000000)" }
        return "v1.OwnerReference{APIVersion:\(GoValue.quote(apiVersion)), Kind:\(GoValue.quote(kind)), "
            + "Name:\(GoValue.quote(name)), UID:\(GoValue.quote(uid)), Controller:\(pointer(controller)), "
            + "BlockOwnerDeletion:\(pointer(blockOwnerDeletion))}"
    }
}
