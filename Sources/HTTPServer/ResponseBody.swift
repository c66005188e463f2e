import CMicroHTTPD

/// Keeps a large response body alive while libmicrohttpd sends it straight from the array's storage.
///
/// The array is immutable and uniquely referenced by this box, so its contiguous storage neither moves nor
/// changes until the box is released by libmicrohttpd's free callback. (Swift arrays on Linux are always
/// native, contiguous buffers; the address read in `withUnsafeBytes` is that buffer's.)
final class ResponseBody {
    /// The body.
    let bytes: [UInt8]

    private init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// A libmicrohttpd response over `bytes` without a copy, or nil if libmicrohttpd refuses it.
    static func makeResponse(_ bytes: [UInt8]) -> OpaquePointer? {
        let box = Unmanaged.passRetained(ResponseBody(bytes))  // released in mhdResponseBodyFreed
        let start = box.takeUnretainedValue().bytes.withUnsafeBytes {
            UnsafeMutableRawPointer(mutating: $0.baseAddress)
        }
        guard
            let response = MHD_create_response_from_buffer_with_free_callback_cls(
                bytes.count, start, mhdResponseBodyFreed, box.toOpaque())
        else {
            box.release()
            return nil
        }
        return response
    }
}
