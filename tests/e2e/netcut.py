"""A TCP relay between one browser context and the live server, whose cable can be cut.

Chromium's offline emulation (``context.set_offline``) blocks new requests but leaves
an open WebSocket to localhost alive, so a phone "losing the network" would keep
receiving events. Sending that context through this relay and cutting it resets every
connection it carries — what a phone leaving Wi-Fi range does — and refuses new ones
until the cable is plugged back in.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time


class Relay:
    def __init__(self, target_port: int | None = None) -> None:
        # The target may be set later (``point_to``): the server must know the relay's
        # address first, to trust it as a socket origin.
        self.target = ("127.0.0.1", target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connected = True
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def point_to(self, target_port: int) -> None:
        self.target = ("127.0.0.1", target_port)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cut(self, timeout: float = 5.0) -> None:
        """Drop every connection now (a reset, as when a phone leaves Wi-Fi range) and
        refuse new ones. Each relay thread resets its own sockets: no cross-thread close."""
        self.connected = False
        deadline = time.monotonic() + timeout
        while self._sockets and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not self._sockets, "the relay could not drop its connections"

    def plug(self) -> None:
        self.connected = True

    def close(self) -> None:
        self._closed = True
        self.connected = False
        with contextlib.suppress(OSError):
            self.listener.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.connected:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._sockets.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        source.settimeout(0.1)
        try:
            while self.connected:
                try:
                    data = source.recv(65536)
                except TimeoutError:
                    continue
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):  # reset, not a polite close
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                with contextlib.suppress(OSError):
                    sock.close()
            with self._lock:
                self._sockets.discard(source)
                self._sockets.discard(sink)
