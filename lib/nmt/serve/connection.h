// Noticing that an HTTP client went away while its request waits for the decoder.
//
// cpp-httplib does not hand a handler its socket, so the socket is found by its addresses
// (the handler knows the peer's address and port and our port): among this process's
// descriptors, the TCP socket with that local port and that peer. The handler's thread owns
// the connection while it runs, so the descriptor cannot be closed or reused meanwhile.
#pragma once
#include <string>

namespace nmt::serve {

// The descriptor of the accepted connection local_port ← peer_addr:peer_port, or -1.
int find_connection_fd(int local_port, const std::string& peer_addr, int peer_port);

// True when the peer has closed or reset the connection: end of stream or an error, with no
// request bytes pending (as nginx does, a half-close counts as leaving). Never blocks, never
// consumes data.
bool peer_closed(int fd);

}  // namespace nmt::serve
