/// The identity a request was authenticated as (kube-apiserver's `user.Info`).
public struct UserInfo: Sendable, Equatable {
    public var name: String
    public var uid: String
    public var groups: [String]

    public init(name: String, uid: String = "", groups: [String] = []) {
        self.name = name
        self.uid = uid
        self.groups = groups
    }

    /// Requests without credentials, where they are let in (health endpoints, or no `--token-auth-file`).
    public static let anonymous = UserInfo(name: "system:anonymous", groups: ["system:unauthenticated"])

    /// The group every authenticated user is added to (`AuthenticatedGroupAdder`).
    public static let authenticatedGroup = "system:authenticated"
}
