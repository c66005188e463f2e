import ArgumentParser

/// The `serviceplane` command. An `@main` type (not top-level code) so nothing here is main-actor
/// isolated when libmicrohttpd threads call in (DESIGN.md pitfalls).
@main
struct ServicePlane: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serviceplane",
        abstract: "A mock Kubernetes control plane for Namespaces, Services, Pods and EndpointSlices.",
        subcommands: [Serve.self, Backup.self, Restore.self],
        defaultSubcommand: Serve.self)
}
