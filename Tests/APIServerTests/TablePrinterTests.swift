import Foundation
import JSON
import Testing

@testable import APIServer

/// Cell formatting of server-side printing, case by case against `printers.go` (reference §10).
@Suite struct TablePrinterTests {
    static let created = "2024-12-11T17:59:15Z"
    /// Five minutes and twelve seconds after `created`.
    static let now = TableTimestamp.parse(created)! + 312 * 1_000_000_000

    static func object(_ text: String) -> JSON {
        try! JSON.parse(text)
    }

    static func cells(_ printer: TablePrinter, _ text: String) -> [String] {
        printer.cells(object(text), now).map { $0.stringValue ?? "\($0)" }
    }

    @Test func columnsMatchKubeAPIServer() {
        #expect(TablePrinter.services.columns.map(\.name) == ["Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age", "Selector"])
        #expect(TablePrinter.services.columns.map(\.priority) == [0, 0, 0, 0, 0, 0, 1])
        #expect(TablePrinter.pods.columns.map(\.name)
            == ["Name", "Ready", "Status", "Restarts", "Age", "IP", "Node", "Nominated Node", "Readiness Gates"])
        #expect(TablePrinter.pods.columns.map(\.priority) == [0, 0, 0, 0, 0, 1, 1, 1, 1])
        #expect(TablePrinter.pods.columns.allSatisfy { $0.type == "string" })
        #expect(TablePrinter.endpointSlices.columns.map(\.name) == ["Name", "AddressType", "Ports", "Endpoints", "Age"])
        #expect(TablePrinter.namespaces.columns.map(\.name) == ["Name", "Status", "Age"])
        for printer in [TablePrinter.services, .pods, .endpointSlices, .namespaces, .generic] {
            #expect(printer.columns[0].format == "name")
            #expect(printer.columns.dropFirst().allSatisfy { $0.format == "" })
        }
    }

    @Test("Service cells (printService)", arguments: [
        // The `kubernetes` Service.
        (#"{"metadata":{"name":"kubernetes","creationTimestamp":"2024-12-11T17:59:15Z"},"spec":{"type":"ClusterIP","clusterIP":"10.96.0.1","clusterIPs":["10.96.0.1"],"ports":[{"name":"https","port":443,"protocol":"TCP","targetPort":6443}]}}"#,
         ["kubernetes", "ClusterIP", "10.96.0.1", "<none>", "443/TCP", "5m12s", "<none>"]),
        (#"{"metadata":{"name":"web","creationTimestamp":"2024-12-11T17:59:15Z"},"spec":{"type":"NodePort","clusterIPs":["10.96.44.3"],"selector":{"tier":"fe","app":"web"},"ports":[{"port":80,"protocol":"TCP","nodePort":30080},{"port":443,"protocol":"TCP","nodePort":31443}]}}"#,
         ["web", "NodePort", "10.96.44.3", "<none>", "80:30080/TCP,443:31443/TCP", "5m12s", "app=web,tier=fe"]),
        (#"{"metadata":{"name":"lb","creationTimestamp":"2024-12-11T17:59:15Z"},"spec":{"type":"LoadBalancer","clusterIPs":["10.96.9.12"],"ports":[{"port":80,"protocol":"TCP","nodePort":31380}]},"status":{"loadBalancer":{}}}"#,
         ["lb", "LoadBalancer", "10.96.9.12", "<pending>", "80:31380/TCP", "5m12s", "<none>"]),
        (#"{"metadata":{"name":"lb","creationTimestamp":"2024-12-11T17:59:15Z"},"spec":{"type":"LoadBalancer","clusterIPs":["10.96.9.12"],"externalIPs":["1.1.1.1"],"ports":[{"port":80,"protocol":"TCP","nodePort":31380}]},"status":{"loadBalancer":{"ingress":[{"ip":"203.0.113.9"},{"hostname":"lb.example.com"},{"ip":"203.0.113.10"},{"ip":"203.0.113.9"}]}}}"#,
         ["lb", "LoadBalancer", "10.96.9.12", "203.0.113.10,203.0.113.9,lb.example.com,1.1.1.1", "80:31380/TCP", "5m12s", "<none>"]),
        (#"{"metadata":{"name":"db","creationTimestamp":"2024-12-11T17:59:15Z"},"spec":{"type":"ClusterIP","clusterIP":"None","clusterIPs":["None"],"externalIPs":["192.0.2.1","192.0.2.2"],"selector":{"app":"db"},"ports":[{"port":53,"protocol":"UDP"},{"port":53,"protocol":"TCP"}]}}"#,
         ["db", "ClusterIP", "None", "192.0.2.1,192.0.2.2", "53/UDP,53/TCP", "5m12s", "app=db"]),
        (#"{"metadata":{"name":"ext","creationTimestamp":"2024-12-11T17:59:15Z"},"spec":{"type":"ExternalName","externalName":"example.com"}}"#,
         ["ext", "ExternalName", "<none>", "example.com", "<none>", "5m12s", "<none>"]),
    ] as [(String, [String])])
    func serviceCells(service: String, expected: [String]) {
        #expect(Self.cells(.services, service) == expected)
    }

    @Test("Pod cells (printPod)", arguments: [
        // Fresh, unscheduled.
        (#"{"metadata":{"name":"p1","creationTimestamp":"2024-12-11T17:59:15Z"},"spec":{"containers":[{"name":"c"}]},"status":{"phase":"Pending"}}"#,
         ["p1", "0/1", "Pending", "0", "5m12s", "<none>", "<none>", "<none>", "<none>"]),
        (#"{"metadata":{"name":"p2","creationTimestamp":"2024-12-11T17:59:15Z"},"spec":{"nodeName":"node-1","containers":[{"name":"c"}]},"status":{"phase":"Pending","containerStatuses":[{"name":"c","ready":false,"restartCount":0,"state":{"waiting":{"reason":"ContainerCreating"}}}]}}"#,
         ["p2", "0/1", "ContainerCreating", "0", "5m12s", "<none>", "node-1", "<none>", "<none>"]),
        (#"{"metadata":{"name":"p3","creationTimestamp":"2024-12-11T17:59:15Z"},"spec":{"nodeName":"node-1","containers":[{"name":"a"},{"name":"b"}],"readinessGates":[{"conditionType":"x"},{"conditionType":"y"}]},"status":{"phase":"Running","podIPs":[{"ip":"10.244.0.5"}],"conditions":[{"type":"x","status":"True"},{"type":"y","status":"False"}],"containerStatuses":[{"name":"a","ready":true,"restartCount":1,"state":{"running":{}},"lastState":{"terminated":{"exitCode":1,"finishedAt":"2024-12-11T18:02:27Z"}}},{"name":"b","ready":true,"restartCount":2,"state":{"running":{}}}]}}"#,
         ["p3", "2/2", "Running", "3 (2m ago)", "5m12s", "10.244.0.5", "node-1", "<none>", "1/2"]),
        (#"{"metadata":{"name":"p4","creationTimestamp":"2024-12-11T17:59:15Z","deletionTimestamp":"2024-12-11T18:04:00Z"},"spec":{"containers":[{"name":"c"}]},"status":{"phase":"Running","containerStatuses":[{"name":"c","ready":true,"restartCount":0,"state":{"running":{}}}]}}"#,
         ["p4", "1/1", "Terminating", "0", "5m12s", "<none>", "<none>", "<none>", "<none>"]),
        (#"{"metadata":{"name":"p5","creationTimestamp":"2024-12-11T17:59:15Z"},"spec":{"containers":[{"name":"c"}]},"status":{"phase":"Succeeded","containerStatuses":[{"name":"c","ready":false,"restartCount":0,"state":{"terminated":{"exitCode":0,"reason":"Completed"}}}]}}"#,
         ["p5", "0/1", "Completed", "0", "5m12s", "<none>", "<none>", "<none>", "<none>"]),
        (#"{"metadata":{"name":"p6","creationTimestamp":"2024-12-11T17:59:15Z"},"spec":{"containers":[{"name":"c"}]},"status":{"phase":"Failed","containerStatuses":[{"name":"c","restartCount":0,"state":{"terminated":{"exitCode":137,"signal":9}}}]}}"#,
         ["p6", "0/1", "Signal:9", "0", "5m12s", "<none>", "<none>", "<none>", "<none>"]),
        (#"{"metadata":{"name":"p7","creationTimestamp":"2024-12-11T17:59:15Z"},"spec":{"initContainers":[{"name":"i1"},{"name":"i2"}],"containers":[{"name":"c"}]},"status":{"phase":"Pending","initContainerStatuses":[{"name":"i1","state":{"terminated":{"exitCode":0}}},{"name":"i2","state":{"running":{}}}]}}"#,
         ["p7", "0/1", "Init:1/2", "0", "5m12s", "<none>", "<none>", "<none>", "<none>"]),
        (#"{"metadata":{"name":"p8","creationTimestamp":"2024-12-11T17:59:15Z"},"spec":{"initContainers":[{"name":"i1"}],"containers":[{"name":"c"}]},"status":{"phase":"Pending","initContainerStatuses":[{"name":"i1","restartCount":4,"state":{"waiting":{"reason":"CrashLoopBackOff"}}}]}}"#,
         ["p8", "0/1", "Init:CrashLoopBackOff", "4", "5m12s", "<none>", "<none>", "<none>", "<none>"]),
        // A running sidecar counts as a container.
        (#"{"metadata":{"name":"p9","creationTimestamp":"2024-12-11T17:59:15Z"},"spec":{"initContainers":[{"name":"side","restartPolicy":"Always"}],"containers":[{"name":"c"}]},"status":{"phase":"Running","conditions":[{"type":"Initialized","status":"True"}],"initContainerStatuses":[{"name":"side","started":true,"ready":true,"state":{"running":{}}}],"containerStatuses":[{"name":"c","ready":true,"state":{"running":{}}}]}}"#,
         ["p9", "2/2", "Running", "0", "5m12s", "<none>", "<none>", "<none>", "<none>"]),
        (#"{"metadata":{"name":"p10","creationTimestamp":"2024-12-11T17:59:15Z"},"spec":{"schedulingGates":[{"name":"g"}],"containers":[{"name":"c"}]},"status":{"phase":"Pending","conditions":[{"type":"PodScheduled","status":"False","reason":"SchedulingGated"}]}}"#,
         ["p10", "0/1", "SchedulingGated", "0", "5m12s", "<none>", "<none>", "<none>", "<none>"]),
    ] as [(String, [String])])
    func podCells(pod: String, expected: [String]) {
        #expect(Self.cells(.pods, pod) == expected)
    }

    @Test("EndpointSlice cells (printEndpointSlice)", arguments: [
        (#"{"metadata":{"name":"web-abcde","creationTimestamp":"2024-12-11T17:59:15Z"},"addressType":"IPv4","endpoints":null,"ports":null}"#,
         ["web-abcde", "IPv4", "<unset>", "<unset>", "5m12s"]),
        (#"{"metadata":{"name":"web-abcde","creationTimestamp":"2024-12-11T17:59:15Z"},"addressType":"IPv4","endpoints":[{"addresses":["10.244.1.5"],"conditions":{"ready":true}},{"addresses":["10.244.2.7"],"conditions":{"ready":false}}],"ports":[{"name":"http","port":8080,"protocol":"TCP"}]}"#,
         ["web-abcde", "IPv4", "8080", "10.244.1.5,10.244.2.7", "5m12s"]),
        (#"{"metadata":{"name":"s","creationTimestamp":"2024-12-11T17:59:15Z"},"addressType":"IPv6","endpoints":[{"addresses":["fd00::1"]},{"addresses":["fd00::2"]},{"addresses":["fd00::3"]},{"addresses":["fd00::4"]},{"addresses":["fd00::5"]}],"ports":[{"port":80},{"name":"named"},{},{"port":443},{"port":8443}]}"#,
         ["s", "IPv6", "80,named,* + 2 more...", "fd00::1,fd00::2,fd00::3 + 2 more...", "5m12s"]),
    ] as [(String, [String])])
    func endpointSliceCells(slice: String, expected: [String]) {
        #expect(Self.cells(.endpointSlices, slice) == expected)
    }

    @Test("Namespace cells (printNamespace)", arguments: [
        (#"{"metadata":{"name":"default","creationTimestamp":"2024-12-11T17:59:15Z"},"status":{"phase":"Active"}}"#,
         ["default", "Active", "5m12s"]),
        (#"{"metadata":{"name":"gone","creationTimestamp":"2024-12-11T17:59:15Z","deletionTimestamp":"2024-12-11T18:00:00Z"},"status":{"phase":"Terminating"}}"#,
         ["gone", "Terminating", "5m12s"]),
    ] as [(String, [String])])
    func namespaceCells(namespace: String, expected: [String]) {
        #expect(Self.cells(.namespaces, namespace) == expected)
    }
}

