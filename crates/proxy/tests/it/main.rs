//! Integration tests of the proxy over real sockets, with real HTTP clients and servers on
//! loopback; names are resolved by a stand-in network so nothing leaves the machine.

mod forward;
mod support;
mod tunnel;
