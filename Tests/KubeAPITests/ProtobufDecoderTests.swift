import JSON
import Testing

@testable import KubeAPI

/// `ProtobufDecoder`: Kubernetes protobuf bodies become the JSON the Go type marshals to.
struct ProtobufDecoderTests {
    static func json(_ text: String) -> JSON { try! JSON.parse(text) }

    @Test("kubectl create namespace foo decodes to the Namespace kubectl would send as JSON")
    func namespace() throws {
        let body = ProtobufTestEncoder.envelope(apiVersion: "v1", kind: "Namespace") {
            $0.message(1) { $0.string(1, "foo") }
            $0.message(2) { _ in }
            $0.message(3) { _ in }
        }
        let decoded = try ProtobufDecoder.decode(body)
        #expect(decoded == Self.json(#"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"foo"},"spec":{},"status":{}}"#))
    }

    @Test("kubectl create service nodeport: zero omitempty scalars are dropped, IntOrString and maps decode")
    func serviceNodePort() throws {
        let body = ProtobufTestEncoder.envelope(apiVersion: "v1", kind: "Service") {
            $0.message(1) {
                $0.string(1, "web3")
                $0.string(2, "")
                $0.message(11) {
                    $0.string(1, "app")
                    $0.string(2, "web3")
                }
                $0.message(8) { _ in }  // zero creationTimestamp: Go's Marshal writes it empty
            }
            $0.message(2) {
                $0.message(1) {
                    $0.string(1, "80-8080")
                    $0.string(2, "TCP")
                    $0.int(3, 80)
                    $0.message(4) {
                        $0.int(1, 0)
                        $0.int(2, 8080)
                    }
                    $0.int(5, 0)
                }
                $0.message(2) {
                    $0.string(1, "app")
                    $0.string(2, "web3")
                }
                $0.string(3, "")
                $0.string(4, "NodePort")
                $0.int(12, 0)
                $0.int(13, 0)
            }
            $0.message(3) { $0.message(1) { _ in } }
        }
        let decoded = try ProtobufDecoder.decode(body)
        #expect(decoded == Self.json("""
            {"apiVersion":"v1","kind":"Service","metadata":{"name":"web3","labels":{"app":"web3"}},
             "spec":{"ports":[{"name":"80-8080","protocol":"TCP","port":80,"targetPort":8080}],
                     "selector":{"app":"web3"},"type":"NodePort"},
             "status":{"loadBalancer":{}}}
            """))
    }

    @Test("pointer fields keep zero values; Time is RFC 3339; a string IntOrString stays a string")
    func pointersAndSpecials() throws {
        let options = ProtobufTestEncoder.envelope(apiVersion: "v1", kind: "DeleteOptions") {
            $0.int(1, 0)
            $0.message(2) { $0.string(1, "abc") }
            $0.int(3, 0)
            $0.string(5, "All")
        }
        #expect(try ProtobufDecoder.decode(options) == Self.json("""
            {"apiVersion":"v1","kind":"DeleteOptions","gracePeriodSeconds":0,"preconditions":{"uid":"abc"},
             "orphanDependents":false,"dryRun":["All"]}
            """))
        let pod = ProtobufTestEncoder.envelope(apiVersion: "v1", kind: "Pod") {
            $0.message(1) {
                $0.string(1, "p")
                $0.message(8) {
                    $0.int(1, 1_733_939_955)
                    $0.int(2, 5)
                }
            }
            $0.message(2) {
                $0.message(2) {
                    $0.string(1, "c")
                    $0.message(11) {  // readinessProbe
                        $0.message(1) { $0.message(2) { $0.message(2) { $0.int(1, 1); $0.string(3, "http") } } }
                        $0.int(3, 0)
                    }
                    $0.message(8) { $0.message(1) { $0.string(1, "cpu"); $0.message(2) { $0.string(1, "100m") } } }
                }
                $0.int(4, 0)  // terminationGracePeriodSeconds: *int64
            }
        }
        let decoded = try ProtobufDecoder.decode(pod)
        #expect(decoded["metadata"]?["creationTimestamp"] == "2024-12-11T17:59:15Z")
        let container = decoded["spec"]?["containers"]?[0]
        #expect(container?["readinessProbe"] == Self.json(#"{"httpGet":{"port":"http"}}"#))
        #expect(container?["resources"] == Self.json(#"{"limits":{"cpu":"100m"}}"#))
        #expect(decoded["spec"]?["terminationGracePeriodSeconds"] == 0)
    }

    @Test("unknown field numbers are skipped, as Go's generated Unmarshal does")
    func unknownFields() throws {
        let body = ProtobufTestEncoder.envelope(apiVersion: "v1", kind: "Namespace") {
            $0.message(1) {
                $0.string(1, "foo")
                $0.int(999, 7)
            }
            $0.string(77, "later field")
        }
        #expect(try ProtobufDecoder.decode(body) == Self.json(#"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"foo"}}"#))
    }

    static let valid = ProtobufTestEncoder.envelope(apiVersion: "v1", kind: "Service") {
        $0.message(1) { $0.string(1, "web"); $0.message(11) { $0.string(1, "a"); $0.string(2, "b") } }
        $0.message(2) { $0.message(1) { $0.int(3, 80); $0.message(4) { $0.int(1, 1); $0.string(3, "http") } } }
    }

    @Test("malformed bodies are typed errors", arguments: [
        ([UInt8](Array("{}".utf8)), ProtobufDecodingError.missingMagic),
        ([0x6b, 0x38, 0x73, 0x00, 0x0a, 0x05, 0x0a], .truncated),
        ([0x6b, 0x38, 0x73, 0x00] + [UInt8](repeating: 0xff, count: 11), .malformedVarint),
        ([0x6b, 0x38, 0x73, 0x00, 0x4b], .invalidWireType(3)),
        ([0x6b, 0x38, 0x73, 0x00, 0x08, 0x01], .wrongWireType(field: "Unknown.1", wireType: 0)),
        (ProtobufTestEncoder.envelope(apiVersion: "v1", kind: "Secret") { _ in },
         .unsupportedKind(apiVersion: "v1", kind: "Secret")),
        (ProtobufTestEncoder.envelope(apiVersion: "v1", kind: "Namespace") { $0.message(1) { $0.int(1, 5) } },
         .wrongWireType(field: "meta.v1.ObjectMeta.name", wireType: 0)),
        (ProtobufTestEncoder.envelope(apiVersion: "v1", kind: "Namespace") { $0.message(1) { $0.bytes(1, [0xff, 0xfe]) } },
         .invalidUTF8(field: "name")),
    ])
    func malformed(body: [UInt8], error: ProtobufDecodingError) {
        #expect(throws: error) { try ProtobufDecoder.decode(body) }
    }

    @Test("truncations, bit flips and random bytes never crash the decoder")
    func fuzz() {
        let valid = Self.valid
        #expect((try? ProtobufDecoder.decode(valid)) != nil)
        for length in 0..<valid.count { _ = try? ProtobufDecoder.decode(Array(valid[0..<length])) }
        for index in 4..<valid.count {
            for bit in 0..<8 {
                var mutated = valid
                mutated[index] ^= 1 << UInt8(bit)
                _ = try? ProtobufDecoder.decode(mutated)
            }
        }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let count = Int.random(in: 0..<64, using: &generator)
            let noise = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            _ = try? ProtobufDecoder.decode(ProtobufDecoder.magic + noise)
            _ = try? ProtobufDecoder.decode(Array(valid.prefix(12)) + noise)
        }
    }

    @Test("Go duration and RFC 3339 formatting", arguments: [
        (Int64(0), "0s"), (1_500_000, "1.5ms"), (3_723_500_000_000, "1h2m3.5s"), (-2_000_000_000, "-2s"), (999, "999ns"),
    ])
    func duration(nanoseconds: Int64, text: String) {
        #expect(GoDuration.format(nanoseconds) == text)
    }

    @Test("RFC 3339 of metav1.Time and MicroTime")
    func timestamps() {
        #expect(RFC3339.format(seconds: 0, micros: nil) == "1970-01-01T00:00:00Z")
        #expect(RFC3339.format(seconds: 951_782_400, micros: 1234) == "2000-02-29T00:00:00.001234Z")
    }
}