/// Column descriptions quote the API's field documentation (`SwaggerDoc()` upstream); checked against the
/// OpenAPI data the server serves, so a typo in the long strings cannot hide.
@Suite struct TableColumnDescriptionTests {
    static let definitions: JSONObject = {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("openapi/definitions.json")
        let data = try! Data(contentsOf: path)
        return try! JSON.parse(String(decoding: data, as: UTF8.self))["$defs"]!.objectValue!
    }()

    /// The field's Go doc comment as `SwaggerDoc()` gives it to printers.go: the OpenAPI description without the
    /// "Possible enum values" paragraph that the OpenAPI generator appends for `+enum` types.
    static func doc(_ definition: String, _ field: String) -> String? {
        guard let text = definitions[definition]?["properties"]?[field]?["description"]?.stringValue else { return nil }
        if let range = text.range(of: "\n\nPossible enum values:") { return String(text[..<range.lowerBound]) }
        return text
    }

    @Test("column descriptions are the OpenAPI field descriptions", arguments: [
        ("services", "Cluster-IP", "io.k8s.api.core.v1.ServiceSpec", "clusterIP"),
        ("services", "Type", "io.k8s.api.core.v1.ServiceSpec", "type"),
        ("services", "External-IP", "io.k8s.api.core.v1.ServiceSpec", "externalIPs"),
        ("services", "Port(s)", "io.k8s.api.core.v1.ServiceSpec", "ports"),
        ("services", "Selector", "io.k8s.api.core.v1.ServiceSpec", "selector"),
        ("services", "Name", "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "name"),
        ("services", "Age", "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "creationTimestamp"),
        ("pods", "IP", "io.k8s.api.core.v1.PodStatus", "podIP"),
        ("pods", "Node", "io.k8s.api.core.v1.PodSpec", "nodeName"),
        ("pods", "Nominated Node", "io.k8s.api.core.v1.PodStatus", "nominatedNodeName"),
        ("pods", "Readiness Gates", "io.k8s.api.core.v1.PodSpec", "readinessGates"),
        ("endpointslices", "AddressType", "io.k8s.api.discovery.v1.EndpointSlice", "addressType"),
        ("endpointslices", "Ports", "io.k8s.api.discovery.v1.EndpointSlice", "ports"),
        ("endpointslices", "Endpoints", "io.k8s.api.discovery.v1.EndpointSlice", "endpoints"),
    ])
    func description(printer: String, column: String, definition: String, field: String) throws {
        let printers = ["services": TablePrinter.services, "pods": .pods, "endpointslices": .endpointSlices]
        let columns = try #require(printers[printer]).columns
        let described = try #require(columns.first { $0.name == column })
        #expect(described.description == Self.doc(definition, field))
    }
}
