import CMicroHTTPD
import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One started libmicrohttpd daemon and the memory it borrows for its whole life (dispatcher, logger
/// trampoline context, bind address, TLS key and certificate text).
///
/// `@unchecked Sendable`: the pointers are set once in `start` and only used again by `stop`,
/// which `HTTPServer` calls at most once, from the one thread that took the daemon out of its lifecycle lock.
///
/// Shutdown does not use `MHD_quiesce_daemon`: in libmicrohttpd 0.9.75 it races with the epoll workers of a
/// thread pool (a worker may drop the listen socket from its epoll set first, and quiesce then panics with
/// "Failed to remove listen FD from epoll set"; the worker side tolerates ENOENT, the quiesce side does not).
/// New connections are refused by the accept-policy callback instead.
struct RunningDaemon: @unchecked Sendable {
    /// The `struct MHD_Daemon *`.
    let daemon: OpaquePointer
    /// The callbacks' context, retained by `start` and released by `stop`.
    let dispatcher: ConnectionDispatcher
    /// The bound port.
    let port: UInt16
    private let retainedDispatcher: Unmanaged<ConnectionDispatcher>
    private let loggerContext: UnsafeMutablePointer<sp_mhd_logger>
    private let bindAddress: UnsafeMutableRawPointer
    /// C copies of the PEM key and certificate handed to libmicrohttpd (it keeps the pointers), freed by `stop`.
    private let tlsStrings: [UnsafeMutablePointer<CChar>]

    /// Starts a daemon for `configuration`, or throws `HTTPServerError`.
    static func start(configuration: HTTPServer.Configuration, handler: any HTTPHandler, logger: Logger) throws
        -> RunningDaemon
    {
        if let tls = configuration.tls {
            guard MHD_is_feature_supported(.FEATURE_TLS) == .YES else {
                throw HTTPServerError("this libmicrohttpd was built without TLS (GnuTLS) support")
            }
            try tls.validate()
        }
        let (address, isIPv6) = try socketAddress(configuration.bindAddress, port: configuration.port)
        let connectionGuard = ConnectionGuard(limits: configuration.guardLimits, logger: logger)
        let dispatcher = ConnectionDispatcher(
            handler: handler, maxBodyBytes: configuration.maxBodyBytes, connectionGuard: connectionGuard,
            refusal: configuration.refusalResponse, logger: logger)
        let retained = Unmanaged.passRetained(dispatcher)  // released in stop() or below on failure
        let context = retained.toOpaque()
        let loggerContext = UnsafeMutablePointer<sp_mhd_logger>.allocate(capacity: 1)
        loggerContext.initialize(to: sp_mhd_logger(callback: mhdLogLine, cls: context))

        // The logger goes first so libmicrohttpd reports problems with the other options through it.
        var options: [MHD_OptionItem] = [sp_mhd_option_logger(loggerContext)]
        if configuration.threadPoolSize > 1 {
            options.append(sp_mhd_option_value(.THREAD_POOL_SIZE, configuration.threadPoolSize))
        }
        // libmicrohttpd divides this limit among its worker threads, and a worker at its share stops accepting even
        // while others have room; so each worker may hold the whole limit, and `ConnectionGuard`'s accept policy
        // (`admits`) enforces the global one.
        let perWorkerShare = connectionGuard.daemonConnectionLimit * max(1, configuration.threadPoolSize)
        options.append(sp_mhd_option_value(.CONNECTION_LIMIT, max(1, perWorkerShare)))
        options.append(sp_mhd_option_value(.CONNECTION_MEMORY_LIMIT, max(4096, configuration.connectionMemoryLimit)))
        options.append(sp_mhd_option_value(.CONNECTION_TIMEOUT, max(0, configuration.connectionTimeoutSeconds)))
        options.append(sp_mhd_option_completed(mhdRequestCompleted, context))
        options.append(sp_mhd_option_notify_connection(mhdConnectionNotify, context))
        options.append(sp_mhd_option_uri_log(mhdRequestStarted, context))
        options.append(sp_mhd_option_pointer(.SOCK_ADDR, address))
        let tlsStrings = configuration.tls.map { [strdup($0.privateKeyPEM)!, strdup($0.certificateChainPEM)!] } ?? []
        if tlsStrings.count == 2 {
            options.append(sp_mhd_option_pointer(.HTTPS_MEM_KEY, tlsStrings[0]))
            options.append(sp_mhd_option_pointer(.HTTPS_MEM_CERT, tlsStrings[1]))
        }
        options.append(sp_mhd_option_value(.END, 0))

        var flags =
            MHD_USE_INTERNAL_POLLING_THREAD.rawValue | MHD_USE_EPOLL.rawValue
            | MHD_ALLOW_SUSPEND_RESUME.rawValue | MHD_USE_ERROR_LOG.rawValue
        if isIPv6 { flags |= MHD_USE_IPv6.rawValue }
        if configuration.tls != nil { flags |= MHD_USE_TLS.rawValue }
        let started = options.withUnsafeBufferPointer { items in
            sp_mhd_start_daemon(
                flags, configuration.port, mhdAcceptPolicy, context, mhdAccessHandler, context, items.baseAddress)
        }
        guard let daemon = started else {
            let reason = dispatcher.latestDiagnostic ?? "no diagnostic"
            retained.release()
            loggerContext.deallocate()
            address.deallocate()
            tlsStrings.forEach { free($0) }
            throw HTTPServerError(
                "could not start libmicrohttpd on \(configuration.bindAddress):\(configuration.port): \(reason)")
        }
        connectionGuard.start()
        let port = sp_mhd_daemon_port(daemon)
        return RunningDaemon(
            daemon: daemon, dispatcher: dispatcher, port: port == 0 ? configuration.port : port,
            retainedDispatcher: retained, loggerContext: loggerContext, bindAddress: address, tlsStrings: tlsStrings)
    }

    /// Stops the worker threads, closes the listening socket and every connection (their completion callbacks run), then frees
    /// what the daemon borrowed.
    func stop() {
        dispatcher.connectionGuard.stop()
        MHD_stop_daemon(daemon)
        retainedDispatcher.release()  // from start()
        loggerContext.deallocate()
        bindAddress.deallocate()
        tlsStrings.forEach { free($0) }
    }

    /// A heap `sockaddr_in`/`sockaddr_in6` for `host:port`, and whether it is IPv6.
    private static func socketAddress(_ host: String, port: UInt16) throws -> (UnsafeMutableRawPointer, Bool) {
        var v4 = sockaddr_in()
        if inet_pton(AF_INET, host, &v4.sin_addr) == 1 {
            v4.sin_family = sa_family_t(AF_INET)
            v4.sin_port = port.bigEndian
            let pointer = UnsafeMutablePointer<sockaddr_in>.allocate(capacity: 1)
            pointer.initialize(to: v4)
            return (UnsafeMutableRawPointer(pointer), false)
        }
        var v6 = sockaddr_in6()
        if inet_pton(AF_INET6, host, &v6.sin6_addr) == 1 {
            v6.sin6_family = sa_family_t(AF_INET6)
            v6.sin6_port = port.bigEndian
            let pointer = UnsafeMutablePointer<sockaddr_in6>.allocate(capacity: 1)
            pointer.initialize(to: v6)
            return (UnsafeMutableRawPointer(pointer), true)
        }
        throw HTTPServerError("bind address is not an IPv4 or IPv6 literal: \(host)")
    }
}
