"""Small TCP segments on the server's own connections.

On loopback a segment is 64 KiB, and two of them fill a receiver's 128 KiB window (the
default before it grows). A frame of several segments then waited for a delayed ACK or a
loss probe, 14–60 ms, about one dial turn in thirty: between a browser and a server on the
same machine (the teacher's laptop, every test and benchmark), and between the web process
and its workers. 16 KiB segments keep the window open; a network's own are smaller still,
so nothing changes there. Set before a connection is made: on a listening socket its
connections inherit it, on a connecting one its peer is told.
"""

import contextlib
import socket

LOOPBACK_MSS = 16384


def small_segments(sock: socket.socket) -> socket.socket:
    """`sock` with its segments at most LOOPBACK_MSS, where the system allows it."""
    if hasattr(socket, "TCP_MAXSEG"):
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, LOOPBACK_MSS)
    return sock
