import Foundation
import JSON
import Testing

@testable import KubeAPI

/// The generated protobuf table (`Sources/KubeAPI/ProtobufSchemaTable.swift`) against the committed JSON it is
/// generated from (`openapi/protobuf-fields.json`; `scripts/gen-proto-table.py` regenerates both).
struct ProtobufSchemaTableTests {
    @Test("the generated table is what openapi/protobuf-fields.json says")
    func tableMatchesJSON() throws {
        let document = try PatchSchemaTableTests.load("protobuf-fields.json")
        let roots = try #require(document["roots"]?.objectValue)
        #expect(ProtobufSchema.rootMessages == Dictionary(uniqueKeysWithValues: roots.map { ($0.key, $0.value.stringValue ?? "") }),
                "run scripts/gen-proto-table.py")
        let messages = try #require(document["messages"]?.objectValue)
        var expected: [String: [ProtobufFieldRow]] = [:]
        for (name, rows) in messages {
            expected[name] = (rows.arrayValue ?? []).map {
                ProtobufFieldRow(Int($0[0]?.intValue ?? 0), $0[1]?.stringValue ?? "", $0[2]?.stringValue ?? "",
                                 $0[3]?.stringValue ?? "")
            }
        }
        #expect(ProtobufSchema.messageRows == expected, "run scripts/gen-proto-table.py")
    }

    @Test("every descriptor parses and every referenced message is in the table")
    func descriptorsResolve() {
        for (name, rows) in ProtobufSchema.messageRows {
            for row in rows {
                let type = ProtobufValueType(descriptor: Substring(row.type))
                #expect(type != nil, "\(name).\(row.name): \(row.type)")
                var referenced: ProtobufValueType? = type
                if case .map(_, let value) = type { referenced = value }
                if case .message(let target) = referenced { #expect(ProtobufSchema.messages[target] != nil, "\(target)") }
            }
        }
        for message in ProtobufSchema.rootMessages.values { #expect(ProtobufSchema.messages[message] != nil) }
    }
}
