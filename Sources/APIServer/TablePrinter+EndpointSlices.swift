import JSON

extension TablePrinter {
    /// `endpointSliceColumnDefinitions` and `printEndpointSlice` (reference §10.5):
    /// `NAME ADDRESSTYPE PORTS ENDPOINTS AGE`, no wide columns.
    static let endpointSlices = TablePrinter(
        columns: [
            nameColumn,
            TableColumn("AddressType", description: EndpointSliceDoc.addressType),
            TableColumn("Ports", description: EndpointSliceDoc.ports),
            TableColumn("Endpoints", description: EndpointSliceDoc.endpoints),
            ageColumn,
        ],
        cells: { slice, now in
            [name(slice), .string(slice["addressType"]?.stringValue ?? ""),
             .string(endpointSlicePorts(slice["ports"]?.arrayValue ?? [])),
             .string(endpointSliceAddresses(slice["endpoints"]?.arrayValue ?? [])), age(slice, now: now)]
        })

    /// `formatDiscoveryPorts`: each port's number, else its name, else `*` (a nil port means all ports).
    static func endpointSlicePorts(_ ports: [JSON]) -> String {
        listWithMore(ports.map { port in
            if let number = port["port"]?.intValue { return String(number) }
            if let name = port["name"]?.stringValue { return name }
            return "*"
        })
    }

    /// `formatDiscoveryEndpoints`: every address of every endpoint, ready or not.
    static func endpointSliceAddresses(_ endpoints: [JSON]) -> String {
        listWithMore(endpoints.flatMap { ($0["addresses"]?.arrayValue ?? []).map { $0.stringValue ?? "" } })
    }
}

/// `discoveryv1.EndpointSlice{}.SwaggerDoc()` entries the EndpointSlice columns quote.
enum EndpointSliceDoc {
    static let addressType = "addressType specifies the type of address carried by this EndpointSlice. All "
        + "addresses in this slice must be the same type. This field is immutable after creation. The following "
        + "address types are currently supported: * IPv4: Represents an IPv4 Address. * IPv6: Represents an IPv6 "
        + "Address. * FQDN: Represents a Fully Qualified Domain Name."
    static let ports = "ports specifies the list of network ports exposed by each endpoint in this slice. Each port "
        + "must have a unique name. When ports is empty, it indicates that there are no defined ports. When a port is "
        + "defined with a nil port value, it indicates \"all ports\". Each slice may include a maximum of 100 ports."
    static let endpoints = "endpoints is a list of unique endpoints in this slice. Each slice may include a maximum "
        + "of 1000 endpoints."
}
