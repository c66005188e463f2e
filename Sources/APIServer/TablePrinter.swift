import JSON
import KubeAPI

/// One `metav1.TableColumnDefinition`. Every field is always serialized (none is `omitempty` upstream).
struct TableColumn: Sendable, Equatable {
    let name: String
    /// `string`, `integer`, `number`, `boolean` or `date`.
    let type: String
    /// `name` marks the column holding the object's name; otherwise empty.
    let format: String
    let description: String
    /// 0 for the default columns; 1 for those kubectl shows only with `-o wide`.
    let priority: Int64

    init(_ name: String, type: String = "string", format: String = "", priority: Int64 = 0, description: String) {
        self.name = name
        self.type = type
        self.format = format
        self.priority = priority
        self.description = description
    }

    var json: JSON {
        ["name": .string(name), "type": .string(type), "format": .string(format), "description": .string(description),
         "priority": .int(priority)]
    }
}

/// Server-side printing for one kind: its column definitions and the cells of one object, as
/// `pkg/printers/internalversion/printers.go` generates them. kube-apiserver's `TableConvertor` always
/// generates with `Wide: true`, so every row carries the priority-1 cells too (kubectl hides them unless `-o wide`).
struct TablePrinter: Sendable {
    let columns: [TableColumn]
    /// The cells of one object (one per column, in column order) at wall-clock time `now` (ns since the epoch).
    let cells: @Sendable (_ object: JSON, _ now: Int64) -> [JSON]

    /// The printer of a served kind; kinds without one get the generic `Name`/`Created At` table of
    /// `apiserver/pkg/registry/rest/table.go` (`defaultTableConvertor`).
    static func forResource(_ info: ResourceInfo) -> TablePrinter {
        switch (info.group, info.resource) {
        case ("", "services"): return services
        case ("", "pods"): return pods
        case ("", "namespaces"): return namespaces
        case ("discovery.k8s.io", "endpointslices"): return endpointSlices
        default: return generic
        }
    }

    /// `defaultTableConvertor`: the name and the creation time in RFC 3339.
    static let generic = TablePrinter(
        columns: [nameColumn, TableColumn("Created At", type: "date", description: ObjectMetaDoc.creationTimestamp)],
        cells: { object, _ in
            [object["metadata"]?["name"] ?? "", object["metadata"]?["creationTimestamp"] ?? .null]
        })

    /// The `Name` column every printer starts with.
    static let nameColumn = TableColumn("Name", format: "name", description: ObjectMetaDoc.name)
    /// The `Age` column: `translateTimestampSince(creationTimestamp)`.
    static let ageColumn = TableColumn("Age", description: ObjectMetaDoc.creationTimestamp)

    /// The `AGE` cell of an object.
    static func age(_ object: JSON, now: Int64) -> JSON {
        .string(TableTimestamp.since(object["metadata"]?["creationTimestamp"], now: now))
    }

    /// The `NAME` cell of an object.
    static func name(_ object: JSON) -> JSON {
        .string(object["metadata"]?["name"]?.stringValue ?? "")
    }

    /// `labels.FormatLabels`: `k=v` pairs sorted by key and joined by `,`; `<none>` when empty.
    static func formatLabels(_ labels: JSON?) -> String {
        guard let members = labels?.objectValue, !members.isEmpty else { return "<none>" }
        return members.sorted { $0.key < $1.key }
            .map { "\($0.key)=\($0.value.stringValue ?? "")" }
            .joined(separator: ",")
    }

    /// `listWithMoreString`: the first three entries joined by `,`, then ` + N more...`; `<unset>` when empty.
    static func listWithMore(_ entries: [String], limit: Int = 3) -> String {
        if entries.count > limit {
            return entries.prefix(limit).joined(separator: ",") + " + \(entries.count - limit) more..."
        }
        return entries.isEmpty ? "<unset>" : entries.joined(separator: ",")
    }
}

/// `metav1.ObjectMeta{}.SwaggerDoc()` entries the column descriptions quote.
enum ObjectMetaDoc {
    static let name = "Name must be unique within a namespace. Is required when creating resources, although some "
        + "resources may allow a client to request the generation of an appropriate name automatically. Name is "
        + "primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: "
        + "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"
    static let creationTimestamp = "CreationTimestamp is a timestamp representing the server time when this object "
        + "was created. It is not guaranteed to be set in happens-before order across separate operations. Clients "
        + "may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. "
        + "Read-only. Null for lists. More info: "
        + "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"
}
