import KubeAPI

/// The authorization mode: every authenticated user may do everything, except members of the read-only group,
/// who may only read (get, list, watch resources; GET/HEAD other paths). Everything else they send is answered
/// 403 Forbidden in the words of kube-apiserver's `responsewriters.Forbidden`.
public enum ReadOnlyAuthorization {
    /// The group (4th column of the token file) that makes a token read-only.
    public static let readOnlyGroup = "serviceplane:read-only"

    /// Whether `user` may only read.
    public static func isReadOnly(_ user: UserInfo) -> Bool { user.groups.contains(readOnlyGroup) }

    /// Throws 403 Forbidden when `user` may not do what `attributes` describe.
    public static func authorize(_ user: UserInfo, _ attributes: RequestAttributes) throws(StatusError) {
        guard isReadOnly(user) else { return }
        let allowed = attributes.isResourceRequest
            ? ["get", "list", "watch"].contains(attributes.verb)
            : ["get", "head"].contains(attributes.verb)
        if !allowed { throw forbidden(user, attributes) }
    }

    /// kube-apiserver's Forbidden Status for a denied request (`forbiddenMessage` then `NewForbidden`), with the
    /// same HTML-escaping of `&`, `<` and `>` in the message.
    public static func forbidden(_ user: UserInfo, _ attributes: RequestAttributes) -> StatusError {
        guard attributes.isResourceRequest else {
            let why =
                "User \(GoValue.quote(user.name)) cannot \(attributes.verb) path \(GoValue.quote(attributes.path))"
            return StatusError(code: 403, reason: "Forbidden", message: "forbidden: " + escaped(why),
                               details: .init())
        }
        var resource = attributes.resource
        if !attributes.subresource.isEmpty { resource += "/" + attributes.subresource }
        var why = "User \(GoValue.quote(user.name)) cannot \(attributes.verb) resource \(GoValue.quote(resource)) "
            + "in API group \(GoValue.quote(attributes.apiGroup))"
        why += attributes.namespace.isEmpty
            ? " at the cluster scope" : " in the namespace \(GoValue.quote(attributes.namespace))"
        let qualified = QualifiedResource(group: attributes.apiGroup, resource: attributes.resource, kind: "")
        return .forbidden(qualified, name: attributes.name, why: escaped(why))
    }

    private static func escaped(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            default: result.append(character)
            }
        }
        return result
    }
}
