import JSON

extension TablePrinter {
    /// `namespaceColumnDefinitions` and `printNamespace` (reference §10.6): `NAME STATUS AGE`, the status being
    /// `status.phase` (`Active` or `Terminating`).
    static let namespaces = TablePrinter(
        columns: [nameColumn, TableColumn("Status", description: "The status of the namespace"), ageColumn],
        cells: { namespace, now in
            [name(namespace), .string(namespace["status"]?["phase"]?.stringValue ?? ""), age(namespace, now: now)]
        })
}
