/*
 * CMicroHTTPD shim: the few libmicrohttpd entry points Swift cannot call directly.
 *
 * libmicrohttpd's daemon/connection info calls and MHD_start_daemon are variadic, which Swift
 * does not import. These static inline wrappers give them fixed signatures. Only the HTTPServer
 * target imports this module; nothing else in ServicePlane should touch libmicrohttpd.
 */
#ifndef SERVICEPLANE_CMICROHTTPD_SHIM_H
#define SERVICEPLANE_CMICROHTTPD_SHIM_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <microhttpd.h>

/* Starts a daemon with every option passed as an MHD_OPTION_ARRAY (terminated by MHD_OPTION_END). */
static inline struct MHD_Daemon *sp_mhd_start_daemon(unsigned int flags, uint16_t port,
                                                     MHD_AcceptPolicyCallback accept_policy, void *accept_policy_cls,
                                                     MHD_AccessHandlerCallback handler, void *handler_cls,
                                                     const struct MHD_OptionItem *options) {
    return MHD_start_daemon(flags, port, accept_policy, accept_policy_cls, handler, handler_cls,
                            MHD_OPTION_ARRAY, options, MHD_OPTION_END);
}

/* An option item carrying a plain integer value (limits, timeouts, pool size). */
static inline struct MHD_OptionItem sp_mhd_option_value(enum MHD_OPTION option, intptr_t value) {
    struct MHD_OptionItem item = { option, value, NULL };
    return item;
}

/* An option item carrying a single pointer (e.g. MHD_OPTION_SOCK_ADDR). */
static inline struct MHD_OptionItem sp_mhd_option_pointer(enum MHD_OPTION option, void *pointer) {
    struct MHD_OptionItem item = { option, 0, pointer };
    return item;
}

/* MHD_OPTION_NOTIFY_COMPLETED: the function pointer travels in `value`, as MHD_OPTION_ARRAY requires. */
static inline struct MHD_OptionItem sp_mhd_option_completed(MHD_RequestCompletedCallback callback, void *cls) {
    struct MHD_OptionItem item = { MHD_OPTION_NOTIFY_COMPLETED, (intptr_t) callback, cls };
    return item;
}

/* MHD_OPTION_URI_LOG_CALLBACK: sees the raw request target before MHD unescapes it in place. */
typedef void *(*sp_mhd_uri_log_callback)(void *cls, const char *uri, struct MHD_Connection *connection);
static inline struct MHD_OptionItem sp_mhd_option_uri_log(sp_mhd_uri_log_callback callback, void *cls) {
    struct MHD_OptionItem item = { MHD_OPTION_URI_LOG_CALLBACK, (intptr_t) callback, cls };
    return item;
}

/* MHD_OPTION_EXTERNAL_LOGGER: MHD's printf-style diagnostics, already formatted into one line. */
typedef void (*sp_mhd_log_line_callback)(void *cls, const char *line);
typedef struct sp_mhd_logger {
    sp_mhd_log_line_callback callback;
    void *cls;
} sp_mhd_logger;

static inline void sp_mhd_log_trampoline(void *cls, const char *format, va_list ap) {
    const sp_mhd_logger *logger = (const sp_mhd_logger *) cls;
    char line[512];
    vsnprintf(line, sizeof line, format, ap);
    size_t length = strlen(line);
    while (length > 0 && (line[length - 1] == '\n' || line[length - 1] == '\r')) {
        line[--length] = '\0';
    }
    logger->callback(logger->cls, line);
}

/* The logger struct must outlive the daemon; the caller owns it. */
static inline struct MHD_OptionItem sp_mhd_option_logger(sp_mhd_logger *logger) {
    struct MHD_OptionItem item = { MHD_OPTION_EXTERNAL_LOGGER, (intptr_t) sp_mhd_log_trampoline, logger };
    return item;
}

/* The port the daemon is bound to (useful after binding port 0), or 0 when unknown. */
static inline uint16_t sp_mhd_daemon_port(struct MHD_Daemon *daemon) {
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
    return info == NULL ? 0 : info->port;
}

/* The peer address of a connection (a sockaddr_in or sockaddr_in6), or NULL. */
static inline const struct sockaddr *sp_mhd_client_address(struct MHD_Connection *connection) {
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    return info == NULL ? NULL : info->client_addr;
}

/* MHD_OPTION_NOTIFY_CONNECTION: connection opened/closed, with a per-connection context slot. */
typedef void (*sp_mhd_notify_connection_callback)(void *cls, struct MHD_Connection *connection,
                                                  void **socket_context, enum MHD_ConnectionNotificationCode code);
static inline struct MHD_OptionItem sp_mhd_option_notify_connection(sp_mhd_notify_connection_callback callback,
                                                                    void *cls) {
    struct MHD_OptionItem item = { MHD_OPTION_NOTIFY_CONNECTION, (intptr_t) callback, cls };
    return item;
}

/* The context stored by the connection-notify callback for this connection, or NULL. */
static inline void *sp_mhd_socket_context(struct MHD_Connection *connection) {
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return info == NULL ? NULL : info->socket_context;
}

/* The socket of a connection, or -1. */
static inline int sp_mhd_connection_fd(struct MHD_Connection *connection) {
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
    return info == NULL ? -1 : info->connect_fd;
}

#endif /* SERVICEPLANE_CMICROHTTPD_SHIM_H */
