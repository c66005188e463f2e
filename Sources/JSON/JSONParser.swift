extension JSON {
    /// The nesting limit `parse` applies unless told otherwise. Deep enough for any Kubernetes object, shallow
    /// enough that the recursive operations on the result (serializing, patching, freeing) stay well inside a
    /// thread's stack.
    public static let defaultMaxDepth = 1000

    /// Parses one RFC 8259 JSON text.
    ///
    /// Strict: rejects trailing garbage, leading zeros, control characters in strings, invalid UTF-8 (including
    /// overlong forms and encoded surrogates) and lone surrogate `\u` escapes. Integers without fraction or
    /// exponent that fit in Int64 become `.int`; other numbers become `.double`. A repeated object key keeps its
    /// first position and its last value (use `parse(_:maxDepth:duplicateKeys:)` to learn about repeats).
    /// - Parameters:
    ///   - bytes: UTF-8 JSON text.
    ///   - maxDepth: the maximum nesting of arrays and objects; deeper input fails with
    ///     `invalid character '[' exceeded max depth` instead of exhausting memory or stack.
    /// - Throws: `JSONParseError` with a Go-style message and the byte offset.
    public static func parse(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = defaultMaxDepth) throws(JSONParseError)
        -> JSON
    {
        var duplicates: [String] = []
        return try parse(bytes, maxDepth: maxDepth, recordingDuplicates: false, into: &duplicates)
    }

    /// Parses like `parse(_:maxDepth:)` and appends to `duplicateKeys` the path of every repeated object key, in
    /// the form Kubernetes uses for strict field validation (`metadata.name`, `spec.ports[0].port`), each path
    /// once, at most 100.
    ///
    /// kube-apiserver turns each into `duplicate field "<path>"` for `fieldValidation=Strict` (an error) or
    /// `Warn` (a warning header); with `Ignore` the last value silently wins, which is what the result holds.
    public static func parse(
        _ bytes: UnsafeRawBufferPointer, maxDepth: Int = defaultMaxDepth, duplicateKeys: inout [String]
    ) throws(JSONParseError) -> JSON {
        try parse(bytes, maxDepth: maxDepth, recordingDuplicates: true, into: &duplicateKeys)
    }

    /// Parses UTF-8 JSON text held in an array. See `parse(_:maxDepth:)` for the rules.
    public static func parse(_ bytes: [UInt8], maxDepth: Int = defaultMaxDepth) throws(JSONParseError) -> JSON {
        var duplicates: [String] = []
        return try parse(bytes, maxDepth: maxDepth, recordingDuplicates: false, into: &duplicates)
    }

    /// Parses UTF-8 JSON text held in an array, reporting repeated keys. See `parse(_:maxDepth:duplicateKeys:)`.
    public static func parse(
        _ bytes: [UInt8], maxDepth: Int = defaultMaxDepth, duplicateKeys: inout [String]
    ) throws(JSONParseError) -> JSON {
        try parse(bytes, maxDepth: maxDepth, recordingDuplicates: true, into: &duplicateKeys)
    }

    /// Parses JSON text held in a string. See `parse(_:maxDepth:)` for the rules.
    public static func parse(_ text: String, maxDepth: Int = defaultMaxDepth) throws(JSONParseError) -> JSON {
        var duplicates: [String] = []
        return try parse(text, maxDepth: maxDepth, recordingDuplicates: false, into: &duplicates)
    }

    /// Parses JSON text held in a string, reporting repeated keys. See `parse(_:maxDepth:duplicateKeys:)`.
    public static func parse(
        _ text: String, maxDepth: Int = defaultMaxDepth, duplicateKeys: inout [String]
    ) throws(JSONParseError) -> JSON {
        try parse(text, maxDepth: maxDepth, recordingDuplicates: true, into: &duplicateKeys)
    }

    private static func parse(
        _ bytes: [UInt8], maxDepth: Int, recordingDuplicates: Bool, into duplicates: inout [String]
    ) throws(JSONParseError) -> JSON {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(JSONParseError) in
                try parse(buffer, maxDepth: maxDepth, recordingDuplicates: recordingDuplicates, into: &duplicates)
            }
        }
        return try result.get()
    }

    private static func parse(
        _ text: String, maxDepth: Int, recordingDuplicates: Bool, into duplicates: inout [String]
    ) throws(JSONParseError) -> JSON {
        let result = text.utf8.withContiguousStorageIfAvailable { buffer in
            Result { () throws(JSONParseError) in
                try parse(
                    UnsafeRawBufferPointer(buffer), maxDepth: maxDepth, recordingDuplicates: recordingDuplicates,
                    into: &duplicates)
            }
        }
        if let result { return try result.get() }
        return try parse(
            Array(text.utf8), maxDepth: maxDepth, recordingDuplicates: recordingDuplicates, into: &duplicates)
    }

    private static func parse(
        _ bytes: UnsafeRawBufferPointer, maxDepth: Int, recordingDuplicates: Bool, into duplicates: inout [String]
    ) throws(JSONParseError) -> JSON {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { throw .unexpectedEnd(at: 0) }
        var parser = JSONByteParser(
            bytes: base.assumingMemoryBound(to: UInt8.self), count: bytes.count, maxDepth: maxDepth,
            recordsDuplicates: recordingDuplicates)
        let value = try parser.parseDocument()
        if recordingDuplicates { duplicates.append(contentsOf: parser.duplicatePaths) }
        return value
    }
}
